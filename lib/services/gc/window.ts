import { CACHE_CHANNEL, processCache } from "@/lib/cache/process-cache";
import { db, type DbTransaction } from "@/lib/db/client";
import { ConflictError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { setBackingRegistryWriteGuard } from "@/lib/registry/backing-registry";

/**
 * Garbage collection's read-only window: while a real collection marks and sweeps, the gateway
 * refuses blob uploads and manifest PUT/DELETE (lib/gateway/hooks/gc-window.ts), so nothing is
 * written between the mark and the sweep; pulls go on. One value for every Wharf instance, the
 * system setting `registry_gc_window` ({ executionId, since, expiresAt }), written by the run.
 *
 * Every request that writes asks, so the value is cached per process for WINDOW_CACHE_MS. Opening
 * and closing send the "registry-gc" NOTIFY in their transaction (every instance's listener empties
 * the cache on commit); the run then waits GC_TIMING.graceMs (more than the cache's life and a
 * request in flight) before it marks. The window has a lease: the run renews `expiresAt`; a run
 * that died leaves a window that closes by itself when it lapses.
 */
export const GC_WINDOW_KEY = "registry_gc_window";
export const GC_WINDOW_TOPIC = "registry-gc" as const;
export const WINDOW_CACHE_MS = 1_000;
/** How long an opened or renewed window lasts unless renewed again. */
export const WINDOW_LEASE_MS = 120_000;

export type GcWindow = { executionId: number; since: string; expiresAt: string };
type Cached = { window: GcWindow | null };

const cache = processCache<Cached>({ name: "registry-gc-window", max: 1, ttlMs: WINDOW_CACHE_MS, invalidatedBy: GC_WINDOW_TOPIC });
let generation = 0;

function parse(value: unknown): GcWindow | null {
  if (!value || typeof value !== "object") return null;
  const v = value as Partial<GcWindow>;
  return typeof v.executionId === "number" && typeof v.since === "string" && typeof v.expiresAt === "string" ? (v as GcWindow) : null;
}

/** The window in force now, or null (cached briefly; a lapsed lease is no window). */
export async function currentGcWindow(now: Date = new Date()): Promise<GcWindow | null> {
  let hit = cache.get("w");
  if (!hit) {
    const started = generation;
    const row = await db.systemSetting.findUnique({ where: { key: GC_WINDOW_KEY }, select: { value: true } });
    hit = { window: parse(row?.value) };
    if (generation === started) cache.set("w", hit);
  }
  const w = hit.window;
  return w && Date.parse(w.expiresAt) > now.getTime() ? w : null;
}

/** Opens (or renews) the window of `executionId`, in the caller's transaction. */
export async function openGcWindow(tx: DbTransaction, executionId: number, since = new Date()): Promise<GcWindow> {
  const window: GcWindow = { executionId, since: since.toISOString(), expiresAt: new Date(Date.now() + WINDOW_LEASE_MS).toISOString() };
  const value = window as unknown as Prisma.InputJsonValue;
  await tx.systemSetting.upsert({ where: { key: GC_WINDOW_KEY }, create: { key: GC_WINDOW_KEY, value }, update: { value } });
  await tx.$executeRaw`SELECT pg_notify(${CACHE_CHANNEL}, ${GC_WINDOW_TOPIC})`;
  return window;
}

/** Closes the window if it is `executionId`'s. */
export async function closeGcWindow(tx: DbTransaction, executionId: number): Promise<void> {
  await tx.$executeRaw`DELETE FROM system_settings WHERE key = ${GC_WINDOW_KEY} AND (value->>'executionId')::int = ${executionId}`;
  await tx.$executeRaw`SELECT pg_notify(${CACHE_CHANNEL}, ${GC_WINDOW_TOPIC})`;
}

/** After this process opened or closed the window: it forgets at once (others on the NOTIFY). */
export function forgetGcWindow(): void {
  generation += 1;
  cache.clear();
}

/** The message of a write refused during the window (the gateway's and Wharf's own). */
export function readOnlyMessage(window: GcWindow): string {
  return `The registry is read-only for garbage collection (#${window.executionId}, since ${window.since}); pulls work, try again in a minute.`;
}

// Wharf's own writes to the backing registry (copies, replication, console deletes, retention) are
// refused during the window too (lib/registry/backing-registry.ts asks this before each write).
setBackingRegistryWriteGuard(async (what) => {
  const window = await currentGcWindow();
  if (window) throw new ConflictError(`${readOnlyMessage(window)} (${what})`);
});
