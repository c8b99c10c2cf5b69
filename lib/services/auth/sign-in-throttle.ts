import "server-only";
import { db, type DbTransaction } from "@/lib/db/client";

/** Five failures for one username within this window lock it for the same length of time. */
export const SIGN_IN_MAX_FAILURES = 5;
export const SIGN_IN_WINDOW_MINUTES = 15;

/**
 * Failures are counted per username, existing or not and case-insensitively, so the count cannot
 * be dodged and a lock does not reveal which names exist. The console sign-in and registry/REST
 * Basic auth share the count: a password guesser gains nothing by switching doors.
 */
export function throttleKeyFor(username: string): string {
  return username.toLowerCase();
}

/** When the username's lock ends, or null when it is not locked. */
export async function lockedUntilFor(username: string): Promise<Date | null> {
  const throttle = await db.signInThrottle.findUnique({ where: { username: throttleKeyFor(username) } });
  return throttle?.lockedUntil && throttle.lockedUntil > new Date() ? throttle.lockedUntil : null;
}

/** Counts one failure atomically; returns the lock's end when this failure locks the username. */
export async function countSignInFailure(tx: DbTransaction, username: string): Promise<Date | null> {
  const key = throttleKeyFor(username);
  const window = `${SIGN_IN_WINDOW_MINUTES} minutes`;
  const [state] = await tx.$queryRaw<{ failure_count: number }[]>`
    INSERT INTO sign_in_throttles (username, failure_count, window_starts_at, locked_until)
    VALUES (${key}, 1, now(), NULL)
    ON CONFLICT (username) DO UPDATE SET
      failure_count = CASE
        WHEN sign_in_throttles.window_starts_at < now() - ${window}::interval THEN 1
        ELSE sign_in_throttles.failure_count + 1 END,
      window_starts_at = CASE
        WHEN sign_in_throttles.window_starts_at < now() - ${window}::interval THEN now()
        ELSE sign_in_throttles.window_starts_at END,
      locked_until = NULL
    RETURNING failure_count`;
  if (!state || state.failure_count < SIGN_IN_MAX_FAILURES) return null;
  const lockedUntil = new Date(Date.now() + SIGN_IN_WINDOW_MINUTES * 60_000);
  // Start a fresh window once the lock is set: after it expires the user gets five new tries.
  await tx.signInThrottle.update({
    where: { username: key },
    data: { lockedUntil, failureCount: 0, windowStartsAt: new Date() },
  });
  return lockedUntil;
}

/** A successful sign-in clears the count. */
export async function clearSignInFailures(tx: DbTransaction, username: string): Promise<void> {
  await tx.signInThrottle.deleteMany({ where: { username: throttleKeyFor(username) } });
}
