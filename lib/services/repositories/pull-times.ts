import "server-only";
import { writeBehind } from "@/lib/cache/write-behind";
import { db } from "@/lib/db/client";

/**
 * Pull times and pull counts, batched in memory (a write-behind batch, lib/cache/write-behind.ts)
 * so a pull storm costs Postgres one statement every few seconds instead of one write per
 * manifest GET.
 *
 * Bound: a pull is written at most PULL_FLUSH_INTERVAL_MS after it happened, or sooner when
 * PULL_FLUSH_MAX_KEYS distinct (repository, digest, tag) keys are pending; memory is bounded by
 * that key count. Wharf's server writes what is pending when it closes, and the launcher once more
 * before it exits; what a crash loses is at most one interval of pull times and counts (the
 * per-pull audit rows are queued likewise, for at most a second: queueReadAuditEvent). Each process batches its
 * own pulls; several instances simply each flush theirs, and the counts add up.
 */
export const PULL_FLUSH_INTERVAL_MS = 3_000;
export const PULL_FLUSH_MAX_KEYS = 1_000;

type Pending = { repository: string; digest: string; tag: string | null; at: Date; pulls: number };

const pulls = writeBehind<Pending>({
  name: "pull times",
  intervalMs: PULL_FLUSH_INTERVAL_MS,
  maxKeys: PULL_FLUSH_MAX_KEYS,
  keyOf: (p) => `${p.repository}\u0000${p.digest}\u0000${p.tag ?? ""}`,
  merge: (pending, p) => {
    pending.pulls += p.pulls;
    if (p.at > pending.at) pending.at = p.at;
  },
  write: writeBatch,
});

/** Notes one manifest GET; never touches Postgres itself. */
export function notePull({ repository, digest, tag, at = new Date() }: { repository: string; digest: string; tag: string | null; at?: Date }): void {
  pulls.note({ repository, digest, tag, at, pulls: 1 });
}

/** Writes every pending pull in one UPDATE statement; also called by tests (shutdown flushes every batch). */
export function flushPullTimes(): Promise<void> {
  return pulls.flush();
}

/** Pulls noted and not yet written (distinct keys). */
export function pendingPulls(): number {
  return pulls.pending();
}

async function writeBatch(batch: Pending[]): Promise<void> {
  const repositories = batch.map((p) => p.repository);
  const digests = batch.map((p) => p.digest);
  const tags = batch.map((p) => p.tag);
  const times = batch.map((p) => p.at.toISOString());
  const pulls = batch.map((p) => p.pulls);
  // One statement: data-modifying CTEs update repositories, artifacts and tags together.
  await db.$executeRaw`
    WITH input AS (
      SELECT * FROM unnest(${repositories}::text[], ${digests}::text[], ${tags}::text[], ${times}::timestamptz[], ${pulls}::int[])
        AS i(repository, digest, tag, at, pulls)
    ),
    repo AS (
      UPDATE repositories r SET pull_count = r.pull_count + s.pulls
      FROM (SELECT repository, sum(pulls)::bigint AS pulls FROM input GROUP BY repository) s
      WHERE r.name = s.repository
      RETURNING r.id, r.name
    ),
    art AS (
      UPDATE artifacts a SET pulled_at = GREATEST(COALESCE(a.pulled_at, s.at), s.at)
      FROM (SELECT repository, digest, max(at) AS at FROM input GROUP BY repository, digest) s
      JOIN repo ON repo.name = s.repository
      WHERE a.repository_id = repo.id AND a.digest = s.digest
      RETURNING a.id
    ),
    tg AS (
      UPDATE tags t SET pulled_at = GREATEST(COALESCE(t.pulled_at, s.at), s.at)
      FROM (SELECT repository, tag, max(at) AS at FROM input WHERE tag IS NOT NULL GROUP BY repository, tag) s
      JOIN repo ON repo.name = s.repository
      WHERE t.repository_id = repo.id AND t.name = s.tag
      RETURNING t.id
    )
    SELECT (SELECT count(*) FROM art) + (SELECT count(*) FROM tg)`;
}
