import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { DeletePolicyButton } from "@/app/(console)/admin/replications/controls";
import { describeTrigger, formatTime, ReplicationStatus } from "@/app/(console)/admin/replications/status";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { listReplicationPolicies } from "@/lib/services/replication/policies";
import { latestReplicationExecutions } from "@/lib/services/replication/runs";
import { ZConsolePaging } from "@/lib/validation/pagination";

export async function generateMetadata() {
  return { title: (await getTranslations("replication"))("title") };
}

/** Replication policies, paged on the server; administrators change them, auditors read. */
export default async function ReplicationsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const paging = ZConsolePaging.parse(await searchParams);
  const actor = await getActor();
  const outcome = await attempt(() => listReplicationPolicies({ actor, query: paging }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const { rows, total, page, pageSize } = outcome.value;
  const latest = await attempt(() => latestReplicationExecutions({ actor, policyIds: rows.map((r) => r.id) }));
  if (!latest.ok) return <RefusalNotice error={latest.error} />;
  // UX only: the services refuse changes to anyone without these permissions.
  const canCreate = hasSystemPermission(actor, "replication_policy.create");
  const canUpdate = hasSystemPermission(actor, "replication_policy.update");
  const canDelete = hasSystemPermission(actor, "replication_policy.delete");
  const t = await getTranslations("replication");

  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          canCreate ? (
            <Link href="/admin/replications/new" prefetch={false} className={buttonClass()}>
              {t("newPolicy")}
            </Link>
          ) : undefined
        }
      />
      <Table testId="replication-policies" container columns={[t("columns.name"), t("columns.mode"), t("columns.endpoint"), t("columns.trigger"), t("columns.enabled"), t("columns.lastRun"), { label: t("columns.actions"), srOnly: true }]}>
        {rows.map((policy) => {
          const last = latest.value.get(policy.id);
          return (
            <tr key={policy.id} className="align-top hover:bg-slate-50" data-testid={`policy-${policy.name}`}>
              <td className="px-4 py-2.5 font-medium">
                <Link href={`/admin/replications/${policy.id}`} prefetch={false} className="text-sky-800 hover:underline">
                  {policy.name}
                </Link>
                {policy.description && <span className="block text-xs font-normal text-slate-500">{policy.description}</span>}
              </td>
              <td className="px-4 py-2.5 whitespace-nowrap">{policy.direction === "push" ? t("pushArrow") : t("pullArrow")}</td>
              <td className="px-4 py-2.5">
                {policy.endpoint.name}
                <span className="block font-mono text-xs break-all text-slate-500">{policy.endpoint.url}</span>
              </td>
              <td className="px-4 py-2.5 text-xs">{describeTrigger(policy.trigger, policy.cron, t)}</td>
              <td className="px-4 py-2.5">{policy.enabled ? <Badge tone="good">{t("enabled")}</Badge> : <Badge>{t("disabled")}</Badge>}</td>
              <td className="px-4 py-2.5">
                {last ? (
                  <Link href={`/admin/replications/${policy.id}/executions/${last.id}`} prefetch={false} className="hover:underline" data-testid={`last-run-${policy.name}`}>
                    <ReplicationStatus status={last.status} />
                    <span className="block text-xs text-slate-500">{formatTime(last.startedAt)}</span>
                  </Link>
                ) : (
                  <span className="text-xs text-slate-500">{t("neverRun")}</span>
                )}
              </td>
              <td className="px-4 py-2.5">
                <div className="flex flex-wrap justify-end gap-2">
                  {canUpdate && (
                    <Link href={`/admin/replications/${policy.id}/edit`} prefetch={false} className={buttonClass("secondary")}>
                      {t("edit")}
                    </Link>
                  )}
                  {canDelete && <DeletePolicyButton policy={{ id: policy.id, name: policy.name }} />}
                </div>
              </td>
            </tr>
          );
        })}
        {rows.length === 0 && <EmptyRow colSpan={7}>{t("empty")}</EmptyRow>}
      </Table>
      <Pagination basePath="/admin/replications" params={{}} page={page} pageSize={pageSize} total={total} />
    </>
  );
}
