import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { containsText } from "@/lib/services/contains-text";
import { type Page, skipTake } from "@/lib/services/pagination";
import { USER_SUMMARY_SELECT, type UserSummary } from "@/lib/services/users/user-dto";
import type { TListUsersQuery } from "@/lib/validation/users";

export type ListUsersOptions = { actor: Actor; query: TListUsersQuery };

/** Admin list of users: search on username, email and full name; one page at a time. */
export async function listUsers({ actor, query }: ListUsersOptions): Promise<Page<UserSummary>> {
  await assertSystemPermission(actor, "user.list", { type: "user" });
  const where: Prisma.UserWhereInput = query.q
    ? {
        OR: [
          { username: containsText(query.q) },
          { email: containsText(query.q) },
          { fullName: containsText(query.q) },
        ],
      }
    : {};
  const [rows, total] = await db.$transaction([
    db.user.findMany({
      where,
      select: USER_SUMMARY_SELECT,
      orderBy: [{ username: "asc" }, { id: "asc" }],
      ...skipTake(query.page, query.pageSize),
    }),
    db.user.count({ where }),
  ]);
  return { rows, total, page: query.page, pageSize: query.pageSize };
}
