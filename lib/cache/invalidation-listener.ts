import pg from "pg";
import { CACHE_CHANNEL, CACHE_TOPICS, invalidateCaches, type CacheTopic } from "./process-cache";

const RECONNECT_FIRST_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;

export type CacheInvalidationListener = {
  /** Resolves once the connection is listening (the first time). */
  ready: Promise<void>;
  stop(): Promise<void>;
};

/**
 * One connection per process that LISTENs on CACHE_CHANNEL and empties the caches a notification
 * names. When the connection drops it reconnects with backoff, and on every (re)connect empties
 * every invalidated cache: a change committed while nobody listened was not heard. Started by
 * Wharf's server (lib/runtime/server.ts); a process that never starts it (tests, scripts) keeps
 * the time-to-live bounds alone.
 */
export function startCacheInvalidationListener({
  databaseUrl,
  log = (message) => console.warn(`wharf: cache invalidation: ${message}`),
  onInvalidate,
}: {
  databaseUrl: string;
  log?: (message: string) => void;
  /** Called after the caches of a topic were emptied (tests wait on it). */
  onInvalidate?: (topic: CacheTopic) => void;
}): CacheInvalidationListener {
  let client: pg.Client | null = null;
  let stopped = false;
  let delay = RECONNECT_FIRST_MS;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const invalidate = (topic: CacheTopic) => {
    invalidateCaches(topic);
    onInvalidate?.(topic);
  };

  const connect = async () => {
    timer = null;
    if (stopped) return;
    const next = new pg.Client({ connectionString: databaseUrl });
    client = next;
    next.on("notification", ({ channel, payload }) => {
      if (channel === CACHE_CHANNEL && CACHE_TOPICS.includes(payload as CacheTopic)) invalidate(payload as CacheTopic);
    });
    // Without a listener an error event would end the process; the connection is replaced instead.
    next.on("error", (error) => lost(next, error));
    next.on("end", () => lost(next, null));
    try {
      await next.connect();
      await next.query(`LISTEN ${CACHE_CHANNEL}`);
    } catch (error) {
      lost(next, error as Error);
      return;
    }
    delay = RECONNECT_FIRST_MS;
    for (const topic of CACHE_TOPICS) invalidate(topic);
    markReady();
  };

  const lost = (which: pg.Client, error: Error | null) => {
    if (client !== which || stopped) return;
    client = null;
    which.removeAllListeners("notification");
    void which.end().catch(() => undefined);
    log(`the listening connection was lost${error ? ` (${error.message})` : ""}; reconnecting in ${delay / 1000} s`);
    timer = setTimeout(() => void connect(), delay);
    timer.unref();
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  };

  void connect();
  return {
    ready,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const open = client;
      client = null;
      await open?.end().catch(() => undefined);
    },
  };
}
