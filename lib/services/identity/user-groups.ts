import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { NotFoundError, UnauthenticatedError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { forgetRoleRules } from "@/lib/services/authz/role-rules";
import { containsText } from "@/lib/services/contains-text";
import { forgetUserGroups } from "@/lib/services/identity/groups";
import { type Page, skipTake } from "@/lib/services/pagination";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";

/**
 * The groups Wharf knows (Harbor's /usergroups): created when a member signs in or an
 * administrator makes a group a project member. Administrators and auditors list them with their
 * member and project counts; anyone signed in may look one up by id or name to add it to a project
 * (as users are searched); administrators delete them (memberships go with them).
 */
export type UserGroupRow = {
  id: number;
  groupType: string;
  externalKey: string;
  name: string;
  members: number;
  projects: number;
  createdAt: Date;
};

export async function groupById({ actor, groupId }: { actor: Actor; groupId: number }): Promise<UserGroupRow> {
  if (actor.kind === "anonymous") throw new UnauthenticatedError();
  const group =
    groupId <= 2_147_483_647
      ? await db.userGroup.findUnique({ where: { id: groupId }, select: { ...GROUP_SELECT } })
      : null;
  if (!group) throw new NotFoundError(`There is no group with id ${groupId}.`);
  return toRow(group);
}

const GROUP_SELECT = {
  id: true,
  groupType: true,
  externalKey: true,
  name: true,
  createdAt: true,
  _count: { select: { members: true, projectMemberships: true } },
} as const;

function toRow(g: { id: number; groupType: string; externalKey: string; name: string; createdAt: Date; _count: { members: number; projectMemberships: number } }): UserGroupRow {
  return { id: g.id, groupType: g.groupType, externalKey: g.externalKey, name: g.name, members: g._count.members, projects: g._count.projectMemberships, createdAt: g.createdAt };
}

export async function listUserGroups({ actor, query }: { actor: Actor; query: { q?: string | undefined; page: number; pageSize: number } }): Promise<Page<UserGroupRow>> {
  await assertSystemPermission(actor, "user.list", { type: "user_group" });
  const where = query.q ? { OR: [{ name: containsText(query.q) }, { externalKey: containsText(query.q) }] } : {};
  const [rows, total] = await db.$transaction([
    db.userGroup.findMany({ where, select: GROUP_SELECT, orderBy: [{ name: "asc" }, { id: "asc" }], ...skipTake(query.page, query.pageSize) }),
    db.userGroup.count({ where }),
  ]);
  return { rows: rows.map(toRow), total, page: query.page, pageSize: query.pageSize };
}

/** Group names for a member picker: any signed-in user, names only, at most `limit`. */
export async function searchUserGroups({ actor, q, limit = 8 }: { actor: Actor; q: string; limit?: number }) {
  if (actor.kind !== "user" && actor.kind !== "system") throw new UnauthenticatedError();
  if (!q.trim()) return [];
  return db.userGroup.findMany({
    where: { name: containsText(q.trim().slice(0, 255)) },
    select: { id: true, name: true, groupType: true, externalKey: true },
    orderBy: { name: "asc" },
    take: Math.min(Math.max(limit, 1), 50),
  });
}

/** Administrators; its project memberships and roles across projects go with it. One audit row. */
export async function deleteUserGroup({ actor, groupId }: { actor: Actor; groupId: number }): Promise<void> {
  await assertSystemPermission(actor, "user.update", { type: "user_group", id: groupId }, "user_group.delete");
  await db.$transaction(async (tx) => {
    const group = await tx.userGroup.findUnique({ where: { id: groupId }, select: { ...GROUP_SELECT } });
    if (!group) throw new NotFoundError(`There is no group with id ${groupId}.`);
    await tx.userGroup.delete({ where: { id: group.id } });
    await recordAuditEvent(tx, {
      actor,
      action: "user_group.delete",
      resource: { type: "user_group", id: group.id, name: group.name },
      detail: { group_type: group.groupType, group: group.externalKey, members: group._count.members, projects: group._count.projectMemberships },
    });
    await bumpGrantVersion(tx);
  });
  forgetUserGroups();
  forgetRoleRules();
}

export type UserGroupDetail = UserGroupRow & {
  memberPage: Page<{ id: number; username: string; fullName: string; syncedAt: Date }>;
  projectRoles: { memberId: number; projectId: number; projectName: string; roleId: number }[];
};

/**
 * One group with a page of its members (as their source last reported) and its project roles
 * (administrators and auditors).
 */
export async function getUserGroup({ actor, groupId, page, pageSize }: { actor: Actor; groupId: number; page: number; pageSize: number }): Promise<UserGroupDetail> {
  await assertSystemPermission(actor, "user.read", { type: "user_group", id: groupId });
  const group = groupId <= 2_147_483_647 ? await db.userGroup.findUnique({ where: { id: groupId }, select: GROUP_SELECT }) : null;
  if (!group) throw new NotFoundError(`There is no group with id ${groupId}.`);
  const [members, projectRoles] = await Promise.all([
    db.userGroupMember.findMany({
      where: { groupId },
      select: { syncedAt: true, user: { select: { id: true, username: true, fullName: true } } },
      orderBy: { user: { username: "asc" } },
      ...skipTake(page, pageSize),
    }),
    db.projectMember.findMany({
      where: { groupId },
      select: { id: true, roleId: true, project: { select: { id: true, name: true } } },
      orderBy: { project: { name: "asc" } },
      // A group with roles in more projects than this is managed per project, or with a role across projects.
      take: 500,
    }),
  ]);
  return {
    ...toRow(group),
    memberPage: { rows: members.map((m) => ({ ...m.user, syncedAt: m.syncedAt })), total: group._count.members, page, pageSize },
    projectRoles: projectRoles.map((m) => ({ memberId: m.id, projectId: m.project.id, projectName: m.project.name, roleId: m.roleId })),
  };
}

/** The groups a user is in, as their source last reported (the user's page; administrators and auditors). */
export async function listGroupsOfUser({ actor, userId }: { actor: Actor; userId: number }): Promise<{ id: number; name: string; groupType: string; syncedAt: Date }[]> {
  await assertSystemPermission(actor, "user.read", { type: "user", id: userId });
  const rows = await db.userGroupMember.findMany({
    where: { userId },
    select: { syncedAt: true, group: { select: { id: true, name: true, groupType: true } } },
    orderBy: { group: { name: "asc" } },
    // A person's groups, not a directory: more than this is shown as a count.
    take: 200,
  });
  return rows.map((r) => ({ ...r.group, syncedAt: r.syncedAt }));
}
