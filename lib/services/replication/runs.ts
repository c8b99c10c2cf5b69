import "server-only";
import { type Actor, actorName } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import { ConflictError, NotFoundError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { replicationRunJob } from "@/lib/jobs/definitions";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { queueRun } from "@/lib/services/jobs/queue-run";
import { type Page, skipTake } from "@/lib/services/pagination";

/**
 * Replication executions (Harbor's /replication/executions): start a run of a policy, stop it,
 * retry only its failed tasks; history and tasks paged on the server. Starting, stopping and
 * retrying are administrators' (each one audit row); auditors read.
 */

const EXECUTION_SELECT = {
  id: true,
  policyId: true,
  trigger: true,
  triggeredBy: true,
  status: true,
  statusText: true,
  startedAt: true,
  endedAt: true,
  stoppedAt: true,
} as const satisfies Prisma.ReplicationExecutionSelect;

export type ReplicationExecutionView = Prisma.ReplicationExecutionGetPayload<{ select: typeof EXECUTION_SELECT }> & {
  total: number;
  succeed: number;
  failed: number;
  inProgress: number;
  stopped: number;
};

const TASK_SELECT = {
  id: true,
  executionId: true,
  operation: true,
  resourceType: true,
  srcRepository: true,
  dstRepository: true,
  digest: true,
  tags: true,
  reason: true,
  status: true,
  bytes: true,
  attempts: true,
  runId: true,
  startedAt: true,
  finishedAt: true,
} as const satisfies Prisma.ReplicationTaskSelect;

export type ReplicationTaskView = Prisma.ReplicationTaskGetPayload<{ select: typeof TASK_SELECT }>;

async function withCounts(rows: Prisma.ReplicationExecutionGetPayload<{ select: typeof EXECUTION_SELECT }>[]): Promise<ReplicationExecutionView[]> {
  const counts = rows.length
    ? await db.replicationTask.groupBy({ by: ["executionId", "status"], where: { executionId: { in: rows.map((r) => r.id) } }, _count: { _all: true } })
    : [];
  return rows.map((row) => {
    const of = (status: string) => counts.find((c) => c.executionId === row.id && c.status === status)?._count._all ?? 0;
    const mine = counts.filter((c) => c.executionId === row.id);
    return { ...row, total: mine.reduce((n, c) => n + c._count._all, 0), succeed: of("Succeed"), failed: of("Failed"), inProgress: of("InProgress") + of("Pending"), stopped: of("Stopped") };
  });
}

const resource = (id: number | null, name?: string) => ({ type: "replication_execution", id, name: name ?? null });

/**
 * Queues a run of a policy (the body of a start, for a caller whose permission is checked, or the
 * schedule and the event trigger acting for the system). Inside the caller's transaction; one run
 * per policy at a time.
 */
export async function queueReplicationExecution(
  tx: DbTransaction,
  { actor, policyId, trigger }: { actor: Actor; policyId: number; trigger: "manual" | "scheduled" | "event_based" },
): Promise<{ executionId: number; runId: number }> {
  // Two starts of one policy at once take turns here, so the second sees the first's execution.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('replication.run'), ${policyId})`;
  const policy = await tx.replicationPolicy.findUnique({ where: { id: policyId }, select: { id: true, name: true, enabled: true } });
  if (!policy) throw new NotFoundError(`Replication policy ${policyId} does not exist.`);
  if (!policy.enabled) throw new ConflictError("The policy is disabled; enable it to run it.");
  const running = await tx.replicationExecution.findFirst({ where: { policyId, status: "InProgress" }, select: { id: true } });
  if (running) throw new ConflictError(`Execution ${running.id} of this policy is in progress; wait for it or stop it.`);
  const by = actorName(actor).slice(0, 255);
  const execution = await tx.replicationExecution.create({ data: { policyId, trigger, triggeredBy: by }, select: { id: true } });
  const { runId } = await queueRun(tx, replicationRunJob, { executionId: execution.id, retryFailed: false }, by);
  await tx.replicationExecution.update({ where: { id: execution.id }, data: { runId }, select: { id: true } });
  await recordAuditEvent(tx, { actor, action: "replication_execution.start", resource: resource(execution.id, policy.name), detail: { policyId, runId, trigger } });
  return { executionId: execution.id, runId };
}

/** Starts a run of a policy by hand (administrators). */
export async function startReplication({ actor, policyId }: { actor: Actor; policyId: number }): Promise<{ executionId: number; runId: number }> {
  await assertSystemPermission(actor, "replication_execution.start", { type: "replication_policy", id: policyId }, "replication_execution.start");
  return db.$transaction((tx) => queueReplicationExecution(tx, { actor, policyId, trigger: "manual" }));
}

/**
 * Stops an execution: tasks not yet started end Stopped; a copy under way sees the stop (its task
 * polls for it, STOP_POLL_MS) and is aborted mid-blob, writing no tag, and ends Stopped; the last
 * task to end settles the execution Stopped.
 */
export async function stopReplication({ actor, executionId }: { actor: Actor; executionId: number }): Promise<void> {
  await assertSystemPermission(actor, "replication_execution.stop", resource(executionId), "replication_execution.stop");
  await db.$transaction(async (tx) => {
    const execution = await tx.replicationExecution.findUnique({ where: { id: executionId }, select: { status: true, policy: { select: { name: true } } } });
    if (!execution) throw new NotFoundError(`Replication execution ${executionId} does not exist.`);
    if (execution.status !== "InProgress") throw new ConflictError("This execution is not in progress.");
    const now = new Date();
    await tx.replicationExecution.update({ where: { id: executionId }, data: { stoppedAt: now }, select: { id: true } });
    await tx.replicationTask.updateMany({ where: { executionId, status: "Pending" }, data: { status: "Stopped", finishedAt: now } });
    const open = await tx.replicationTask.count({ where: { executionId, status: "InProgress" } });
    if (open === 0) await tx.replicationExecution.update({ where: { id: executionId }, data: { status: "Stopped", endedAt: now, statusText: "stopped" }, select: { id: true } });
    await recordAuditEvent(tx, { actor, action: "replication_execution.stop", resource: resource(executionId, execution.policy.name) });
  });
}

/**
 * Runs the failed tasks of a finished execution again, and only those (Harbor #18021): a new
 * `replication.run` run of the same execution that plans nothing and fans out the failed tasks.
 */
export async function retryFailedReplicationTasks({ actor, executionId }: { actor: Actor; executionId: number }): Promise<{ runId: number; tasks: number }> {
  await assertSystemPermission(actor, "replication_execution.start", resource(executionId), "replication_execution.retry");
  return db.$transaction(async (tx) => {
    const execution = await tx.replicationExecution.findUnique({ where: { id: executionId }, select: { status: true, policyId: true, policy: { select: { name: true } } } });
    if (!execution) throw new NotFoundError(`Replication execution ${executionId} does not exist.`);
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('replication.run'), ${execution.policyId})`;
    if (execution.status === "InProgress") throw new ConflictError("This execution is still in progress; retry once it has ended.");
    const tasks = await tx.replicationTask.count({ where: { executionId, status: "Failed" } });
    if (tasks === 0) throw new ConflictError("This execution has no failed tasks.");
    const by = actorName(actor).slice(0, 255);
    const { runId } = await queueRun(tx, replicationRunJob, { executionId, retryFailed: true }, by);
    await tx.replicationExecution.update({ where: { id: executionId }, data: { runId, status: "InProgress", endedAt: null, stoppedAt: null }, select: { id: true } });
    await recordAuditEvent(tx, { actor, action: "replication_execution.retry", resource: resource(executionId, execution.policy.name), detail: { runId, tasks } });
    return { runId, tasks };
  });
}

export async function listReplicationExecutions({
  actor,
  query,
}: {
  actor: Actor;
  query: { policyId?: number; status?: string; trigger?: string; page: number; pageSize: number };
}): Promise<Page<ReplicationExecutionView>> {
  await assertSystemPermission(actor, "replication_policy.list", resource(null));
  const where: Prisma.ReplicationExecutionWhereInput = {
    ...(query.policyId !== undefined ? { policyId: query.policyId } : {}),
    ...(query.status !== undefined ? { status: query.status } : {}),
    ...(query.trigger !== undefined ? { trigger: query.trigger } : {}),
  };
  const [rows, total] = await Promise.all([
    db.replicationExecution.findMany({ where, select: EXECUTION_SELECT, orderBy: { id: "desc" }, ...skipTake(query.page, query.pageSize) }),
    db.replicationExecution.count({ where }),
  ]);
  return { rows: await withCounts(rows), total, page: query.page, pageSize: query.pageSize };
}

/**
 * The newest execution of each policy in `policyIds` (the console's "last run" column): one
 * indexed lookup per policy (policy_id, id desc), for a page of policies at most.
 */
export async function latestReplicationExecutions({
  actor,
  policyIds,
}: {
  actor: Actor;
  policyIds: number[];
}): Promise<Map<number, { id: number; status: string; startedAt: Date; endedAt: Date | null }>> {
  await assertSystemPermission(actor, "replication_policy.list", resource(null));
  const rows = await Promise.all(
    policyIds.map((policyId) =>
      db.replicationExecution.findFirst({ where: { policyId }, orderBy: { id: "desc" }, select: { id: true, policyId: true, status: true, startedAt: true, endedAt: true } }),
    ),
  );
  return new Map(rows.filter((r) => r !== null).map(({ policyId, ...r }) => [policyId, r]));
}

export async function getReplicationExecution({ actor, executionId }: { actor: Actor; executionId: number }): Promise<ReplicationExecutionView> {
  await assertSystemPermission(actor, "replication_policy.read", resource(executionId));
  const row = await db.replicationExecution.findUnique({ where: { id: executionId }, select: EXECUTION_SELECT });
  if (!row) throw new NotFoundError(`Replication execution ${executionId} does not exist.`);
  return (await withCounts([row]))[0]!;
}

export async function listReplicationTasks({
  actor,
  executionId,
  query,
}: {
  actor: Actor;
  executionId: number;
  query: { status?: string; page: number; pageSize: number };
}): Promise<Page<ReplicationTaskView>> {
  await getReplicationExecution({ actor, executionId });
  const where: Prisma.ReplicationTaskWhereInput = { executionId, ...(query.status !== undefined ? { status: query.status } : {}) };
  const [rows, total] = await Promise.all([
    db.replicationTask.findMany({ where, select: TASK_SELECT, orderBy: { id: "asc" }, ...skipTake(query.page, query.pageSize) }),
    db.replicationTask.count({ where }),
  ]);
  return { rows, total, page: query.page, pageSize: query.pageSize };
}

export async function getReplicationTaskLog({ actor, executionId, taskId }: { actor: Actor; executionId: number; taskId: number }): Promise<string> {
  await assertSystemPermission(actor, "replication_policy.read", resource(executionId));
  const task = await db.replicationTask.findFirst({ where: { id: taskId, executionId }, select: { log: true } });
  if (!task) throw new NotFoundError(`Replication task ${taskId} of execution ${executionId} does not exist.`);
  return task.log;
}
