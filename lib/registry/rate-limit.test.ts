import { describe, expect, it } from "vitest";
import { ByteRateLimiter, type LimiterClock } from "@/lib/registry/rate-limit";

/** A clock that moves only when the limiter sleeps: the pacing is computed, not measured. */
function fakeClock(): LimiterClock & { elapsed: () => number } {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    elapsed: () => now,
  };
}

async function pass(limiter: ByteRateLimiter, chunks: number[]): Promise<void> {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const n of chunks) controller.enqueue(new Uint8Array(n));
      controller.close();
    },
  }).pipeThrough(limiter.throttle());
  const reader = stream.getReader();
  while (!(await reader.read()).done);
}

describe("ByteRateLimiter", () => {
  it("lets a second's worth through at once, then paces the rest at the rate", async () => {
    const clock = fakeClock();
    const limiter = new ByteRateLimiter(1000, clock);
    // 10 × 500 bytes: the first 1000 from the full bucket, the other 4000 take 4 s.
    await pass(limiter, Array.from({ length: 10 }, () => 500));
    expect(limiter.bytes).toBe(5000);
    expect(clock.elapsed()).toBeGreaterThanOrEqual(4000);
    expect(clock.elapsed()).toBeLessThanOrEqual(4000 + 10);
    expect(limiter.waits).toBeGreaterThanOrEqual(8);
  });

  it("is one bucket for every stream piped through it", async () => {
    const clock = fakeClock();
    const limiter = new ByteRateLimiter(1000, clock);
    await Promise.all([pass(limiter, [500, 500, 500, 500]), pass(limiter, [500, 500, 500, 500])]);
    expect(limiter.bytes).toBe(4000);
    // 4000 bytes at 1000/s with a 1000-byte bucket: at least 3 s, whichever stream waited.
    expect(clock.elapsed()).toBeGreaterThanOrEqual(3000);
  });

  it("charges a chunk larger than the bucket to the time after it", async () => {
    const clock = fakeClock();
    const limiter = new ByteRateLimiter(1000, clock);
    await pass(limiter, [3000, 1000]);
    // The 3000-byte chunk goes at once (full bucket), leaving it 2000 in debt: the next 1000 waits 3 s.
    expect(clock.elapsed()).toBeGreaterThanOrEqual(3000);
    expect(clock.elapsed()).toBeLessThanOrEqual(3000 + 10);
  });

  it("stops waiting when aborted", async () => {
    const limiter = new ByteRateLimiter(1000, fakeClock());
    const controller = new AbortController();
    await limiter.take(1000);
    controller.abort(new Error("stopped"));
    await expect(limiter.take(1000, controller.signal)).rejects.toThrow("stopped");
  });
});
