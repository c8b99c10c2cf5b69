import "server-only";
import { randomUUID } from "node:crypto";
import { db } from "@/lib/db/client";

/**
 * Leases on blob fills across Wharf instances (proxy_blob_fills): within one process, fills are
 * shared in memory (blobs.ts); between processes, the one holding a blob's lease fetches it and
 * the others wait until it is in the backing registry. A lease lasts LEASE_MS and is renewed while
 * its fill runs; one whose instance died expires and is taken over by the next asker.
 */

export const LEASE_MS = 60_000;
const RENEW_MS = 20_000;

const holder = globalThis as unknown as { wharfProxyFillHolder?: string };
/** This process, as leases name it. */
export const FILL_HOLDER = (holder.wharfProxyFillHolder ??= `wharf-${randomUUID()}`);

/** Takes the lease on `repository@digest` when nobody holds a live one; true when taken. */
export async function takeFillLease(repository: string, digest: string, holderId: string = FILL_HOLDER): Promise<boolean> {
  const rows = await db.$queryRaw<{ holder: string }[]>`
    INSERT INTO proxy_blob_fills (repository, digest, holder, expires_at)
    VALUES (${repository}, ${digest}, ${holderId}, now() + ${LEASE_MS} * interval '1 millisecond')
    ON CONFLICT (repository, digest) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
      WHERE proxy_blob_fills.expires_at < now()
    RETURNING holder`;
  return rows.length === 1;
}

/** Keeps the lease alive while `work` runs, and gives it up afterwards (whatever the outcome). */
export async function withFillLease<T>(repository: string, digest: string, work: () => Promise<T>, holderId: string = FILL_HOLDER): Promise<T> {
  const timer = setInterval(() => {
    void db.proxyBlobFill
      .updateMany({ where: { repository, digest, holder: holderId }, data: { expiresAt: new Date(Date.now() + LEASE_MS) } })
      .catch(() => undefined);
  }, RENEW_MS);
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
    await db.proxyBlobFill.deleteMany({ where: { repository, digest, holder: holderId } }).catch(() => undefined);
  }
}
