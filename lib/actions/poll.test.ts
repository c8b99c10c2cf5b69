import { afterEach, describe, expect, it, vi } from "vitest";

/*
 * The admin pages' polled reads (job runs on System health, purge runs and forwarding status on
 * the audit retention page) answer a caller who may not read them with a refusal value, not a
 * thrown error (which reached the browser as a failed request and the server log as an error).
 */

const state = vi.hoisted(() => ({ actor: undefined as unknown }));
vi.mock("@/lib/auth/session", () => ({
  getActor: async () => state.actor,
  requireUserActor: async () => state.actor,
}));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined, revalidateTag: () => undefined }));

import { getForwardingStatusAction, listPurgeRunsAction } from "@/app/(console)/admin/audit-log/policy/actions";
import { listReconcileRunsAction, listRepositoryDeleteRunsAction } from "@/app/(console)/admin/health/actions";
import { type PollResult, valueOf } from "@/lib/actions/poll";
import { deleteRepositoryJob, purgeAuditJob, reconcileIndexJob } from "@/lib/jobs/definitions";
import { getForwardingStatus } from "@/lib/services/audit/forward-audit-events";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";

afterEach(() => {
  state.actor = undefined;
  vi.restoreAllMocks();
});

/** A finished run of `jobName`, the newest of its job, so the polled list has it at the top. */
async function seededRun(jobName: string): Promise<number> {
  const run = await db.jobRun.create({ data: { jobName, jobVersion: 1, trigger: "poll-test", status: "succeeded", finishedAt: new Date() }, select: { id: true } });
  return run.id;
}

type Poll = {
  poll: () => Promise<PollResult<unknown>>;
  /** Rows the value must show (an empty list would prove nothing); returns the row's id. */
  seed?: () => Promise<number>;
  check: (value: unknown, context: { actor: ReturnType<typeof actorFor>; seededId: number | undefined }) => Promise<void> | void;
};

const newestRunIs = (value: unknown, id: number | undefined) =>
  expect((value as { id: number; status: string; trigger: string }[])[0]).toMatchObject({ id, status: "succeeded", trigger: "poll-test" });

const POLLS: Record<string, Poll> = {
  listReconcileRunsAction: { poll: listReconcileRunsAction, seed: () => seededRun(reconcileIndexJob.id), check: (value, { seededId }) => newestRunIs(value, seededId) },
  listRepositoryDeleteRunsAction: {
    poll: listRepositoryDeleteRunsAction,
    seed: () => seededRun(deleteRepositoryJob.id),
    check: (value, { seededId }) => newestRunIs(value, seededId),
  },
  listPurgeRunsAction: { poll: listPurgeRunsAction, seed: () => seededRun(purgeAuditJob.id), check: (value, { seededId }) => newestRunIs(value, seededId) },
  getForwardingStatusAction: { poll: getForwardingStatusAction, check: async (value, { actor }) => expect(value).toEqual(await getForwardingStatus({ actor })) },
};

describe("polled admin reads", () => {
  it.each(Object.entries(POLLS))("%s refuses a non-administrator with a value, and logs no error", async (_name, { poll }) => {
    state.actor = actorFor(await createTestUser());
    const errorLog = vi.spyOn(console, "error");
    const result = await poll();
    expect(result).toEqual({ ok: false, message: "You do not have permission to do that." });
    expect(errorLog).not.toHaveBeenCalled();
    expect(() => valueOf(result)).toThrow("You do not have permission to do that.");
  });

  it.each(Object.entries(POLLS))("%s answers an administrator with the value its service reads", async (_name, { poll, seed, check }) => {
    const actor = actorFor(await createTestUser({ isAdmin: true }));
    state.actor = actor;
    const seededId = await seed?.();
    const result = await poll();
    expect(result.ok).toBe(true);
    await check(valueOf(result), { actor, seededId });
  });
});
