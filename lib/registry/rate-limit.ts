/** Where a limiter reads the time and waits: the real clock, or a test's. */
export type LimiterClock = { now(): number; sleep(ms: number): Promise<void> };

const REAL_CLOCK: LimiterClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A token bucket over byte streams: `bytesPerSecond` shared by every stream piped through the same
 * limiter, so a copy's parallel blobs together stay under the policy's bandwidth limit. The bucket
 * holds at most one second of tokens, so an idle moment does not buy a burst larger than that.
 * It counts what it let through and how often it made a chunk wait (`bytes`, `waits`): a copy
 * reports them, so a run shows its limit was applied to every byte it streamed.
 */
export class ByteRateLimiter {
  private tokens: number;
  private last: number;
  /** Bytes let through so far. */
  bytes = 0;
  /** Times a chunk had to wait for tokens. */
  waits = 0;

  constructor(
    readonly bytesPerSecond: number,
    private readonly clock: LimiterClock = REAL_CLOCK,
  ) {
    if (!(bytesPerSecond > 0)) throw new RangeError("bytesPerSecond must be positive");
    this.tokens = bytesPerSecond;
    this.last = clock.now();
  }

  /** Resolves once `bytes` may pass; a chunk larger than the bucket waits for its whole size. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.clock.now();
      this.tokens = Math.min(this.bytesPerSecond, this.tokens + ((now - this.last) / 1000) * this.bytesPerSecond);
      this.last = now;
      if (this.tokens >= Math.min(bytes, this.bytesPerSecond)) {
        // Going negative charges a chunk larger than the bucket to the time after it.
        this.tokens -= bytes;
        this.bytes += bytes;
        return;
      }
      const waitMs = ((Math.min(bytes, this.bytesPerSecond) - this.tokens) / this.bytesPerSecond) * 1000;
      this.waits += 1;
      await this.clock.sleep(Math.max(1, Math.ceil(waitMs)));
    }
  }

  /** A pass-through stream that holds each chunk until the bucket lets it go. */
  throttle(signal?: AbortSignal): TransformStream<Uint8Array, Uint8Array> {
    return new TransformStream<Uint8Array, Uint8Array>({
      transform: async (chunk, controller) => {
        await this.take(chunk.byteLength, signal);
        controller.enqueue(chunk);
      },
    });
  }
}
