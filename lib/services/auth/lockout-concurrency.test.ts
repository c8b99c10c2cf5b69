import { describe, expect, it } from "vitest";
import type { ClientInfo } from "@/lib/auth/actor";
import { SignInLockedError, UnauthenticatedError } from "@/lib/errors";
import { SIGN_IN_MAX_FAILURES, signInWithPassword } from "@/lib/services/auth/sign-in";
import { verifyRegistryCredentials } from "@/lib/services/auth/verify-registry-credentials";
import { auditRowsFor, createTestUser, TEST_PASSWORD } from "@/lib/testing/factories";

const client: ClientInfo = { ip: "203.0.113.66", userAgent: "guesser/1.0" };
const RIGHT_GUESS = 150;
const WORKERS = 6;

type Outcome = "accepted" | "wrong" | "locked";

/**
 * WORKERS guessers share one sequence of guesses, each starting its next one as soon as its last
 * answer came back, so about WORKERS checks are always in flight. Guess number RIGHT_GUESS is the
 * real password.
 */
async function guessConcurrently(check: (password: string) => Promise<unknown>): Promise<Map<number, Outcome>> {
  const outcomes = new Map<number, Outcome>();
  let next = 1;
  const worker = async () => {
    while (next <= RIGHT_GUESS) {
      const guess = next++;
      const password = guess === RIGHT_GUESS ? TEST_PASSWORD : `Wrong-passw0rd-${guess}`;
      try {
        await check(password);
        outcomes.set(guess, "accepted");
      } catch (err) {
        if (err instanceof SignInLockedError) outcomes.set(guess, "locked");
        else if (err instanceof UnauthenticatedError) outcomes.set(guess, "wrong");
        else throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  return outcomes;
}

describe(`${WORKERS}-way concurrent password guessing`, () => {
  it("console sign-in: the lock holds, and the right password at guess 150 is refused", async () => {
    const user = await createTestUser();
    const outcomes = await guessConcurrently((password) => signInWithPassword({ username: user.username, password, client }));

    expect(outcomes.get(RIGHT_GUESS)).toBe("locked");
    // Exactly the allowed number of guesses had their password checked; every other one was refused unchecked.
    const wrongRows = (await auditRowsFor("session", user.username)).filter((r) => r.reason === "wrong password");
    expect(wrongRows).toHaveLength(SIGN_IN_MAX_FAILURES);
    expect([...outcomes.values()].filter((o) => o === "accepted")).toEqual([]);
  });

  it("registry / REST Basic credentials: the lock holds, and the right password at guess 150 is refused", async () => {
    const user = await createTestUser();
    const outcomes = await guessConcurrently((password) => verifyRegistryCredentials({ username: user.username, password, client }));

    expect(outcomes.get(RIGHT_GUESS)).toBe("locked");
    const wrongRows = (await auditRowsFor("session", user.username)).filter((r) => r.reason === "wrong password");
    expect(wrongRows).toHaveLength(SIGN_IN_MAX_FAILURES);
    expect([...outcomes.values()].filter((o) => o === "accepted")).toEqual([]);
  });
});
