import "server-only";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import QRCode from "qrcode";
import type { Actor, UserActor } from "@/lib/auth/actor";
import { sealSecret, unsealSecret, type SealContext } from "@/lib/crypto/sealed-secret";
import { db, type DbTransaction } from "@/lib/db/client";
import { ConflictError, NotFoundError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";

/**
 * TOTP two-factor sign-in for local users (issue 18 item 4; RFC 6238 through `otpauth`: SHA-1,
 * six digits, 30-second steps, what every authenticator app reads from the QR code).
 *
 * - Enrolment: a new secret is kept *pending* (sealed to the user) until the user types a code
 *   from it, so a half-finished enrolment never locks anyone out; then it becomes the secret, and
 *   ten recovery codes are shown once (stored as SHA-256: each is 50 random bits, so a fast hash
 *   is enough and a leaked table gives nothing to brute-force offline).
 * - A code is used once: the newest accepted 30-second step is stored, and a code of that step or
 *   an older one is refused (a code seen over a shoulder cannot be replayed within its minute).
 * - Registry and REST clients cannot type a code: a two-factor account's Basic password is its
 *   CLI secret (32 random bytes, SHA-256 stored, shown once), never the account password
 *   (verify-registry-credentials.ts), as Harbor does for OIDC users.
 *
 * Every change writes one audit row in its transaction; the secret and the codes never appear in one.
 */

const ISSUER = "Wharf";
const PERIOD_SECONDS = 30;
/** One step either side: a phone clock a little off still works. */
const WINDOW_STEPS = 1;
const RECOVERY_CODE_COUNT = 10;
const CODE_PATTERN = /^\d{6}$/;
/** Two groups of five from an alphabet without look-alikes (0/O, 1/l/I). */
const RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz";
const RECOVERY_PATTERN = /^[2-9a-hjkmnp-z]{5}-[2-9a-hjkmnp-z]{5}$/;

function secretSeal(userId: number, state: "pending" | "enabled"): SealContext {
  return { purpose: `wharf totp secret v1 ${state}`, binding: `user:${userId}`, what: "a two-factor secret" };
}

function totpFor(username: string, secretBase32: string): TOTP {
  return new TOTP({ issuer: ISSUER, label: username, algorithm: "SHA1", digits: 6, period: PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}

function assertUser(actor: Actor): asserts actor is UserActor {
  if (actor.kind !== "user") throw new UnauthenticatedError("Sign in as a user to manage two-factor sign-in.");
}

function normalizeCode(code: string): string {
  return code.replace(/\s+/g, "").toLowerCase();
}

/** The step a six-digit code was made for, or null when it matches none within the window. */
function matchingStep(username: string, secretBase32: string, code: string, now: number): number | null {
  if (!CODE_PATTERN.test(code)) return null;
  const delta = totpFor(username, secretBase32).validate({ token: code, timestamp: now, window: WINDOW_STEPS });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
}

export type TwoFactorStatus = {
  enabled: boolean;
  enabledAt: Date | null;
  /** An enrolment was started and not confirmed. */
  pending: boolean;
  recoveryCodesLeft: number;
  cliSecretCreatedAt: Date | null;
};

/** The signed-in user's own two-factor state (never the secret). */
export async function getTwoFactorStatus({ actor }: { actor: Actor }): Promise<TwoFactorStatus> {
  assertUser(actor);
  const user = await db.user.findUniqueOrThrow({
    where: { id: actor.id },
    select: { totpEnabledAt: true, totpPendingSecret: true, cliSecretCreatedAt: true, _count: { select: { recoveryCodes: { where: { usedAt: null } } } } },
  });
  return {
    enabled: user.totpEnabledAt !== null,
    enabledAt: user.totpEnabledAt,
    pending: user.totpPendingSecret !== null,
    recoveryCodesLeft: user.totpEnabledAt ? user._count.recoveryCodes : 0,
    cliSecretCreatedAt: user.totpEnabledAt ? user.cliSecretCreatedAt : null,
  };
}

export type TwoFactorEnrolment = { secret: string; uri: string; qrSvg: string };

/**
 * Starts (or restarts) an enrolment: a new pending secret, its otpauth URI and a QR code of it as
 * SVG. Refused while two-factor is on (turn it off first, proving a code).
 */
export async function startTwoFactorEnrolment({ actor }: { actor: Actor }): Promise<TwoFactorEnrolment> {
  assertUser(actor);
  const secret = new Secret({ size: 20 }).base32;
  await db.$transaction(async (tx) => {
    const user = await tx.user.findUniqueOrThrow({ where: { id: actor.id }, select: { totpEnabledAt: true, authSource: true } });
    if (user.totpEnabledAt) throw new ConflictError("Two-factor sign-in is already on.");
    // Their identity provider signs them in (and asks for its own second factor): Wharf never sees a code.
    if (user.authSource === "oidc") throw new ConflictError("Your account signs in through your identity provider: turn on two-factor sign-in there.");
    await tx.user.update({ where: { id: actor.id }, data: { totpPendingSecret: sealSecret(secret, secretSeal(actor.id, "pending")) }, select: { id: true } });
    await recordAuditEvent(tx, { actor, action: "two_factor.enrol", resource: { type: "user", id: actor.id, name: actor.username } });
  });
  const uri = totpFor(actor.username, secret).toString();
  const qrSvg = await QRCode.toString(uri, { type: "svg", margin: 1, errorCorrectionLevel: "M" });
  return { secret, uri, qrSvg };
}

/**
 * Confirms the pending enrolment with a code from it: two-factor is on from now, with ten fresh
 * recovery codes, returned this once. A wrong code is a field error and changes nothing.
 */
export async function confirmTwoFactorEnrolment({ actor, code, now = Date.now() }: { actor: Actor; code: string; now?: number }): Promise<{ recoveryCodes: string[] }> {
  assertUser(actor);
  return db.$transaction(async (tx) => {
    const user = await tx.user.findUniqueOrThrow({ where: { id: actor.id }, select: { totpEnabledAt: true, totpPendingSecret: true } });
    if (user.totpEnabledAt) throw new ConflictError("Two-factor sign-in is already on.");
    if (!user.totpPendingSecret) throw new ConflictError("Start the set-up first: no enrolment is waiting for a code.");
    const secret = unsealSecret(user.totpPendingSecret, secretSeal(actor.id, "pending"));
    const step = matchingStep(actor.username, secret, normalizeCode(code), now);
    if (step === null) throw new ValidationError("code: That code is not right. Type the six digits your app shows now.", { code: ["That code is not right. Type the six digits your app shows now."] });
    await tx.user.update({
      where: { id: actor.id },
      data: { totpSecret: sealSecret(secret, secretSeal(actor.id, "enabled")), totpPendingSecret: null, totpEnabledAt: new Date(now), totpLastStep: step },
      select: { id: true },
    });
    const recoveryCodes = await replaceRecoveryCodes(tx, actor.id);
    await recordAuditEvent(tx, { actor, action: "two_factor.enable", resource: { type: "user", id: actor.id, name: actor.username } });
    // An administrator whose rights were paused for want of it has them back (admin-two-factor.ts).
    await bumpGrantVersion(tx);
    return { recoveryCodes };
  });
}

async function replaceRecoveryCodes(tx: DbTransaction, userId: number): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, recoveryCode);
  await tx.userRecoveryCode.deleteMany({ where: { userId } });
  await tx.userRecoveryCode.createMany({ data: codes.map((code) => ({ userId, codeHash: sha256(code) })) });
  return codes;
}

function recoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]!);
  return `${chars.slice(0, 5).join("")}-${chars.slice(5).join("")}`;
}

export type SecondFactor = "totp" | "recovery_code";

/**
 * Checks a second factor inside the caller's transaction: a six-digit code of a step newer than
 * the last one used, or an unused recovery code (then used up). The step and the code are claimed
 * with a conditional update, so two sign-ins racing with one code cannot both pass.
 */
export async function claimSecondFactor(
  tx: DbTransaction,
  user: { id: number; username: string; totpSecret: string | null },
  code: string,
  now = Date.now(),
): Promise<SecondFactor | null> {
  if (!user.totpSecret) return null;
  const typed = normalizeCode(code);
  if (CODE_PATTERN.test(typed)) {
    const step = matchingStep(user.username, unsealSecret(user.totpSecret, secretSeal(user.id, "enabled")), typed, now);
    if (step === null) return null;
    const claimed = await tx.$executeRaw`UPDATE users SET totp_last_step = ${BigInt(step)} WHERE id = ${user.id} AND (totp_last_step IS NULL OR totp_last_step < ${BigInt(step)})`;
    return claimed === 1 ? "totp" : null;
  }
  if (RECOVERY_PATTERN.test(typed)) {
    const used = await tx.userRecoveryCode.updateMany({ where: { userId: user.id, codeHash: sha256(typed), usedAt: null }, data: { usedAt: new Date(now) } });
    return used.count === 1 ? "recovery_code" : null;
  }
  return null;
}

/** Proves possession for a change of the user's own two-factor settings; a wrong code is a field error. */
async function requireSecondFactor(tx: DbTransaction, actor: UserActor, code: string): Promise<SecondFactor> {
  const user = await tx.user.findUniqueOrThrow({ where: { id: actor.id }, select: { id: true, username: true, totpSecret: true, totpEnabledAt: true } });
  if (!user.totpEnabledAt) throw new ConflictError("Two-factor sign-in is off.");
  const factor = await claimSecondFactor(tx, user, code);
  if (!factor) {
    const message = "That code is not right. Type the six digits your app shows now, or an unused recovery code.";
    throw new ValidationError(`code: ${message}`, { code: [message] });
  }
  return factor;
}

/** Turns two-factor off (the user, proving a code): the secret, the recovery codes and the CLI secret go. */
export async function disableTwoFactor({ actor, code }: { actor: Actor; code: string }): Promise<void> {
  assertUser(actor);
  await db.$transaction(async (tx) => {
    const factor = await requireSecondFactor(tx, actor, code);
    await clearTwoFactor(tx, actor.id);
    await recordAuditEvent(tx, { actor, action: "two_factor.disable", resource: { type: "user", id: actor.id, name: actor.username }, detail: { proved_with: factor } });
  });
}

/** Clears it all; an administrator's rights may pause with it (admin-two-factor.ts), so grants are recomputed. */
async function clearTwoFactor(tx: DbTransaction, userId: number): Promise<void> {
  await bumpGrantVersion(tx);
  await tx.user.update({
    where: { id: userId },
    data: { totpSecret: null, totpPendingSecret: null, totpEnabledAt: null, totpLastStep: null, cliSecretHash: null, cliSecretCreatedAt: null },
    select: { id: true },
  });
  await tx.userRecoveryCode.deleteMany({ where: { userId } });
}

/**
 * An administrator turns a user's two-factor off (a lost phone and lost recovery codes): the user
 * signs in with the password alone and enrols again. One row, under the administrator.
 */
export async function resetTwoFactor({ actor, userId }: { actor: Actor; userId: number }): Promise<void> {
  await assertSystemPermission(actor, "user.update", { type: "user", id: userId }, "two_factor.reset");
  await db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId }, select: { id: true, username: true, totpEnabledAt: true, totpPendingSecret: true } });
    if (!user) throw new NotFoundError("There is no such user.");
    if (!user.totpEnabledAt && !user.totpPendingSecret) throw new ConflictError(`${user.username} has no two-factor sign-in to reset.`);
    await clearTwoFactor(tx, user.id);
    await recordAuditEvent(tx, { actor, action: "two_factor.reset", resource: { type: "user", id: user.id, name: user.username } });
  });
}

/** New recovery codes (the old ones stop working), proving a code; returned this once. */
export async function regenerateRecoveryCodes({ actor, code }: { actor: Actor; code: string }): Promise<{ recoveryCodes: string[] }> {
  assertUser(actor);
  return db.$transaction(async (tx) => {
    await requireSecondFactor(tx, actor, code);
    const recoveryCodes = await replaceRecoveryCodes(tx, actor.id);
    await recordAuditEvent(tx, { actor, action: "two_factor.recovery_codes", resource: { type: "user", id: actor.id, name: actor.username } });
    return { recoveryCodes };
  });
}

/**
 * A new CLI secret for docker, skopeo, podman and REST clients of a two-factor account or an OIDC
 * account (the old one stops working at once); returned this once. For a local account only while
 * two-factor is on: without it, the account password is what those clients send.
 */
export async function refreshCliSecret({ actor }: { actor: Actor }): Promise<{ secret: string }> {
  assertUser(actor);
  const secret = `wharf_${randomBytes(32).toString("base64url")}`;
  await db.$transaction(async (tx) => {
    const user = await tx.user.findUniqueOrThrow({ where: { id: actor.id }, select: { totpEnabledAt: true, authSource: true } });
    // OIDC accounts have no Wharf password: the CLI secret is how their registry clients sign in (Harbor's model).
    if (!user.totpEnabledAt && user.authSource !== "oidc") throw new ConflictError("Turn on two-factor sign-in first: until then registry clients use your password.");
    await tx.user.update({ where: { id: actor.id }, data: { cliSecretHash: sha256(secret), cliSecretCreatedAt: new Date() }, select: { id: true } });
    await recordAuditEvent(tx, { actor, action: "cli_secret.refresh", resource: { type: "user", id: actor.id, name: actor.username } });
  });
  return { secret };
}

/** Whether `secret` is the user's current CLI secret (constant time). */
export function cliSecretMatches(cliSecretHash: string | null, secret: string): boolean {
  return cliSecretHash !== null && sameHash(cliSecretHash, sha256(secret));
}
