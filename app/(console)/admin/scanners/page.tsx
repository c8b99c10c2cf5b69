import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { ScannerRowActions } from "@/app/(console)/admin/scanners/scanner-forms";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { listScannerPage, type ScannerHealth, type ScannerSummary } from "@/lib/services/scan/scanners";
import { ZConsolePaging } from "@/lib/validation/pagination";
import { SCANNER_AUTH_KEYS } from "@/lib/validation/scanner-types";
import { formatDateTime } from "@/lib/format/datetime";

export async function generateMetadata() {
  return { title: (await getTranslations("scanners"))("title") };
}

const HEALTH_TONE: Record<ScannerHealth, "good" | "bad" | "neutral"> = { healthy: "good", unhealthy: "bad", unknown: "neutral" };

/** "Trivy 0.50 by Aqua Security", from the metadata of the last successful Test connection. */
function adapterText(scanner: ScannerSummary, t: Awaited<ReturnType<typeof getTranslations<"scanners">>>): string {
  const info = scanner.metadata?.scanner;
  if (!info?.name) return "—";
  return `${info.name}${info.version ? ` ${info.version}` : ""}${info.vendor ? t("adapterVendor", { vendor: info.vendor }) : ""}`;
}

export default async function ScannersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const paging = ZConsolePaging.parse(params);
  const actor = await getActor();
  const outcome = await attempt(() => listScannerPage({ actor, query: paging }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const { rows, total, page, pageSize } = outcome.value;
  // Auditors may read this page; changes and Test connection are offered to administrators.
  const canManage = hasSystemPermission(actor, "scanner.update");
  const t = await getTranslations("scanners");

  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          hasSystemPermission(actor, "scanner.create") ? (
            <Link href="/admin/scanners/new" prefetch={false} className={buttonClass()}>
              {t("newScanner")}
            </Link>
          ) : undefined
        }
      />
      {params.created === "1" && <p className="mb-3 text-sm text-emerald-800">{t("created")}</p>}
      <Table testId="scanners-table" columns={[t("columns.name"), t("columns.url"), t("columns.health"), t("columns.enabled"), t("columns.scanner"), ""]}>
        {rows.map((scanner) => (
          <tr key={scanner.id} className="align-top hover:bg-slate-50" data-testid={`scanner-${scanner.name}`}>
            <td className="px-4 py-2.5 font-medium">
              <Link href={`/admin/scanners/${scanner.id}`} prefetch={false} className="text-sky-800 hover:underline">
                {scanner.name}
              </Link>
              <span className="ml-2 inline-flex gap-1">
                {scanner.isDefault && <Badge tone="info">{t("default")}</Badge>}
                {scanner.builtin && (
                  <Badge tone="neutral" title={t("builtinTitle")}>
                    {t("builtin")}
                  </Badge>
                )}
              </span>
              {scanner.description && <span className="block text-xs font-normal text-slate-500">{scanner.description}</span>}
            </td>
            <td className="px-4 py-2.5">
              <span className="block font-mono text-xs break-all">{scanner.url}</span>
              <span className="block text-xs text-slate-500">
                {t(`auth.${SCANNER_AUTH_KEYS[scanner.auth]}`)}
                {scanner.skipCertVerify ? t("tlsNotVerified") : ""}
              </span>
            </td>
            <td className="px-4 py-2.5" data-testid="scanner-health">
              <span title={scanner.healthMessage || undefined}>
                <Badge tone={HEALTH_TONE[scanner.health]}>{t(`health.${scanner.health}`)}</Badge>
              </span>
              {scanner.healthCheckedAt && (
                <time className="block text-xs text-slate-500" dateTime={scanner.healthCheckedAt.toISOString()}>
                  {formatDateTime(scanner.healthCheckedAt)}
                </time>
              )}
            </td>
            <td className="px-4 py-2.5" data-testid="scanner-enabled">
              {scanner.disabled ? <Badge tone="bad">{t("disabled")}</Badge> : <Badge tone="good">{t("enabled")}</Badge>}
            </td>
            <td className="px-4 py-2.5 text-xs" data-testid="scanner-adapter">
              {adapterText(scanner, t)}
              {(scanner.capabilities.vulnerability || scanner.capabilities.sbom) && (
                <span className="block text-slate-500">
                  {[scanner.capabilities.vulnerability ? t("capVulnerabilities") : null, scanner.capabilities.sbom ? t("capSbom") : null].filter(Boolean).join(", ")}
                </span>
              )}
            </td>
            <td className="px-4 py-2.5">
              {canManage && <ScannerRowActions scanner={{ id: scanner.id, name: scanner.name, isDefault: scanner.isDefault, disabled: scanner.disabled }} />}
            </td>
          </tr>
        ))}
        {rows.length === 0 && <EmptyRow colSpan={6}>{t("empty")}</EmptyRow>}
      </Table>
      <Pagination basePath="/admin/scanners" params={{}} page={page} pageSize={pageSize} total={total} />
    </>
  );
}
