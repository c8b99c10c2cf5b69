import { systemActor } from "@/lib/auth/actor";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { appendJobLog, reportJobProgress } from "@/lib/services/jobs/job-runs";
import { emptyCounts, reconcileIndex, type ReconcileCounts } from "@/lib/services/repositories/reconcile-index";

/**
 * Runs one attempt of an `index.reconcile` run: resumes after the run's checkpoint (a retried
 * attempt does not walk again what it finished) and records progress after every repository.
 * Progress is written only while the run is still this attempt's (`attempts`); when its lease was
 * lost (`signal`) the next progress report stops the walk.
 */
export async function handleReconcileIndex(
  run: { id: number; checkpoint: string | null; progressDone: number; result: unknown; attempts?: number },
  signal?: AbortSignal,
): Promise<ReconcileCounts> {
  const previous = run.checkpoint ? countsFrom(run.result) : undefined;
  // Log writes are ordered but not awaited one by one by the walker; each is awaited before the next.
  let logging = Promise.resolve();
  const log = (line: string) => {
    logging = logging.then(() => appendJobLog(run.id, line)).catch(() => undefined);
  };
  try {
    const counts = await reconcileIndex({
      actor: systemActor("index.reconcile"),
      registry: getBackingRegistry(),
      resumeAfter: run.checkpoint,
      initialCounts: previous,
      initialDone: previous ? run.progressDone : 0,
      log,
      onTotal: (total) => reportJobProgress(run.id, { done: previous ? run.progressDone : 0, total, checkpoint: run.checkpoint }, run.attempts),
      onRepositoryDone: async ({ done, total, lastRepository, counts }) => {
        signal?.throwIfAborted();
        await reportJobProgress(run.id, { done, total, checkpoint: lastRepository, result: counts }, run.attempts);
      },
    });
    log(summary(counts));
    return counts;
  } finally {
    await logging;
  }
}

function countsFrom(result: unknown): ReconcileCounts {
  const counts = emptyCounts();
  if (result && typeof result === "object") {
    for (const key of Object.keys(counts) as (keyof ReconcileCounts)[]) {
      const value = (result as Record<string, unknown>)[key];
      if (typeof value === "number") counts[key] = value;
    }
  }
  return counts;
}

function summary(c: ReconcileCounts): string {
  return (
    `done: ${c.repositoriesSeen} repositories (${c.repositoriesSkipped} skipped: no project; +${c.repositoriesAdded} -${c.repositoriesRemoved}), ` +
    `artifacts +${c.artifactsAdded} -${c.artifactsRemoved}, tags +${c.tagsAdded} ~${c.tagsMoved} -${c.tagsRemoved}`
  );
}
