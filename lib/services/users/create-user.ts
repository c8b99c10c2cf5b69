import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { hashPassword } from "@/lib/auth/password";
import { db } from "@/lib/db/client";
import { ConflictError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { isUniqueViolation } from "@/lib/services/users/unique-violation";
import { USER_SUMMARY_SELECT, type UserSummary } from "@/lib/services/users/user-dto";
import type { TCreateUser } from "@/lib/validation/users";

export type CreateUserOptions = { actor: Actor; input: TCreateUser };

export async function createUser({ actor, input }: CreateUserOptions): Promise<UserSummary> {
  await assertSystemPermission(actor, "user.create", { type: "user", name: input.username });
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.$transaction(async (tx) => {
      const taken = await tx.user.findFirst({
        where: {
          OR: [{ username: { equals: input.username, mode: "insensitive" } }, { email: input.email }],
        },
        select: { username: true, email: true },
      });
      if (taken) throw duplicateError(taken, input);
      const user = await tx.user.create({
        data: {
          username: input.username,
          email: input.email,
          fullName: input.fullName,
          passwordHash,
          isAdmin: input.isAdmin,
        },
        select: USER_SUMMARY_SELECT,
      });
      await recordAuditEvent(tx, {
        actor,
        action: "user.create",
        resource: { type: "user", id: user.id, name: user.username },
        detail: { email: user.email, fullName: user.fullName, isAdmin: user.isAdmin },
      });
      return user;
    });
  } catch (err) {
    // A concurrent create can slip past the check above; the unique indexes still catch it.
    if (isUniqueViolation(err)) throw new ConflictError("That username or email is already taken.");
    throw err;
  }
}

function duplicateError(taken: { username: string; email: string }, input: TCreateUser): ConflictError {
  const fieldErrors: Record<string, string[]> = {};
  if (taken.username.toLowerCase() === input.username.toLowerCase()) {
    fieldErrors.username = ["This username is already taken"];
  }
  if (taken.email === input.email) fieldErrors.email = ["This email is already used by another user"];
  return new ConflictError("That username or email is already taken.", fieldErrors);
}
