import { purgeAuditJob } from "@/lib/jobs/definitions";
import { type AttemptOptions, type BossJob, runJobAttempt } from "@/lib/jobs/run-job";
import { purgeAuditEvents, type PurgeRunState } from "@/lib/services/audit/purge-audit-events";
import { appendJobLog } from "@/lib/services/jobs/job-runs";

/**
 * One attempt of an `audit.purge` run, as the worker runs it (claim, lease and outcome: see
 * runJobAttempt); a retried attempt continues with the rows left (see purgeAuditEvents).
 */
export async function runPurgeAuditAttempt(job: BossJob, options: AttemptOptions = {}): Promise<PurgeRunState> {
  return runJobAttempt(purgeAuditJob, job, options, async (run) => {
    // Log lines are written in order, each awaited before the next, without holding up the batches.
    let logging = Promise.resolve();
    const log = (line: string) => {
      logging = logging.then(() => appendJobLog(run.id, line)).catch(() => undefined);
    };
    try {
      return await purgeAuditEvents({ run, log });
    } finally {
      await logging;
    }
  });
}
