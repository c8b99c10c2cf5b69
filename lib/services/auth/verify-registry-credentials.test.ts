import { beforeEach, describe, expect, it, vi } from "vitest";
import { verifyPassword } from "@/lib/auth/password";
import { SignInLockedError, UnauthenticatedError } from "@/lib/errors";
import { SIGN_IN_MAX_FAILURES, signInWithPassword } from "@/lib/services/auth/sign-in";
import { lockedUntilFor } from "@/lib/services/auth/sign-in-throttle";
import { verifyRegistryCredentials } from "@/lib/services/auth/verify-registry-credentials";
import { resetUserPassword } from "@/lib/services/users/reset-user-password";
import { setUserDisabled } from "@/lib/services/users/set-user-disabled";
import { actorFor, auditRowsFor, createTestUser, db, TEST_PASSWORD, uniqueName } from "@/lib/testing/factories";

// The real argon2 check, wrapped in a spy: the only way to tell from outside whether a call was
// answered from the verified-credential cache (no argon2 run) or checked afresh.
vi.mock("@/lib/auth/password", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/lib/auth/password")>();
  return { ...actual, verifyPassword: vi.fn(actual.verifyPassword) };
});
const argon2Checks = vi.mocked(verifyPassword);

const client = { ip: "198.51.100.20", userAgent: "docker/27.0" };
const WRONG = "Wrong-passw0rd";
const NEW_PASSWORD = "N3w-password-ok";

function login(username: string, password: string) {
  return verifyRegistryCredentials({ username, password, client });
}

function failureCount(username: string) {
  return db.signInThrottle
    .findUnique({ where: { username_clientKey: { username: username.toLowerCase(), clientKey: `ip:${client.ip}` } } })
    .then((t) => t?.failureCount ?? 0);
}

beforeEach(() => {
  argon2Checks.mockClear();
});

describe("users", () => {
  it("the right password gives a UserActor", async () => {
    const user = await createTestUser();
    expect(await login(user.username, TEST_PASSWORD)).toEqual({
      kind: "user",
      id: user.id,
      username: user.username,
      isAdmin: false,
      isAuditor: false,
      client,
    });
    const admin = await createTestUser({ isAdmin: true });
    await expect(login(admin.username, TEST_PASSWORD)).resolves.toMatchObject({ kind: "user", isAdmin: true });
  });

  it("a wrong password is refused (401), audited, and counted towards the lock", async () => {
    const user = await createTestUser();
    await expect(login(user.username, WRONG)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(await failureCount(user.username)).toBe(1);
    expect(await lockedUntilFor(user.username, client)).toBeNull();
    const rows = await auditRowsFor("session", user.username);
    expect(rows.map((r) => [r.action, r.result, r.reason])).toEqual([["registry.login", "failure", "wrong password"]]);
    expect(JSON.stringify(rows, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(WRONG);
  });

  it(`${SIGN_IN_MAX_FAILURES} failures lock the username, counted together with console sign-in failures`, async () => {
    const user = await createTestUser();
    // Two at the console, then the rest through the registry: one shared count.
    for (let i = 0; i < 2; i++) {
      await expect(signInWithPassword({ username: user.username, password: WRONG, client })).rejects.toBeInstanceOf(UnauthenticatedError);
    }
    for (let i = 2; i < SIGN_IN_MAX_FAILURES - 1; i++) {
      await expect(login(user.username, WRONG)).rejects.toBeInstanceOf(UnauthenticatedError);
    }
    expect(await lockedUntilFor(user.username, client)).toBeNull();
    await expect(login(user.username, WRONG)).rejects.toBeInstanceOf(SignInLockedError);

    const lockedUntil = await lockedUntilFor(user.username, client);
    expect(lockedUntil).not.toBeNull();
    expect(lockedUntil!.getTime()).toBeGreaterThan(Date.now());
    // Locked everywhere, even for the right password, and case variations share the lock.
    await expect(login(user.username, TEST_PASSWORD)).rejects.toBeInstanceOf(SignInLockedError);
    await expect(login(user.username.toUpperCase(), TEST_PASSWORD)).rejects.toBeInstanceOf(SignInLockedError);
    await expect(signInWithPassword({ username: user.username, password: TEST_PASSWORD, client })).rejects.toBeInstanceOf(SignInLockedError);
  });

  it("a registry lock also stops the console", async () => {
    const user = await createTestUser();
    for (let i = 0; i < SIGN_IN_MAX_FAILURES - 1; i++) await expect(login(user.username, WRONG)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(login(user.username, WRONG)).rejects.toBeInstanceOf(SignInLockedError);
    await expect(signInWithPassword({ username: user.username, password: TEST_PASSWORD, client })).rejects.toBeInstanceOf(SignInLockedError);
  });

  it("an unknown username is refused and counted too (a lock reveals nothing)", async () => {
    const ghost = uniqueName("ghost");
    await expect(login(ghost, WRONG)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(await failureCount(ghost)).toBe(1);
    expect((await auditRowsFor("session", ghost)).map((r) => r.reason)).toEqual(["unknown username"]);
  });
});

describe("the verified-credential cache", () => {
  it("answers a second call with the right password without another argon2 check", async () => {
    const user = await createTestUser();
    await expect(login(user.username, TEST_PASSWORD)).resolves.toMatchObject({ id: user.id });
    expect(argon2Checks).toHaveBeenCalledTimes(1);
    await expect(login(user.username, TEST_PASSWORD)).resolves.toMatchObject({ id: user.id });
    expect(argon2Checks).toHaveBeenCalledTimes(1);
    // A wrong password is never answered from the cache.
    await expect(login(user.username, WRONG)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(argon2Checks).toHaveBeenCalledTimes(2);
  });

  it("after an admin password reset, the cached old password is refused at once and the new one works", async () => {
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const user = await createTestUser();
    await login(user.username, TEST_PASSWORD);
    await login(user.username, TEST_PASSWORD);
    expect(argon2Checks).toHaveBeenCalledTimes(1); // cached

    await resetUserPassword({ actor: admin, input: { userId: user.id, password: NEW_PASSWORD } });
    await expect(login(user.username, TEST_PASSWORD)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect((await auditRowsFor("session", user.username)).at(-1)).toMatchObject({ result: "failure", reason: "wrong password" });
    await expect(login(user.username, NEW_PASSWORD)).resolves.toMatchObject({ kind: "user", id: user.id });
  });

  it("a disabled user is refused even while the right password is cached", async () => {
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const user = await createTestUser();
    await login(user.username, TEST_PASSWORD);
    await setUserDisabled({ actor: admin, input: { userId: user.id, disabled: true } });
    argon2Checks.mockClear();

    const error = await login(user.username, TEST_PASSWORD).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect((error as Error).message).toMatch(/disabled/);
    expect(argon2Checks).not.toHaveBeenCalled(); // the cache hit, and the refusal still came
    expect((await auditRowsFor("session", user.username)).at(-1)).toMatchObject({ result: "failure", reason: "account disabled" });
    // The right password for a disabled account is not a guessing attempt.
    expect(await failureCount(user.username)).toBe(0);

    await setUserDisabled({ actor: admin, input: { userId: user.id, disabled: false } });
    await expect(login(user.username, TEST_PASSWORD)).resolves.toMatchObject({ id: user.id });
  });
});
