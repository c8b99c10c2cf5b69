import { z } from "zod";
import { type AwaitingChildren, type ClaimedRun, JOB_LEASE, type JobContext, type JobDefinition, type JobLeaseTiming } from "@/lib/jobs/define-job";
import { holdJobLease } from "@/lib/jobs/job-lease";
import { recordJobAttempt } from "@/lib/metrics/metrics";
import { appendJobLog, claimJobRun, finishJobRun, recordJobStep, releaseToChildren } from "@/lib/services/jobs/job-runs";
import { queueChildRuns } from "@/lib/services/jobs/queue-run";

/** What the runner needs of a pg-boss job (`includeMetadata: true` gives the retry counts). */
export type BossJob = { id: string; data: unknown; retryCount?: number; retryLimit?: number };

export type AttemptOptions = {
  /** The run's trigger when the job has no run row yet (a cron run). */
  trigger?: string;
  /** Lease and renewal interval (shorter in tests). */
  lease?: JobLeaseTiming;
};

/** pg-boss's data: a queued run's envelope (lib/services/jobs/queue-run.ts), or a cron run's `{ version }`. */
const Envelope = z.object({ version: z.number().int(), runId: z.number().int().positive().optional() });

/**
 * One attempt of a queued job, as the worker runs it, the same for every job: check the
 * envelope's version against the definition, claim (or create) the run row and its lease, parse
 * the run's payload with the definition's schema, keep the lease while the handler runs, record
 * the outcome. Throws on failure so that pg-boss counts the attempt and retries it. Every write
 * after the claim is fenced by the attempt's number, so an attempt whose lease lapsed (the
 * sweeper marked the run failed) cannot overwrite what came after it.
 */
export async function runAttempt<P>(definition: JobDefinition<P>, job: BossJob, options: AttemptOptions = {}): Promise<unknown> {
  const envelope = Envelope.safeParse(job.data);
  if (!envelope.success || envelope.data.version !== definition.version) {
    throw new Error(`${definition.id}: payload of another version or shape (expected version ${definition.version}): ${JSON.stringify(job.data)?.slice(0, 200)}`);
  }
  const timing = options.lease ?? JOB_LEASE;
  const run = await claimJobRun({
    runId: envelope.data.runId ?? null,
    bossJobId: job.id,
    jobName: definition.id,
    jobVersion: definition.version,
    trigger: options.trigger ?? "schedule",
    leaseMs: timing.leaseMs,
  });
  const lease = holdJobLease(run, timing);

  // Log lines are written in order, each awaited before the next, without holding up the work.
  let logging = Promise.resolve();
  const log = (line: string) => {
    logging = logging.then(() => appendJobLog(run.id, line)).catch(() => undefined);
  };
  const fence = { id: run.id, attempt: run.attempt };

  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  let result: unknown;
  try {
    const payload = definition.payload.safeParse(run.payload);
    if (!payload.success) throw new Error(`${definition.id}: run #${run.id} has a payload this version cannot read: ${payload.error.message}`);
    const ctx = jobContext(run, payload.data, lease.signal, log);
    const { default: handle } = await definition.handler();
    result = await handle(ctx);
  } catch (error) {
    lease.stop();
    await logging;
    const willRetry = (job.retryCount ?? 0) < (job.retryLimit ?? definition.retryLimit);
    await finishJobRun(fence, { status: "failed", error: error instanceof Error ? error.message : String(error), willRetry }).catch(() => undefined);
    recordJobAttempt(definition.id, "failed", seconds());
    throw error;
  }
  lease.stop();
  await logging;
  if (isAwaitingChildren(result) && result.awaitingChildren > 0) {
    await releaseToChildren(fence);
    recordJobAttempt(definition.id, "awaiting_children", seconds());
    return result;
  }
  recordJobAttempt(definition.id, "succeeded", seconds());
  if (!(await finishJobRun(fence, { status: "succeeded", result: isAwaitingChildren(result) ? { children: 0 } : result }))) {
    // The work is done, but the run was already recorded as failed when the lease lapsed; a retry
    // of it resumes after the checkpoint, so nothing is done twice.
    await appendJobLog(run.id, `attempt ${run.attempt} finished after its lease lapsed; the run keeps the sweeper's outcome`).catch(() => undefined);
  }
  return result;
}

/** The handler's side of an attempt (also what lib/jobs/testing builds to drive a handler by hand). */
export function jobContext<P>(run: ClaimedRun, payload: P, signal: AbortSignal, log: (line: string) => void): JobContext<P> {
  const fence = { id: run.id, attempt: run.attempt };
  return {
    run,
    payload,
    signal,
    step: (work, record) => {
      signal.throwIfAborted();
      return recordJobStep(fence, work, record);
    },
    report: async (record) => {
      signal.throwIfAborted();
      await recordJobStep(fence, null, record);
    },
    log,
    fanOut: (child, payloads) => queueChildRuns(fence, child, payloads),
    asChild: Object.freeze({ parentRunId: run.id }),
    awaitChildren: async () => {
      signal.throwIfAborted();
      // Fenced as a step: its (empty) record is refused when the run is no longer this attempt's.
      const children = await recordJobStep(fence, (tx) => tx.jobRun.count({ where: { parentRunId: run.id } }), {});
      return { awaitingChildren: children };
    },
  };
}

function isAwaitingChildren(value: unknown): value is AwaitingChildren {
  return typeof value === "object" && value !== null && typeof (value as AwaitingChildren).awaitingChildren === "number";
}
