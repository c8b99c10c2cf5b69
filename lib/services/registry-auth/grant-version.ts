import "server-only";
import type { DbTransaction } from "@/lib/db/client";
import { CACHE_CHANNEL, type CacheTopic } from "@/lib/cache/process-cache";
import { hotPathQuery } from "@/lib/db/hot-path";

/**
 * The registry grant version: one counter row (`registry_grant_version`) that moves whenever who
 * may do what through the registry changes. The gateway caches each token subject's current grant
 * per project, tagged with the version it was computed under, and reads the version once per
 * request (current-grant.ts); a moved version makes every cached grant stale.
 *
 * Every service that changes a registry grant calls bumpGrantVersion inside the transaction that
 * makes the change: member add, role change and removal; robot disable, enable, delete and secret
 * refresh (and any change to a robot's permissions); user disable and enable, administrator and
 * auditor role changes; project deletion and public/private changes. The bump commits with the
 * change, or not at all, so no instance can cache the old grant under the new version.
 *
 * Why a version read rather than a time-to-live or LISTEN/NOTIFY: several Wharf processes share
 * one database, and the read makes a revocation hold on the very next request on all of them,
 * with nothing to miss (a NOTIFY sent while a listener reconnects is lost) and no staleness window
 * to document. It costs one primary-key read of a one-row table per registry request. One global
 * counter rather than one per subject: grant changes
 * are rare next to pulls, and all of them then invalidate by the same rule. The row lock it takes
 * serializes grant changes with each other, which is why it is bumped last in each transaction.
 */
export async function bumpGrantVersion(tx: DbTransaction): Promise<void> {
  // An upsert, so a database whose row went missing is repaired rather than left uncounted. The
  // same statement (no extra round trip) notifies every instance's cache listener
  // (lib/cache/invalidation-listener.ts): NOTIFY is delivered when this transaction commits, and
  // the caches that answer without reading the version (project lookups, verified robot secrets)
  // are emptied everywhere then, not when their time to live ends.
  await tx.$executeRaw`
    WITH bumped AS (
      INSERT INTO registry_grant_version (id, version) VALUES (1, 1)
      ON CONFLICT (id) DO UPDATE SET version = registry_grant_version.version + 1
      RETURNING version
    )
    SELECT pg_notify(${CACHE_CHANNEL}, ${GRANTS_TOPIC}) FROM bumped`;
}

const GRANTS_TOPIC: CacheTopic = "registry-grants";

/** On every registry request, so through the hot-path pool (lib/db/hot-path.ts says why). */
const READ_VERSION = { name: "wharf_read_grant_version", text: "SELECT version::text AS version FROM registry_grant_version WHERE id = 1" };

/** The current grant version (0 before any change was counted). */
export async function readGrantVersion(): Promise<bigint> {
  const rows = await hotPathQuery<{ version: string }>(READ_VERSION);
  return rows[0] ? BigInt(rows[0].version) : 0n;
}
