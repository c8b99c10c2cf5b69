import { describe, expect, it } from "vitest";
import type { ClientInfo } from "@/lib/auth/actor";
import { SignInLockedError, UnauthenticatedError } from "@/lib/errors";
import { flushSignInRefusalSummaries, LOCKED_REASON } from "@/lib/services/auth/sign-in-refusals";
import { SIGN_IN_MAX_FAILURES, SIGN_IN_MAX_FAILURES_ALL_CLIENTS, signInWithPassword } from "@/lib/services/auth/sign-in";
import { verifyRegistryCredentials } from "@/lib/services/auth/verify-registry-credentials";
import { changeOwnPassword } from "@/lib/services/users/change-own-password";
import { actorFor, createTestUser, db, TEST_PASSWORD, uniqueName } from "@/lib/testing/factories";

const WRONG = "Wrong-passw0rd";
const NEW_PASSWORD = "N3w-password-ok";

function clientAt(n: number): ClientInfo {
  return { ip: `203.0.113.${n}`, userAgent: "test" };
}

function signIn(username: string, password: string, client: ClientInfo) {
  return signInWithPassword({ username, password, client });
}

/** Sends `count` wrong passwords for `username` from `client`; returns how many were refused as locked. */
async function guessWrong(username: string, client: ClientInfo, count: number): Promise<number> {
  let locked = 0;
  for (let i = 0; i < count; i++) {
    const error = await signIn(username, WRONG, client).catch((e: unknown) => e);
    if (error instanceof SignInLockedError) locked++;
    else expect(error).toBeInstanceOf(UnauthenticatedError);
  }
  return locked;
}

/** Known and unknown usernames must behave exactly alike. */
const kinds = [
  ["an existing username", async () => (await createTestUser()).username],
  ["an unknown username", async () => uniqueName("ghost")],
] as const;

describe("lockout per client, with a slower limit for all clients", () => {
  it("a guesser at one address cannot lock the real user out from another", async () => {
    const user = await createTestUser();
    const attacker = clientAt(1);
    const realUser = clientAt(2);
    // Every 15 minutes, five bad passwords: the attacker locks only itself.
    expect(await guessWrong(user.username, attacker, SIGN_IN_MAX_FAILURES)).toBe(1);
    await expect(signIn(user.username, TEST_PASSWORD, attacker)).rejects.toBeInstanceOf(SignInLockedError);
    await expect(verifyRegistryCredentials({ username: user.username, password: TEST_PASSWORD, client: attacker })).rejects.toBeInstanceOf(
      SignInLockedError,
    );

    await expect(signIn(user.username, TEST_PASSWORD, realUser)).resolves.toMatchObject({ id: user.id });
    await expect(verifyRegistryCredentials({ username: user.username, password: TEST_PASSWORD, client: realUser })).resolves.toMatchObject({
      id: user.id,
    });
  });

  it.each(kinds)(
    `%s: ${SIGN_IN_MAX_FAILURES_ALL_CLIENTS} failures from many addresses lock the name everywhere, a fresh address included`,
    async (_kind, usernameFor) => {
      const username = await usernameFor();
      const perClient = SIGN_IN_MAX_FAILURES - 1; // below the per-client limit, so only the global count can lock
      let sent = 0;
      let address = 10;
      while (sent + perClient < SIGN_IN_MAX_FAILURES_ALL_CLIENTS) {
        expect(await guessWrong(username, clientAt(address++), perClient)).toBe(0);
        sent += perClient;
      }
      // The last failures reach the global limit from yet another address: that one locks.
      const rest = SIGN_IN_MAX_FAILURES_ALL_CLIENTS - sent;
      expect(await guessWrong(username, clientAt(address++), rest)).toBe(1);

      const fresh = clientAt(250);
      const error = await signIn(username, TEST_PASSWORD, fresh).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SignInLockedError);
      expect((error as Error).message).toMatch(/Try again in 15 minutes/);
      // Not one more guess was checked: every failure row is one of the fifty.
      const guesses = await db.auditEvent.count({ where: { resourceName: username, reason: { in: ["wrong password", "unknown username"] } } });
      expect(guesses).toBe(SIGN_IN_MAX_FAILURES_ALL_CLIENTS);
    },
  );

  it("a success from the real user's address clears that address's count, never the all-clients count", async () => {
    const user = await createTestUser();
    const home = clientAt(3);
    await guessWrong(user.username, home, SIGN_IN_MAX_FAILURES - 1);
    await signIn(user.username, TEST_PASSWORD, home);
    const buckets = await db.signInThrottle.findMany({ where: { username: user.username.toLowerCase() }, orderBy: { clientKey: "asc" } });
    expect(buckets.map((b) => [b.clientKey, b.failureCount])).toEqual([
      ["*", SIGN_IN_MAX_FAILURES - 1],
      [`ip:${home.ip}`, 0],
    ]);
  });
});

describe("the current-password check of a password change", () => {
  it("counts in the same throttle: five wrong ones lock, and then even the right one is refused", async () => {
    const user = await createTestUser();
    const actor = actorFor(user); // client 192.0.2.10
    const change = (currentPassword: string) =>
      changeOwnPassword({ actor, input: { currentPassword, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD } });

    for (let i = 1; i < SIGN_IN_MAX_FAILURES; i++) {
      await expect(change(WRONG)).rejects.toMatchObject({ fieldErrors: { currentPassword: expect.any(Array) } });
    }
    await expect(change(WRONG)).rejects.toBeInstanceOf(SignInLockedError);
    await expect(change(TEST_PASSWORD)).rejects.toBeInstanceOf(SignInLockedError);
    // The same count as sign-in: this client cannot sign in with the password either.
    await expect(signIn(user.username, TEST_PASSWORD, actor.client)).rejects.toBeInstanceOf(SignInLockedError);
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash).toBe(user.passwordHash);
  });

  it("sign-in failures count towards the password change's lock too", async () => {
    const user = await createTestUser();
    const actor = actorFor(user);
    await guessWrong(user.username, actor.client, SIGN_IN_MAX_FAILURES);
    await expect(
      changeOwnPassword({ actor, input: { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD } }),
    ).rejects.toBeInstanceOf(SignInLockedError);
  });
});

describe("refusals of a locked name in the audit log", () => {
  it("are collapsed per username and minute, with an exact count; password checks keep a row each", async () => {
    const user = await createTestUser();
    const client = clientAt(4);
    await guessWrong(user.username, client, SIGN_IN_MAX_FAILURES);
    const REFUSALS = 40;
    const refused = await Promise.all(
      Array.from({ length: REFUSALS }, () => signIn(user.username, TEST_PASSWORD, client).catch((e: unknown) => e)),
    );
    expect(refused.every((e) => e instanceof SignInLockedError)).toBe(true);

    const lockedRows = () =>
      db.auditEvent.findMany({ where: { resourceName: user.username, action: "session.sign_in", result: "failure", NOT: { reason: "wrong password" } } });
    const isSummary = (r: { detail: unknown }) => typeof (r.detail as { repeated?: unknown } | null)?.repeated === "number";
    // Written at once: the first refusal of the minute (two if the refusals straddled a minute
    // boundary; opening the second bucket then also flushes the first one's summary).
    const before = await lockedRows();
    const ownRows = before.filter((r) => !isSummary(r));
    expect(ownRows.length).toBeGreaterThanOrEqual(1);
    expect(ownRows.length).toBeLessThanOrEqual(2);
    expect(ownRows.every((r) => r.reason === LOCKED_REASON && r.clientIp === client.ip)).toBe(true);

    // Close every bucket as if its minute were over: one summary row per bucket with repeats.
    await flushSignInRefusalSummaries(new Date(Date.now() + 120_000));
    const after = await lockedRows();
    const idsOf = (rows: { id: unknown }[]) => rows.map((r) => String(r.id)).sort();
    expect(idsOf(after.filter((r) => !isSummary(r)))).toEqual(idsOf(ownRows));
    const summaries = after.filter(isSummary);
    expect(summaries.length).toBeLessThanOrEqual(ownRows.length);
    const repeated = summaries.reduce((sum, r) => sum + Number((r.detail as { repeated: number }).repeated), 0);
    // Every refusal is in the log exactly once: as its own row or in a summary's count.
    expect(ownRows.length + repeated).toBe(REFUSALS);
    expect(summaries.every((r) => (r.detail as { reasons: Record<string, number> }).reasons[LOCKED_REASON]! > 0)).toBe(true);
    // The guesses that were checked keep one row each.
    expect(await db.auditEvent.count({ where: { resourceName: user.username, reason: "wrong password" } })).toBe(SIGN_IN_MAX_FAILURES);
    // Flushed buckets are gone: a second flush writes nothing for this user.
    expect(await db.signInRefusalBucket.count({ where: { username: user.username.toLowerCase() } })).toBe(0);
  });

  it("a single refusal in a minute writes its own row and no summary", async () => {
    const user = await createTestUser();
    const client = clientAt(5);
    await guessWrong(user.username, client, SIGN_IN_MAX_FAILURES);
    await expect(verifyRegistryCredentials({ username: user.username, password: TEST_PASSWORD, client })).rejects.toBeInstanceOf(
      SignInLockedError,
    );
    await flushSignInRefusalSummaries(new Date(Date.now() + 120_000));
    const rows = await db.auditEvent.findMany({ where: { resourceName: user.username, action: "registry.login" } });
    expect(rows.map((r) => [r.result, r.reason])).toEqual([["failure", LOCKED_REASON]]);
  });
});
