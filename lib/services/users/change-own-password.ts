import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { db } from "@/lib/db/client";
import { UnauthenticatedError, ValidationError } from "@/lib/errors";
import { recordAuditEvent, recordRefusal } from "@/lib/services/audit/record-audit-event";
import type { TChangeOwnPassword } from "@/lib/validation/users";

export type ChangeOwnPasswordOptions = { actor: Actor; input: TChangeOwnPassword };

/**
 * A signed-in user changes their own password, proving the current one. Every session of the
 * user ends (the caller signs the browser out), so a stolen session does not survive the change.
 */
export async function changeOwnPassword({ actor, input }: ChangeOwnPasswordOptions): Promise<void> {
  if (actor.kind !== "user") throw new UnauthenticatedError();
  const current = await db.user.findUnique({ where: { id: actor.id }, select: { passwordHash: true } });
  if (!current) throw new UnauthenticatedError();
  if (!(await verifyPassword(current.passwordHash, input.currentPassword))) {
    await recordRefusal({
      actor,
      action: "user.change_password",
      resource: { type: "user", id: actor.id, name: actor.username },
      reason: "current password is wrong",
    });
    throw new ValidationError("The current password is wrong.", {
      currentPassword: ["The current password is wrong"],
    });
  }
  const passwordHash = await hashPassword(input.newPassword);
  await db.$transaction(async (tx) => {
    await tx.user.update({
      where: { id: actor.id },
      data: { passwordHash, passwordChangedAt: new Date(), sessionVersion: { increment: 1 } },
      select: { id: true },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "user.change_password",
      resource: { type: "user", id: actor.id, name: actor.username },
    });
  });
}
