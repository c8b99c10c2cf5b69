import "server-only";
import type { Actor, UserActor } from "@/lib/auth/actor";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { db } from "@/lib/db/client";
import { ConflictError, SignInLockedError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { LOCKED_REASON, recordSignInRefusal } from "@/lib/services/auth/sign-in-refusals";
import { reserveSignInAttempt } from "@/lib/services/auth/sign-in-throttle";
import type { TChangeOwnPassword } from "@/lib/validation/users";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";

export type ChangeOwnPasswordOptions = { actor: Actor; input: TChangeOwnPassword };

/**
 * A signed-in user changes their own password, proving the current one. Every session of the
 * user ends (the caller signs the browser out), so a stolen session does not survive the change.
 *
 * Proving the current password is a guess like a sign-in: it is counted in the same throttle
 * (same username, same client), so a stolen session cannot be used to guess the password, and a
 * locked username cannot change it either.
 */
export async function changeOwnPassword({ actor, input }: ChangeOwnPasswordOptions): Promise<void> {
  if (actor.kind !== "user") throw new UnauthenticatedError();
  // An account of an identity provider or directory has no Wharf password to change (its hash is a
  // marker nothing verifies against); its password lives at the source.
  const account = await db.user.findUnique({ where: { id: actor.id }, select: { authSource: true } });
  if (account && account.authSource !== "local") {
    await db.$transaction((tx) =>
      recordAuditEvent(tx, {
        actor,
        action: "user.change_password",
        resource: { type: "user", id: actor.id, name: actor.username },
        result: "failure",
        reason: `${account.authSource} account has no Wharf password`,
      }),
    );
    throw new ConflictError(
      account.authSource === "oidc"
        ? "Your account signs in through your identity provider (OIDC): change your password there. Registry clients use your CLI secret."
        : "Your account signs in with your directory password (LDAP): change it in the directory.",
    );
  }
  const attempt = await reserveSignInAttempt(actor.username, actor.client);
  if (!attempt.reserved) {
    await refuseLocked(actor);
    throw new SignInLockedError(attempt.lockedUntil);
  }
  const current = await db.user.findUnique({ where: { id: actor.id }, select: { passwordHash: true } });
  if (!current) {
    await attempt.released();
    throw new UnauthenticatedError();
  }
  if (!(await verifyPassword(current.passwordHash, input.currentPassword))) {
    const nowLocked = await db.$transaction(async (tx) => {
      const locked = await attempt.failed(tx);
      await recordAuditEvent(tx, {
        actor,
        action: "user.change_password",
        resource: { type: "user", id: actor.id, name: actor.username },
        result: "failure",
        reason: "current password is wrong",
      });
      return locked;
    });
    if (nowLocked) throw new SignInLockedError(nowLocked);
    throw new ValidationError("The current password is wrong.", {
      currentPassword: ["The current password is wrong"],
    });
  }
  const lockedMeanwhile = await attempt.succeeded();
  if (lockedMeanwhile) {
    await refuseLocked(actor);
    throw new SignInLockedError(lockedMeanwhile);
  }
  const passwordHash = await hashPassword(input.newPassword);
  await db.$transaction(async (tx) => {
    await tx.user.update({
      where: { id: actor.id },
      data: { passwordHash, passwordChangedAt: new Date(), sessionVersion: { increment: 1 } },
      select: { id: true },
    });
    // Registry tokens issued before the change are refused (token-subject.ts); every instance's grant cache must see it.
    await bumpGrantVersion(tx);
    await recordAuditEvent(tx, {
      actor,
      action: "user.change_password",
      resource: { type: "user", id: actor.id, name: actor.username },
    });
  });
}

function refuseLocked(actor: UserActor) {
  return recordSignInRefusal({
    actor,
    action: "user.change_password",
    username: actor.username,
    resource: { type: "user", id: actor.id, name: actor.username },
    reason: LOCKED_REASON,
  });
}
