import { LRUCache } from "lru-cache";

/**
 * Wharf's process-local caches: bounded (least recently used leave first) and with a time to live,
 * one lru-cache per name. Each Wharf process holds its own; several processes share one database.
 *
 * The multi-instance story, per cache, is the `invalidatedBy` it is created with:
 * - "registry-grants": an entry that a change made on another instance would make wrong in a way
 *   that matters (a project deleted and re-created under its name, a robot disabled, deleted or
 *   given a new secret). Every such change already bumps the registry grant version in its own
 *   transaction (lib/services/registry-auth/grant-version.ts), and that same statement sends a
 *   Postgres NOTIFY on CACHE_CHANNEL; NOTIFY is delivered when the transaction commits, to every
 *   instance listening (invalidation-listener.ts), which then empties these caches. An instance
 *   whose listening connection dropped empties them when it reconnects, since it may have missed
 *   a change meanwhile.
 * - "tag-policy": a project's immutability rules and naming policy; each change to them sends this
 *   topic in its own transaction (lib/services/tag-policy/cache.ts), the same way.
 * - "pull-policy": a project's pull policy and the CVE allowlists (lib/services/pull-policy), the same way.
 * - "registry-gc": garbage collection's read-only window (lib/services/gc/window.ts), opened and
 *   closed by the GC run, the same way.
 * - "ip-allowlist": the system IP allowlist (lib/services/ip-allowlist), the same way.
 * - "sign-in-settings": the sign-in mode and the OIDC provider's settings the sign-in page and
 *   /api/auth read (lib/services/identity), sent by their saves, the same way.
 * - null: nothing another instance can change makes an entry wrong before its time to live ends,
 *   and why is said where the cache is made (exact by a check on every use, or immutable data).
 *
 * The caches live on globalThis: Next's bundle and Wharf's front each load their own copy of the
 * modules that use them, and a cache emptied by one must be empty for both.
 */
export type CacheTopic = "registry-grants" | "tag-policy" | "pull-policy" | "registry-gc" | "ip-allowlist" | "sign-in-settings";

export const CACHE_TOPICS: readonly CacheTopic[] = ["registry-grants", "tag-policy", "pull-policy", "registry-gc", "ip-allowlist", "sign-in-settings"];

/**
 * The Postgres channel on which a committed change tells every Wharf instance which caches to
 * empty; the payload is a CacheTopic. The services send it in the transaction of the change
 * (lib/services/registry-auth/grant-version.ts), so it is delivered on commit or not at all.
 */
export const CACHE_CHANNEL = "wharf_cache";

export type ProcessCacheOptions = {
  /** Unique per cache; the globalThis registry is keyed by it. */
  name: string;
  /** At most this many entries; the least recently used leaves first. */
  max: number;
  /** Entries leave this long after they were set (0: only by per-entry `ttl` on set, or by `max`). */
  ttlMs: number;
  invalidatedBy: CacheTopic | null;
};

// Values are objects (lru-cache's own bound): every cache here stores records.
type Registered = { cache: LRUCache<string, object>; invalidatedBy: CacheTopic | null };

const holder = globalThis as unknown as { wharfProcessCaches?: Map<string, Registered> };
const registry = (holder.wharfProcessCaches ??= new Map<string, Registered>());

export function processCache<V extends object>({ name, max, ttlMs, invalidatedBy }: ProcessCacheOptions): LRUCache<string, V> {
  const existing = registry.get(name);
  if (existing) return existing.cache as unknown as LRUCache<string, V>;
  const cache = new LRUCache<string, V>({
    max,
    ...(ttlMs > 0 ? { ttl: ttlMs } : {}),
    // Read the clock on each check rather than keep a timer per millisecond to cache it.
    ttlResolution: 0,
  });
  registry.set(name, { cache: cache as unknown as LRUCache<string, object>, invalidatedBy });
  return cache;
}

/** Empties every cache invalidated by `topic` (a change committed somewhere, or possibly missed). */
export function invalidateCaches(topic: CacheTopic): void {
  for (const { cache, invalidatedBy } of registry.values()) if (invalidatedBy === topic) cache.clear();
}

/** The names of the caches invalidated by `topic` (tests, and the listener's log line). */
export function cachesInvalidatedBy(topic: CacheTopic): string[] {
  return [...registry.entries()].filter(([, entry]) => entry.invalidatedBy === topic).map(([name]) => name);
}
