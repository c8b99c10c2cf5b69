import "server-only";
import { processCache } from "@/lib/cache/process-cache";
import { db, type DbTransaction } from "@/lib/db/client";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";

/**
 * Groups of the identity provider (issue 18 item 3; Harbor's user_group): an LDAP group entry or
 * a value of the OIDC groups claim. A user's groups are what their source said at their last
 * sign-in (OIDC) or directory read (LDAP), stored in user_group_members, so the console, REST,
 * the token service and the gateway all resolve the same rights from Postgres.
 */
export type GroupType = "ldap" | "oidc";

/** A group as its source names it: the LDAP group's DN or the claim value, and what to show. */
export type ExternalGroup = { externalKey: string; name: string };

export type GroupSync = { added: string[]; removed: string[] };

/**
 * The key a group is stored under. LDAP DNs compare without regard to case or the spaces around
 * their separators (`CN=Devs, OU=Groups` is `cn=devs,ou=groups`), so the DN an administrator types
 * and the one the directory returns meet; an OIDC claim value is kept exactly.
 */
export function groupKeyOf(groupType: GroupType, raw: string): string {
  const trimmed = raw.trim();
  const key = groupType === "ldap" ? trimmed.replace(/\s*([,=+])\s*/g, "$1").toLowerCase() : trimmed;
  return key.slice(0, 1024);
}

/** The membership filter of a user and their groups, for project lists: `members: { some: memberFilter(...) } }`. */
export function memberFilter(userId: number, groupIds: readonly number[]) {
  return groupIds.length > 0 ? { OR: [{ userId }, { groupId: { in: [...groupIds] } }] } : { userId };
}

/**
 * Makes the user's groups of this type exactly `groups` (creating the groups Wharf has not seen),
 * in the caller's transaction. When anything changed, the registry grant version is bumped: a
 * group's project roles come and go with the membership, for registry tokens too.
 */
export async function syncUserGroups(tx: DbTransaction, userId: number, groupType: GroupType, groups: readonly ExternalGroup[]): Promise<GroupSync> {
  const wanted = new Map<string, ExternalGroup>();
  for (const group of groups) {
    const externalKey = groupKeyOf(groupType, group.externalKey);
    if (externalKey !== "") wanted.set(externalKey, { externalKey, name: group.name.trim() || externalKey });
  }

  const current = await tx.userGroupMember.findMany({
    where: { userId, group: { groupType } },
    select: { groupId: true, group: { select: { externalKey: true, name: true } } },
  });
  const removed = current.filter((m) => !wanted.has(m.group.externalKey));
  const currentKeys = new Set(current.map((m) => m.group.externalKey));
  const added = [...wanted.values()].filter((g) => !currentKeys.has(g.externalKey));

  if (removed.length > 0) await tx.userGroupMember.deleteMany({ where: { userId, groupId: { in: removed.map((m) => m.groupId) } } });
  for (const group of added) {
    const row = await tx.userGroup.upsert({
      where: { groupType_externalKey: { groupType, externalKey: group.externalKey } },
      create: { groupType, externalKey: group.externalKey, name: group.name.slice(0, 255) },
      update: {},
      select: { id: true },
    });
    await tx.userGroupMember.create({ data: { userId, groupId: row.id } });
  }
  if (wanted.size > 0) await tx.userGroupMember.updateMany({ where: { userId, group: { groupType } }, data: { syncedAt: new Date() } });
  if (added.length > 0 || removed.length > 0) await bumpGrantVersion(tx);
  return { added: added.map((g) => g.name), removed: removed.map((m) => m.group.name) };
}

/**
 * The ids of a user's groups, read on every permission check of a user, so held per process.
 * A sync bumps the registry grant version, whose NOTIFY empties this cache on every instance; the
 * time to live bounds a write made behind the services.
 */
const cache = processCache<{ ids: number[] }>({ name: "user-groups", max: 10_000, ttlMs: 60_000, invalidatedBy: "registry-grants" });

export async function groupIdsOf(userId: number): Promise<number[]> {
  const key = String(userId);
  const hit = cache.get(key);
  if (hit) return hit.ids;
  const rows = await db.userGroupMember.findMany({ where: { userId }, select: { groupId: true }, orderBy: { groupId: "asc" } });
  const ids = rows.map((r) => r.groupId);
  cache.set(key, { ids });
  return ids;
}

/** After a sync committed in this process (the NOTIFY reaches the others). */
export function forgetUserGroups(): void {
  cache.clear();
}
