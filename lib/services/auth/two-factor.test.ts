import { Secret, TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import { ConflictError, ForbiddenError, SignInLockedError, TwoFactorRequiredError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import { effectiveAdmin, getAdminTwoFactorRequirement, REQUIRE_ADMIN_TWO_FACTOR_KEY, setAdminTwoFactorRequirement } from "@/lib/services/auth/admin-two-factor";
import { SIGN_IN_MAX_FAILURES, signInWithPassword } from "@/lib/services/auth/sign-in";
import {
  confirmTwoFactorEnrolment,
  disableTwoFactor,
  getTwoFactorStatus,
  refreshCliSecret,
  regenerateRecoveryCodes,
  resetTwoFactor,
  startTwoFactorEnrolment,
} from "@/lib/services/auth/two-factor";
import { verifyRegistryCredentials } from "@/lib/services/auth/verify-registry-credentials";
import { actorFor, createTestUser, db, TEST_PASSWORD } from "@/lib/testing/factories";

/*
 * TOTP two-factor sign-in against Postgres, with codes computed here from the enrolled secret as
 * an authenticator app would (RFC 6238: SHA-1, six digits, 30 s). A code is good for its step and
 * one either side, once: each user here enrols at "two steps ago", which leaves the steps of
 * one step ago, now and the next one for the sign-ins of its test.
 */
const client = { ip: "198.51.100.44", userAgent: "vitest" };
const STEP_MS = 30_000;

function codeAt(secret: string, timestamp: number): string {
  return new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp });
}

async function enrolledUser() {
  const user = await createTestUser();
  const actor = actorFor(user);
  const { secret, uri, qrSvg } = await startTwoFactorEnrolment({ actor });
  const enrolledAt = Date.now() - 2 * STEP_MS;
  const { recoveryCodes } = await confirmTwoFactorEnrolment({ actor, code: codeAt(secret, enrolledAt), now: enrolledAt });
  return { user, actor, secret, uri, qrSvg, recoveryCodes };
}

const rows = (userId: number, action: string) => db.auditEvent.findMany({ where: { resourceId: String(userId), action }, orderBy: { id: "asc" } });

describe("two-factor enrolment", () => {
  it("a pending secret with its QR code; a wrong code changes nothing; the right one turns it on with ten recovery codes, one audit row each step", async () => {
    const user = await createTestUser();
    const actor = actorFor(user);
    const { secret, uri, qrSvg } = await startTwoFactorEnrolment({ actor });
    expect(uri).toBe(`otpauth://totp/Wharf:${encodeURIComponent(user.username)}?issuer=Wharf&secret=${secret}&algorithm=SHA1&digits=6&period=30`);
    expect(qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(await getTwoFactorStatus({ actor })).toMatchObject({ enabled: false, pending: true });

    const wrong = await confirmTwoFactorEnrolment({ actor, code: "000000" === codeAt(secret, Date.now()) ? "111111" : "000000" }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ValidationError);
    expect((wrong as ValidationError).fieldErrors.code).toEqual(["That code is not right. Type the six digits your app shows now."]);
    expect(await getTwoFactorStatus({ actor })).toMatchObject({ enabled: false, pending: true });

    const { recoveryCodes } = await confirmTwoFactorEnrolment({ actor, code: codeAt(secret, Date.now()) });
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[2-9a-hjkmnp-z]{5}-[2-9a-hjkmnp-z]{5}$/);
    expect(await getTwoFactorStatus({ actor })).toMatchObject({ enabled: true, pending: false, recoveryCodesLeft: 10, cliSecretCreatedAt: null });

    // Stored sealed and hashed: neither the secret nor a code is in the database as text.
    const stored = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.totpSecret).not.toContain(secret);
    expect(stored.totpPendingSecret).toBeNull();
    const hashes = await db.userRecoveryCode.findMany({ where: { userId: user.id } });
    expect(hashes.map((h) => h.codeHash)).not.toContain(recoveryCodes[0]);

    expect(await rows(user.id, "two_factor.enrol")).toHaveLength(1);
    expect(await rows(user.id, "two_factor.enable")).toHaveLength(1);
    await expect(startTwoFactorEnrolment({ actor })).rejects.toBeInstanceOf(ConflictError);
  });
});

describe("signing in with two-factor on", () => {
  it("the password alone asks for the code without counting a failure; the right code signs in (recorded as totp); the same code again is refused", async () => {
    const { user, secret } = await enrolledUser();
    const asked = await signInWithPassword({ username: user.username, password: TEST_PASSWORD, client }).catch((e: unknown) => e);
    expect(asked).toBeInstanceOf(TwoFactorRequiredError);
    expect(await db.signInThrottle.findMany({ where: { username: user.username, failureCount: { gt: 0 } } })).toEqual([]);
    // A wrong password still says only that.
    await expect(signInWithPassword({ username: user.username, password: "Wrong-passw0rd", otp: codeAt(secret, Date.now()), client })).rejects.toThrow("Wrong username or password.");

    const code = codeAt(secret, Date.now());
    await expect(signInWithPassword({ username: user.username, password: TEST_PASSWORD, otp: code, client })).resolves.toMatchObject({ id: user.id });
    const signIns = (await db.auditEvent.findMany({ where: { action: "session.sign_in", resourceName: user.username, result: "success" } })).map((r) => r.detail);
    expect(signIns).toEqual([{ second_factor: "totp" }]);

    const replay = await signInWithPassword({ username: user.username, password: TEST_PASSWORD, otp: code, client }).catch((e: unknown) => e);
    expect(replay).toBeInstanceOf(UnauthenticatedError);
    expect((replay as Error).message).toBe("Wrong two-factor code.");
    // An older step than the one used is refused too.
    await expect(signInWithPassword({ username: user.username, password: TEST_PASSWORD, otp: codeAt(secret, Date.now() - STEP_MS), client })).rejects.toThrow("Wrong two-factor code.");
  });

  it("a recovery code signs in once", async () => {
    const { user, recoveryCodes } = await enrolledUser();
    const code = recoveryCodes[3]!;
    await expect(signInWithPassword({ username: user.username, password: TEST_PASSWORD, otp: ` ${code.toUpperCase()} `, client })).resolves.toMatchObject({ id: user.id });
    await expect(signInWithPassword({ username: user.username, password: TEST_PASSWORD, otp: code, client })).rejects.toThrow("Wrong two-factor code.");
    expect(await getTwoFactorStatus({ actor: actorFor(user) })).toMatchObject({ recoveryCodesLeft: 9 });
  });

  it(`wrong codes count toward the lock like wrong passwords: the ${SIGN_IN_MAX_FAILURES}th locks, then even the right code is refused`, async () => {
    const { user, secret } = await enrolledUser();
    const good = codeAt(secret, Date.now());
    const bad = good === "123456" ? "654321" : "123456";
    for (let i = 1; i < SIGN_IN_MAX_FAILURES; i++) {
      await expect(signInWithPassword({ username: user.username, password: TEST_PASSWORD, otp: bad, client })).rejects.toBeInstanceOf(UnauthenticatedError);
    }
    await expect(signInWithPassword({ username: user.username, password: TEST_PASSWORD, otp: bad, client })).rejects.toBeInstanceOf(SignInLockedError);
    await expect(signInWithPassword({ username: user.username, password: TEST_PASSWORD, otp: good, client })).rejects.toBeInstanceOf(SignInLockedError);
    const failures = await db.auditEvent.findMany({ where: { action: "session.sign_in", resourceName: user.username, result: "failure", reason: "wrong two-factor code" } });
    expect(failures).toHaveLength(SIGN_IN_MAX_FAILURES);
  });
});

describe("registry and REST clients of a two-factor account", () => {
  it("the password is refused with what to send instead; a CLI secret works until replaced; turning two-factor off brings the password back", async () => {
    const { user, actor, secret } = await enrolledUser();
    const refused = await verifyRegistryCredentials({ username: user.username, password: TEST_PASSWORD, client }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnauthenticatedError);
    expect((refused as Error).message).toContain("log in with your CLI secret");

    const first = await refreshCliSecret({ actor });
    await expect(verifyRegistryCredentials({ username: user.username, password: first.secret, client })).resolves.toMatchObject({ kind: "user", id: user.id });
    const second = await refreshCliSecret({ actor });
    await expect(verifyRegistryCredentials({ username: user.username, password: first.secret, client })).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(verifyRegistryCredentials({ username: user.username, password: second.secret, client })).resolves.toMatchObject({ id: user.id });
    expect(await rows(user.id, "cli_secret.refresh")).toHaveLength(2);

    // Turning it off needs a code; a wrong one is a field error and changes nothing.
    await expect(disableTwoFactor({ actor, code: "12345" })).rejects.toBeInstanceOf(ValidationError);
    await disableTwoFactor({ actor, code: codeAt(secret, Date.now()) });
    expect(await getTwoFactorStatus({ actor })).toMatchObject({ enabled: false, recoveryCodesLeft: 0, cliSecretCreatedAt: null });
    await expect(verifyRegistryCredentials({ username: user.username, password: second.secret, client })).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(verifyRegistryCredentials({ username: user.username, password: TEST_PASSWORD, client })).resolves.toMatchObject({ id: user.id });
    await expect(signInWithPassword({ username: user.username, password: TEST_PASSWORD, client })).resolves.toMatchObject({ id: user.id });
    expect(await rows(user.id, "two_factor.disable")).toHaveLength(1);
    expect(await db.userRecoveryCode.count({ where: { userId: user.id } })).toBe(0);
    // Without two-factor there is no CLI secret to make.
    await expect(refreshCliSecret({ actor })).rejects.toBeInstanceOf(ConflictError);
  });

  it("new recovery codes replace the old ones (proved with a code)", async () => {
    const { user, actor, recoveryCodes } = await enrolledUser();
    const { recoveryCodes: fresh } = await regenerateRecoveryCodes({ actor, code: recoveryCodes[0]! });
    expect(fresh).toHaveLength(10);
    await expect(signInWithPassword({ username: user.username, password: TEST_PASSWORD, otp: recoveryCodes[1]!, client })).rejects.toThrow("Wrong two-factor code.");
    await expect(signInWithPassword({ username: user.username, password: TEST_PASSWORD, otp: fresh[0]!, client })).resolves.toMatchObject({ id: user.id });
  });
});

describe("an administrator's reset", () => {
  it("turns a user's two-factor off (one row under the administrator); anyone else is refused with a failure row", async () => {
    const { user } = await enrolledUser();
    const other = actorFor(await createTestUser());
    await expect(resetTwoFactor({ actor: other, userId: user.id })).rejects.toBeInstanceOf(ForbiddenError);
    expect((await rows(user.id, "two_factor.reset")).map((r) => r.result)).toEqual(["failure"]);
    const admin = await createTestUser({ isAdmin: true });
    await resetTwoFactor({ actor: actorFor(admin), userId: user.id });
    expect((await rows(user.id, "two_factor.reset")).map((r) => [r.result, r.actorName])).toEqual([
      ["failure", other.username],
      ["success", admin.username],
    ]);
    await expect(signInWithPassword({ username: user.username, password: TEST_PASSWORD, client })).resolves.toMatchObject({ id: user.id });
    await expect(resetTwoFactor({ actor: actorFor(admin), userId: user.id })).rejects.toBeInstanceOf(ConflictError);
  });
});

describe("requiring two-factor sign-in for administrators", () => {
  // Turning it on here would pause the administrators of every other test file sharing this
  // database; the setting's effect is driven end to end in e2e/two-factor.spec.ts (serial).
  it("an administrator without two-factor cannot turn it on (field error, nothing saved); auditors read it, others cannot", async () => {
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const error = await setAdminTwoFactorRequirement({ actor: admin, required: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors.requireAdminTwoFactor).toEqual([
      "Turn on your own two-factor sign-in first (Account): requiring it now would pause your administrator rights",
    ]);
    expect((await db.systemSetting.findUnique({ where: { key: REQUIRE_ADMIN_TWO_FACTOR_KEY } }))?.value ?? false).toBe(false);
    await expect(getAdminTwoFactorRequirement({ actor: actorFor(await createTestUser({ isAuditor: true })) })).resolves.toBe(false);
    await expect(getAdminTwoFactorRequirement({ actor: actorFor(await createTestUser()) })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(setAdminTwoFactorRequirement({ actor: actorFor(await createTestUser({ isAuditor: true })), required: false })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("decides nothing for users who are not administrators or have two-factor on (no setting read)", async () => {
    await expect(effectiveAdmin({ isAdmin: false, totpEnabledAt: null })).resolves.toEqual({ isAdmin: false, adminPaused: false });
    await expect(effectiveAdmin({ isAdmin: true, totpEnabledAt: new Date() })).resolves.toEqual({ isAdmin: true, adminPaused: false });
    // The setting is off in this database: an administrator without two-factor keeps the rights.
    await expect(effectiveAdmin({ isAdmin: true, totpEnabledAt: null })).resolves.toEqual({ isAdmin: true, adminPaused: false });
  });
});
