import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import type { JobRunStatus, Prisma } from "@/lib/generated/prisma/client";
import type { ClaimedRun, StepRecord } from "@/lib/jobs/define-job";
import { JOB_REGISTRY } from "@/lib/jobs/registry";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";

/**
 * The visible side of background jobs (lib/jobs): one JobRun row per run, written by the attempt
 * runner (lib/jobs/attempt.ts: claim, steps, outcome) and read by the console through
 * `listJobRuns`. One progress protocol for every job: progressDone / progressTotal (items),
 * checkpoint, result and the log tail, written only by `recordJobStep` while an attempt runs and
 * by the fan-out settlement for a parent. The worker acts as Wharf itself, so these writers take
 * no actor; `listJobRuns` is the only reader people reach. Queueing is lib/services/jobs/queue-run.ts.
 */

/** The log keeps its last 8,000 characters: enough for a run's story, bounded for a 10,000-repository registry. */
const LOG_MAX = 8000;

export type JobRunView = {
  id: number;
  jobName: string;
  status: JobRunStatus;
  trigger: string;
  /** What the run was asked to do (its job's payload schema), e.g. the repository a delete removes. */
  payload: unknown;
  /** A fan-out child's parent run. */
  parentRunId: number | null;
  progressDone: number;
  progressTotal: number | null;
  checkpoint: string | null;
  log: string;
  error: string | null;
  attempts: number;
  result: unknown;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** While running: the attempt's last lease renewal (it is alive). */
  heartbeatAt: string | null;
};

/** A run row with no pg-boss job (tests that drive an attempt by hand); services queue with queueRun. */
export async function createJobRun(input: { jobName: string; jobVersion: number; trigger: string; payload?: Record<string, unknown> }): Promise<number> {
  const row = await db.jobRun.create({
    data: { jobName: input.jobName, jobVersion: input.jobVersion, trigger: input.trigger.slice(0, 255), payload: (input.payload ?? {}) as Prisma.InputJsonValue },
    select: { id: true },
  });
  return row.id;
}

/** What an attempt holds after claiming its run; `attempt` is its number, the fence of every later write. */
export type ClaimedJobRun = ClaimedRun & { payload: unknown; parentRunId: number | null };

/** Thrown by an attempt's write when its run is no longer its own (the sweeper took it back). */
export class JobLeaseLostError extends Error {
  constructor(runId: number) {
    super(`run #${runId}: this attempt's lease lapsed and the run was taken back; it stops here`);
  }
}

/** The default lease of an attempt that does not say (tests that claim a run by hand). */
const DEFAULT_LEASE_MS = 60_000;

/**
 * Marks the run started (one more attempt), takes its lease, and returns what a resumed attempt
 * needs. A scheduled (cron) job has no run row yet: it gets one here, keyed by pg-boss's job id.
 * The lease is set on the database's clock, the one the sweeper compares it with, so clocks of
 * different Wharf hosts do not matter.
 */
export async function claimJobRun(input: {
  runId: number | null;
  bossJobId: string;
  jobName: string;
  jobVersion: number;
  trigger: string;
  /** A scheduled run's payload (its row is created here). */
  payload?: unknown;
  leaseMs?: number;
}): Promise<ClaimedJobRun> {
  const now = new Date();
  const data = { status: "running" as const, startedAt: now, finishedAt: null, attempts: { increment: 1 } };
  const select = { id: true, trigger: true, checkpoint: true, progressDone: true, progressTotal: true, result: true, attempts: true, payload: true, parentRunId: true } as const;
  return db.$transaction(async (tx) => {
    const run =
      input.runId !== null
        ? await tx.jobRun.update({ where: { id: input.runId }, data: { ...data, bossJobId: input.bossJobId }, select })
        : await tx.jobRun.upsert({
            where: { bossJobId: input.bossJobId },
            create: {
              jobName: input.jobName,
              jobVersion: input.jobVersion,
              trigger: input.trigger,
              bossJobId: input.bossJobId,
              payload: (input.payload ?? {}) as Prisma.InputJsonValue,
              status: "running",
              startedAt: now,
              attempts: 1,
            },
            update: data,
            select,
          });
    await tx.$executeRaw`UPDATE job_runs SET heartbeat_at = now(), lease_expires_at = now() + make_interval(secs => ${leaseSeconds(input.leaseMs)}) WHERE id = ${run.id}`;
    const { attempts, ...rest } = run;
    return { ...rest, attempt: attempts };
  });
}

/**
 * Extends the attempt's lease. False when the run is no longer this attempt's (swept, or claimed
 * by a later attempt): the attempt must stop.
 */
export async function renewJobLease(runId: number, attempt: number, leaseMs?: number): Promise<boolean> {
  const updated = await db.$executeRaw`
    UPDATE job_runs SET heartbeat_at = now(), lease_expires_at = now() + make_interval(secs => ${leaseSeconds(leaseMs)})
    WHERE id = ${runId} AND status = 'running' AND attempts = ${attempt}`;
  return updated === 1;
}

function leaseSeconds(leaseMs: number | undefined): number {
  return Math.max(1, leaseMs ?? DEFAULT_LEASE_MS) / 1000;
}

function stamped(line: string): string {
  return `${new Date().toISOString().slice(11, 19)} ${line.slice(0, 500)}\n`;
}

/**
 * The one way progress reaches a run (the console reads these columns): `work` and the record
 * commit together, and only while the run is still this attempt's; otherwise JobLeaseLostError
 * rolls the work back too (a swept attempt that was only slow must not move the checkpoint of the
 * attempt that took over, nor do work it no longer owns).
 */
export async function recordJobStep<T>(
  run: { id: number; attempt: number },
  work: ((tx: DbTransaction) => Promise<T>) | null,
  record: StepRecord | ((value: T) => StepRecord),
): Promise<T> {
  return db.$transaction(
    async (tx) => {
      const value = work ? await work(tx) : (undefined as T);
      const r = typeof record === "function" ? record(value) : record;
      const updated = await writeRecord(tx, run, r);
      if (!updated) throw new JobLeaseLostError(run.id);
      return value;
    },
    // A step is a batch of work (10,000 audit rows, one manifest), not a walk; a minute is the backstop.
    { timeout: 60_000, maxWait: 30_000 },
  );
}

async function writeRecord(tx: DbTransaction, run: { id: number; attempt: number }, r: StepRecord): Promise<boolean> {
  const { count } = await tx.jobRun.updateMany({
    where: { id: run.id, status: "running", attempts: run.attempt },
    data: {
      // Always one column at least: a step that recorded nothing still proves the attempt alive.
      heartbeatAt: new Date(),
      ...(r.done === undefined ? {} : { progressDone: r.done }),
      ...(r.total === undefined ? {} : { progressTotal: r.total }),
      ...(r.checkpoint === undefined ? {} : { checkpoint: r.checkpoint?.slice(0, 255) ?? null }),
      ...(r.result === undefined ? {} : { result: r.result as Prisma.InputJsonValue }),
    },
  });
  if (count === 1 && r.log) await tx.$executeRaw`UPDATE job_runs SET log = right(log || ${stamped(r.log)}, ${LOG_MAX}) WHERE id = ${run.id}`;
  return count === 1;
}

export async function appendJobLog(runId: number, line: string): Promise<void> {
  // right(): keeps the tail in one statement, without reading the log back.
  await db.$executeRaw`UPDATE job_runs SET log = right(log || ${stamped(line)}, ${LOG_MAX}) WHERE id = ${runId}`;
}

/**
 * Ends an attempt. `willRetry`: pg-boss will run it again (it shows as queued, with the error of
 * this attempt). Only while the run is still that attempt's; returns whether it was recorded
 * (false: the sweeper took the run back, and what it recorded stands). A fan-out child's parent
 * is settled in the same transaction.
 */
export async function finishJobRun(
  run: { id: number; attempt: number },
  outcome: { status: "succeeded"; result?: unknown } | { status: "failed"; error: string; willRetry: boolean },
): Promise<boolean> {
  const where = { id: run.id, status: "running" as const, attempts: run.attempt };
  const lease = { leaseExpiresAt: null };
  return db.$transaction(async (tx) => {
    const { count } =
      outcome.status === "succeeded"
        ? await tx.jobRun.updateMany({
            where,
            data: { ...lease, status: "succeeded", finishedAt: new Date(), error: null, ...(outcome.result === undefined ? {} : { result: outcome.result as Prisma.InputJsonValue }) },
          })
        : await tx.jobRun.updateMany({
            where,
            data: { ...lease, status: outcome.willRetry ? "queued" : "failed", finishedAt: outcome.willRetry ? null : new Date(), error: outcome.error.slice(0, 2000) },
          });
    if (count === 1 && (outcome.status === "succeeded" || !outcome.willRetry)) await runSettled(tx, run.id, outcome.status);
    if (count === 1) await settleParentOf(tx, run.id);
    return count === 1;
  });
}

/**
 * The parent's side of an attempt that fanned out: its children now carry the run, so the
 * attempt lets go of its lease (the sweeper leaves it alone) and the run stays `running` until
 * the last child settles it.
 */
export async function releaseToChildren(run: { id: number; attempt: number }): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.jobRun.updateMany({ where: { id: run.id, status: "running", attempts: run.attempt }, data: { leaseExpiresAt: null } });
    // Children that all ended before the parent let go have settled it already; this is a no-op then.
    await settleParent(tx, run.id);
  });
}

/** Settles the parent of `childRunId`, if it has one (call after the child's status changed, in its transaction). */
export async function settleParentOf(tx: DbTransaction, childRunId: number): Promise<void> {
  const child = await tx.jobRun.findUnique({ where: { id: childRunId }, select: { parentRunId: true } });
  if (child?.parentRunId) await settleParent(tx, child.parentRunId);
}

/**
 * A fan-out parent's progress is its children ended (succeeded or finally failed); when all have
 * ended it succeeds, or fails naming how many children failed; a child retried afterwards brings
 * it back to running. The parent row is locked first, so two children ending at once count in turn.
 */
async function settleParent(tx: DbTransaction, parentRunId: number): Promise<void> {
  const [parent] = await tx.$queryRaw<{ id: number; lease: Date | null }[]>`SELECT id, lease_expires_at AS lease FROM job_runs WHERE id = ${parentRunId} FOR UPDATE`;
  if (!parent) return;
  const [counts] = await tx.$queryRaw<{ total: number; succeeded: number; failed: number }[]>`
    SELECT count(*)::int AS total,
           count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
           count(*) FILTER (WHERE status = 'failed')::int AS failed
    FROM job_runs WHERE parent_run_id = ${parentRunId}`;
  if (!counts || counts.total === 0) return;
  const ended = counts.succeeded + counts.failed;
  const result = { children: counts.total, succeeded: counts.succeeded, failed: counts.failed } as Prisma.InputJsonValue;
  if (ended < counts.total) {
    // While the parent's own attempt still holds its lease, it is its attempt's to end.
    await tx.jobRun.update({
      where: { id: parentRunId },
      data: { progressDone: ended, progressTotal: counts.total, result, ...(parent.lease === null ? { status: "running", finishedAt: null, error: null } : {}) },
      select: { id: true },
    });
    return;
  }
  if (parent.lease !== null) {
    // Its attempt has not let go yet (releaseToChildren settles it then).
    await tx.jobRun.update({ where: { id: parentRunId }, data: { progressDone: ended, progressTotal: counts.total, result }, select: { id: true } });
    return;
  }
  const status = counts.failed === 0 ? "succeeded" : "failed";
  await tx.jobRun.update({
    where: { id: parentRunId },
    data: {
      progressDone: ended,
      progressTotal: counts.total,
      result,
      status,
      error: counts.failed === 0 ? null : `${counts.failed} of ${counts.total} child runs failed`,
      finishedAt: new Date(),
    },
    select: { id: true },
  });
  await runSettled(tx, parentRunId, status);
}

/** The run's job's `settled` callback, if it has one, in the transaction that ended the run. */
async function runSettled(tx: DbTransaction, runId: number, status: "succeeded" | "failed"): Promise<void> {
  const row = await tx.jobRun.findUnique({ where: { id: runId }, select: { jobName: true } });
  const settled = JOB_REGISTRY.find((job) => job.id === row?.jobName)?.settled;
  if (settled) await (await settled())(tx, { id: runId, status });
}

/** A run's job and pg-boss job, for the worker's side (and the tests that run a queued run by hand). */
export async function getQueuedJob(runId: number): Promise<{ jobName: string; bossJobId: string | null; status: JobRunStatus } | null> {
  return db.jobRun.findUnique({ where: { id: runId }, select: { jobName: true, bossJobId: true, status: true } });
}

/** The latest runs of one job, newest first, for the System health page. */
export async function listJobRuns({ actor, jobName, take = 5 }: { actor: Actor; jobName: string; take?: number }): Promise<JobRunView[]> {
  await assertSystemPermission(actor, "system.health.read", { type: "job_run" });
  const rows = await db.jobRun.findMany({ where: { jobName }, orderBy: [{ queuedAt: "desc" }, { id: "desc" }], take: Math.min(Math.max(take, 1), 20) });
  return rows.map((r) => ({
    id: r.id,
    jobName: r.jobName,
    status: r.status,
    trigger: r.trigger,
    payload: r.payload,
    parentRunId: r.parentRunId,
    progressDone: r.progressDone,
    progressTotal: r.progressTotal,
    checkpoint: r.checkpoint,
    log: r.log,
    error: r.error,
    attempts: r.attempts,
    result: r.result,
    queuedAt: r.queuedAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
    heartbeatAt: r.status === "running" ? (r.heartbeatAt?.toISOString() ?? null) : null,
  }));
}
