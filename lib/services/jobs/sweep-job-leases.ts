import "server-only";
import type PgBoss from "pg-boss";
import { systemActor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import type { JobDefinition } from "@/lib/jobs/define-job";
import { JOB_REGISTRY } from "@/lib/jobs/registry";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { settleParentOf } from "@/lib/services/jobs/job-runs";
import { bossExecutor } from "@/lib/services/jobs/queue-run";

/**
 * Takes back runs whose attempt stopped renewing its lease: the worker process was killed, froze
 * or lost the database. Every worker process sweeps (lib/jobs/worker.ts), so a run is recovered
 * while any Wharf instance is up; the row lock (`FOR UPDATE SKIP LOCKED`) lets exactly one sweeper
 * handle each run.
 *
 * The run becomes failed ("worker stopped responding") and its still-active pg-boss job is
 * cancelled in the same transaction, which frees the singleton queue at once; an administrator's
 * retry queues a new pg-boss job for the run, which resumes from the checkpoint. Cancelled rather
 * than failed in pg-boss: a failed job keeps its id when pg-boss retries it, and a worker that was
 * only frozen would, when it wakes, complete or fail that id under the attempt that took over;
 * pg-boss leaves a cancelled job alone. One `job_run.fail` audit row per swept run, by the system
 * actor, written with the change.
 */
export const WORKER_STOPPED = "worker stopped responding (its lease lapsed)";

const SWEEPER = systemActor("job-sweeper");

/** At most this many runs a sweep; more wait for the next sweep (there is one run per queue at a time). */
const SWEEP_BATCH = 20;

export type SweptJobRun = { id: number; jobName: string; attempt: number; status: "queued" | "failed"; bossState: string | null };

type ExpiredRow = { id: number; job_name: string; boss_job_id: string | null; attempts: number; lease_expires_at: Date };

export async function sweepExpiredJobRuns({ boss, jobs = JOB_REGISTRY }: { boss: PgBoss; jobs?: readonly JobDefinition<unknown>[] }): Promise<SweptJobRun[]> {
  const queues = new Set<string>(jobs.map((d) => d.id));
  return db.$transaction(async (tx) => {
    const expired = await tx.$queryRaw<ExpiredRow[]>`
      SELECT id, job_name, boss_job_id, attempts, lease_expires_at FROM job_runs
      WHERE status = 'running' AND lease_expires_at < now()
      ORDER BY id LIMIT ${SWEEP_BATCH}
      FOR UPDATE SKIP LOCKED`;
    const swept: SweptJobRun[] = [];
    for (const run of expired) {
      // Read through pg-boss's own connection (its rows hold an interval column Prisma cannot
      // read); the cancel runs in this transaction, so the run and its pg-boss job change together.
      const job = run.boss_job_id && queues.has(run.job_name) ? await boss.getJobById(run.job_name, run.boss_job_id, { includeArchive: false }) : null;
      if (job?.state === "active") await boss.cancel(run.job_name, job.id, { db: bossExecutor(tx) });
      // Not active: pg-boss failed it itself when a worker stopped gracefully with the attempt
      // still running; it waits as `retry` and the retried attempt claims the run again.
      const retrying = job?.state === "retry" || job?.state === "created";
      const status = retrying ? ("queued" as const) : ("failed" as const);
      await tx.jobRun.update({
        where: { id: run.id },
        data: { status, error: WORKER_STOPPED, finishedAt: retrying ? null : new Date(), leaseExpiresAt: null },
        select: { id: true },
      });
      await settleParentOf(tx, run.id);
      await recordAuditEvent(tx, {
        actor: SWEEPER,
        action: "job_run.fail",
        resource: { type: "job_run", id: run.id, name: run.job_name },
        detail: { reason: WORKER_STOPPED, attempt: run.attempts, leaseExpiredAt: run.lease_expires_at.toISOString(), retrying },
      });
      swept.push({ id: run.id, jobName: run.job_name, attempt: run.attempts, status, bossState: job?.state ?? null });
    }
    return swept;
  });
}
