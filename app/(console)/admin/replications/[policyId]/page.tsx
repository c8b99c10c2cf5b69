import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { RefreshWhileRunning, ReplicateNowButton, RetryFailedButton, StopExecutionButton } from "@/app/(console)/admin/replications/controls";
import { loadPolicy } from "@/app/(console)/admin/replications/load-policy";
import { describeTrigger, ExecutionProgress, formatTime, ReplicationStatus, triggerLabel } from "@/app/(console)/admin/replications/status";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import type { RepositorySelector } from "@/lib/policy/selectors";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { listReplicationExecutions } from "@/lib/services/replication/runs";
import { ZConsolePaging } from "@/lib/validation/pagination";

export async function generateMetadata() {
  return { title: (await getTranslations("replication"))("policyTitle") };
}

type Translate = Awaited<ReturnType<typeof getTranslations<"replication">>>;

const selectorText = (s: RepositorySelector | null, none: string, t: Translate) =>
  s ? [s.decoration === "matches" ? t("selectorMatches") : t("selectorExcludes"), s.kind === "regex" ? t("selectorRegex") : null, s.pattern].filter(Boolean).join(" ") : none;

const FLATTENINGS = new Set(["-1", "0", "1", "2", "3"]);
const flatteningText = (f: number, t: Translate) => (FLATTENINGS.has(String(f)) ? t(`flattening.${String(f)}` as "flattening.0") : String(f));

/**
 * A policy: every setting (read-only here, for auditors too), Preview and Replicate now for
 * administrators, and its executions, newest first; the page refreshes itself while one runs.
 */
export default async function ReplicationPolicyPage({
  params,
  searchParams,
}: {
  params: Promise<{ policyId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const actor = await getActor();
  const policy = await loadPolicy(actor, (await params).policyId);
  if (!policy.ok) return <RefusalNotice error={policy.error} />;
  const p = policy.value;
  const query = await searchParams;
  const paging = ZConsolePaging.parse(query);
  const executions = await attempt(() => listReplicationExecutions({ actor, query: { policyId: p.id, ...paging } }));
  if (!executions.ok) return <RefusalNotice error={executions.error} />;
  const canOperate = hasSystemPermission(actor, "replication_execution.start");
  const canStop = hasSystemPermission(actor, "replication_execution.stop");
  const canEdit = hasSystemPermission(actor, "replication_policy.update");
  const base = `/admin/replications/${p.id}`;
  const running = executions.value.rows.some((e) => e.status === "InProgress");
  const t = await getTranslations("replication");
  const settings: [string, React.ReactNode][] = [
    [t("settings.mode"), p.direction === "push" ? t("modePush") : t("modePull")],
    [t("settings.endpoint"), `${p.endpoint.name} (${p.endpoint.url})`],
    [t("settings.repositories"), selectorText(p.filters.name, t("everyRepository"), t)],
    [t("settings.tags"), p.filters.tag ? selectorText(p.filters.tag, "", t) + (p.filters.tag.untagged ? t("untaggedToo") : "") : t("everyArtifactAllTags")],
    [t("settings.resources"), p.filters.resource === "image" ? t("imagesOnly") : t("everyArtifact")],
    [t("settings.destNamespace"), p.destNamespace ? t("namespaceFlattening", { namespace: p.destNamespace, flattening: flatteningText(p.flattening, t) }) : t("namesKept")],
    [t("settings.override"), p.override ? t("yes") : t("noSkipped")],
    [t("settings.deletions"), p.replicateDeletion ? t("yes") : t("no")],
    [t("settings.trigger"), describeTrigger(p.trigger, p.cron, t)],
    [t("settings.bandwidth"), p.bandwidthLimit === null ? t("unlimited") : t("bytesPerSecond", { n: p.bandwidthLimit })],
    [t("settings.parallelism"), String(p.copyParallelism)],
    [t("settings.updated"), formatTime(p.updatedAt)],
  ];

  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link href="/admin/replications" prefetch={false} className="text-sky-800 hover:underline">
          {t("back")}
        </Link>
      </p>
      <PageHeader
        title={p.name}
        description={p.description || undefined}
        actions={
          <div className="flex flex-wrap items-start gap-2">
            {p.enabled ? <Badge tone="good">{t("enabled")}</Badge> : <Badge>{t("disabled")}</Badge>}
            {canEdit && (
              <Link href={`${base}/edit`} prefetch={false} className={buttonClass("secondary")}>
                {t("edit")}
              </Link>
            )}
            {canOperate && (
              <Link href={`${base}/preview`} prefetch={false} className={buttonClass("secondary")}>
                {t("preview")}
              </Link>
            )}
            {canOperate && <ReplicateNowButton policyId={p.id} />}
          </div>
        }
      />
      {query.created === "1" && <p className="text-sm text-emerald-800">{t("created")}</p>}
      <dl className="grid max-w-3xl grid-cols-1 gap-x-4 gap-y-1 text-sm sm:grid-cols-3" data-testid="policy-settings">
        {settings.map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="text-slate-500">{label}</dt>
            <dd className="sm:col-span-2">{value}</dd>
          </div>
        ))}
      </dl>

      <section aria-labelledby="executions-heading">
        <h2 id="executions-heading" className="mb-2 text-lg font-semibold">
          {t("executions")}
        </h2>
        <RefreshWhileRunning running={running} />
        <Table
          testId="replication-executions"
          container
          columns={[t("exec.execution"), t("exec.status"), t("exec.trigger"), t("exec.started"), t("exec.ended"), t("exec.tasks"), t("exec.succeeded"), t("exec.failed"), t("exec.stopped"), { label: t("exec.actions"), srOnly: true }]}
        >
          {executions.value.rows.map((e) => (
            <tr key={e.id} className="align-top" data-testid={`execution-${e.id}`}>
              <td className="px-4 py-2.5">
                <Link prefetch={false} className="text-sky-800 hover:underline" href={`${base}/executions/${e.id}`}>
                  #{e.id}
                </Link>
              </td>
              <td className="px-4 py-2.5">
                <ReplicationStatus status={e.status} />
                {e.status === "InProgress" && <ExecutionProgress executionId={e.id} total={e.total} done={e.succeed + e.failed + e.stopped} />}
              </td>
              <td className="px-4 py-2.5 text-xs">
                {triggerLabel(e.trigger, t)}
                <span className="block text-slate-500">{t("by", { user: e.triggeredBy })}</span>
              </td>
              <td className="px-4 py-2.5 text-xs whitespace-nowrap">{formatTime(e.startedAt)}</td>
              <td className="px-4 py-2.5 text-xs whitespace-nowrap">{formatTime(e.endedAt)}</td>
              <td className="px-4 py-2.5">{e.total}</td>
              <td className="px-4 py-2.5">{e.succeed}</td>
              <td className="px-4 py-2.5">{e.failed}</td>
              <td className="px-4 py-2.5">{e.stopped}</td>
              <td className="px-4 py-2.5">
                <div className="flex flex-wrap justify-end gap-2">
                  {canStop && e.status === "InProgress" && <StopExecutionButton executionId={e.id} />}
                  {canOperate && e.status !== "InProgress" && e.failed > 0 && <RetryFailedButton executionId={e.id} />}
                </div>
              </td>
            </tr>
          ))}
          {executions.value.rows.length === 0 && <EmptyRow colSpan={10}>{t("noExecutions")}</EmptyRow>}
        </Table>
        <Pagination basePath={base} params={{}} page={paging.page} pageSize={paging.pageSize} total={executions.value.total} />
      </section>
    </div>
  );
}
