import { reconcileIndexJob } from "@/lib/jobs/definitions";
import { handleReconcileIndex } from "@/lib/jobs/handlers/reconcile-index";
import { claimJobRun, finishJobRun } from "@/lib/services/jobs/job-runs";

/**
 * One attempt of a queued job, as the worker runs it: validate the payload against the
 * definition's version, claim (or create) the run row, run the handler, record the outcome.
 * Throws on failure so that pg-boss counts the attempt and retries it.
 */
export async function runReconcileAttempt(job: { id: string; data: unknown; retryCount?: number; retryLimit?: number }, trigger = "schedule"): Promise<unknown> {
  const parsed = reconcileIndexJob.payload.safeParse(job.data);
  if (!parsed.success) throw new Error(`index.reconcile: payload of another version or shape: ${parsed.error.message}`);
  const run = await claimJobRun({
    runId: parsed.data.runId ?? null,
    bossJobId: job.id,
    jobName: reconcileIndexJob.id,
    jobVersion: reconcileIndexJob.version,
    trigger,
  });
  try {
    const counts = await handleReconcileIndex(run);
    await finishJobRun(run.id, { status: "succeeded", result: counts });
    return counts;
  } catch (error) {
    const willRetry = (job.retryCount ?? 0) < (job.retryLimit ?? reconcileIndexJob.retryLimit);
    await finishJobRun(run.id, { status: "failed", error: error instanceof Error ? error.message : String(error), willRetry }).catch(() => undefined);
    throw error;
  }
}
