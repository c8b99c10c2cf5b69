/**
 * Write-behind batches: statistics noted in memory on a hot path (pull counts and times) and
 * written to Postgres in one statement per batch, every `intervalMs` or as soon as `maxKeys`
 * distinct keys are pending. Memory is bounded by maxKeys.
 *
 * The multi-instance story: each process batches and writes its own notes, and the writes add
 * up (counts are added, times take the latest), so instances need nothing from each other. What
 * a process can lose is what it holds when it dies: at most one interval. A process that stops
 * on purpose writes everything first: Wharf's server flushes every batch when it closes, and the
 * launcher once more before it exits (flushWriteBehind).
 *
 * The batches live on globalThis by name, as the caches do (process-cache.ts): Next's bundle and
 * Wharf's front each load their own copy of the modules that note, and one flush must reach both.
 */
export type WriteBehindOptions<T> = {
  /** Unique per batch. */
  name: string;
  intervalMs: number;
  maxKeys: number;
  keyOf: (item: T) => string;
  /** Folds a new note into the pending one with the same key (mutating `pending`). */
  merge: (pending: T, item: T) => void;
  /**
   * Writes one batch. A failure is logged and the batch dropped (statistics, not records), unless
   * `retryFailed` is set.
   */
  write: (batch: T[]) => Promise<void>;
  /**
   * Records, not statistics: a batch that could not be written is put back and written with the
   * next one, so a database that hiccups loses nothing. Memory stays bounded: beyond `maxPending`
   * items the oldest are dropped, and that loss is logged with its count.
   */
  retryFailed?: { maxPending: number };
};

export type WriteBehind<T> = {
  /** Notes one item; never touches the database itself. */
  note(item: T): void;
  /** Writes everything pending now (after any write already running). */
  flush(): Promise<void>;
  /** How many keys are waiting to be written. */
  pending(): number;
};

const holder = globalThis as unknown as { wharfWriteBehind?: Map<string, WriteBehind<unknown>> };
const registry = (holder.wharfWriteBehind ??= new Map<string, WriteBehind<unknown>>());

export function writeBehind<T>(options: WriteBehindOptions<T>): WriteBehind<T> {
  const existing = registry.get(options.name);
  if (existing) return existing as WriteBehind<T>;
  const batch = createWriteBehind(options);
  registry.set(options.name, batch as WriteBehind<unknown>);
  return batch;
}

/** Writes every batch's pending items (shutdown). */
export async function flushWriteBehind(): Promise<void> {
  await Promise.all([...registry.values()].map((batch) => batch.flush()));
}

function createWriteBehind<T>({ name, intervalMs, maxKeys, keyOf, merge, write, retryFailed }: WriteBehindOptions<T>): WriteBehind<T> {
  let pending = new Map<string, T>();
  let timer: ReturnType<typeof setInterval> | null = null;
  let inFlight: Promise<void> | null = null;

  function startTimer(): void {
    if (timer) return;
    timer = setInterval(() => void flush(), intervalMs);
    // The batch timer must not keep a finishing process (tests, scripts) alive.
    timer.unref();
  }

  /** A failed batch goes back in front of what was noted meanwhile (older first), within the bound. */
  function putBack(items: T[], maxPending: number): void {
    const merged = new Map<string, T>();
    for (const item of items) merged.set(keyOf(item), item);
    for (const [key, item] of pending) {
      const entry = merged.get(key);
      if (entry) merge(entry, item);
      else merged.set(key, item);
    }
    const excess = merged.size - maxPending;
    if (excess > 0) {
      for (const key of [...merged.keys()].slice(0, excess)) merged.delete(key);
      console.error(`wharf: ${name}: ${excess} could not be written and were dropped (more than ${maxPending} waiting)`);
    }
    pending = merged;
    startTimer();
  }

  async function flush(): Promise<void> {
    // One write at a time: a second caller waits for the running one, then writes what is left.
    while (inFlight) await inFlight;
    if (pending.size === 0) {
      if (timer) clearInterval(timer);
      timer = null;
      return;
    }
    const items = [...pending.values()];
    pending = new Map();
    inFlight = write(items)
      .catch((error: unknown) => {
        // Never allowed to fail the request that noted it. Statistics are logged and dropped
        // rather than retried forever; records are kept for the next attempt.
        if (retryFailed) {
          console.error(`wharf: ${name}: a batch of ${items.length} could not be written; retrying with the next batch`, error);
          putBack(items, retryFailed.maxPending);
        } else {
          console.error(`wharf: ${name}: a batch of ${items.length} could not be written`, error);
        }
      })
      .finally(() => {
        inFlight = null;
      });
    await inFlight;
  }

  return {
    note(item) {
      const key = keyOf(item);
      const entry = pending.get(key);
      if (entry) merge(entry, item);
      else pending.set(key, item);
      if (pending.size >= maxKeys) void flush();
      else startTimer();
    },
    flush,
    pending: () => pending.size,
  };
}
