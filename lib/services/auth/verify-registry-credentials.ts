import "server-only";
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { anonymousActor, type ClientInfo, type RobotActor, type UserActor } from "@/lib/auth/actor";
import { processCache } from "@/lib/cache/process-cache";
import { burnPasswordCheck, verifyPassword } from "@/lib/auth/password";
import { db } from "@/lib/db/client";
import { SignInLockedError, UnauthenticatedError } from "@/lib/errors";
import { recordAuditEvent, recordRefusal } from "@/lib/services/audit/record-audit-event";
import { LOCKED_REASON, recordSignInRefusal } from "@/lib/services/auth/sign-in-refusals";
import { recordAuthFailure } from "@/lib/metrics/metrics";
import { lockedUntilFor, reserveSignInAttempt } from "@/lib/services/auth/sign-in-throttle";
import { hashRobotSecret, isChosenSecretHash, ROBOT_NAME_PREFIX } from "@/lib/services/robots/robot-secret";
import { cliSecretMatches } from "@/lib/services/auth/two-factor";
import { effectiveAdmin } from "@/lib/services/auth/admin-two-factor";
import { ExternalSignInRefused, provisionDetail, provisionExternalUser } from "@/lib/services/identity/external-users";
import { forgetUserGroups } from "@/lib/services/identity/groups";
import type { LdapConnectionConfig } from "@/lib/services/identity/ldap/config";
import { checkLdapPassword, DirectoryUnavailableError, ldapFailureReason, ldapIdentity, ldapSignInConfig } from "@/lib/services/identity/ldap/ldap";
import type { SignInAttempt } from "@/lib/services/auth/sign-in-throttle";

/**
 * Checks the Basic credentials that registry clients and REST callers send: a user's password (a
 * two-factor account's CLI secret instead) or a robot's secret. Used by the token service, the /v2 gateway and the REST API.
 *
 * argon2id is slow on purpose (tens of milliseconds), and docker sends the password with every
 * token request. A successful check is therefore remembered for a few minutes, keyed by an HMAC of
 * username and password under a per-process random key (the cache never holds a password or an
 * offline-crackable hash of one), and only while the user's stored hash is the one it was checked
 * against: a password change, reset or disable takes effect at once, because every request still
 * reads the user row.
 *
 * Across instances this needs no invalidation: an entry is used only while the stored hash is the
 * one it was checked against, and the user row is read on every request, so a password changed,
 * reset or disabled on any instance holds at once on all of them.
 */
const verified = processCache<{ passwordHash: string }>({ name: "verified-passwords", max: 10_000, ttlMs: 5 * 60_000, invalidatedBy: null });
// Shared by Next's bundle and Wharf's front with the cache itself (keys made under one are found by the other).
const keyHolder = globalThis as unknown as { wharfVerifiedPasswordKey?: Buffer };
const cacheKey = (keyHolder.wharfVerifiedPasswordKey ??= randomBytes(32));

function cacheKeyFor(username: string, password: string): string {
  return createHmac("sha256", cacheKey).update(username).update("\0").update(password).digest("base64url");
}

function remember(key: string, passwordHash: string) {
  verified.set(key, { passwordHash });
}

export type VerifyRegistryCredentialsOptions = { username: string; password: string; client: ClientInfo };

/** Returns the actor the credentials prove, or throws UnauthenticatedError / SignInLockedError. */
export async function verifyRegistryCredentials({
  username,
  password,
  client,
}: VerifyRegistryCredentialsOptions): Promise<UserActor | RobotActor> {
  try {
    if (username.startsWith(ROBOT_NAME_PREFIX)) return await verifyRobotSecret(username, password, client);
    return await verifyUserPassword(username, password, client);
  } catch (error) {
    // Prometheus's authentication-failure rate (lib/metrics/wharf.rules.yml).
    if (error instanceof UnauthenticatedError || error instanceof SignInLockedError) recordAuthFailure("registry");
    throw error;
  }
}

async function verifyUserPassword(username: string, password: string, client: ClientInfo): Promise<UserActor> {
  const lockedUntil = await lockedUntilFor(username, client);
  if (lockedUntil) {
    await refuseUser(username, client, LOCKED_REASON);
    throw new SignInLockedError(lockedUntil);
  }
  const user = await db.user.findUnique({
    where: { username },
    select: { id: true, username: true, passwordHash: true, isAdmin: true, isAuditor: true, disabled: true, totpEnabledAt: true, cliSecretHash: true, authSource: true, sessionVersion: true },
  });
  // Two-factor accounts: a client that cannot type a code sends the CLI secret, never the password.
  // OIDC accounts too (Harbor's model): Wharf never sees their identity provider's password.
  if (user?.totpEnabledAt || user?.authSource === "oidc") return verifyCliSecret(user, password, client);
  const key = cacheKeyFor(username, password);
  // LDAP mode: a name that is not a local account's is checked at the directory.
  const ldap = await ldapSignInConfig(user);
  if (ldap) return verifyDirectoryPassword(ldap, user, username, password, key, client);
  const cached = verified.get(key);
  // A remembered password is no guess: no count, no write per pull (the lock was checked above).
  if (user && cached && cached.passwordHash === user.passwordHash) return rememberedUser(user, username, client);

  // A password check is a guess: counted before it runs, so concurrent guesses cannot outrun the lock.
  const attempt = await reserveSignInAttempt(username, client);
  if (!attempt.reserved) {
    await refuseUser(username, client, LOCKED_REASON);
    throw new SignInLockedError(attempt.lockedUntil);
  }
  const ok = user ? await verifyPassword(user.passwordHash, password) : (await burnPasswordCheck(password), false);
  if (!user || !ok) {
    verified.delete(key);
    const nowLocked = await db.$transaction(async (tx) => {
      const locked = await attempt.failed(tx);
      await recordAuditEvent(tx, {
        actor: anonymousActor(client),
        action: "registry.login",
        resource: { type: "session", name: username.slice(0, 255) },
        result: "failure",
        reason: user ? "wrong password" : "unknown username",
        // Filed under the name sent, marked unverified: nobody proved to be that user.
        claimedName: username,
      });
      return locked;
    });
    if (nowLocked) throw new SignInLockedError(nowLocked);
    throw new UnauthenticatedError("Wrong username or password.");
  }
  if (user.disabled) {
    await attempt.released();
    remember(key, user.passwordHash);
    await refuseUser(username, client, "account disabled");
    throw new UnauthenticatedError("This account is disabled.");
  }
  // Re-checked after the slow check: a lock set meanwhile by a concurrent failure refuses even the right password.
  const lockedMeanwhile = await attempt.succeeded();
  if (lockedMeanwhile) {
    await refuseUser(username, client, LOCKED_REASON);
    throw new SignInLockedError(lockedMeanwhile);
  }
  remember(key, user.passwordHash);
  // An administrator without two-factor sign-in while it is required: their password alone never yields administrator rights.
  return { kind: "user", id: user.id, username: user.username, isAdmin: (await effectiveAdmin(user)).isAdmin, isAuditor: user.isAuditor, client };
}

/** What registry and REST clients are told while the directory is down (503; details in the server log). */
const DIRECTORY_DOWN = "The directory cannot be reached, so directory accounts cannot log in right now. Try again later.";

/** What an LDAP-verified login is remembered against: the account (and its session version), not a password hash. */
const ldapCacheMark = (user: { id: number; sessionVersion: number }) => `ldap:${user.id}:${user.sessionVersion}`;

/**
 * LDAP (issue 18 item 2): the directory checks the password, counted by the throttle as any password
 * check; then the lead's provisioning, in one transaction, finds or creates the account and
 * refreshes its groups and administrator flag (a `registry.login` row when it changed anything:
 * created, groups, admin; a plain login writes none, as the password path). A verified login is
 * remembered like a Wharf password for the cache's time to live; the groups are refreshed at each
 * real bind. An empty password never reaches the directory: it is a wrong password.
 */
async function verifyDirectoryPassword(
  config: LdapConnectionConfig,
  user: { id: number; username: string; disabled: boolean; isAdmin: boolean; isAuditor: boolean; totpEnabledAt: Date | null; sessionVersion: number } | null,
  username: string,
  password: string,
  key: string,
  client: ClientInfo,
): Promise<UserActor> {
  const cached = verified.get(key);
  if (user && cached && password !== "" && cached.passwordHash === ldapCacheMark(user)) return rememberedUser(user, username, client);
  const attempt = await reserveSignInAttempt(username, client);
  if (!attempt.reserved) {
    await refuseUser(username, client, LOCKED_REASON);
    throw new SignInLockedError(attempt.lockedUntil);
  }
  let checked: Awaited<ReturnType<typeof checkLdapPassword>>;
  try {
    checked = await checkLdapPassword(config, username, password);
  } catch (err) {
    await attempt.released();
    if (!(err instanceof DirectoryUnavailableError)) throw err;
    console.warn(`wharf: LDAP registry login of ${JSON.stringify(username.slice(0, 64))}: ${err.message}`);
    await refuseUser(username, client, "directory unreachable");
    throw new DirectoryUnavailableError(err.detail, DIRECTORY_DOWN);
  }
  const auth = checked;
  if (!auth.ok) {
    verified.delete(key);
    const { reason } = auth;
    return registryLoginFailed(attempt, username, client, ldapFailureReason(reason));
  }
  const lockedMeanwhile = await attempt.succeeded();
  if (lockedMeanwhile) {
    await refuseUser(username, client, LOCKED_REASON);
    throw new SignInLockedError(lockedMeanwhile);
  }
  let account: Awaited<ReturnType<typeof provisionExternalUser>>;
  try {
    account = await db.$transaction(async (tx) => {
      const provisioned = await provisionExternalUser(tx, ldapIdentity(auth), { onboard: config.onboard });
      const detail = provisionDetail(provisioned, "ldap");
      if (Object.keys(detail).length > 1) {
        await recordAuditEvent(tx, {
          actor: { kind: "user", id: provisioned.id, username: provisioned.username, isAdmin: provisioned.isAdmin, isAuditor: provisioned.isAuditor, client },
          action: "registry.login",
          resource: { type: "session", id: provisioned.id, name: provisioned.username },
          detail,
        });
      }
      return provisioned;
    });
  } catch (err) {
    if (err instanceof ExternalSignInRefused) {
      await refuseUser(username, client, err.reason);
    }
    throw err;
  }
  forgetUserGroups();
  if (account.totpEnabledAt) {
    // Turned two-factor on: registry clients send the CLI secret, never the password.
    throw new UnauthenticatedError(CLI_SECRET_NEEDED);
  }
  remember(key, ldapCacheMark(account));
  return { kind: "user", id: account.id, username: account.username, isAdmin: (await effectiveAdmin(account)).isAdmin, isAuditor: account.isAuditor, client };
}

/** A wrong password: the guess stays counted, one failure row; throws (locked now, or the generic refusal). */
async function registryLoginFailed(attempt: SignInAttempt, username: string, client: ClientInfo, reason: string): Promise<never> {
  const nowLocked = await db.$transaction(async (tx) => {
    const locked = await attempt.failed(tx);
    await recordAuditEvent(tx, {
      actor: anonymousActor(client),
      action: "registry.login",
      resource: { type: "session", name: username.slice(0, 255) },
      result: "failure",
      reason,
      claimedName: username,
    });
    return locked;
  });
  if (nowLocked) throw new SignInLockedError(nowLocked);
  throw new UnauthenticatedError("Wrong username or password.");
}

const CLI_SECRET_NEEDED =
  "This account signs in with two-factor: log in with your CLI secret (Account → Two-factor sign-in in the console), not your password.";
const OIDC_CLI_SECRET_NEEDED =
  "This account signs in through single sign-on: log in with your CLI secret (Account in the console), not your identity provider's password.";

/**
 * A two-factor account's CLI secret: 32 random bytes, so SHA-256 is checked (fast, nothing to
 * cache); a wrong one (the password included) is a failed attempt toward the lock, like a wrong
 * password, and the message says what to send instead.
 */
async function verifyCliSecret(
  user: { id: number; username: string; isAdmin: boolean; isAuditor: boolean; disabled: boolean; cliSecretHash: string | null; authSource: string },
  secret: string,
  client: ClientInfo,
): Promise<UserActor> {
  if (cliSecretMatches(user.cliSecretHash, secret)) {
    if (user.disabled) {
      await refuseUser(user.username, client, "account disabled");
      throw new UnauthenticatedError("This account is disabled.");
    }
    return { kind: "user", id: user.id, username: user.username, isAdmin: user.isAdmin, isAuditor: user.isAuditor, client };
  }
  const attempt = await reserveSignInAttempt(user.username, client);
  if (!attempt.reserved) {
    await refuseUser(user.username, client, LOCKED_REASON);
    throw new SignInLockedError(attempt.lockedUntil);
  }
  const nowLocked = await db.$transaction(async (tx) => {
    const locked = await attempt.failed(tx);
    await recordAuditEvent(tx, {
      actor: anonymousActor(client),
      action: "registry.login",
      resource: { type: "session", id: user.id, name: user.username },
      result: "failure",
      reason: user.authSource === "oidc" ? "not the CLI secret of an OIDC account" : "not the CLI secret of a two-factor account",
      claimedName: user.username,
    });
    return locked;
  });
  if (nowLocked) throw new SignInLockedError(nowLocked);
  throw new UnauthenticatedError(user.authSource === "oidc" ? OIDC_CLI_SECRET_NEEDED : CLI_SECRET_NEEDED);
}

/** A login whose password was verified minutes ago (the cache above): the account as it is now. */
async function rememberedUser(
  user: { id: number; username: string; disabled: boolean; isAdmin: boolean; isAuditor: boolean; totpEnabledAt: Date | null },
  username: string,
  client: ClientInfo,
): Promise<UserActor> {
  if (user.disabled) {
    await refuseUser(username, client, "account disabled");
    throw new UnauthenticatedError("This account is disabled.");
  }
  return { kind: "user", id: user.id, username: user.username, isAdmin: (await effectiveAdmin(user)).isAdmin, isAuditor: user.isAuditor, client };
}

/** A refused user login that checked no password: collapsed per minute (see sign-in-refusals.ts). */
function refuseUser(username: string, client: ClientInfo, reason: string) {
  return recordSignInRefusal({
    actor: anonymousActor(client),
    action: "registry.login",
    username,
    resource: { type: "session", name: username.slice(0, 255) },
    reason,
    claimedName: username,
  });
}

/**
 * Robots: a generated secret is 32+ random bytes, so its SHA-256 (what the database stores) is
 * checked, not argon2 (a caller-chosen secret is argon2id, see robotSecretMatches). What costs is
 * the lookup, so it is one query (robot and grants together), and a verified robot is remembered
 * for ROBOT_TTL_MS, keyed by an HMAC of name and secret.
 *
 * Staleness bound: a robot disabled, deleted, re-secreted or given other grants is forgotten at
 * once by the process that made the change (forgetVerifiedRobots, called by the robot services),
 * and by every other process when the change commits: those changes bump the registry grant
 * version, whose NOTIFY empties this cache everywhere (lib/cache/process-cache.ts). Only a write
 * behind the service layer, or a notification missed while a listener reconnects (it empties the
 * cache when it is back), leaves an entry for at most ROBOT_TTL_MS. Expiry is checked on every
 * hit. The gateway checks every repository request, by token or Basic, against the subject's
 * current grant as well (registry-auth/current-grant.ts).
 *
 * The cache lives on globalThis (processCache): Next's bundle and Wharf's front
 * (lib/runtime/server.ts) each load their own copy of this module, and a robot disabled in the
 * console must be forgotten by the copy that serves /service/token.
 */
const ROBOT_TTL_MS = 5_000;

type VerifiedRobot = Omit<RobotActor, "client" | "kind"> & { expiresAt: Date | null };

const verifiedRobots = processCache<VerifiedRobot>({ name: "verified-robots", max: 10_000, ttlMs: ROBOT_TTL_MS, invalidatedBy: "registry-grants" });

/** Forgets verified robot secrets (all of them: robot changes are rare). Called by the robot services. */
export function forgetVerifiedRobots(): void {
  verifiedRobots.clear();
}

type RobotRow = {
  id: number;
  name: string;
  level: RobotActor["level"];
  secret_hash: string;
  disabled: boolean;
  expires_at: Date | null;
  permissions: { namespace: string; resource: string; action: string }[];
};

/** What an unknown robot's secret is compared with, so that answer takes as long as a wrong secret. */
const NO_ROBOT_HASH = createHash("sha256").update("no such robot").digest("hex");

/**
 * A generated secret is compared by its SHA-256 in constant time; a chosen one (stored as argon2id,
 * see isChosenSecretHash) is verified as a password is, tens of milliseconds, then cached as any.
 */
async function robotSecretMatches(stored: string, secret: string): Promise<boolean> {
  if (isChosenSecretHash(stored)) return verifyPassword(stored, secret);
  const presented = Buffer.from(hashRobotSecret(secret), "hex");
  const expected = Buffer.from(stored, "hex");
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

async function verifyRobotSecret(name: string, secret: string, client: ClientInfo): Promise<RobotActor> {
  // Keyed by the HMAC the password cache uses: a chosen secret may be guessable, and the cache must
  // not hold an unsalted hash of it.
  const cacheKey = cacheKeyFor(name, secret);
  const now = Date.now();
  const hit = verifiedRobots.get(cacheKey);
  if (hit && !(hit.expiresAt && hit.expiresAt.getTime() <= now)) {
    return { kind: "robot", id: hit.id, name: hit.name, level: hit.level, grants: hit.grants, client };
  }
  if (hit) verifiedRobots.delete(cacheKey);

  const rows = await db.$queryRaw<RobotRow[]>`
    SELECT r.id, r.name, r.level::text AS level, r.secret_hash, r.disabled, r.expires_at,
           COALESCE(json_agg(json_build_object('namespace', p.namespace, 'resource', p.resource, 'action', p.action)
                             ORDER BY p.id) FILTER (WHERE p.id IS NOT NULL), '[]'::json) AS permissions
    FROM robots r LEFT JOIN robot_permissions p ON p.robot_id = r.id
    WHERE r.name = ${name}
    GROUP BY r.id`;
  const robot = rows[0] ?? null;
  const secretOk = (await robotSecretMatches(robot?.secret_hash ?? NO_ROBOT_HASH, secret)) && robot !== null;
  if (!robot || !secretOk) {
    await refuse(name, client, robot ? "wrong robot secret" : "unknown robot");
    throw new UnauthenticatedError("Wrong robot name or secret.");
  }
  if (robot.disabled) {
    await refuse(name, client, "robot disabled");
    throw new UnauthenticatedError("This robot account is disabled.");
  }
  if (robot.expires_at && robot.expires_at <= new Date()) {
    await refuse(name, client, "robot expired");
    throw new UnauthenticatedError("This robot account has expired.");
  }
  const actor = { id: robot.id, name: robot.name, level: robot.level, grants: robot.permissions };
  verifiedRobots.set(cacheKey, { ...actor, expiresAt: robot.expires_at });
  return { kind: "robot", ...actor, client };
}

function refuse(username: string, client: ClientInfo, reason: string) {
  return recordRefusal({
    actor: anonymousActor(client),
    action: "registry.login",
    resource: { type: "session", name: username.slice(0, 255) },
    reason,
    claimedName: username,
  });
}
