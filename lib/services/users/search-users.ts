import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { UnauthenticatedError } from "@/lib/errors";
import { containsText } from "@/lib/services/contains-text";
import { type Page, skipTake } from "@/lib/services/pagination";

function assertSignedInUser(actor: Actor): void {
  if (actor.kind !== "user" && actor.kind !== "system") throw new UnauthenticatedError();
}

function matchingUsers(q: string) {
  return { username: containsText(q.trim().slice(0, 255)), disabled: false };
}

/**
 * Harbor's `GET /users/search`: any signed-in user may look up usernames, e.g. to add a member.
 * Returns names only (no email), at most `limit`.
 */
export async function searchUsers({ actor, q, limit = 10 }: { actor: Actor; q: string; limit?: number }) {
  assertSignedInUser(actor);
  if (!q.trim()) return [];
  return db.user.findMany({
    where: matchingUsers(q),
    select: { id: true, username: true, fullName: true },
    orderBy: { username: "asc" },
    take: Math.min(Math.max(limit, 1), 50),
  });
}

/** The same search, one page at a time with the total (the REST API's X-Total-Count and Link). */
export async function searchUsersPage({
  actor,
  q,
  page,
  pageSize,
}: {
  actor: Actor;
  q: string;
  page: number;
  pageSize: number;
}): Promise<Page<{ id: number; username: string }>> {
  assertSignedInUser(actor);
  if (!q.trim()) return { rows: [], total: 0, page, pageSize };
  const where = matchingUsers(q);
  const [rows, total] = await db.$transaction([
    db.user.findMany({ where, select: { id: true, username: true }, orderBy: [{ username: "asc" }, { id: "asc" }], ...skipTake(page, pageSize) }),
    db.user.count({ where }),
  ]);
  return { rows, total, page, pageSize };
}
