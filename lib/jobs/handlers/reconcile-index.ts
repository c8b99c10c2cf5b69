import { systemActor } from "@/lib/auth/actor";
import type { JobHandler } from "@/lib/jobs/define-job";
import type { ReconcileIndexPayload } from "@/lib/jobs/definitions";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { emptyCounts, reconcileIndex, type ReconcileCounts } from "@/lib/services/repositories/reconcile-index";

/**
 * One attempt of an `index.reconcile` run: resumes after the run's checkpoint (a retried attempt
 * does not walk again what it finished) and reports progress after every repository. When the
 * lease was lost the next report throws, which stops the walk.
 */
const handleReconcileIndex: JobHandler<ReconcileIndexPayload> = async ({ run, report, log }) => {
  const previous = run.checkpoint ? countsFrom(run.result) : undefined;
  const counts = await reconcileIndex({
    actor: systemActor("index.reconcile"),
    registry: getBackingRegistry(),
    resumeAfter: run.checkpoint,
    initialCounts: previous,
    initialDone: previous ? run.progressDone : 0,
    log,
    onTotal: (total) => report({ done: previous ? run.progressDone : 0, total, checkpoint: run.checkpoint }),
    onRepositoryDone: ({ done, total, lastRepository, counts }) => report({ done, total, checkpoint: lastRepository, result: counts }),
  });
  log(summary(counts));
  return counts;
};

export default handleReconcileIndex;

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
