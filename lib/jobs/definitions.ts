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
  /** pg-boss fails (and retries) an attempt still active after this long: a crashed worker's job comes back. */
  expireInSeconds: number;
};

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
