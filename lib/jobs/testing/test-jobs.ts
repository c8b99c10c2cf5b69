import { z } from "zod";
import { defineJob } from "@/lib/jobs/define-job";

/**
 * Jobs that exist only in tests (lib/jobs/framework.test.ts): a worker started with
 * `jobs: TEST_JOBS` runs them; they are in no registry Wharf runs.
 */

const itemPayload = z.object({ n: z.number().int(), fail: z.boolean().default(false) });
export type TestItemPayload = z.infer<typeof itemPayload>;

/** One item: waits at the gate of lib/jobs/testing/test-job-handlers.ts, then records itself done. */
export const testItemJob = defineJob<TestItemPayload>({
  id: "test.item",
  version: 1,
  payload: itemPayload,
  retryLimit: 0,
  retryDelaySeconds: 1,
  expireInSeconds: 600,
  concurrency: 2,
  handler: () => import("@/lib/jobs/testing/test-item-handler"),
});

const fanOutPayload = z.object({ items: z.array(itemPayload) });
export type TestFanOutPayload = z.infer<typeof fanOutPayload>;

/** Queues one test.item run per item. */
export const testFanOutJob = defineJob<TestFanOutPayload>({
  id: "test.fan-out",
  version: 1,
  payload: fanOutPayload,
  retryLimit: 0,
  retryDelaySeconds: 1,
  expireInSeconds: 600,
  handler: () => import("@/lib/jobs/testing/test-fan-out-handler"),
});

const batchedFanOutPayload = z.object({
  items: z.array(itemPayload),
  batch: z.number().int().positive(),
  /** The first attempt fails after queueing this many batches (a crash between two steps). */
  crashAfter: z.number().int().nonnegative().optional(),
});
export type TestBatchedFanOutPayload = z.infer<typeof batchedFanOutPayload>;

/** Queues one test.item run per item, `batch` items per step (ctx.asChild), then awaits them (ctx.awaitChildren). */
export const testBatchedFanOutJob = defineJob<TestBatchedFanOutPayload>({
  id: "test.batched-fan-out",
  version: 1,
  payload: batchedFanOutPayload,
  retryLimit: 0,
  retryDelaySeconds: 1,
  expireInSeconds: 600,
  handler: () => import("@/lib/jobs/testing/test-batched-fan-out-handler"),
});

/** Does nothing: a run of it ending shows the worker polled since it was queued. */
export const testProbeJob = defineJob<Record<string, never>>({
  id: "test.probe",
  version: 1,
  payload: z.object({}).strict() as z.ZodType<Record<string, never>>,
  retryLimit: 0,
  retryDelaySeconds: 1,
  expireInSeconds: 600,
  handler: async () => ({ default: async () => ({ probed: true }) }),
});

export const TEST_JOBS = [testItemJob, testFanOutJob, testBatchedFanOutJob, testProbeJob];
