import { decode } from "next-auth/jwt";
import { describe, expect, it } from "vitest";
import { resolveApiActor } from "@/lib/api/actor";
import { apiRequest, sessionCookieFor } from "@/lib/api/test-kit";
import { getAuthOptions } from "@/lib/auth/options";
import { resolveSessionActor } from "@/lib/services/auth/resolve-session-actor";
import { endSession } from "@/lib/services/auth/sessions";
import { signInWithPassword } from "@/lib/services/auth/sign-in";
import { auditRowsFor, createTestUser, db, TEST_PASSWORD } from "@/lib/testing/factories";

const client = { ip: "198.51.100.31", userAgent: "firefox" };

function actorBehind(cookie: string) {
  return resolveApiActor(apiRequest("/users/current", { headers: { cookie } }));
}

describe("console sessions", () => {
  it("signing out ends that session server-side: the same cookie, replayed, signs nobody in", async () => {
    const user = await createTestUser();
    const cookie = await sessionCookieFor(user);
    expect(await actorBehind(cookie)).toMatchObject({ kind: "user", id: user.id });

    // What next-auth's sign-out route does: decode the cookie, run the signOut event, clear the cookie.
    const token = await decode({ token: cookie.split("=")[1], secret: process.env.NEXTAUTH_SECRET ?? "" });
    expect(token?.sid).toEqual(expect.any(String));
    await getAuthOptions().events!.signOut!({ token: token!, session: null as never });

    // A copy of the cookie kept by someone else stops working at once.
    expect(await actorBehind(cookie)).toMatchObject({ kind: "anonymous" });
    expect((await auditRowsFor("session", user.username)).map((r) => [r.action, r.result])).toEqual([["session.sign_out", "success"]]);
  });

  it("signing out in one browser leaves the user's other sessions signed in", async () => {
    const user = await createTestUser();
    const first = await signInWithPassword({ username: user.username, password: TEST_PASSWORD, client });
    const second = await signInWithPassword({ username: user.username, password: TEST_PASSWORD, client });
    expect(first.sessionId).not.toBe(second.sessionId);
    const claims = (s: typeof first) => ({ userId: s.id, sessionVersion: s.sessionVersion, sessionId: s.sessionId, client });

    await endSession({ userId: user.id, sessionId: first.sessionId, client });
    expect(await resolveSessionActor(claims(first))).toBeNull();
    expect(await resolveSessionActor(claims(second))).toMatchObject({ kind: "user", id: user.id });
  });

  it("a session id is only good for its own user, and not after it expires", async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const session = await signInWithPassword({ username: user.username, password: TEST_PASSWORD, client });
    const claims = { userId: user.id, sessionVersion: 0, sessionId: session.sessionId, client };
    expect(await resolveSessionActor({ ...claims, userId: other.id })).toBeNull();
    // Another user's sign-out cannot end this session either.
    await endSession({ userId: other.id, sessionId: session.sessionId, client });
    expect(await resolveSessionActor(claims)).toMatchObject({ id: user.id });

    await db.userSession.update({ where: { id: session.sessionId }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    expect(await resolveSessionActor(claims)).toBeNull();
    // The next sign-in (anyone's) deletes expired sessions.
    await signInWithPassword({ username: other.username, password: TEST_PASSWORD, client });
    expect(await db.userSession.count({ where: { id: session.sessionId } })).toBe(0);
  });

  it("a cookie without a session id (minted before sessions were recorded) signs nobody in", async () => {
    const user = await createTestUser();
    const { encode } = await import("next-auth/jwt");
    const token = await encode({
      token: { name: user.username, sub: String(user.id), uid: user.id, sv: user.sessionVersion },
      secret: process.env.NEXTAUTH_SECRET ?? "",
    });
    expect(await actorBehind(`next-auth.session-token=${token}`)).toMatchObject({ kind: "anonymous" });
  });
});
