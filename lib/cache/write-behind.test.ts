import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { flushWriteBehind, writeBehind } from "@/lib/cache/write-behind";

type Count = { key: string; n: number };

/** A batch whose writes land in an array (the pull-times test checks the Postgres writer). */
function counting(maxKeys = 100) {
  const written: Count[][] = [];
  const batch = writeBehind<Count>({
    name: `test-${randomBytes(4).toString("hex")}`,
    intervalMs: 60_000,
    maxKeys,
    keyOf: (c) => c.key,
    merge: (pending, c) => {
      pending.n += c.n;
    },
    write: async (items) => {
      written.push(items.map((c) => ({ ...c })));
    },
  });
  return { batch, written };
}

describe("writeBehind", () => {
  it("folds notes of one key together and writes nothing until flushed", async () => {
    const { batch, written } = counting();
    batch.note({ key: "a", n: 1 });
    batch.note({ key: "a", n: 2 });
    batch.note({ key: "b", n: 1 });
    expect([batch.pending(), written]).toEqual([2, []]);
    await batch.flush();
    expect(written).toEqual([[{ key: "a", n: 3 }, { key: "b", n: 1 }]]);
    expect(batch.pending()).toBe(0);
  });

  it("writes as soon as maxKeys distinct keys are pending, so memory stays bounded", async () => {
    const { batch, written } = counting(3);
    batch.note({ key: "a", n: 1 });
    batch.note({ key: "b", n: 1 });
    expect(batch.pending()).toBe(2);
    batch.note({ key: "c", n: 1 });
    // The write started with the third key; the next flush waits for it.
    await batch.flush();
    expect(written).toEqual([[{ key: "a", n: 1 }, { key: "b", n: 1 }, { key: "c", n: 1 }]]);
  });

  it("flushWriteBehind writes every batch (what shutdown calls)", async () => {
    const one = counting();
    const two = counting();
    one.batch.note({ key: "x", n: 1 });
    two.batch.note({ key: "y", n: 2 });
    await flushWriteBehind();
    expect([one.written, two.written]).toEqual([[[{ key: "x", n: 1 }]], [[{ key: "y", n: 2 }]]]);
  });

  it("a failed write is logged and dropped, and later notes are written", async () => {
    let fail = true;
    const written: Count[] = [];
    const batch = writeBehind<Count>({
      name: `test-${randomBytes(4).toString("hex")}`,
      intervalMs: 60_000,
      maxKeys: 100,
      keyOf: (c) => c.key,
      merge: (pending, c) => void (pending.n += c.n),
      write: async (items) => {
        if (fail) throw new Error("database down");
        written.push(...items);
      },
    });
    batch.note({ key: "a", n: 1 });
    await batch.flush();
    fail = false;
    batch.note({ key: "b", n: 1 });
    await batch.flush();
    expect(written).toEqual([{ key: "b", n: 1 }]);
  });

  it("with retryFailed, a failed batch is kept and written with the next one, oldest first", async () => {
    let fail = true;
    const written: Count[][] = [];
    const batch = writeBehind<Count>({
      name: `test-${randomBytes(4).toString("hex")}`,
      intervalMs: 60_000,
      maxKeys: 100,
      keyOf: (c) => c.key,
      merge: (pending, c) => void (pending.n += c.n),
      write: async (items) => {
        if (fail) throw new Error("database down");
        written.push(items.map((c) => ({ ...c })));
      },
      retryFailed: { maxPending: 100 },
    });
    batch.note({ key: "a", n: 1 });
    await batch.flush();
    expect([batch.pending(), written]).toEqual([1, []]);
    batch.note({ key: "b", n: 1 });
    batch.note({ key: "a", n: 2 });
    fail = false;
    await batch.flush();
    expect(written).toEqual([[{ key: "a", n: 3 }, { key: "b", n: 1 }]]);
    expect(batch.pending()).toBe(0);
  });

  it("with retryFailed, memory stays bounded: beyond maxPending the oldest are dropped", async () => {
    let fail = true;
    const written: Count[] = [];
    const batch = writeBehind<Count>({
      name: `test-${randomBytes(4).toString("hex")}`,
      intervalMs: 60_000,
      maxKeys: 100,
      keyOf: (c) => c.key,
      merge: (pending, c) => void (pending.n += c.n),
      write: async (items) => {
        if (fail) throw new Error("database down");
        written.push(...items);
      },
      retryFailed: { maxPending: 2 },
    });
    for (const key of ["a", "b", "c"]) batch.note({ key, n: 1 });
    await batch.flush();
    expect(batch.pending()).toBe(2);
    fail = false;
    await batch.flush();
    expect(written.map((c) => c.key)).toEqual(["b", "c"]);
  });
});
