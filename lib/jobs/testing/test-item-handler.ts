import type { JobHandler } from "@/lib/jobs/define-job";
import type { TestItemPayload } from "@/lib/jobs/testing/test-jobs";

/**
 * The test.item handler and what a test observes of it: how many attempts are inside it at once
 * (and the most there ever were), held at a gate the test opens.
 */
export const itemProbe = {
  active: 0,
  maxActive: 0,
  started: 0,
  open: (() => undefined) as () => void,
  gate: Promise.resolve(),
  close() {
    this.gate = new Promise<void>((resolve) => (this.open = resolve));
  },
};

const handleItem: JobHandler<TestItemPayload> = async ({ payload, step }) => {
  itemProbe.active += 1;
  itemProbe.started += 1;
  itemProbe.maxActive = Math.max(itemProbe.maxActive, itemProbe.active);
  try {
    await itemProbe.gate;
    if (payload.fail) throw new Error(`item ${payload.n} fails as asked`);
    await step(async () => payload.n, { done: 1, total: 1, result: { n: payload.n } });
    return { n: payload.n };
  } finally {
    itemProbe.active -= 1;
  }
};

export default handleItem;
