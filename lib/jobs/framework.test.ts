import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { runAttempt } from "@/lib/jobs/attempt";
import { ensureQueues, getBoss, stopSharedBoss } from "@/lib/jobs/boss";
import { testJobContext } from "@/lib/jobs/testing/job-context";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { itemProbe } from "@/lib/jobs/testing/test-item-handler";
import { TEST_JOBS, testBatchedFanOutJob, testFanOutJob, testItemJob, testProbeJob } from "@/lib/jobs/testing/test-jobs";
import { startJobWorker } from "@/lib/jobs/worker";
import { claimJobRun, createJobRun, JobLeaseLostError, listJobRuns } from "@/lib/services/jobs/job-runs";
import { queueRun } from "@/lib/services/jobs/queue-run";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";

afterAll(() => stopSharedBoss());

/** Polls until `check` holds (no deadline of its own: the test's timeout is the bound). */
async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 50));
}

const statusOf = async (runId: number) => (await db.jobRun.findUniqueOrThrow({ where: { id: runId } })).status;

describe("queueRun", () => {
  it("writes the run and its pg-boss job in the caller's transaction: a rollback leaves neither, a commit both", async () => {
    const boss = await getBoss();
    await ensureQueues(boss, TEST_JOBS);

    let rolledBack: { runId: number; bossJobId: string | null } | undefined;
    await expect(
      db.$transaction(async (tx) => {
        const { runId } = await queueRun(tx, testItemJob, { n: 1, fail: false }, "test");
        const row = await tx.jobRun.findUniqueOrThrow({ where: { id: runId }, select: { bossJobId: true } });
        rolledBack = { runId, bossJobId: row.bossJobId };
        // Inside the transaction both exist (pg-boss's own row, read through the same connection).
        const [job] = await tx.$queryRawUnsafe<{ state: string }[]>(`SELECT state::text FROM pgboss.job WHERE id = $1::uuid`, row.bossJobId);
        expect(job?.state).toBe("created");
        throw new Error("the request failed after queueing");
      }),
    ).rejects.toThrow("the request failed after queueing");
    expect(rolledBack?.bossJobId).toBeTruthy();
    expect(await db.jobRun.findUnique({ where: { id: rolledBack!.runId } })).toBeNull();
    expect(await boss.getJobById(testItemJob.id, rolledBack!.bossJobId!, { includeArchive: true })).toBeNull();

    const { runId } = await db.$transaction((tx) => queueRun(tx, testItemJob, { n: 2, fail: false }, "test"));
    const run = await db.jobRun.findUniqueOrThrow({ where: { id: runId } });
    expect(run).toMatchObject({ jobName: testItemJob.id, jobVersion: 1, status: "queued", trigger: "test", payload: { n: 2, fail: false } });
    const job = await boss.getJobById(testItemJob.id, run.bossJobId!);
    expect(job).toMatchObject({ state: "created", data: { version: 1, runId } });
    // Not this test's to run: cancelled, so a worker of another test does not take it.
    await boss.cancel(testItemJob.id, run.bossJobId!);
  });

  it("refuses a payload its job's schema does not accept, and writes nothing", async () => {
    const before = await db.jobRun.count({ where: { jobName: testItemJob.id } });
    await expect(db.$transaction((tx) => queueRun(tx, testItemJob, { n: 1.5, fail: false }, "test"))).rejects.toThrow();
    expect(await db.jobRun.count({ where: { jobName: testItemJob.id } })).toBe(before);
  });
});

describe("the worker's start", () => {
  it("loads the handlers of its jobs in the background, before any run asks for one", async () => {
    const loaded: string[] = [];
    const jobs = TEST_JOBS.map((job) => ({ ...job, handler: () => (loaded.push(job.id), job.handler()) }));
    const worker = await startJobWorker({ log: () => undefined, reconcileCron: "off", jobs, pollingIntervalSeconds: 0.5 });
    try {
      await worker.handlersLoaded;
      expect(loaded.sort()).toEqual(TEST_JOBS.map((job) => job.id).sort());
    } finally {
      await worker.stop();
    }
  });
});

describe("fan-out and concurrency", () => {
  it("a parent queues one child per item, its progress is its children ended; at most `concurrency` children run at once", async () => {
    itemProbe.close();
    const worker = await startJobWorker({ log: () => undefined, reconcileCron: "off", jobs: TEST_JOBS, pollingIntervalSeconds: 0.5 });
    try {
      const items = [0, 1, 2, 3, 4, 5].map((n) => ({ n, fail: n === 5 }));
      const { runId: parentId } = await db.$transaction((tx) => queueRun(tx, testFanOutJob, { items }, "test"));

      // Two children inside the handler, held at the gate: the limit is reached.
      await until(() => itemProbe.active === 2);
      const children = await db.jobRun.findMany({ where: { parentRunId: parentId }, orderBy: { id: "asc" } });
      expect(children.map((c) => c.payload)).toEqual(items);
      // The parent's attempt let go of its lease once its children were queued; they carry the run now.
      await until(async () => (await db.jobRun.findUniqueOrThrow({ where: { id: parentId } })).leaseExpiresAt === null);
      expect(await db.jobRun.findUniqueOrThrow({ where: { id: parentId } })).toMatchObject({ status: "running", progressDone: 0, progressTotal: 6, attempts: 1 });
      // The worker kept polling meanwhile (a probe queued now has run), yet no third child started.
      const { runId: probeId } = await db.$transaction((tx) => queueRun(tx, testProbeJob, {}, "test"));
      await until(async () => (await statusOf(probeId)) === "succeeded");
      expect(itemProbe.active).toBe(2);
      expect(itemProbe.started).toBe(2);
      expect(await db.jobRun.count({ where: { parentRunId: parentId, status: "queued" } })).toBe(4);

      itemProbe.open();
      await until(async () => ["succeeded", "failed"].includes(await statusOf(parentId)));
      const parent = await db.jobRun.findUniqueOrThrow({ where: { id: parentId } });
      expect(parent).toMatchObject({
        status: "failed",
        error: "1 of 6 child runs failed",
        progressDone: 6,
        progressTotal: 6,
        result: { children: 6, succeeded: 5, failed: 1 },
      });
      expect(itemProbe.maxActive).toBe(2);
      const ended = await db.jobRun.findMany({ where: { parentRunId: parentId }, orderBy: { id: "asc" }, select: { status: true, error: true, result: true } });
      expect(ended.map((c) => c.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded", "succeeded", "failed"]);
      expect(ended[5]?.error).toBe("item 5 fails as asked");
      expect(ended[0]?.result).toEqual({ n: 0 });

      // The console's list shows the parent with the same progress columns as any run.
      const [listed] = await listJobRuns({ actor: actorFor(await createTestUser({ isAdmin: true })), jobName: testFanOutJob.id, take: 1 });
      expect(listed).toMatchObject({ id: parentId, status: "failed", progressDone: 6, progressTotal: 6 });
    } finally {
      itemProbe.open();
      await worker.stop();
    }
  }, 120_000);
});

describe("fan-out in batches (ctx.asChild, ctx.awaitChildren)", () => {
  /** Queues a test.batched-fan-out run and takes its pg-boss job away from any worker: the test runs its attempts. */
  async function queueBatched(payload: { items: { n: number; fail: boolean }[]; batch: number; crashAfter?: number }) {
    const boss = await getBoss();
    await ensureQueues(boss, TEST_JOBS);
    const { runId } = await db.$transaction((tx) => queueRun(tx, testBatchedFanOutJob, payload, "test"));
    const { bossJobId } = await db.jobRun.findUniqueOrThrow({ where: { id: runId }, select: { bossJobId: true } });
    await boss.cancel(testBatchedFanOutJob.id, bossJobId!);
    return { runId, job: { id: bossJobId!, data: { version: testBatchedFanOutJob.version, runId } } };
  }

  it("children queued in steps are the run's children; a retried attempt resumes after the last batch; the run ends when the last child has", async () => {
    const items = [0, 1, 2, 3, 4, 5, 6].map((n) => ({ n, fail: n === 6 }));
    const { runId, job } = await queueBatched({ items, batch: 3, crashAfter: 1 });

    // The first attempt queues one batch, then crashes before the next: pg-boss will retry it.
    await expect(runAttempt(testBatchedFanOutJob, { ...job, retryCount: 0, retryLimit: 1 })).rejects.toThrow("crashed after 1 batch(es) as asked");
    expect(await db.jobRun.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: "queued", checkpoint: "3" });
    expect(await db.jobRun.count({ where: { parentRunId: runId } })).toBe(3);

    // The retry goes on after the checkpoint and awaits every child, the first attempt's too.
    expect(await runAttempt(testBatchedFanOutJob, { ...job, retryCount: 1, retryLimit: 1 })).toEqual({ awaitingChildren: items.length });
    const children = await db.jobRun.findMany({ where: { parentRunId: runId }, orderBy: { id: "asc" }, select: { id: true, jobName: true, payload: true } });
    expect(children.map((c) => c.payload)).toEqual(items);
    expect(children.every((c) => c.jobName === testItemJob.id)).toBe(true);
    const parent = await db.jobRun.findUniqueOrThrow({ where: { id: runId } });
    expect(parent).toMatchObject({ status: "running", leaseExpiresAt: null, attempts: 2, checkpoint: String(items.length) });
    expect(parent.log.match(/queued items up to/g)).toHaveLength(3);

    // The children end; the last one ends the parent, as a fanOut's.
    for (const child of children.slice(0, -1)) await runQueuedRun(testItemJob, child.id);
    expect(await db.jobRun.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: "running", progressDone: items.length - 1, progressTotal: items.length });
    await expect(runQueuedRun(testItemJob, children.at(-1)!.id)).rejects.toThrow("item 6 fails as asked");
    expect(await db.jobRun.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({
      status: "failed",
      error: `1 of ${items.length} child runs failed`,
      progressDone: items.length,
      progressTotal: items.length,
      result: { children: items.length, succeeded: items.length - 1, failed: 1 },
    });
  }, 60_000);

  it("with no child queued, the run succeeds at once", async () => {
    const { runId, job } = await queueBatched({ items: [], batch: 3 });
    expect(await runAttempt(testBatchedFanOutJob, { ...job, retryCount: 0, retryLimit: 0 })).toEqual({ awaitingChildren: 0 });
    expect(await db.jobRun.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: "succeeded", result: { children: 0 }, leaseExpiresAt: null });
  });

  it("awaitChildren is fenced as a step: an attempt whose run was taken over gets JobLeaseLostError", async () => {
    const runId = await createJobRun({ jobName: testBatchedFanOutJob.id, jobVersion: 1, trigger: "test" });
    const claim = () => claimJobRun({ runId, bossJobId: randomUUID(), jobName: testBatchedFanOutJob.id, jobVersion: 1, trigger: "test" });
    const first = await claim();
    const stale = testJobContext(first, { items: [], batch: 1 });
    const second = await claim();
    await expect(stale.awaitChildren()).rejects.toBeInstanceOf(JobLeaseLostError);
    await expect(testJobContext(second, { items: [], batch: 1 }).awaitChildren()).resolves.toEqual({ awaitingChildren: 0 });
  });
});
