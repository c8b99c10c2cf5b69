import Link from "next/link";
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
import { SCANNER_AUTH_LABELS } from "@/lib/validation/scanners";
import { formatDateTime } from "@/lib/format/datetime";

export const metadata = { title: "Interrogation services" };

const HEALTH: Record<ScannerHealth, { tone: "good" | "bad" | "neutral"; label: string }> = {
  healthy: { tone: "good", label: "Healthy" },
  unhealthy: { tone: "bad", label: "Unhealthy" },
  unknown: { tone: "neutral", label: "Not tested" },
};

/** "Trivy 0.50 by Aqua Security", from the metadata of the last successful Test connection. */
function adapterText(scanner: ScannerSummary): string {
  const info = scanner.metadata?.scanner;
  if (!info?.name) return "—";
  return `${info.name}${info.version ? ` ${info.version}` : ""}${info.vendor ? ` by ${info.vendor}` : ""}`;
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

  return (
    <>
      <PageHeader
        title="Interrogation services"
        description="Scanners (Pluggable Scanner API adapters) that scan images for vulnerabilities. Projects scan with the default unless they choose another. Credentials are stored encrypted and never shown."
        actions={
          hasSystemPermission(actor, "scanner.create") ? (
            <Link href="/admin/scanners/new" prefetch={false} className={buttonClass()}>
              New scanner
            </Link>
          ) : undefined
        }
      />
      {params.created === "1" && <p className="mb-3 text-sm text-emerald-800">Scanner created.</p>}
      <Table testId="scanners-table" columns={["Name", "URL", "Health", "Enabled", "Scanner", ""]}>
        {rows.map((scanner) => (
          <tr key={scanner.id} className="align-top hover:bg-slate-50" data-testid={`scanner-${scanner.name}`}>
            <td className="px-4 py-2.5 font-medium">
              <Link href={`/admin/scanners/${scanner.id}`} prefetch={false} className="text-sky-800 hover:underline">
                {scanner.name}
              </Link>
              <span className="ml-2 inline-flex gap-1">
                {scanner.isDefault && <Badge tone="info">Default</Badge>}
                {scanner.builtin && (
                  <Badge tone="neutral" title="Wharf's own adapter, served by Wharf; its URL and key follow Wharf's settings on every start.">
                    Built-in
                  </Badge>
                )}
              </span>
              {scanner.description && <span className="block text-xs font-normal text-slate-500">{scanner.description}</span>}
            </td>
            <td className="px-4 py-2.5">
              <span className="block font-mono text-xs break-all">{scanner.url}</span>
              <span className="block text-xs text-slate-500">
                {SCANNER_AUTH_LABELS[scanner.auth]}
                {scanner.skipCertVerify ? " · TLS not verified" : ""}
              </span>
            </td>
            <td className="px-4 py-2.5" data-testid="scanner-health">
              <span title={scanner.healthMessage || undefined}>
                <Badge tone={HEALTH[scanner.health].tone}>{HEALTH[scanner.health].label}</Badge>
              </span>
              {scanner.healthCheckedAt && (
                <time className="block text-xs text-slate-500" dateTime={scanner.healthCheckedAt.toISOString()}>
                  {formatDateTime(scanner.healthCheckedAt)}
                </time>
              )}
            </td>
            <td className="px-4 py-2.5" data-testid="scanner-enabled">
              {scanner.disabled ? <Badge tone="bad">Disabled</Badge> : <Badge tone="good">Enabled</Badge>}
            </td>
            <td className="px-4 py-2.5 text-xs" data-testid="scanner-adapter">
              {adapterText(scanner)}
              {(scanner.capabilities.vulnerability || scanner.capabilities.sbom) && (
                <span className="block text-slate-500">
                  {[scanner.capabilities.vulnerability ? "vulnerabilities" : null, scanner.capabilities.sbom ? "SBOM" : null].filter(Boolean).join(", ")}
                </span>
              )}
            </td>
            <td className="px-4 py-2.5">
              {canManage && <ScannerRowActions scanner={{ id: scanner.id, name: scanner.name, isDefault: scanner.isDefault, disabled: scanner.disabled }} />}
            </td>
          </tr>
        ))}
        {rows.length === 0 && <EmptyRow colSpan={6}>No scanners yet.</EmptyRow>}
      </Table>
      <Pagination basePath="/admin/scanners" params={{}} page={page} pageSize={pageSize} total={total} />
    </>
  );
}
