import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { hashPassword } from "@/lib/auth/password";
import { db } from "@/lib/db/client";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";
import type { TResetUserPassword } from "@/lib/validation/users";

export type ResetUserPasswordOptions = { actor: Actor; input: TResetUserPassword };

/** An administrator sets a new password for a user; the user's existing sessions end. */
export async function resetUserPassword({ actor, input }: ResetUserPasswordOptions): Promise<void> {
  await assertSystemPermission(actor, "user.update", { type: "user", id: input.userId }, "user.reset_password");
  const passwordHash = await hashPassword(input.password);
  await db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: input.userId }, select: { id: true, username: true, authSource: true } });
    if (!user) throw new NotFoundError(`User ${input.userId} does not exist.`);
    // Their password is their directory's or identity provider's: a Wharf one would be a second way in.
    if (user.authSource !== "local") {
      throw new ConflictError(`${user.username} signs in through ${user.authSource === "ldap" ? "LDAP" : "OIDC"}: change the password there.`);
    }
    await tx.user.update({
      where: { id: user.id },
      data: { passwordHash, passwordChangedAt: new Date(), sessionVersion: { increment: 1 } },
      select: { id: true },
    });
    // Registry tokens issued before the change are refused (token-subject.ts); every instance's grant cache must see it.
    await bumpGrantVersion(tx);
    // A successful reset also lifts a sign-in lockout: the admin has just vouched for the account.
    await tx.signInThrottle.deleteMany({ where: { username: user.username.toLowerCase() } });
    await recordAuditEvent(tx, {
      actor,
      action: "user.reset_password",
      resource: { type: "user", id: user.id, name: user.username },
    });
  });
}
