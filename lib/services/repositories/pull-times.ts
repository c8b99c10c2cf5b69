import "server-only";
import { db } from "@/lib/db/client";

/**
 * Pull times and pull counts, batched in memory so a pull storm costs Postgres one statement every
 * few seconds instead of one write per manifest GET.
 *
 * Bound: a pull is written at most PULL_FLUSH_INTERVAL_MS after it happened, or sooner when
 * PULL_FLUSH_MAX_KEYS distinct (repository, digest, tag) keys are pending; memory is bounded by
 * that key count. What a crash loses is at most one interval of pull times and counts (the
 * per-pull audit rows are written synchronously and are not affected). Each process batches its
 * own pulls; several instances simply each flush theirs.
 */
export const PULL_FLUSH_INTERVAL_MS = 3_000;
export const PULL_FLUSH_MAX_KEYS = 1_000;

type Pending = { repository: string; digest: string; tag: string | null; at: Date; pulls: number };

let pending = new Map<string, Pending>();
let timer: ReturnType<typeof setInterval> | null = null;
let inFlight: Promise<void> | null = null;

/** Notes one manifest GET; never touches Postgres itself. */
export function notePull({ repository, digest, tag, at = new Date() }: { repository: string; digest: string; tag: string | null; at?: Date }): void {
  const key = `${repository}\u0000${digest}\u0000${tag ?? ""}`;
  const entry = pending.get(key);
  if (entry) {
    entry.pulls += 1;
    if (at > entry.at) entry.at = at;
  } else {
    pending.set(key, { repository, digest, tag, at, pulls: 1 });
  }
  if (pending.size >= PULL_FLUSH_MAX_KEYS) void flushPullTimes();
  else if (!timer) {
    timer = setInterval(() => void flushPullTimes(), PULL_FLUSH_INTERVAL_MS);
    // The batch timer must not keep a finishing process (tests, scripts) alive.
    timer.unref();
  }
}

/** Writes every pending pull in one UPDATE statement; also called by tests and on shutdown. */
export async function flushPullTimes(): Promise<void> {
  // One flush at a time: a second caller waits for the running one, then flushes what is left.
  while (inFlight) await inFlight;
  if (pending.size === 0) {
    if (timer) clearInterval(timer);
    timer = null;
    return;
  }
  const batch = [...pending.values()];
  pending = new Map();
  inFlight = writeBatch(batch)
    .catch((error: unknown) => {
      // Pull times are statistics: a failed batch is logged and dropped rather than retried
      // forever or allowed to fail a pull.
      console.error(`wharf: pull times: a batch of ${batch.length} could not be written`, error);
    })
    .finally(() => {
      inFlight = null;
    });
  await inFlight;
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
