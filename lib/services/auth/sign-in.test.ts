import { describe, expect, it } from "vitest";
import { SignInLockedError, UnauthenticatedError } from "@/lib/errors";
import { resolveSessionActor } from "@/lib/services/auth/resolve-session-actor";
import { SIGN_IN_MAX_FAILURES, signInWithPassword } from "@/lib/services/auth/sign-in";
import { resetUserPassword } from "@/lib/services/users/reset-user-password";
import { actorFor, auditRowsFor, createTestUser, db, TEST_PASSWORD, uniqueName } from "@/lib/testing/factories";

const client = { ip: "198.51.100.7", userAgent: "skopeo/1.9.3" };

describe("signInWithPassword", () => {
  it("signs in with the right password and records it", async () => {
    const user = await createTestUser();
    const signedIn = await signInWithPassword({ username: user.username, password: TEST_PASSWORD, client });
    expect(signedIn).toEqual({ id: user.id, username: user.username, sessionVersion: 0, sessionId: expect.any(String) });
    await expect(resolveSessionActor({ userId: user.id, sessionVersion: 0, sessionId: signedIn.sessionId, client })).resolves.toMatchObject({
      kind: "user",
      id: user.id,
    });
    const rows = await auditRowsFor("session", user.username);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: "session.sign_in", result: "success", clientIp: client.ip, userAgent: client.userAgent });
  });

  it("refuses a wrong password with a generic message and records the failure", async () => {
    const user = await createTestUser();
    await expect(signInWithPassword({ username: user.username, password: "Wrong-passw0rd", client })).rejects.toThrow(
      "Wrong username or password.",
    );
    const rows = await auditRowsFor("session", user.username);
    expect(rows.map((r) => [r.result, r.reason])).toEqual([["failure", "wrong password"]]);
    expect(JSON.stringify(rows, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toContain("Wrong-passw0rd");
  });

  it("refuses a disabled user even with the right password", async () => {
    const user = await createTestUser({ disabled: true });
    const error = await signInWithPassword({ username: user.username, password: TEST_PASSWORD, client }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect((error as Error).message).toMatch(/disabled/);
    expect(await db.userSession.count({ where: { userId: user.id } })).toBe(0);
  });

  it(`locks a username after ${SIGN_IN_MAX_FAILURES} failures, even for the right password`, async () => {
    const user = await createTestUser();
    for (let i = 1; i < SIGN_IN_MAX_FAILURES; i++) {
      await expect(signInWithPassword({ username: user.username, password: "Wrong-passw0rd", client })).rejects.toBeInstanceOf(
        UnauthenticatedError,
      );
    }
    // The fifth failure locks and says so.
    await expect(signInWithPassword({ username: user.username, password: "Wrong-passw0rd", client })).rejects.toBeInstanceOf(
      SignInLockedError,
    );
    const locked = await signInWithPassword({ username: user.username, password: TEST_PASSWORD, client }).catch((e: unknown) => e);
    expect(locked).toBeInstanceOf(SignInLockedError);
    expect((locked as Error).message).toMatch(/Try again in 15 minutes/);
    // Case variations share the lock.
    await expect(
      signInWithPassword({ username: user.username.toUpperCase(), password: TEST_PASSWORD, client }),
    ).rejects.toBeInstanceOf(SignInLockedError);

    const rows = await auditRowsFor("session", user.username);
    expect(rows.filter((r) => r.result === "failure")).toHaveLength(SIGN_IN_MAX_FAILURES + 1);
    expect(rows.at(-1)!.reason).toBe("locked after repeated failures");
    expect(rows.some((r) => r.result === "success")).toBe(false);
  });

  it("locks unknown usernames the same way, so lockout does not reveal which names exist", async () => {
    const ghost = uniqueName("ghost");
    for (let i = 0; i < SIGN_IN_MAX_FAILURES - 1; i++) {
      await expect(signInWithPassword({ username: ghost, password: "Wrong-passw0rd", client })).rejects.toThrow("Wrong username or password.");
    }
    await expect(signInWithPassword({ username: ghost, password: "Wrong-passw0rd", client })).rejects.toBeInstanceOf(SignInLockedError);
  });

  it("a lock expires after its window, and an admin's password reset lifts it", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const user = await createTestUser();
    const key = { username: user.username.toLowerCase(), clientKey: "*" };
    await db.signInThrottle.create({
      data: { ...key, failureCount: 0, windowStartsAt: new Date(), lockedUntil: new Date(Date.now() + 60_000) },
    });
    await expect(signInWithPassword({ username: user.username, password: TEST_PASSWORD, client })).rejects.toBeInstanceOf(SignInLockedError);

    await db.signInThrottle.update({ where: { username_clientKey: key }, data: { lockedUntil: new Date(Date.now() - 1_000) } });
    await expect(signInWithPassword({ username: user.username, password: TEST_PASSWORD, client })).resolves.toMatchObject({ id: user.id });

    await db.signInThrottle.update({
      where: { username_clientKey: key },
      data: { failureCount: 0, windowStartsAt: new Date(), lockedUntil: new Date(Date.now() + 60_000) },
    });
    await resetUserPassword({ actor: actorFor(admin), input: { userId: user.id, password: "Fresh-passw0rd" } });
    await expect(signInWithPassword({ username: user.username, password: "Fresh-passw0rd", client })).resolves.toMatchObject({ id: user.id });
  });

  it("failures older than the window do not count towards a lock", async () => {
    const user = await createTestUser();
    const key = { username: user.username.toLowerCase(), clientKey: `ip:${client.ip}` };
    await db.signInThrottle.create({
      data: { ...key, failureCount: SIGN_IN_MAX_FAILURES - 1, windowStartsAt: new Date(Date.now() - 16 * 60_000) },
    });
    await expect(signInWithPassword({ username: user.username, password: "Wrong-passw0rd", client })).rejects.not.toBeInstanceOf(
      SignInLockedError,
    );
    expect((await db.signInThrottle.findUniqueOrThrow({ where: { username_clientKey: key } })).failureCount).toBe(1);
  });

  it("a robot account cannot sign in to the console, even with its right secret", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const { createSystemRobot } = await import("@/lib/services/robots/robots");
    const { robot, secret } = await createSystemRobot({
      actor: actorFor(admin),
      input: { name: uniqueName("ui"), description: "", durationDays: -1, grants: [{ namespace: "*", permission: "repository:pull" }] },
    });
    await expect(signInWithPassword({ username: robot.name, password: secret, client })).rejects.toThrow("Wrong username or password.");
  });
});
