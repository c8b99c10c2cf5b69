import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { isUniqueViolation } from "@/lib/services/users/unique-violation";
import { USER_SUMMARY_SELECT, type UserSummary } from "@/lib/services/users/user-dto";
import type { TUpdateUser } from "@/lib/validation/users";

export type UpdateUserOptions = { actor: Actor; input: TUpdateUser };

/** Edits a user's profile (email, full name). The username never changes: logs refer to it. */
export async function updateUser({ actor, input }: UpdateUserOptions): Promise<UserSummary> {
  await assertSystemPermission(actor, "user.update", { type: "user", id: input.userId });
  try {
    return await db.$transaction(async (tx) => {
      const before = await tx.user.findUnique({ where: { id: input.userId }, select: USER_SUMMARY_SELECT });
      if (!before) throw new NotFoundError(`User ${input.userId} does not exist.`);
      const clash = await tx.user.findFirst({
        where: { email: input.email, id: { not: input.userId } },
        select: { id: true },
      });
      if (clash) {
        throw new ConflictError("That email is already used.", { email: ["This email is already used by another user"] });
      }
      const user = await tx.user.update({
        where: { id: input.userId },
        data: { email: input.email, fullName: input.fullName },
        select: USER_SUMMARY_SELECT,
      });
      await recordAuditEvent(tx, {
        actor,
        action: "user.update",
        resource: { type: "user", id: user.id, name: user.username },
        detail: {
          before: { email: before.email, fullName: before.fullName },
          after: { email: user.email, fullName: user.fullName },
        },
      });
      return user;
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new ConflictError("That email is already used.", { email: ["This email is already used by another user"] });
    }
    throw err;
  }
}
