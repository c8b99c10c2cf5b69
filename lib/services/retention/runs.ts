import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { actorName } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import { ConflictError, NotFoundError, ValidationError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { retentionRepositoryJob, retentionRunJob } from "@/lib/jobs/definitions";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertProjectPermission, findProjectRef, type ProjectRef } from "@/lib/services/authz/project-access";
import { queueRun, retryRun } from "@/lib/services/jobs/queue-run";
import { type Page, skipTake } from "@/lib/services/pagination";
import { retentionPolicyInForce } from "@/lib/services/retention/policies";
import { type Paging, ZPageNumber, ZPageSizeNumber } from "@/lib/validation/pagination";

/**
 * Retention executions (Harbor's model): one per run, dry or real, with one task per repository.
 * An execution's status and progress are its `retention.run` job run's (the tasks are that run's
 * fan-out children); what it decided is in retention_results, written alike by dry and real runs.
 */

export type RetentionExecutionStatus = "Pending" | "Running" | "Succeed" | "Failed" | "Stopped";

export type RetentionExecutionView = {
  id: number;
  policyId: number;
  projectId: number;
  runId: number;
  dryRun: boolean;
  trigger: string;
  startedAt: Date;
  finishedAt: Date | null;
  status: RetentionExecutionStatus;
  /** Artifacts decided on; kept; removed (in a dry run: would be); actually deleted (real runs). */
  counts: { total: number; retained: number; removed: number; deleted: number };
};

export type RetentionTaskView = {
  runId: number;
  repository: string;
  status: RetentionExecutionStatus;
  log: string;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  counts: { total: number; retained: number; removed: number; deleted: number };
};

export type RetentionResultView = {
  repository: string;
  digest: string;
  tags: string[];
  decision: "retain" | "remove";
  reason: string;
  deletedAt: Date | null;
};

async function projectFor(
  actor: Actor,
  projectId: number,
  permission: "tag-retention:list" | "tag-retention:operate",
  operation?: "retention_execution.start" | "retention_execution.stop" | "retention_execution.retry",
): Promise<ProjectRef> {
  const project = await findProjectRef(projectId);
  await assertProjectPermission(actor, project, permission, { type: "retention_execution", name: project.name }, operation);
  return project;
}

function paging(input: Paging): Paging {
  const page = ZPageNumber.safeParse(input.page);
  const pageSize = ZPageSizeNumber.safeParse(input.pageSize);
  if (page.success && pageSize.success) return { page: page.data, pageSize: pageSize.data };
  const fields: Record<string, string[]> = {};
  if (!page.success) fields.page = page.error.issues.map((i) => i.message);
  if (!pageSize.success) fields.page_size = pageSize.error.issues.map((i) => i.message);
  throw new ValidationError("Invalid paging.", fields);
}

/**
 * Starts a run of the policy in force (tag-retention:operate): the execution row (rules and start
 * time fixed now), its `retention.run` job and the one audit row, in one transaction. One run per
 * project at a time: a second is refused while one is queued or running.
 */
export async function startRetentionRun({ actor, projectId, dryRun }: { actor: Actor; projectId: number; dryRun: boolean }): Promise<{ executionId: number; runId: number }> {
  const project = await projectFor(actor, projectId, "tag-retention:operate", "retention_execution.start");
  return db.$transaction((tx) => queueRetentionExecution(tx, { actor, project, dryRun, trigger: actorName(actor) }));
}

/**
 * The body of a start, for a caller that has checked its permission (startRetentionRun) or acts
 * for the system (the schedule, trigger `schedule`). Inside the caller's transaction.
 */
export async function queueRetentionExecution(
  tx: DbTransaction,
  { actor, project, dryRun, trigger }: { actor: Actor; project: { id: number; name: string }; dryRun: boolean; trigger: string },
): Promise<{ executionId: number; runId: number }> {
  // Two starts at once for one project take turns here, so the second sees the first's run.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('retention.run'), ${project.id})`;
  const { policy } = await retentionPolicyInForce(tx, project.id);
  if (!policy) throw new ConflictError("No retention policy applies to this project: add one, or ask an administrator for a system default.");
  const active = await tx.retentionExecution.findFirst({ where: { projectId: project.id, stoppedAt: null }, orderBy: { id: "desc" }, select: { runId: true } });
  if (active) {
    const run = await tx.jobRun.findUnique({ where: { id: active.runId }, select: { status: true } });
    if (run && (run.status === "queued" || run.status === "running")) throw new ConflictError("A retention run of this project is in progress; wait for it or stop it.");
  }
  const startedAt = new Date();
  const placeholder = await tx.retentionExecution.create({
    data: { policyId: policy.id, projectId: project.id, runId: -1 - project.id, dryRun, trigger: trigger.slice(0, 255), rules: policy.rules as Prisma.InputJsonValue, startedAt },
    select: { id: true },
  });
  const { runId } = await queueRun(tx, retentionRunJob, { executionId: placeholder.id }, trigger.slice(0, 255));
  await tx.retentionExecution.update({ where: { id: placeholder.id }, data: { runId }, select: { id: true } });
  await recordAuditEvent(tx, {
    actor,
    action: "retention_execution.start",
    resource: { type: "retention_execution", id: placeholder.id, name: project.name },
    projectId: project.id,
    detail: { dryRun, runId, policyId: policy.id, rules: policy.rules.length, trigger },
  });
  return { executionId: placeholder.id, runId };
}

/** Stops a run (tag-retention:operate): no task deletes anything after this commits. */
export async function stopRetentionRun({ actor, projectId, executionId }: { actor: Actor; projectId: number; executionId: number }): Promise<void> {
  const project = await projectFor(actor, projectId, "tag-retention:operate", "retention_execution.stop");
  await db.$transaction(async (tx) => {
    const execution = await tx.retentionExecution.findFirst({ where: { id: executionId, projectId: project.id }, select: { stoppedAt: true } });
    if (!execution) throw new NotFoundError("No such retention execution.");
    if (execution.stoppedAt) throw new ConflictError("This execution is already stopped.");
    await tx.retentionExecution.update({ where: { id: executionId }, data: { stoppedAt: new Date() }, select: { id: true } });
    await recordAuditEvent(tx, { actor, action: "retention_execution.stop", resource: { type: "retention_execution", id: executionId, name: project.name }, projectId: project.id });
  });
}

/**
 * Retries a failed execution's failed tasks only (tag-retention:operate): each is queued again on
 * its own run and resumes from what it recorded, so no decision is taken again on a changed state
 * and no deletion is repeated; the tasks that succeeded are left alone. An execution whose own run
 * failed before it fanned out is retried whole. One audit row naming how many tasks go again.
 */
export async function retryRetentionRun({ actor, projectId, executionId }: { actor: Actor; projectId: number; executionId: number }): Promise<{ retried: number }> {
  const project = await projectFor(actor, projectId, "tag-retention:operate", "retention_execution.retry");
  return db.$transaction(async (tx) => {
    const execution = await tx.retentionExecution.findFirst({ where: { id: executionId, projectId: project.id }, select: { runId: true, stoppedAt: true } });
    if (!execution) throw new NotFoundError("No such retention execution.");
    if (execution.stoppedAt) throw new ConflictError("This execution was stopped; start a new run instead.");
    const run = await tx.jobRun.findUnique({ where: { id: execution.runId }, select: { status: true } });
    if (run?.status !== "failed") throw new ConflictError("Only a failed execution can be retried.");
    const failed = await tx.jobRun.findMany({ where: { parentRunId: execution.runId, status: "failed" }, orderBy: { id: "asc" }, select: { id: true } });
    if (failed.length === 0) await retryRun(tx, retentionRunJob, execution.runId, "retention execution");
    for (const task of failed) await retryRun(tx, retentionRepositoryJob, task.id, "retention task");
    await recordAuditEvent(tx, {
      actor,
      action: "retention_execution.retry",
      resource: { type: "retention_execution", id: executionId, name: project.name },
      projectId: project.id,
      detail: { tasks: failed.length, runId: execution.runId },
    });
    return { retried: failed.length };
  });
}

function statusOf(run: { status: string } | undefined, stoppedAt: Date | null): RetentionExecutionStatus {
  if (stoppedAt) return "Stopped";
  switch (run?.status) {
    case "queued":
      return "Pending";
    case "running":
      return "Running";
    case "succeeded":
      return "Succeed";
    default:
      return "Failed";
  }
}

type Counts = RetentionExecutionView["counts"];
const zero = (): Counts => ({ total: 0, retained: 0, removed: 0, deleted: 0 });

async function countsBy(executionIds: number[], byRepository: boolean): Promise<Map<string, Counts>> {
  const rows = await db.retentionResult.groupBy({
    by: byRepository ? ["executionId", "repositoryId", "decision"] : ["executionId", "decision"],
    where: { executionId: { in: executionIds } },
    _count: { _all: true, deletedAt: true },
  });
  const out = new Map<string, Counts>();
  for (const r of rows) {
    const key = byRepository ? `${r.executionId}/${(r as { repositoryId?: number }).repositoryId}` : String(r.executionId);
    const c = out.get(key) ?? zero();
    c.total += r._count._all;
    if (r.decision === "retain") c.retained += r._count._all;
    else c.removed += r._count._all;
    c.deleted += r._count.deletedAt;
    out.set(key, c);
  }
  return out;
}

/** A project's executions, newest first (tag-retention:list). */
export async function listRetentionExecutions({ actor, projectId, page: paged }: { actor: Actor; projectId: number; page: Paging }): Promise<Page<RetentionExecutionView>> {
  const project = await projectFor(actor, projectId, "tag-retention:list");
  const { page, pageSize } = paging(paged);
  const [rows, total] = await Promise.all([
    db.retentionExecution.findMany({ where: { projectId: project.id }, orderBy: { id: "desc" }, ...skipTake(page, pageSize) }),
    db.retentionExecution.count({ where: { projectId: project.id } }),
  ]);
  const runs = new Map((await db.jobRun.findMany({ where: { id: { in: rows.map((r) => r.runId) } }, select: { id: true, status: true, finishedAt: true } })).map((r) => [r.id, r]));
  const counts = await countsBy(
    rows.map((r) => r.id),
    false,
  );
  return {
    rows: rows.map((r) => ({
      id: r.id,
      policyId: r.policyId,
      projectId: r.projectId,
      runId: r.runId,
      dryRun: r.dryRun,
      trigger: r.trigger,
      startedAt: r.startedAt,
      finishedAt: runs.get(r.runId)?.finishedAt ?? r.stoppedAt,
      status: statusOf(runs.get(r.runId), r.stoppedAt),
      counts: counts.get(String(r.id)) ?? zero(),
    })),
    total,
    page,
    pageSize,
  };
}

async function executionOf(projectId: number, executionId: number) {
  const execution = await db.retentionExecution.findFirst({ where: { id: executionId, projectId }, select: { id: true, runId: true, stoppedAt: true, dryRun: true } });
  if (!execution) throw new NotFoundError("No such retention execution.");
  return execution;
}

/** An execution's tasks, one per repository (tag-retention:list). */
export async function listRetentionTasks({ actor, projectId, executionId, page: paged }: { actor: Actor; projectId: number; executionId: number; page: Paging }): Promise<Page<RetentionTaskView>> {
  const project = await projectFor(actor, projectId, "tag-retention:list");
  const { page, pageSize } = paging(paged);
  const execution = await executionOf(project.id, executionId);
  const where = { parentRunId: execution.runId, jobName: retentionRepositoryJob.id };
  const [runs, total] = await Promise.all([
    db.jobRun.findMany({ where, orderBy: { id: "asc" }, select: { id: true, status: true, payload: true, log: true, error: true, startedAt: true, finishedAt: true }, ...skipTake(page, pageSize) }),
    db.jobRun.count({ where }),
  ]);
  const counts = await countsBy([execution.id], true);
  return {
    rows: runs.map((run) => {
      const payload = retentionRepositoryJob.payload.parse(run.payload);
      return {
        runId: run.id,
        repository: payload.repository,
        status: statusOf(run, execution.stoppedAt),
        log: run.log,
        error: run.error,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
        counts: counts.get(`${execution.id}/${payload.repositoryId}`) ?? zero(),
      };
    }),
    total,
    page,
    pageSize,
  };
}

/** What an execution decided, artifact by artifact; `decision` narrows to kept or removed (tag-retention:list). */
export async function listRetentionResults({
  actor,
  projectId,
  executionId,
  decision,
  page: paged,
}: {
  actor: Actor;
  projectId: number;
  executionId: number;
  decision?: "retain" | "remove";
  page: Paging;
}): Promise<Page<RetentionResultView>> {
  const project = await projectFor(actor, projectId, "tag-retention:list");
  const { page, pageSize } = paging(paged);
  const execution = await executionOf(project.id, executionId);
  const where = { executionId: execution.id, ...(decision ? { decision } : {}) };
  const [rows, total] = await Promise.all([
    db.retentionResult.findMany({ where, orderBy: { id: "asc" }, select: { repository: true, digest: true, tags: true, decision: true, reason: true, deletedAt: true }, ...skipTake(page, pageSize) }),
    db.retentionResult.count({ where }),
  ]);
  return { rows: rows.map((r) => ({ ...r, decision: r.decision === "remove" ? "remove" : "retain" })), total, page, pageSize };
}

/**
 * One task's log as text (Harbor's task log): the run's own lines, then one line per artifact of
 * its repository with the decision and its reason (which rule kept it, or why it went), so what a
 * dry run would delete and why anything stayed can be read without the console (tag-retention:list).
 */
export async function getRetentionTaskLog({ actor, projectId, executionId, taskId }: { actor: Actor; projectId: number; executionId: number; taskId: number }): Promise<string> {
  const project = await projectFor(actor, projectId, "tag-retention:list");
  const execution = await executionOf(project.id, executionId);
  const run = await db.jobRun.findFirst({
    where: { id: taskId, parentRunId: execution.runId, jobName: retentionRepositoryJob.id },
    select: { payload: true, log: true, error: true, status: true },
  });
  if (!run) throw new NotFoundError("No such retention task.");
  const { repositoryId, repository } = retentionRepositoryJob.payload.parse(run.payload);
  const results = await db.retentionResult.findMany({
    where: { executionId: execution.id, repositoryId },
    orderBy: { id: "asc" },
    select: { digest: true, tags: true, decision: true, reason: true, deletedAt: true },
  });
  const lines = [run.log.trimEnd()];
  if (run.error) lines.push(`error: ${run.error}`);
  lines.push("", `${repository}: ${results.length} artifact(s)${execution.dryRun ? " (dry run: nothing deleted)" : ""}`);
  for (const r of results) {
    const outcome = r.decision === "retain" ? "RETAIN" : execution.dryRun ? "WOULD DELETE" : r.deletedAt ? "DELETED" : "NOT DELETED";
    lines.push(`${outcome}\t${r.digest}\t${r.tags.length ? r.tags.join(",") : "<untagged>"}\t${r.reason}`);
  }
  return `${lines.filter((l, i) => i > 0 || l !== "").join("\n")}\n`;
}
