import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { NotFoundError } from "@/lib/errors";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { USER_SUMMARY_SELECT, type UserSummary } from "@/lib/services/users/user-dto";

export type GetUserOptions = { actor: Actor; userId: number };

export async function getUser({ actor, userId }: GetUserOptions): Promise<UserSummary> {
  await assertSystemPermission(actor, "user.read", { type: "user", id: userId });
  const user = await db.user.findUnique({ where: { id: userId }, select: USER_SUMMARY_SELECT });
  if (!user) throw new NotFoundError(`User ${userId} does not exist.`);
  return user;
}
