import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { z } from "zod";
import { ExecutionStatus, formatTime } from "@/app/(console)/projects/[projectId]/policy/execution-status";
import { RetryExecutionButton, StopExecutionButton } from "@/app/(console)/projects/[projectId]/policy/policy-forms";
import { loadProject } from "@/app/(console)/projects/[projectId]/load-project";
import { Badge } from "@/components/ui/badge";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { NotFoundError } from "@/lib/errors";
import { listRetentionExecutions, listRetentionResults, listRetentionTasks } from "@/lib/services/retention/runs";
import { ZId } from "@/lib/validation/common";
import { CONSOLE_DEFAULT_PAGE_SIZE, ZConsolePaging } from "@/lib/validation/pagination";

export async function generateMetadata() {
  return { title: (await getTranslations("policy"))("executionMetaTitle") };
}

const TASKS_PAGE_SIZE = 20;
/** The decisions' `page`/`pageSize` and the tasks' own page (`tasks`), each read as the console's `page`. */
const ZDetailQuery = ZConsolePaging.extend({
  decision: z.enum(["retain", "remove"]).optional().catch(undefined),
  tasks: ZConsolePaging.shape.page,
});

/**
 * One execution: its tasks (one per repository) and what it decided for every artifact, with the
 * reason: which rule kept it, or why it went. The reasons are what make a dry run trustworthy.
 */
export default async function ExecutionPage({
  params,
  searchParams,
}: {
  params: Promise<{ projectId: string; executionId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { projectId: rawProjectId, executionId: rawExecutionId } = await params;
  const project = await loadProject(rawProjectId);
  if (!project.ok) return null;
  const executionId = ZId.safeParse(rawExecutionId);
  if (!executionId.success) return <RefusalNotice error={new NotFoundError("No such retention execution.")} />;
  const projectId = project.value.id;
  const query = ZDetailQuery.parse(await searchParams);
  const actor = await getActor();
  const [tasks, results] = await Promise.all([
    attempt(() => listRetentionTasks({ actor, projectId, executionId: executionId.data, page: { page: query.tasks, pageSize: TASKS_PAGE_SIZE } })),
    attempt(() => listRetentionResults({ actor, projectId, executionId: executionId.data, decision: query.decision, page: { page: query.page, pageSize: query.pageSize } })),
  ]);
  if (!tasks.ok) return <RefusalNotice error={tasks.error} />;
  if (!results.ok) return <RefusalNotice error={results.error} />;
  // The services have no single-execution read yet: the summary comes from the newest 100 of the
  // list (older executions show their tasks and decisions without the summary line).
  const summary = await attempt(() => listRetentionExecutions({ actor, projectId, page: { page: 1, pageSize: 100 } }));
  const execution = summary.ok ? summary.value.rows.find((e) => e.id === executionId.data) : undefined;
  const base = `/projects/${projectId}/policy/executions/${executionId.data}`;
  const canOperate = new Set(project.value.viewerPermissions).has("tag-retention:operate");
  const taskPages = Math.max(1, Math.ceil(tasks.value.total / TASKS_PAGE_SIZE));
  // Each pager keeps the other's place: the tasks' page, and the decisions' filter, page and page size.
  const pageSizeParam = query.pageSize === CONSOLE_DEFAULT_PAGE_SIZE ? undefined : String(query.pageSize);
  const tasksParam = query.tasks > 1 ? String(query.tasks) : undefined;
  const href = (state: { tasks: number; decision?: "retain" | "remove" | undefined; page: number }) => {
    const search = new URLSearchParams();
    if (state.tasks > 1) search.set("tasks", String(state.tasks));
    if (state.decision) search.set("decision", state.decision);
    if (state.page > 1) search.set("page", String(state.page));
    if (pageSizeParam) search.set("pageSize", pageSizeParam);
    const text = search.toString();
    return text ? `${base}?${text}` : base;
  };
  const filterLink = (decision?: "retain" | "remove") => href({ tasks: query.tasks, decision, page: 1 });
  const t = await getTranslations("policy");

  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link prefetch={false} href={`/projects/${projectId}/policy`} className="text-sky-800 hover:underline">
          {t("back")}
        </Link>
      </p>
      <div className="flex flex-wrap items-center gap-3" data-testid="execution-summary">
        <h2 className="text-lg font-semibold">{t("executionHeading", { id: executionId.data })}</h2>
        {execution && (
          <>
            <Badge tone={execution.dryRun ? "info" : "neutral"}>{execution.dryRun ? t("dryRunNothing") : t("realRun")}</Badge>
            <ExecutionStatus status={execution.status} />
            <span className="text-sm text-slate-600">
              {t("executionLine", {
                time: formatTime(execution.startedAt),
                trigger: execution.trigger,
                total: execution.counts.total,
                retained: execution.counts.retained,
                removed: execution.counts.removed,
                deleted: execution.counts.deleted,
                dryRun: String(execution.dryRun),
              })}
            </span>
            {canOperate && (execution.status === "Running" || execution.status === "Pending") && <StopExecutionButton projectId={projectId} executionId={execution.id} />}
            {canOperate && execution.status === "Failed" && <RetryExecutionButton projectId={projectId} executionId={execution.id} />}
          </>
        )}
      </div>

      <section aria-labelledby="tasks-heading">
        <h3 id="tasks-heading" className="mb-2 font-medium">
          {t("tasksHeading")}
        </h3>
        <Table testId="retention-tasks" columns={[t("col.repository"), t("col.status"), t("col.total"), t("col.retained"), t("col.removed"), t("col.deleted"), t("col.finished"), t("col.log")]}>
          {tasks.value.rows.map((task) => (
            <tr key={task.runId} data-testid={`task-${task.repository}`}>
              <td className="px-4 py-2.5 font-mono text-xs">{task.repository}</td>
              <td className="px-4 py-2.5">
                <ExecutionStatus status={task.status} />
                {task.error && <span className="block text-xs text-red-700">{task.error}</span>}
              </td>
              <td className="px-4 py-2.5">{task.counts.total}</td>
              <td className="px-4 py-2.5">{task.counts.retained}</td>
              <td className="px-4 py-2.5">{task.counts.removed}</td>
              <td className="px-4 py-2.5">{task.counts.deleted}</td>
              <td className="px-4 py-2.5 text-xs whitespace-nowrap">{formatTime(task.finishedAt)}</td>
              <td className="px-4 py-2.5">
                {task.log ? (
                  <details>
                    <summary className="cursor-pointer text-sm text-sky-800">{t("col.log")}</summary>
                    <pre className="mt-1 max-h-64 max-w-xl overflow-auto text-xs whitespace-pre-wrap">{task.log}</pre>
                  </details>
                ) : (
                  "—"
                )}
              </td>
            </tr>
          ))}
          {tasks.value.rows.length === 0 && <EmptyRow colSpan={8}>{t("noTasks")}</EmptyRow>}
        </Table>
        {taskPages > 1 && (
          <nav aria-label={t("taskPages")} className="mt-2 flex gap-2 text-sm">
            {query.tasks > 1 && <Link href={href({ ...query, tasks: Math.min(query.tasks - 1, taskPages) })}>{t("previousTasks")}</Link>}
            <span>{t("pageOf", { page: Math.min(query.tasks, taskPages), pages: taskPages })}</span>
            {query.tasks < taskPages && <Link href={href({ ...query, tasks: query.tasks + 1 })}>{t("nextTasks")}</Link>}
          </nav>
        )}
      </section>

      <section aria-labelledby="results-heading">
        <h3 id="results-heading" className="mb-2 font-medium">
          {t("decisionsHeading")}
        </h3>
        <nav aria-label={t("filterDecisions")} className="mb-2 flex gap-3 text-sm">
          {([undefined, "remove", "retain"] as const).map((d) => (
            <Link key={d ?? "all"} href={filterLink(d)} aria-current={query.decision === d ? "page" : undefined} className={query.decision === d ? "font-semibold" : "text-sky-800 hover:underline"}>
              {d === undefined ? t("all") : d === "remove" ? t("removedFilter") : t("retainedFilter")}
            </Link>
          ))}
        </nav>
        <Table testId="retention-results" columns={[t("col.repository"), t("col.artifact"), t("col.tags"), t("col.decision"), t("col.why"), t("col.deleted")]}>
          {results.value.rows.map((r) => (
            <tr key={`${r.repository}@${r.digest}`} data-testid={`result-${r.repository}-${r.tags[0] ?? r.digest.slice(7, 19)}`}>
              <td className="px-4 py-2.5 font-mono text-xs">{r.repository}</td>
              <td className="px-4 py-2.5 font-mono text-xs" title={r.digest}>
                {r.digest.slice(0, 19)}
              </td>
              <td className="px-4 py-2.5 font-mono text-xs">{r.tags.length ? r.tags.join(", ") : <em>{t("untagged")}</em>}</td>
              <td className="px-4 py-2.5">
                {r.decision === "retain" ? <Badge tone="good">{t("retained")}</Badge> : <Badge tone="bad">{execution?.dryRun ? t("wouldBeRemoved") : t("removed")}</Badge>}
              </td>
              <td className="px-4 py-2.5 text-sm">{r.reason}</td>
              <td className="px-4 py-2.5 text-xs whitespace-nowrap">{r.deletedAt ? formatTime(r.deletedAt) : "—"}</td>
            </tr>
          ))}
          {results.value.rows.length === 0 && <EmptyRow colSpan={6}>{t("noDecisions")}</EmptyRow>}
        </Table>
        <Pagination basePath={base} params={{ decision: query.decision, tasks: tasksParam, pageSize: pageSizeParam }} page={query.page} pageSize={query.pageSize} total={results.value.total} />
      </section>
    </div>
  );
}
