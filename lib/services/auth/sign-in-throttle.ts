import "server-only";
import type { ClientInfo } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";

/** Five failed guesses for one username from one client within the window lock that client out of it. */
export const SIGN_IN_MAX_FAILURES = 5;
/** Fifty for one username from all clients together within the window lock the username everywhere. */
export const SIGN_IN_MAX_FAILURES_ALL_CLIENTS = 50;
/** The window, and the length of a lock. */
export const SIGN_IN_WINDOW_MINUTES = 15;

const ALL_CLIENTS = "*";
const WINDOW = `${SIGN_IN_WINDOW_MINUTES} minutes`;
/** A bucket's window start as epoch milliseconds (exact at the column's precision), to tell whether it was replaced. */
const WINDOW_MS = Prisma.sql`(extract(epoch FROM window_starts_at) * 1000)::bigint`;

/**
 * Guesses are counted per username, existing or not and case-insensitively, so the count cannot be
 * dodged and a lock does not reveal which names exist. The console sign-in, registry/REST Basic
 * auth and the password change share the count: a guesser gains nothing by switching doors.
 *
 * Each username has two buckets: one per client address, and one for all clients. The per-client
 * limit stops a guesser quickly without locking the real user out from elsewhere; the all-clients
 * limit, ten times higher, bounds what guessers spread over many addresses get.
 */
export function throttleKeyFor(username: string): string {
  return username.toLowerCase();
}

function clientKeyFor(client: ClientInfo): string {
  return `ip:${(client.ip ?? "").slice(0, 64)}`;
}

type Bucket = { clientKey: string; limit: number };

/** Always in this order, in every statement that touches both, so two attempts never deadlock. */
function bucketsFor(client: ClientInfo): [Bucket, Bucket] {
  return [
    { clientKey: ALL_CLIENTS, limit: SIGN_IN_MAX_FAILURES_ALL_CLIENTS },
    { clientKey: clientKeyFor(client), limit: SIGN_IN_MAX_FAILURES },
  ];
}

/** When the username is locked for this client (either bucket), or null. For checks that guess nothing. */
export async function lockedUntilFor(username: string, client: ClientInfo): Promise<Date | null> {
  const [state] = await db.$queryRaw<{ locked_until: Date | null }[]>`
    SELECT max(locked_until) AS locked_until FROM sign_in_throttles
    WHERE username = ${throttleKeyFor(username)}
      AND client_key IN (${ALL_CLIENTS}, ${clientKeyFor(client)})
      AND locked_until > now()`;
  return state?.locked_until ?? null;
}

export type SignInRefused = { reserved: false; lockedUntil: Date };

/**
 * One password check that has been counted in advance. Exactly one of failed / succeeded / released
 * should follow; if none does (the process died), the advance count stays a failure until its
 * window ends, which errs on the side of the lock.
 */
export type SignInAttempt = {
  reserved: true;
  /** The check failed: the guess stays counted; locks each bucket that reached its limit. Returns the lock's end if locked now. */
  failed(tx: DbTransaction): Promise<Date | null>;
  /**
   * The password was right: gives the guess back, clears this client's count, and re-checks the
   * lock: when a concurrent failure locked the username meanwhile, returns the lock's end and the
   * caller must refuse even this right password.
   */
  succeeded(): Promise<Date | null>;
  /** The password was right but the attempt is refused for another reason (disabled account): gives the guess back only. */
  released(): Promise<void>;
};

class RefusedReservation extends Error {}

/**
 * Counts an attempt before its password is checked, atomically with the lock check: a bucket's
 * row is updated only when it is not locked and its count (past failures plus attempts still
 * being checked) is below its limit, so however many checks run at once, no more than the limit
 * of guesses are ever checked, and a lock, once set, is never cleared by a slower attempt.
 */
export async function reserveSignInAttempt(username: string, client: ClientInfo): Promise<SignInAttempt | SignInRefused> {
  const key = throttleKeyFor(username);
  const buckets = bucketsFor(client);
  let windows: Map<string, bigint>;
  try {
    windows = await db.$transaction(async (tx) => {
      const reserved = new Map<string, bigint>();
      for (const { clientKey, limit } of buckets) {
        const [row] = await tx.$queryRaw<{ window_ms: bigint }[]>`
          INSERT INTO sign_in_throttles AS t (username, client_key, failure_count, window_starts_at, locked_until)
          VALUES (${key}, ${clientKey}, 1, now(), NULL)
          ON CONFLICT (username, client_key) DO UPDATE SET
            failure_count = CASE WHEN t.window_starts_at <= now() - ${WINDOW}::interval THEN 1 ELSE t.failure_count + 1 END,
            window_starts_at = CASE WHEN t.window_starts_at <= now() - ${WINDOW}::interval THEN now() ELSE t.window_starts_at END
          WHERE NOT coalesce(t.locked_until > now(), false)
            AND (t.window_starts_at <= now() - ${WINDOW}::interval OR t.failure_count < ${limit})
          RETURNING ${WINDOW_MS} AS window_ms`;
        // Refused by this bucket: roll back what the other one counted.
        if (!row) throw new RefusedReservation();
        reserved.set(clientKey, row.window_ms);
      }
      return reserved;
    });
  } catch (err) {
    if (!(err instanceof RefusedReservation)) throw err;
    return { reserved: false, lockedUntil: await refusedUntil(key, buckets) };
  }
  return {
    reserved: true,
    failed: (tx) => confirmFailure(tx, key, buckets, windows),
    succeeded: () => release(key, buckets, windows, true),
    released: async () => {
      await release(key, buckets, windows, false);
    },
  };
}

/** Until when a refused reservation stays refused: the lock's end, or when the full window's count lapses. */
async function refusedUntil(key: string, buckets: Bucket[]): Promise<Date> {
  const rows = await db.$queryRaw<{ until: Date }[]>`
    SELECT greatest(coalesce(locked_until, '-infinity'), window_starts_at + ${WINDOW}::interval) AS until
    FROM sign_in_throttles WHERE username = ${key} AND client_key IN (${buckets[0]!.clientKey}, ${buckets[1]!.clientKey})`;
  const latest = Math.max(...rows.map((r) => r.until.getTime()));
  return Number.isFinite(latest) ? new Date(latest) : new Date(Date.now() + SIGN_IN_WINDOW_MINUTES * 60_000);
}

/**
 * The guess was counted when reserved; it is counted again only if its window was replaced since
 * (expired, or restarted by a lock), so it still counts once. A bucket at its limit that is not
 * locked is locked now, with a fresh window, so the user gets a full set of tries after the lock.
 */
async function confirmFailure(tx: DbTransaction, key: string, buckets: Bucket[], windows: Map<string, bigint>): Promise<Date | null> {
  let lockedUntil: Date | null = null;
  for (const { clientKey, limit } of buckets) {
    const reservedWindow = windows.get(clientKey)!;
    const [row] = await tx.$queryRaw<{ locked_until: Date | null; locked: boolean }[]>`
      WITH counted AS (
        SELECT username, client_key,
               failure_count + CASE WHEN ${WINDOW_MS} <> ${reservedWindow} THEN 1 ELSE 0 END AS failures,
               coalesce(locked_until > now(), false) AS locked
        FROM sign_in_throttles WHERE username = ${key} AND client_key = ${clientKey}
        FOR UPDATE
      )
      UPDATE sign_in_throttles AS t SET
        failure_count = CASE WHEN NOT c.locked AND c.failures >= ${limit} THEN 0 ELSE c.failures END,
        window_starts_at = CASE WHEN NOT c.locked AND c.failures >= ${limit} THEN now() ELSE t.window_starts_at END,
        locked_until = CASE WHEN NOT c.locked AND c.failures >= ${limit} THEN now() + ${WINDOW}::interval ELSE t.locked_until END
      FROM counted c WHERE t.username = c.username AND t.client_key = c.client_key
      RETURNING t.locked_until, coalesce(t.locked_until > now(), false) AS locked`;
    if (row?.locked && row.locked_until && (!lockedUntil || row.locked_until > lockedUntil)) lockedUntil = row.locked_until;
  }
  return lockedUntil;
}

/**
 * Gives the attempt's guess back (only in the window it was counted in). On a proven password the
 * client's own count is cleared too, as a successful sign-in always did; the all-clients count is
 * not, so the real user signing in does not give guessers elsewhere a fresh allowance. Locks are
 * never touched: one set meanwhile still refuses this attempt.
 */
async function release(key: string, buckets: Bucket[], windows: Map<string, bigint>, proven: boolean): Promise<Date | null> {
  let lockedUntil: Date | null = null;
  // One statement per row, outside a transaction: a release never holds one bucket while waiting for the other.
  for (const { clientKey } of buckets) {
    const clearClient = proven && clientKey !== ALL_CLIENTS;
    const [row] = await db.$queryRaw<{ locked_until: Date | null; locked: boolean }[]>`
      UPDATE sign_in_throttles SET
        failure_count = CASE
          WHEN ${clearClient} THEN 0
          WHEN ${WINDOW_MS} = ${windows.get(clientKey)!} THEN greatest(failure_count - 1, 0)
          ELSE failure_count END
      WHERE username = ${key} AND client_key = ${clientKey}
      RETURNING locked_until, coalesce(locked_until > now(), false) AS locked`;
    if (row?.locked && row.locked_until && (!lockedUntil || row.locked_until > lockedUntil)) lockedUntil = row.locked_until;
  }
  return lockedUntil;
}
