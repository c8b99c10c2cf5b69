import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import type { JobRunStatus, Prisma } from "@/lib/generated/prisma/client";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";

/**
 * The visible side of background jobs (lib/jobs): one JobRun row per run, written by the worker
 * (status, progress, checkpoint, log) and read by the System health page. The worker acts as
 * Wharf itself, so these writers take no actor; `listJobRuns` is the only reader people reach.
 */

/** The log keeps its last 8,000 characters: enough for a run's story, bounded for a 10,000-repository registry. */
const LOG_MAX = 8000;

export type JobRunView = {
  id: number;
  jobName: string;
  status: JobRunStatus;
  trigger: string;
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

export async function createJobRun(input: { jobName: string; jobVersion: number; trigger: string; payload?: Record<string, unknown> }): Promise<number> {
  const row = await db.jobRun.create({
    data: { jobName: input.jobName, jobVersion: input.jobVersion, trigger: input.trigger.slice(0, 255), payload: (input.payload ?? {}) as Prisma.InputJsonValue },
    select: { id: true },
  });
  return row.id;
}

export async function attachBossJob(runId: number, bossJobId: string): Promise<void> {
  await db.jobRun.update({ where: { id: runId }, data: { bossJobId }, select: { id: true } });
}

/** What an attempt holds after claiming its run; `attempts` is its number, the fence of every later write. */
export type ClaimedJobRun = { id: number; checkpoint: string | null; progressDone: number; result: unknown; attempts: number };

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
export async function claimJobRun(input: { runId: number | null; bossJobId: string; jobName: string; jobVersion: number; trigger: string; leaseMs?: number }): Promise<ClaimedJobRun> {
  const now = new Date();
  const data = { status: "running" as const, startedAt: now, finishedAt: null, attempts: { increment: 1 } };
  const select = { id: true, checkpoint: true, progressDone: true, result: true, attempts: true } as const;
  return db.$transaction(async (tx) => {
    const run =
      input.runId !== null
        ? await tx.jobRun.update({ where: { id: input.runId }, data: { ...data, bossJobId: input.bossJobId }, select })
        : await tx.jobRun.upsert({
            where: { bossJobId: input.bossJobId },
            create: { jobName: input.jobName, jobVersion: input.jobVersion, trigger: input.trigger, bossJobId: input.bossJobId, status: "running", startedAt: now, attempts: 1 },
            update: data,
            select,
          });
    await tx.$executeRaw`UPDATE job_runs SET heartbeat_at = now(), lease_expires_at = now() + make_interval(secs => ${leaseSeconds(input.leaseMs)}) WHERE id = ${run.id}`;
    return run;
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

/**
 * Records progress. With `attempt`, only while the run is still that attempt's: otherwise it
 * throws JobLeaseLostError, which stops the handler (a swept attempt that was only slow must not
 * move the checkpoint of the attempt that took over).
 */
export async function reportJobProgress(runId: number, progress: { done: number; total: number | null; checkpoint: string | null; result?: unknown }, attempt?: number): Promise<void> {
  const { count } = await db.jobRun.updateMany({
    where: { id: runId, ...(attempt === undefined ? {} : { status: "running" as const, attempts: attempt }) },
    data: {
      progressDone: progress.done,
      progressTotal: progress.total,
      checkpoint: progress.checkpoint?.slice(0, 255) ?? null,
      ...(progress.result === undefined ? {} : { result: progress.result as Prisma.InputJsonValue }),
    },
  });
  if (count === 0) throw new JobLeaseLostError(runId);
}

export async function appendJobLog(runId: number, line: string): Promise<void> {
  const stamped = `${new Date().toISOString().slice(11, 19)} ${line.slice(0, 500)}\n`;
  // right(): keeps the tail in one statement, without reading the log back.
  await db.$executeRaw`UPDATE job_runs SET log = right(log || ${stamped}, ${LOG_MAX}) WHERE id = ${runId}`;
}

/**
 * `willRetry`: pg-boss will run it again (it shows as queued, with the error of this attempt).
 * With `attempt`, only while the run is still that attempt's; returns whether it was recorded
 * (false: the sweeper took the run back, and what it recorded stands).
 */
export async function finishJobRun(
  runId: number,
  outcome: { status: "succeeded"; result?: unknown } | { status: "failed"; error: string; willRetry: boolean },
  attempt?: number,
): Promise<boolean> {
  const where = { id: runId, ...(attempt === undefined ? {} : { status: "running" as const, attempts: attempt }) };
  const lease = { leaseExpiresAt: null };
  const { count } =
    outcome.status === "succeeded"
      ? await db.jobRun.updateMany({
          where,
          data: { ...lease, status: "succeeded", finishedAt: new Date(), error: null, ...(outcome.result === undefined ? {} : { result: outcome.result as Prisma.InputJsonValue }) },
        })
      : await db.jobRun.updateMany({
          where,
          data: { ...lease, status: outcome.willRetry ? "queued" : "failed", finishedAt: outcome.willRetry ? null : new Date(), error: outcome.error.slice(0, 2000) },
        });
  return count === 1;
}

export async function getJobRunStatus(runId: number): Promise<JobRunStatus | null> {
  return (await db.jobRun.findUnique({ where: { id: runId }, select: { status: true } }))?.status ?? null;
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
