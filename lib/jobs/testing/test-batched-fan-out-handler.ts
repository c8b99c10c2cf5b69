import type { JobHandler } from "@/lib/jobs/define-job";
import { type TestBatchedFanOutPayload, testItemJob } from "@/lib/jobs/testing/test-jobs";
import { queueRun } from "@/lib/services/jobs/queue-run";

/**
 * The test.batched-fan-out handler: the items from the checkpoint on, `batch` per step, each
 * queued as a child (ctx.asChild) in the step's transaction with the checkpoint after it; then
 * the run awaits every child, whichever attempt queued it.
 */
const handleBatchedFanOut: JobHandler<TestBatchedFanOutPayload> = async (ctx) => {
  const { items, batch, crashAfter } = ctx.payload;
  let next = ctx.run.checkpoint ? Number(ctx.run.checkpoint) : 0;
  for (let batches = 0; next < items.length; batches++) {
    if (ctx.run.attempt === 1 && batches === crashAfter) throw new Error(`crashed after ${batches} batch(es) as asked`);
    const slice = items.slice(next, next + batch);
    const end = next + slice.length;
    await ctx.step(
      async (tx) => {
        for (const item of slice) await queueRun(tx, testItemJob, item, `run #${ctx.run.id}`, ctx.asChild);
      },
      { checkpoint: String(end), log: `queued items up to ${end}` },
    );
    next = end;
  }
  return ctx.awaitChildren();
};

export default handleBatchedFanOut;
