import { z } from "zod";

/**
 * Job definitions: what a job is called, which payload version it takes, and its retry policy.
 * Kept apart from the handlers (lib/jobs/handlers) so that a service can queue a job without
 * importing what runs it, and a handler can refuse a payload from another version.
 */
export type JobDefinition<P extends z.ZodType> = {
  /** Also the pg-boss queue name. */
  id: string;
  version: number;
  payload: P;
  /** pg-boss retries a failed attempt this many times (a resumable job continues from its checkpoint). */
  retryLimit: number;
  retryDelaySeconds: number;
  /**
   * pg-boss fails (and retries) an attempt still active after this long. A dead worker's attempt
   * is taken back much sooner by the lease sweeper; this is the backstop for a live attempt stuck
   * while still renewing its lease.
   */
  expireInSeconds: number;
};

/**
 * How a running attempt holds its run (lib/jobs/job-lease.ts): it renews a lease on its JobRun
 * row every `renewMs`; the sweeper in every worker process (every `sweepMs`) takes back a run
 * whose lease lapsed, that is whose worker stopped renewing (killed, frozen, cut off from the
 * database). A dead worker's run is recovered at most leaseMs + sweepMs after its last renewal.
 * Four renewals fit in one lease, so a few slow or failed renewals do not lose it.
 */
export type JobLeaseTiming = { leaseMs: number; renewMs: number };

export const JOB_LEASE: JobLeaseTiming & { sweepMs: number } = { leaseMs: 60_000, renewMs: 15_000, sweepMs: 30_000 };

export const reconcileIndexJob = {
  id: "index.reconcile",
  version: 1,
  payload: z.object({
    version: z.literal(1),
    /** The JobRun row queued with it; absent for a scheduled (cron) run, which gets its own. */
    runId: z.number().int().positive().optional(),
  }),
  retryLimit: 2,
  retryDelaySeconds: 30,
  // A walk of 10,000 repositories is minutes, not hours; well above it, so a slow registry is not cut.
  expireInSeconds: 4 * 3600,
} satisfies JobDefinition<z.ZodType>;

export type ReconcileIndexPayload = z.infer<typeof reconcileIndexJob.payload>;

export const purgeAuditJob = {
  id: "audit.purge",
  version: 1,
  payload: z.object({
    version: z.literal(1),
    /** The JobRun row queued with it (a manual purge); absent for a scheduled run, which gets its own. */
    runId: z.number().int().positive().optional(),
  }),
  retryLimit: 2,
  retryDelaySeconds: 30,
  // Batches of 10,000 rows: 2,000,000 rows are a few minutes; an hour leaves room for a slow disk.
  expireInSeconds: 3600,
} satisfies JobDefinition<z.ZodType>;

export type PurgeAuditPayload = z.infer<typeof purgeAuditJob.payload>;

export const JOB_DEFINITIONS = [reconcileIndexJob, purgeAuditJob] as const;
