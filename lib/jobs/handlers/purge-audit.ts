import { purgeAuditJob } from "@/lib/jobs/definitions";
import { purgeAuditEvents, type PurgeRunState } from "@/lib/services/audit/purge-audit-events";
import { appendJobLog, claimJobRun, finishJobRun } from "@/lib/services/jobs/job-runs";

/**
 * One attempt of an `audit.purge` run, as the worker runs it: validate the payload against the
 * definition's version, claim (or, for a scheduled run, create) the run row, purge, record the
 * outcome. Throws on failure so that pg-boss counts the attempt and retries it; a retried
 * attempt continues with the rows left (see purgeAuditEvents).
 */
export async function runPurgeAuditAttempt(job: { id: string; data: unknown; retryCount?: number; retryLimit?: number }): Promise<PurgeRunState> {
  const parsed = purgeAuditJob.payload.safeParse(job.data);
  if (!parsed.success) throw new Error(`${purgeAuditJob.id}: payload of another version or shape: ${parsed.error.message}`);
  const run = await claimJobRun({
    runId: parsed.data.runId ?? null,
    bossJobId: job.id,
    jobName: purgeAuditJob.id,
    jobVersion: purgeAuditJob.version,
    trigger: "schedule",
  });
  // Log lines are written in order, each awaited before the next, without holding up the batches.
  let logging = Promise.resolve();
  const log = (line: string) => {
    logging = logging.then(() => appendJobLog(run.id, line)).catch(() => undefined);
  };
  try {
    const state = await purgeAuditEvents({ run, log });
    await logging;
    await finishJobRun(run.id, { status: "succeeded", result: state });
    return state;
  } catch (error) {
    await logging;
    const willRetry = (job.retryCount ?? 0) < (job.retryLimit ?? purgeAuditJob.retryLimit);
    await finishJobRun(run.id, { status: "failed", error: error instanceof Error ? error.message : String(error), willRetry }).catch(() => undefined);
    throw error;
  }
}
