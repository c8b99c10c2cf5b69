import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { RegistryRowActions } from "@/app/(console)/admin/registries/registry-forms";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { listRegistries, type RegistryHealth } from "@/lib/services/registries/registries";
import { ZConsolePaging } from "@/lib/validation/pagination";
import { REGISTRY_TYPE_LABELS } from "@/lib/validation/registries";
import { formatDateTime } from "@/lib/format/datetime";

export async function generateMetadata() {
  return { title: (await getTranslations("registries"))("title") };
}

const HEALTH: Record<RegistryHealth, "good" | "bad" | "neutral"> = { healthy: "good", unhealthy: "bad", unknown: "neutral" };

export default async function RegistriesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const paging = ZConsolePaging.parse(params);
  const actor = await getActor();
  const outcome = await attempt(() => listRegistries({ actor, query: paging }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const { rows, total, page, pageSize } = outcome.value;
  // Auditors may read this page; changes and Test connection are offered to administrators.
  const canManage = hasSystemPermission(actor, "registry_endpoint.update");
  const t = await getTranslations("registries");

  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          hasSystemPermission(actor, "registry_endpoint.create") ? (
            <Link href="/admin/registries/new" prefetch={false} className={buttonClass()}>
              {t("new")}
            </Link>
          ) : undefined
        }
      />
      {params.created === "1" && <p className="mb-3 text-sm text-emerald-800">{t("created")}</p>}
      <Table testId="registries-table" columns={[t("columns.name"), t("columns.provider"), t("columns.url"), t("columns.credentials"), t("columns.health"), { label: t("columns.actions"), srOnly: true }]}>
        {rows.map((registry) => (
          <tr key={registry.id} className="align-top hover:bg-slate-50" data-testid={`registry-${registry.name}`}>
            <td className="px-4 py-2.5 font-medium">
              <Link href={`/admin/registries/${registry.id}`} prefetch={false} className="text-sky-800 hover:underline">
                {registry.name}
              </Link>
              {registry.description && <span className="block text-xs font-normal text-slate-500">{registry.description}</span>}
            </td>
            <td className="px-4 py-2.5">{REGISTRY_TYPE_LABELS[registry.type]}</td>
            <td className="px-4 py-2.5 font-mono text-xs break-all">{registry.url}</td>
            <td className="px-4 py-2.5">{registry.credentialType === "basic" ? registry.username : t("noCredentials")}</td>
            <td className="px-4 py-2.5">
              <span title={registry.statusMessage || undefined}>
                <Badge tone={HEALTH[registry.status]}>{t(`health.${registry.status}`)}</Badge>
              </span>
              {registry.statusCheckedAt && (
                <time className="block text-xs text-slate-500" dateTime={registry.statusCheckedAt.toISOString()}>
                  {formatDateTime(registry.statusCheckedAt)}
                </time>
              )}
            </td>
            <td className="px-4 py-2.5">{canManage && <RegistryRowActions registry={{ id: registry.id, name: registry.name }} />}</td>
          </tr>
        ))}
        {rows.length === 0 && <EmptyRow colSpan={6}>{t("empty")}</EmptyRow>}
      </Table>
      <Pagination basePath="/admin/registries" params={{}} page={page} pageSize={pageSize} total={total} />
    </>
  );
}
