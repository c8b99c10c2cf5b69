import "server-only";
import { anonymousActor, type ClientInfo } from "@/lib/auth/actor";
import { burnPasswordCheck, verifyPassword } from "@/lib/auth/password";
import { db, type DbTransaction } from "@/lib/db/client";
import { SignInLockedError, TwoFactorRequiredError, UnauthenticatedError } from "@/lib/errors";
import { type SecondFactor, claimSecondFactor } from "@/lib/services/auth/two-factor";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { startSession } from "@/lib/services/auth/sessions";
import { LOCKED_REASON, recordSignInRefusal } from "@/lib/services/auth/sign-in-refusals";
import { recordAuthFailure } from "@/lib/metrics/metrics";
import { reserveSignInAttempt, type SignInAttempt } from "@/lib/services/auth/sign-in-throttle";
import { signInExternalUser } from "@/lib/services/identity/external-users";
import { checkLdapPassword, DirectoryUnavailableError, ldapFailureReason, ldapIdentity, ldapSignInConfig } from "@/lib/services/identity/ldap/ldap";
import type { LdapConnectionConfig } from "@/lib/services/identity/ldap/config";

export { SIGN_IN_MAX_FAILURES, SIGN_IN_MAX_FAILURES_ALL_CLIENTS, SIGN_IN_WINDOW_MINUTES } from "@/lib/services/auth/sign-in-throttle";

/** `otp`: the six-digit code (or a recovery code) of an account with two-factor sign-in on. */
export type SignInOptions = { username: string; password: string; otp?: string; client: ClientInfo };
export type SignedInUser = { id: number; username: string; sessionVersion: number; sessionId: string };

const GENERIC_FAILURE = "Wrong username or password.";
const WRONG_CODE = "Wrong two-factor code.";

/**
 * Checks a username and password for the console (robots cannot sign in: their names contain `$`,
 * which no username may) and opens a session. The attempt is counted before the password is
 * checked (sign-in-throttle.ts), so concurrent guesses cannot outrun the lock. A password check
 * writes one audit row; refusals that check none are collapsed per minute (sign-in-refusals.ts).
 */
export async function signInWithPassword(options: SignInOptions): Promise<SignedInUser> {
  try {
    return await checkPasswordAndOpenSession(options);
  } catch (error) {
    // Prometheus's authentication-failure rate (lib/metrics/wharf.rules.yml).
    if (error instanceof UnauthenticatedError || error instanceof SignInLockedError) recordAuthFailure("console");
    throw error;
  }
}

async function checkPasswordAndOpenSession({ username, password, otp, client }: SignInOptions): Promise<SignedInUser> {
  const attempt = await reserveSignInAttempt(username, client);
  if (!attempt.reserved) {
    await refuse(username, client, LOCKED_REASON);
    throw new SignInLockedError(attempt.lockedUntil);
  }

  const user = await db.user.findUnique({
    where: { username },
    select: { id: true, username: true, passwordHash: true, disabled: true, isAdmin: true, isAuditor: true, sessionVersion: true, totpSecret: true, totpEnabledAt: true, authSource: true },
  });
  // LDAP mode: a name that is not a local account's is checked at the directory (a local account
  // keeps its Wharf password in every mode, so local administrators can always sign in).
  const ldap = await ldapSignInConfig(user);
  if (ldap) return signInThroughDirectory({ config: ldap, username, password, otp, client, attempt });
  const passwordOk = user ? await verifyPassword(user.passwordHash, password) : (await burnPasswordCheck(password), false);

  if (!user || !passwordOk) {
    const nowLocked = await db.$transaction(async (tx) => {
      const locked = await attempt.failed(tx);
      await auditFailure(tx, username, client, user ? "wrong password" : "unknown username", user?.id);
      return locked;
    });
    if (nowLocked) throw new SignInLockedError(nowLocked);
    throw new UnauthenticatedError(GENERIC_FAILURE);
  }

  if (user.disabled) {
    // The right password for a disabled account is not a guessing attempt: say so, do not count it.
    await attempt.released();
    await refuse(username, client, "account disabled", user.id);
    throw new UnauthenticatedError("This account is disabled. Ask an administrator to enable it.");
  }

  const secondFactor = await checkSecondFactor(user, otp, username, client, attempt);

  // Re-checked after the slow password check: a lock set meanwhile by a concurrent failure holds.
  const lockedMeanwhile = await attempt.succeeded();
  if (lockedMeanwhile) {
    await refuse(username, client, LOCKED_REASON, user.id);
    throw new SignInLockedError(lockedMeanwhile);
  }

  const sessionId = await db.$transaction(async (tx) => {
    const id = await startSession(tx, user.id);
    await recordAuditEvent(tx, {
      actor: { kind: "user", id: user.id, username: user.username, isAdmin: user.isAdmin, isAuditor: user.isAuditor, client },
      action: "session.sign_in",
      resource: { type: "session", id: user.id, name: user.username },
      ...(secondFactor ? { detail: { second_factor: secondFactor } } : {}),
    });
    return id;
  });
  return { id: user.id, username: user.username, sessionVersion: user.sessionVersion, sessionId };
}

/**
 * Two-factor: the right password alone is not a guess (released, not counted), and the form asks
 * for the code; a wrong code is a failed attempt like a wrong password, toward the lock.
 */
async function checkSecondFactor(
  user: { id: number; username: string; totpSecret: string | null; totpEnabledAt: Date | null },
  otp: string | undefined,
  username: string,
  client: ClientInfo,
  attempt: SignInAttempt,
): Promise<SecondFactor | null> {
  if (!user.totpEnabledAt) return null;
  if (!otp) {
    await attempt.released();
    throw new TwoFactorRequiredError();
  }
  const result = await db.$transaction(async (tx) => {
    const factor = await claimSecondFactor(tx, user, otp);
    if (factor) return { factor, locked: null };
    const locked = await attempt.failed(tx);
    await auditFailure(tx, username, client, "wrong two-factor code", user.id);
    return { factor: null, locked };
  });
  if (result.locked) throw new SignInLockedError(result.locked);
  if (!result.factor) throw new UnauthenticatedError(WRONG_CODE);
  return result.factor;
}

/** What the sign-in form says while the directory is down (the details go to the server log). */
export const DIRECTORY_DOWN_FOR_SIGN_IN = "The directory cannot be reached, so directory accounts cannot sign in right now. Try again later; local accounts still can.";

/**
 * LDAP (issue 18 item 2): the directory checks the password (a bind as the user's entry), counted
 * by the throttle as any password check; then the lead's provisioning opens the session, refreshing
 * the account, its groups and (with an admin group) its administrator flag, with one
 * `session.sign_in` row. An empty password never reaches the directory: it is a wrong password.
 */
async function signInThroughDirectory({
  config,
  username,
  password,
  otp,
  client,
  attempt,
}: {
  config: LdapConnectionConfig;
  username: string;
  password: string;
  otp: string | undefined;
  client: ClientInfo;
  attempt: SignInAttempt;
}): Promise<SignedInUser> {
  let checked: Awaited<ReturnType<typeof checkLdapPassword>>;
  try {
    checked = await checkLdapPassword(config, username, password);
  } catch (err) {
    if (!(err instanceof DirectoryUnavailableError)) {
      await attempt.released();
      throw err;
    }
    // Not a guess: nothing was checked. One refusal row (collapsed per minute) says why.
    await attempt.released();
    console.warn(`wharf: LDAP sign-in of ${JSON.stringify(username.slice(0, 64))}: ${err.message}`);
    await refuse(username, client, "directory unreachable");
    throw new DirectoryUnavailableError(err.detail, DIRECTORY_DOWN_FOR_SIGN_IN);
  }
  const auth = checked;
  if (!auth.ok) {
    const { reason } = auth;
    const nowLocked = await db.$transaction(async (tx) => {
      const locked = await attempt.failed(tx);
      await auditFailure(tx, username, client, ldapFailureReason(reason));
      return locked;
    });
    if (nowLocked) throw new SignInLockedError(nowLocked);
    throw new UnauthenticatedError(GENERIC_FAILURE);
  }
  // An account that turned two-factor on asks for its code after the directory's password too.
  const existing = await db.user.findFirst({
    where: { authSource: "ldap", externalId: auth.user.dn },
    select: { id: true, username: true, totpSecret: true, totpEnabledAt: true },
  });
  const secondFactor = existing ? await checkSecondFactor(existing, otp, username, client, attempt) : null;

  const lockedMeanwhile = await attempt.succeeded();
  if (lockedMeanwhile) {
    await refuse(username, client, LOCKED_REASON, existing?.id);
    throw new SignInLockedError(lockedMeanwhile);
  }
  const session = await signInExternalUser({ identity: ldapIdentity(auth), onboard: config.onboard, client, ...(secondFactor ? { detail: { second_factor: secondFactor } } : {}) });
  return { id: session.id, username: session.username, sessionVersion: session.sessionVersion, sessionId: session.sessionId };
}

async function auditFailure(tx: DbTransaction, username: string, client: ClientInfo, reason: string, userId?: number) {
  await recordAuditEvent(tx, {
    actor: anonymousActor(client),
    action: "session.sign_in",
    resource: { type: "session", id: userId ?? null, name: username.slice(0, 255) },
    result: "failure",
    reason,
    // Filed under the name typed, marked unverified: nobody proved to be that user.
    claimedName: username,
  });
}

function refuse(username: string, client: ClientInfo, reason: string, userId?: number) {
  return recordSignInRefusal({
    actor: anonymousActor(client),
    action: "session.sign_in",
    username,
    resource: { type: "session", id: userId ?? null, name: username.slice(0, 255) },
    reason,
    claimedName: username,
  });
}
