import "server-only";
import { anonymousActor, type ClientInfo } from "@/lib/auth/actor";
import { burnPasswordCheck, verifyPassword } from "@/lib/auth/password";
import { db, type DbTransaction as Tx } from "@/lib/db/client";
import { SignInLockedError, UnauthenticatedError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";

/** Five failures for one username within this window lock it for the same length of time. */
export const SIGN_IN_MAX_FAILURES = 5;
export const SIGN_IN_WINDOW_MINUTES = 15;

export type SignInOptions = { username: string; password: string; client: ClientInfo };
export type SignedInUser = { id: number; username: string; sessionVersion: number };

const GENERIC_FAILURE = "Wrong username or password.";

/**
 * Checks a username and password for the console. Failures are counted per username (existing or
 * not, and case-insensitively, so the count cannot be dodged and does not reveal which names exist);
 * each attempt writes one audit row.
 */
export async function signInWithPassword({ username, password, client }: SignInOptions): Promise<SignedInUser> {
  const throttleKey = username.toLowerCase();
  const throttle = await db.signInThrottle.findUnique({ where: { username: throttleKey } });
  if (throttle?.lockedUntil && throttle.lockedUntil > new Date()) {
    await db.$transaction((tx) => auditFailure(tx, username, client, "locked after repeated failures"));
    throw new SignInLockedError(throttle.lockedUntil);
  }

  const user = await db.user.findUnique({
    where: { username },
    select: { id: true, username: true, passwordHash: true, disabled: true, isAdmin: true, sessionVersion: true },
  });
  const passwordOk = user ? await verifyPassword(user.passwordHash, password) : (await burnPasswordCheck(password), false);

  if (user && passwordOk && user.disabled) {
    // The right password for a disabled account is not a guessing attempt: say so, do not count it.
    await db.$transaction((tx) => auditFailure(tx, username, client, "account disabled", user.id));
    throw new UnauthenticatedError("This account is disabled. Ask an administrator to enable it.");
  }

  if (!user || !passwordOk) {
    const lockedUntil = await db.$transaction(async (tx) => {
      const locked = await countFailure(tx, throttleKey);
      await auditFailure(tx, username, client, user ? "wrong password" : "unknown username", user?.id);
      return locked;
    });
    if (lockedUntil) throw new SignInLockedError(lockedUntil);
    throw new UnauthenticatedError(GENERIC_FAILURE);
  }

  await db.$transaction(async (tx) => {
    await tx.signInThrottle.deleteMany({ where: { username: throttleKey } });
    await recordAuditEvent(tx, {
      actor: { kind: "user", id: user.id, username: user.username, isAdmin: user.isAdmin, client },
      action: "session.sign_in",
      resource: { type: "session", id: user.id, name: user.username },
    });
  });
  return { id: user.id, username: user.username, sessionVersion: user.sessionVersion };
}

/** Counts one failure atomically; returns the lock's end when this failure locks the username. */
async function countFailure(tx: Tx, throttleKey: string): Promise<Date | null> {
  const window = `${SIGN_IN_WINDOW_MINUTES} minutes`;
  const [state] = await tx.$queryRaw<{ failure_count: number }[]>`
    INSERT INTO sign_in_throttles (username, failure_count, window_starts_at, locked_until)
    VALUES (${throttleKey}, 1, now(), NULL)
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
    where: { username: throttleKey },
    data: { lockedUntil, failureCount: 0, windowStartsAt: new Date() },
  });
  return lockedUntil;
}

async function auditFailure(tx: Tx, username: string, client: ClientInfo, reason: string, userId?: number) {
  await recordAuditEvent(tx, {
    actor: anonymousActor(client),
    action: "session.sign_in",
    resource: { type: "session", id: userId ?? null, name: username.slice(0, 255) },
    result: "failure",
    reason,
  });
}
