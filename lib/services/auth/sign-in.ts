import "server-only";
import { anonymousActor, type ClientInfo } from "@/lib/auth/actor";
import { burnPasswordCheck, verifyPassword } from "@/lib/auth/password";
import { db, type DbTransaction } from "@/lib/db/client";
import { SignInLockedError, UnauthenticatedError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { clearSignInFailures, countSignInFailure, lockedUntilFor } from "@/lib/services/auth/sign-in-throttle";

export { SIGN_IN_MAX_FAILURES, SIGN_IN_WINDOW_MINUTES } from "@/lib/services/auth/sign-in-throttle";

export type SignInOptions = { username: string; password: string; client: ClientInfo };
export type SignedInUser = { id: number; username: string; sessionVersion: number };

const GENERIC_FAILURE = "Wrong username or password.";

/**
 * Checks a username and password for the console (robots cannot sign in: their names contain `$`,
 * which no username may). Each attempt writes one audit row; failures count towards the lock.
 */
export async function signInWithPassword({ username, password, client }: SignInOptions): Promise<SignedInUser> {
  const lockedUntil = await lockedUntilFor(username);
  if (lockedUntil) {
    await db.$transaction((tx) => auditFailure(tx, username, client, "locked after repeated failures"));
    throw new SignInLockedError(lockedUntil);
  }

  const user = await db.user.findUnique({
    where: { username },
    select: { id: true, username: true, passwordHash: true, disabled: true, isAdmin: true, isAuditor: true, sessionVersion: true },
  });
  const passwordOk = user ? await verifyPassword(user.passwordHash, password) : (await burnPasswordCheck(password), false);

  if (user && passwordOk && user.disabled) {
    // The right password for a disabled account is not a guessing attempt: say so, do not count it.
    await db.$transaction((tx) => auditFailure(tx, username, client, "account disabled", user.id));
    throw new UnauthenticatedError("This account is disabled. Ask an administrator to enable it.");
  }

  if (!user || !passwordOk) {
    const nowLocked = await db.$transaction(async (tx) => {
      const locked = await countSignInFailure(tx, username);
      await auditFailure(tx, username, client, user ? "wrong password" : "unknown username", user?.id);
      return locked;
    });
    if (nowLocked) throw new SignInLockedError(nowLocked);
    throw new UnauthenticatedError(GENERIC_FAILURE);
  }

  await db.$transaction(async (tx) => {
    await clearSignInFailures(tx, username);
    await recordAuditEvent(tx, {
      actor: { kind: "user", id: user.id, username: user.username, isAdmin: user.isAdmin, isAuditor: user.isAuditor, client },
      action: "session.sign_in",
      resource: { type: "session", id: user.id, name: user.username },
    });
  });
  return { id: user.id, username: user.username, sessionVersion: user.sessionVersion };
}

async function auditFailure(tx: DbTransaction, username: string, client: ClientInfo, reason: string, userId?: number) {
  await recordAuditEvent(tx, {
    actor: anonymousActor(client),
    action: "session.sign_in",
    resource: { type: "session", id: userId ?? null, name: username.slice(0, 255) },
    result: "failure",
    reason,
  });
}
