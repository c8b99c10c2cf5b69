import Link from "next/link";
import { RefreshWhileRunning, ReplicateNowButton, RetryFailedButton, StopExecutionButton } from "@/app/(console)/admin/replications/controls";
import { loadPolicy } from "@/app/(console)/admin/replications/load-policy";
import { describeTrigger, ExecutionProgress, formatTime, ReplicationStatus, TRIGGER_LABELS } from "@/app/(console)/admin/replications/status";
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

export const metadata = { title: "Replication policy" };

const selectorText = (s: RepositorySelector | null, none: string) => (s ? `${s.decoration === "matches" ? "matching" : "excluding"} ${s.kind === "regex" ? "regex" : ""} ${s.pattern}`.replace(/\s+/g, " ") : none);

const FLATTENING: Record<string, string> = { "-1": "all levels", "0": "none", "1": "1 level", "2": "2 levels", "3": "3 levels" };

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
  const settings: [string, React.ReactNode][] = [
    ["Mode", p.direction === "push" ? "Push-based: this Wharf → endpoint" : "Pull-based: endpoint → this Wharf"],
    ["Endpoint", `${p.endpoint.name} (${p.endpoint.url})`],
    ["Repositories", selectorText(p.filters.name, "every repository")],
    ["Tags", p.filters.tag ? `${selectorText(p.filters.tag, "")}${p.filters.tag.untagged ? ", untagged artifacts too" : ""}` : "every artifact, all its tags"],
    ["Resources", p.filters.resource === "image" ? "images only" : "every artifact (signatures, SBOMs, …)"],
    ["Destination namespace", p.destNamespace ? `${p.destNamespace} (flattening: ${FLATTENING[String(p.flattening)]})` : "names kept"],
    ["Override existing tags", p.override ? "yes" : "no (skipped)"],
    ["Replicate deletions", p.replicateDeletion ? "yes" : "no"],
    ["Trigger", describeTrigger(p.trigger, p.cron)],
    ["Bandwidth limit", p.bandwidthLimit === null ? "unlimited" : `${p.bandwidthLimit} bytes/s`],
    ["Copy parallelism", String(p.copyParallelism)],
    ["Updated", formatTime(p.updatedAt)],
  ];

  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link href="/admin/replications" prefetch={false} className="text-sky-800 hover:underline">
          ← Replications
        </Link>
      </p>
      <PageHeader
        title={p.name}
        description={p.description || undefined}
        actions={
          <div className="flex flex-wrap items-start gap-2">
            {p.enabled ? <Badge tone="good">Enabled</Badge> : <Badge>Disabled</Badge>}
            {canEdit && (
              <Link href={`${base}/edit`} prefetch={false} className={buttonClass("secondary")}>
                Edit
              </Link>
            )}
            {canOperate && (
              <Link href={`${base}/preview`} prefetch={false} className={buttonClass("secondary")}>
                Preview
              </Link>
            )}
            {canOperate && <ReplicateNowButton policyId={p.id} />}
          </div>
        }
      />
      {query.created === "1" && <p className="text-sm text-emerald-800">Replication policy created. Preview shows what its first run would copy.</p>}
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
          Executions
        </h2>
        <RefreshWhileRunning running={running} />
        <Table
          testId="replication-executions"
          container
          columns={["Execution", "Status", "Trigger", "Started", "Ended", "Tasks", "Succeeded", "Failed", "Stopped", { label: "Actions", srOnly: true }]}
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
                {TRIGGER_LABELS[e.trigger] ?? e.trigger}
                <span className="block text-slate-500">by {e.triggeredBy}</span>
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
          {executions.value.rows.length === 0 && <EmptyRow colSpan={10}>No executions yet.</EmptyRow>}
        </Table>
        <Pagination basePath={base} params={{}} page={paging.page} pageSize={paging.pageSize} total={executions.value.total} />
      </section>
    </div>
  );
}
