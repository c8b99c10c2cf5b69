import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ForbiddenError, NotFoundError, UnauthenticatedError } from "@/lib/errors";
import { USER_SUMMARY_SELECT, type UserSummary } from "@/lib/services/users/user-dto";

/**
 * The caller's own profile (Harbor's `GET /users/current`). Anyone signed in may read themselves;
 * robots have no user profile (403), anonymous callers must sign in (401).
 */
export async function getCurrentUser({ actor }: { actor: Actor }): Promise<UserSummary> {
  if (actor.kind === "anonymous") throw new UnauthenticatedError();
  if (actor.kind !== "user") throw new ForbiddenError("Only users have a profile; robot accounts and Wharf itself do not.");
  const user = await db.user.findUnique({ where: { id: actor.id }, select: USER_SUMMARY_SELECT });
  // The actor was resolved from this row moments ago; it can only be gone if deleted since.
  if (!user) throw new UnauthenticatedError();
  return user;
}

/**
 * The username behind a user id, for REST callers that name a new project member by
 * `member_user.user_id`. Open to any signed-in principal, like `GET /users/search` (which
 * returns the same id/username pairs); adding the member is still checked by addProjectMember.
 */
export async function usernameOfUserId({ actor, userId }: { actor: Actor; userId: number }): Promise<string> {
  if (actor.kind === "anonymous") throw new UnauthenticatedError();
  const user =
    userId <= 2_147_483_647 ? await db.user.findUnique({ where: { id: userId }, select: { username: true } }) : null;
  if (!user) throw new NotFoundError(`There is no user with id ${userId}.`);
  return user.username;
}
