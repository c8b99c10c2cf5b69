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
import { listReconcileRunsAction } from "@/app/(console)/admin/health/actions";
import { type PollResult, valueOf } from "@/lib/actions/poll";
import { actorFor, createTestUser } from "@/lib/testing/factories";

afterEach(() => {
  state.actor = undefined;
  vi.restoreAllMocks();
});

const POLLS: Record<string, () => Promise<PollResult<unknown>>> = { listReconcileRunsAction, listPurgeRunsAction, getForwardingStatusAction };

describe("polled admin reads", () => {
  it.each(Object.entries(POLLS))("%s refuses a non-administrator with a value, and logs no error", async (_name, poll) => {
    state.actor = actorFor(await createTestUser());
    const errorLog = vi.spyOn(console, "error");
    const result = await poll();
    expect(result).toEqual({ ok: false, message: "You do not have permission to do that." });
    expect(errorLog).not.toHaveBeenCalled();
    expect(() => valueOf(result)).toThrow("You do not have permission to do that.");
  });

  it.each(Object.entries(POLLS))("%s answers an administrator with the value", async (_name, poll) => {
    state.actor = actorFor(await createTestUser({ isAdmin: true }));
    const result = await poll();
    expect(result.ok).toBe(true);
    expect(valueOf(result)).toBeDefined();
  });
});
