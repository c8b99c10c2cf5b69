import { describe, expect, it } from "vitest";
import { anonymousActor } from "@/lib/auth/actor";
import { verifyPassword } from "@/lib/auth/password";
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from "@/lib/errors";
import { resolveSessionActor } from "@/lib/services/auth/resolve-session-actor";
import { startSession } from "@/lib/services/auth/sessions";
import { createUser } from "@/lib/services/users/create-user";
import { getUser } from "@/lib/services/users/get-user";
import { listUsers } from "@/lib/services/users/list-users";
import { resetUserPassword } from "@/lib/services/users/reset-user-password";
import { setUserAdmin } from "@/lib/services/users/set-user-admin";
import { setUserDisabled } from "@/lib/services/users/set-user-disabled";
import { updateUser } from "@/lib/services/users/update-user";
import { changeOwnPassword } from "@/lib/services/users/change-own-password";
import { actorFor, auditRowsFor, createTestUser, db, TEST_PASSWORD, uniqueName } from "@/lib/testing/factories";
import { ZCreateUser } from "@/lib/validation/users";

const NEW_PASSWORD = "N3w-password-ok";

function newUserInput(username = uniqueName("new")) {
  return ZCreateUser.parse({ username, email: `${username}@example.test`, fullName: "New Person", password: NEW_PASSWORD });
}

describe("createUser", () => {
  it("creates the user with an argon2id hash and writes exactly one audit row", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const input = newUserInput();
    const user = await createUser({ actor: actorFor(admin), input });

    const stored = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(stored.passwordHash, NEW_PASSWORD)).toBe(true);
    expect(user).not.toHaveProperty("passwordHash");

    const rows = await auditRowsFor("user", input.username);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: "user.create", result: "success", actorName: admin.username, clientIp: "192.0.2.10" });
    expect(JSON.stringify(rows[0]!.detail)).not.toContain(NEW_PASSWORD);
  });

  it("refuses a non-admin on the server, writes nothing but a failure row", async () => {
    const member = await createTestUser();
    const input = newUserInput();
    await expect(createUser({ actor: actorFor(member), input })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await db.user.count({ where: { username: input.username } })).toBe(0);
    const rows = await auditRowsFor("user", input.username);
    expect(rows.map((r) => [r.action, r.result])).toEqual([["user.create", "failure"]]);
  });

  it("refuses anonymous callers with 401", async () => {
    await expect(createUser({ actor: anonymousActor(), input: newUserInput() })).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it("refuses a username that differs only in case, with a field error, and changes nothing", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const existing = await createTestUser({ username: uniqueName("Case") });
    // An email of its own, so only the username can be what collides.
    const input = { ...newUserInput(existing.username.toLowerCase()), email: `${uniqueName("other")}@example.test` };
    const error = await createUser({ actor: actorFor(admin), input }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).fieldErrors).toEqual({ username: ["This username is already taken"] });
    expect((await db.user.findMany({ where: { username: { equals: existing.username, mode: "insensitive" } }, select: { id: true } })).map((u) => u.id)).toEqual([existing.id]);
    expect(await db.user.count({ where: { email: input.email } })).toBe(0);
  });

  it("refuses an email that is already used", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const existing = await createTestUser();
    const input = { ...newUserInput(), email: existing.email };
    const error = await createUser({ actor: actorFor(admin), input }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).fieldErrors).toEqual({ email: ["This email is already used by another user"] });
    expect(await db.user.count({ where: { username: input.username } })).toBe(0);
  });
});

describe("listUsers and getUser", () => {
  it("searches and paginates on the server", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const tag = uniqueName("find");
    for (let i = 0; i < 3; i++) await createTestUser({ username: `${tag}-${i}` });
    const first = await listUsers({ actor: actorFor(admin), query: { q: tag, page: 1, pageSize: 2 } });
    const second = await listUsers({ actor: actorFor(admin), query: { q: tag, page: 2, pageSize: 2 } });
    expect(first.total).toBe(3);
    expect(first.rows.map((u) => u.username)).toEqual([`${tag}-0`, `${tag}-1`]);
    expect(second.rows.map((u) => u.username)).toEqual([`${tag}-2`]);
    expect(first.rows[0]).not.toHaveProperty("passwordHash");
  });

  it("refuses non-admins", async () => {
    const member = await createTestUser();
    await expect(listUsers({ actor: actorFor(member), query: { q: undefined, page: 1, pageSize: 10 } })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getUser({ actor: actorFor(member), userId: member.id })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("answers 404 for a user that does not exist", async () => {
    const admin = await createTestUser({ isAdmin: true });
    await expect(getUser({ actor: actorFor(admin), userId: 999_999 })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("user changes", () => {
  it("edits the profile and records before and after", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const user = await createTestUser();
    const email = `${uniqueName("mail")}@example.test`;
    await updateUser({ actor: actorFor(admin), input: { userId: user.id, email, fullName: "Renamed Person" } });
    const stored = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored).toMatchObject({ email, fullName: "Renamed Person", username: user.username });
    const rows = await auditRowsFor("user", user.username);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.detail).toMatchObject({ before: { email: user.email }, after: { email } });
  });

  it("disabling ends the user's sessions; enabling lets them sign in again", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const user = await createTestUser();
    const sessionId = await db.$transaction((tx) => startSession(tx, user.id));
    const session = { userId: user.id, sessionVersion: user.sessionVersion, sessionId, client: { ip: null, userAgent: null } };
    expect(await resolveSessionActor(session)).not.toBeNull();

    await setUserDisabled({ actor: actorFor(admin), input: { userId: user.id, disabled: true } });
    expect(await resolveSessionActor(session)).toBeNull();

    await setUserDisabled({ actor: actorFor(admin), input: { userId: user.id, disabled: false } });
    const enabled = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(enabled.disabled).toBe(false);
    expect((await auditRowsFor("user", user.username)).map((r) => r.action)).toEqual(["user.disable", "user.enable"]);
  });

  it("refuses to disable yourself or to revoke your own admin role", async () => {
    const admin = await createTestUser({ isAdmin: true });
    await expect(setUserDisabled({ actor: actorFor(admin), input: { userId: admin.id, disabled: true } })).rejects.toBeInstanceOf(ConflictError);
    await expect(setUserAdmin({ actor: actorFor(admin), input: { userId: admin.id, isAdmin: false } })).rejects.toBeInstanceOf(ConflictError);
    expect(await db.user.findUniqueOrThrow({ where: { id: admin.id } })).toMatchObject({ isAdmin: true, disabled: false });
  });

  it("grants and revokes the administrator role", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const user = await createTestUser();
    await setUserAdmin({ actor: actorFor(admin), input: { userId: user.id, isAdmin: true } });
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).isAdmin).toBe(true);
    await setUserAdmin({ actor: actorFor(admin), input: { userId: user.id, isAdmin: false } });
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).isAdmin).toBe(false);
    expect((await auditRowsFor("user", user.username)).map((r) => r.action)).toEqual(["user.grant_admin", "user.revoke_admin"]);
  });

  it("a non-admin is refused every user change, and nothing changes", async () => {
    const member = await createTestUser();
    const target = await createTestUser();
    const actor = actorFor(member);
    const attempts = [
      updateUser({ actor, input: { userId: target.id, email: "x@example.test", fullName: "X" } }),
      setUserDisabled({ actor, input: { userId: target.id, disabled: true } }),
      setUserAdmin({ actor, input: { userId: member.id, isAdmin: true } }),
      resetUserPassword({ actor, input: { userId: target.id, password: NEW_PASSWORD } }),
    ];
    for (const result of await Promise.allSettled(attempts)) {
      expect(result.status).toBe("rejected");
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(ForbiddenError);
    }
    expect(await db.user.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({
      email: target.email,
      disabled: false,
      passwordHash: target.passwordHash,
    });
    expect((await db.user.findUniqueOrThrow({ where: { id: member.id } })).isAdmin).toBe(false);
  });

  it("a password reset replaces the hash and ends existing sessions", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const user = await createTestUser();
    const sessionId = await db.$transaction((tx) => startSession(tx, user.id));
    const session = { userId: user.id, sessionVersion: user.sessionVersion, sessionId, client: { ip: null, userAgent: null } };
    expect(await resolveSessionActor(session)).not.toBeNull();
    await resetUserPassword({ actor: actorFor(admin), input: { userId: user.id, password: NEW_PASSWORD } });
    const stored = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(await verifyPassword(stored.passwordHash, NEW_PASSWORD)).toBe(true);
    expect(await verifyPassword(stored.passwordHash, TEST_PASSWORD)).toBe(false);
    expect(await resolveSessionActor(session)).toBeNull();
    const rows = await auditRowsFor("user", user.username);
    expect(rows.map((r) => r.action)).toEqual(["user.reset_password"]);
  });

  it("changing your own password needs the current one", async () => {
    const user = await createTestUser();
    const actor = actorFor(user);
    await expect(
      changeOwnPassword({ actor, input: { currentPassword: "wrong-Passw0rd", newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD } }),
    ).rejects.toMatchObject({ fieldErrors: { currentPassword: expect.any(Array) } });
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash).toBe(user.passwordHash);

    await changeOwnPassword({ actor, input: { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD } });
    const stored = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(await verifyPassword(stored.passwordHash, NEW_PASSWORD)).toBe(true);
    expect((await auditRowsFor("user", user.username)).map((r) => [r.action, r.result])).toEqual([
      ["user.change_password", "failure"],
      ["user.change_password", "success"],
    ]);
  });
});
