import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { UnauthenticatedError } from "@/lib/errors";

/**
 * Harbor's `GET /users/search`: any signed-in user may look up usernames, e.g. to add a member.
 * Returns names only (no email), at most `limit`.
 */
export async function searchUsers({ actor, q, limit = 10 }: { actor: Actor; q: string; limit?: number }) {
  if (actor.kind !== "user" && actor.kind !== "system") throw new UnauthenticatedError();
  const term = q.trim().slice(0, 255);
  if (!term) return [];
  return db.user.findMany({
    where: { username: { contains: term, mode: "insensitive" }, disabled: false },
    select: { id: true, username: true, fullName: true },
    orderBy: { username: "asc" },
    take: Math.min(Math.max(limit, 1), 50),
  });
}
