import type { z } from "zod";
import { JOB_LEASE, type JobDefinition, type JobLeaseTiming, reconcileIndexJob } from "@/lib/jobs/definitions";
import { handleReconcileIndex } from "@/lib/jobs/handlers/reconcile-index";
import { holdJobLease } from "@/lib/jobs/job-lease";
import { appendJobLog, claimJobRun, type ClaimedJobRun, finishJobRun } from "@/lib/services/jobs/job-runs";

/** What the runner needs of a pg-boss job (`includeMetadata: true` gives the retry counts). */
export type BossJob = { id: string; data: unknown; retryCount?: number; retryLimit?: number };

export type AttemptOptions = {
  /** The run's trigger when the job has no run row yet (a cron run). */
  trigger?: string;
  /** Lease and renewal interval (shorter in tests). */
  lease?: JobLeaseTiming;
};

/** The handler's side of an attempt: `signal` aborts when the run was taken back from it. */
export type AttemptContext = { signal: AbortSignal };

type RunPayload = { runId?: number | undefined };

/**
 * One attempt of a queued job, as the worker runs it: validate the payload against the
 * definition's version, claim (or create) the run row and its lease, keep the lease while the
 * handler runs, record the outcome. Throws on failure so that pg-boss counts the attempt and
 * retries it. Every write after the claim is fenced by the attempt's number, so an attempt whose
 * lease lapsed (the sweeper marked the run failed) cannot overwrite what came after it.
 */
export async function runJobAttempt<R>(
  definition: JobDefinition<z.ZodType<RunPayload>>,
  job: BossJob,
  options: AttemptOptions,
  handle: (run: ClaimedJobRun, context: AttemptContext) => Promise<R>,
): Promise<R> {
  const parsed = definition.payload.safeParse(job.data);
  if (!parsed.success) throw new Error(`${definition.id}: payload of another version or shape: ${parsed.error.message}`);
  const timing = options.lease ?? JOB_LEASE;
  const run = await claimJobRun({
    runId: parsed.data.runId ?? null,
    bossJobId: job.id,
    jobName: definition.id,
    jobVersion: definition.version,
    trigger: options.trigger ?? "schedule",
    leaseMs: timing.leaseMs,
  });
  const lease = holdJobLease(run, timing);
  let result: R;
  try {
    result = await handle(run, { signal: lease.signal });
  } catch (error) {
    lease.stop();
    const willRetry = (job.retryCount ?? 0) < (job.retryLimit ?? definition.retryLimit);
    await finishJobRun(run.id, { status: "failed", error: error instanceof Error ? error.message : String(error), willRetry }, run.attempts).catch(() => undefined);
    throw error;
  }
  lease.stop();
  if (!(await finishJobRun(run.id, { status: "succeeded", result }, run.attempts))) {
    // The work is done, but the run was already recorded as failed when the lease lapsed; a retry
    // of it resumes after the checkpoint, so nothing is done twice.
    await appendJobLog(run.id, `attempt ${run.attempts} finished after its lease lapsed; the run keeps the sweeper's outcome`).catch(() => undefined);
  }
  return result;
}

export async function runReconcileAttempt(job: BossJob, options: AttemptOptions = {}): Promise<unknown> {
  return runJobAttempt(reconcileIndexJob, job, options, (run, { signal }) => handleReconcileIndex(run, signal));
}
