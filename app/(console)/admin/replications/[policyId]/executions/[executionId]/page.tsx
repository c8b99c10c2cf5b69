import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { z } from "zod";
import { RefreshWhileRunning, RetryFailedButton, StopExecutionButton } from "@/app/(console)/admin/replications/controls";
import { ExecutionProgress, formatBytes, formatDuration, formatTime, ReplicationStatus, triggerLabel } from "@/app/(console)/admin/replications/status";
import { Badge } from "@/components/ui/badge";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { NotFoundError } from "@/lib/errors";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { getReplicationPolicy } from "@/lib/services/replication/policies";
import { getReplicationExecution, listReplicationTasks } from "@/lib/services/replication/runs";
import { ZId } from "@/lib/validation/common";
import { ZConsolePaging } from "@/lib/validation/pagination";

export async function generateMetadata() {
  return { title: (await getTranslations("replication"))("executionMetaTitle") };
}

const TASK_STATUSES = ["Pending", "InProgress", "Succeed", "Failed", "Stopped"] as const;
const ZTaskQuery = ZConsolePaging.extend({ status: z.enum(TASK_STATUSES).optional().catch(undefined) });
const OPERATION_TONE = { copy: "info", skip: "neutral", delete: "bad" } as const;

/**
 * One execution: its status, counts and progress (refreshed every 2 s while it runs), Stop and
 * Retry failed tasks for administrators, and its tasks, one per artifact, each with its log.
 */
export default async function ReplicationExecutionPage({
  params,
  searchParams,
}: {
  params: Promise<{ policyId: string; executionId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const raw = await params;
  const policyId = ZId.safeParse(raw.policyId);
  const executionId = ZId.safeParse(raw.executionId);
  const missing = new NotFoundError("There is no such replication execution.");
  if (!policyId.success || !executionId.success) return <RefusalNotice error={missing} />;
  const actor = await getActor();
  const query = ZTaskQuery.parse(await searchParams);
  const [execution, tasks, policy] = await Promise.all([
    attempt(() => getReplicationExecution({ actor, executionId: executionId.data })),
    attempt(() => listReplicationTasks({ actor, executionId: executionId.data, query: { status: query.status, page: query.page, pageSize: query.pageSize } })),
    attempt(() => getReplicationPolicy({ actor, policyId: policyId.data })),
  ]);
  if (!execution.ok) return <RefusalNotice error={execution.error} />;
  if (!tasks.ok) return <RefusalNotice error={tasks.error} />;
  if (!policy.ok) return <RefusalNotice error={policy.error} />;
  // The URL names the policy too: an execution of another policy is not found here.
  if (execution.value.policyId !== policyId.data) return <RefusalNotice error={missing} />;
  const e = execution.value;
  const base = `/admin/replications/${policyId.data}/executions/${e.id}`;
  const running = e.status === "InProgress";
  const filterLink = (status?: string) => (status ? `${base}?status=${status}` : base);
  const t = await getTranslations("replication");

  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link prefetch={false} href={`/admin/replications/${policyId.data}`} className="text-sky-800 hover:underline">
          ← {policy.value.name}
        </Link>
      </p>
      <RefreshWhileRunning running={running} />
      <div className="flex flex-wrap items-start justify-between gap-4" data-testid="execution-summary">
        <div className="space-y-1">
          <h1 className="flex items-center gap-3 text-2xl font-semibold text-slate-900">
            {t("executionHeading", { id: e.id })} <ReplicationStatus status={e.status} />
          </h1>
          <p className="text-sm text-slate-600">
            {t("executionLine", {
              trigger: triggerLabel(e.trigger, t),
              user: e.triggeredBy,
              started: formatTime(e.startedAt),
              ended: e.endedAt ? t("endedAt", { time: formatTime(e.endedAt), duration: formatDuration(e.startedAt, e.endedAt) }) : t("stillRunning"),
            })}
          </p>
          <p className="text-sm" data-testid="execution-counts">
            {t("executionCounts", { total: e.total, succeeded: e.succeed, failed: e.failed, inProgress: e.inProgress, stopped: e.stopped })}
          </p>
          {e.statusText && <p className="text-sm text-slate-600">{e.statusText}</p>}
          {running && <ExecutionProgress executionId={e.id} total={e.total} done={e.succeed + e.failed + e.stopped} />}
        </div>
        <div className="flex flex-wrap gap-2">
          {hasSystemPermission(actor, "replication_execution.stop") && running && <StopExecutionButton executionId={e.id} />}
          {hasSystemPermission(actor, "replication_execution.start") && !running && e.failed > 0 && <RetryFailedButton executionId={e.id} />}
        </div>
      </div>

      <section aria-labelledby="tasks-heading">
        <h2 id="tasks-heading" className="mb-2 text-lg font-semibold">
          {t("tasksHeading")}
        </h2>
        <nav aria-label={t("filterTasks")} className="mb-2 flex flex-wrap gap-3 text-sm">
          {([undefined, ...TASK_STATUSES] as const).map((s) => (
            <Link key={s ?? "all"} prefetch={false} href={filterLink(s)} aria-current={query.status === s ? "page" : undefined} className={query.status === s ? "font-semibold" : "text-sky-800 hover:underline"}>
              {s === undefined ? t("all") : t(`status.${s}`)}
            </Link>
          ))}
        </nav>
        <Table testId="replication-tasks" container columns={[t("col.artifact"), t("col.destination"), t("col.operation"), t("col.status"), t("col.bytes"), t("col.duration"), t("col.log")]}>
          {tasks.value.rows.map((task) => (
            <tr key={task.id} className="align-top" data-testid={`task-${task.srcRepository}-${task.tags[0] ?? task.digest.slice(7, 19)}`}>
              <td className="px-4 py-2.5 font-mono text-xs">
                {task.srcRepository}
                <span className="block text-slate-500">{task.tags.length ? task.tags.join(", ") : t("untagged")}</span>
                <span className="block text-slate-500" title={task.digest}>
                  {task.digest.slice(0, 19)}
                </span>
              </td>
              <td className="px-4 py-2.5 font-mono text-xs">{task.dstRepository}</td>
              <td className="px-4 py-2.5">
                <Badge tone={OPERATION_TONE[task.operation as keyof typeof OPERATION_TONE] ?? "neutral"}>
                  {task.operation in OPERATION_TONE ? t(`taskOperation.${task.operation as keyof typeof OPERATION_TONE}`) : task.operation}
                </Badge>
                {task.reason && <span className="block max-w-xs text-xs text-slate-500">{task.reason}</span>}
              </td>
              <td className="px-4 py-2.5">
                <ReplicationStatus status={task.status} />
                {task.attempts > 1 && <span className="block text-xs text-slate-500">{t("attempts", { count: task.attempts })}</span>}
              </td>
              <td className="px-4 py-2.5 text-xs whitespace-nowrap">{formatBytes(task.bytes)}</td>
              <td className="px-4 py-2.5 text-xs whitespace-nowrap">{formatDuration(task.startedAt, task.finishedAt)}</td>
              <td className="px-4 py-2.5">
                <Link prefetch={false} className="text-sky-800 hover:underline" href={`${base}/tasks/${task.id}`} aria-label={t("logOf", { id: task.id })}>
                  {t("log")}
                </Link>
              </td>
            </tr>
          ))}
          {tasks.value.rows.length === 0 && <EmptyRow colSpan={7}>{running ? t("noTasksPlanning") : t("noTasks")}</EmptyRow>}
        </Table>
        <Pagination basePath={base} params={{ status: query.status }} page={query.page} pageSize={query.pageSize} total={tasks.value.total} />
      </section>
    </div>
  );
}
