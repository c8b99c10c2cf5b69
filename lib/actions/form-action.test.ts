import { describe, expect, it, vi } from "vitest";
import { z } from "zod";

// Only the request-bound session lookup is replaced; the wrapper, zod and the error mapping are real.
vi.mock("@/lib/auth/session", () => ({ getActor: async () => ({ kind: "system", name: "form-action-test", client: { ip: null, userAgent: null } }) }));

import { formAction, valueAction } from "@/lib/actions/form-action";
import { ForbiddenError } from "@/lib/errors";
import { isDatabaseId } from "@/lib/validation/common";

const ZInput = z.object({ name: z.string().min(3, "At least 3 characters"), id: z.coerce.number().int() });

function form(fields: Record<string, string | string[]>): FormData {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) data.append(k, one);
  return data;
}

describe("formAction", () => {
  it("parses the form, calls the service with the actor, and answers what done returns", async () => {
    const calls: unknown[] = [];
    const action = formAction(
      ZInput,
      async (input, actor) => {
        calls.push([input, actor.kind]);
        return { saved: input.id };
      },
      (input, result) => ({ ok: true, message: `${input.name} ${result.saved}` }),
    );
    expect(await action({ ok: false }, form({ name: "abc", id: "7" }))).toEqual({ ok: true, message: "abc 7" });
    expect(calls).toEqual([[{ name: "abc", id: 7 }, "system"]]);
  });

  it("answers field errors for bad input and never calls the service", async () => {
    const call = vi.fn(async () => undefined);
    const done = vi.fn(() => ({ ok: true }));
    const action = formAction(ZInput, call, done);
    expect(await action({ ok: false }, form({ name: "ab", id: "1" }))).toEqual({
      ok: false,
      message: "Check the highlighted fields.",
      fieldErrors: { name: ["At least 3 characters"] },
    });
    expect(call).not.toHaveBeenCalled();
    expect(done).not.toHaveBeenCalled();
  });

  it("tells a form of hidden fields only 'Invalid request.', without field errors", async () => {
    const action = formAction(ZInput, async () => undefined, () => ({ ok: true }), { hiddenFieldsOnly: true });
    expect(await action({ ok: false }, form({ name: "abc", id: "x" }))).toEqual({ ok: false, message: "Invalid request." });
  });

  it("maps a refusal with toActionError and does not run done (no revalidate, no redirect)", async () => {
    const done = vi.fn(() => ({ ok: true }));
    const action = formAction(ZInput, async () => Promise.reject(new ForbiddenError("Not yours.")), done);
    expect(await action({ ok: false }, form({ name: "abc", id: "1" }))).toEqual({ ok: false, message: "Not yours." });
    expect(done).not.toHaveBeenCalled();
  });

  it("lets done throw (Next's redirect signal) past the error mapping", async () => {
    const signal = new Error("NEXT_REDIRECT");
    const action = formAction(ZInput, async () => 1, () => {
      throw signal;
    });
    await expect(action({ ok: false }, form({ name: "abc", id: "1" }))).rejects.toBe(signal);
  });

  it("reads repeated fields with its own reader", async () => {
    const action = formAction(
      z.object({ tags: z.array(z.string()).min(2) }),
      async (input) => input.tags.join(","),
      (_input, joined) => ({ ok: true, message: joined }),
      { read: (formData) => ({ tags: formData.getAll("tags") }) },
    );
    expect(await action({ ok: false }, form({ tags: ["a", "b"] }))).toEqual({ ok: true, message: "a,b" });
    // Two declared parameters: the fuzz test finds form actions by their arity.
    expect(action.length).toBe(2);
  });
});

describe("valueAction", () => {
  const ZRunId = z.custom<number>(isDatabaseId);

  it("parses the plain value, calls the service with the actor, and answers what done returns", async () => {
    const calls: unknown[] = [];
    const action = valueAction(
      ZRunId,
      async (runId, actor) => {
        calls.push([runId, actor.kind]);
        return { attempts: 2 };
      },
      (runId, result) => ({ ok: true, message: `Run #${runId} attempt ${result.attempts}.` }),
    );
    expect(await action(7)).toEqual({ ok: true, message: "Run #7 attempt 2." });
    expect(calls).toEqual([[7, "system"]]);
    // One declared parameter: the fuzz test calls it with hostile values.
    expect(action.length).toBe(1);
  });

  it("tells a value that does not parse its `invalid` message (default 'Invalid request.') and never calls the service", async () => {
    const call = vi.fn(async () => undefined);
    const done = vi.fn(() => ({ ok: true }));
    const retry = valueAction(ZRunId, call, done, { invalid: "No such run." });
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 31, "1", [1], null, undefined]) expect(await retry(bad as number)).toEqual({ ok: false, message: "No such run." });
    expect(await valueAction(ZRunId, call, done)(0)).toEqual({ ok: false, message: "Invalid request." });
    expect(call).not.toHaveBeenCalled();
    expect(done).not.toHaveBeenCalled();
  });

  it("takes nothing with z.void() (a Start button) and refuses anything else", async () => {
    const start = valueAction(z.void(), async () => ({ runId: 3 }), (_input, { runId }) => ({ ok: true, message: `Run #${runId} queued.` }));
    expect(await start()).toEqual({ ok: true, message: "Run #3 queued." });
    expect(await start(1 as unknown as void)).toEqual({ ok: false, message: "Invalid request." });
  });

  it("maps a refusal with toActionError and does not run done", async () => {
    const done = vi.fn(() => ({ ok: true }));
    const action = valueAction(ZRunId, async () => Promise.reject(new ForbiddenError("Not yours.")), done);
    expect(await action(1)).toEqual({ ok: false, message: "Not yours." });
    expect(done).not.toHaveBeenCalled();
  });
});
