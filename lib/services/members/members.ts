import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import { ConflictError, ForbiddenError, NotFoundError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { projectPermissionOperation } from "@/lib/services/audit/audit-actions";
import { recordAuditEvent, recordRefusal } from "@/lib/services/audit/record-audit-event";
import { assertProjectPermission, findProjectRef, type ProjectRef } from "@/lib/services/authz/project-access";
import { type ProjectPermission, projectRoleLabel } from "@/lib/services/authz/project-roles";
import { containsText } from "@/lib/services/contains-text";
import { type Page, skipTake } from "@/lib/services/pagination";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";
import { groupKeyOf } from "@/lib/services/identity/groups";
import type { TAddGroupMember, TAddMember, TListMembersQuery, TRemoveMember, TUpdateMember } from "@/lib/validation/projects";

const PROJECT_ADMIN_ROLE_ID = 1;

/**
 * A member is a user or a group (Harbor's entity_type "u" / "g"). `username` is the entity's name
 * either way (a group's name for a group), as Harbor's entity_name.
 */
export type ProjectMemberRow = {
  id: number;
  entityType: "u" | "g";
  /** The user's id, or the group's. */
  entityId: number;
  userId: number | null;
  groupId: number | null;
  username: string;
  fullName: string;
  /** A group's source ("ldap" or "oidc") and key there (the LDAP DN, or the claim value). */
  group: { groupType: string; externalKey: string } | null;
  roleId: number;
  createdAt: Date;
};

const MEMBER_SELECT = {
  id: true,
  userId: true,
  groupId: true,
  roleId: true,
  createdAt: true,
  user: { select: { username: true, fullName: true } },
  group: { select: { name: true, groupType: true, externalKey: true } },
} as const;

type MemberPayload = Prisma.ProjectMemberGetPayload<{ select: typeof MEMBER_SELECT }>;

function toRow(m: MemberPayload): ProjectMemberRow {
  const base = { id: m.id, userId: m.userId, groupId: m.groupId, roleId: m.roleId, createdAt: m.createdAt };
  if (m.group && m.groupId !== null) {
    return { ...base, entityType: "g", entityId: m.groupId, username: m.group.name, fullName: "", group: { groupType: m.group.groupType, externalKey: m.group.externalKey } };
  }
  return { ...base, entityType: "u", entityId: m.userId ?? 0, username: m.user?.username ?? "", fullName: m.user?.fullName ?? "", group: null };
}

/**
 * The member permission check, and no robot caller at all, whatever it holds: robots cannot be
 * given member permissions (lib/validation/robots.ts), and this also disarms any robot created
 * with them before that rule. A robot that cannot see the project gets the same 404 as elsewhere.
 */
async function assertMemberPermission(actor: Actor, ref: ProjectRef, permission: ProjectPermission): Promise<void> {
  if (actor.kind !== "robot") {
    await assertProjectPermission(actor, ref, permission);
    return;
  }
  await assertProjectPermission(actor, ref, "project:read");
  await recordRefusal({
    actor,
    action: projectPermissionOperation(permission),
    resource: { type: "project", id: ref.id, name: ref.name },
    projectId: ref.id,
    reason: "robot accounts cannot read or manage project members",
    detail: { permission },
  });
  throw new ForbiddenError("Robot accounts cannot read or manage project members.");
}

export async function listProjectMembers({
  actor,
  projectId,
  query,
}: {
  actor: Actor;
  projectId: number | string;
  query: TListMembersQuery;
}): Promise<Page<ProjectMemberRow>> {
  const ref = await findProjectRef(projectId);
  await assertMemberPermission(actor, ref, "member:list");
  const where: Prisma.ProjectMemberWhereInput = {
    projectId: ref.id,
    ...(query.q ? { OR: [{ user: { username: containsText(query.q) } }, { group: { name: containsText(query.q) } }] } : {}),
  };
  const [rows, total] = await db.$transaction([
    // Groups first (a few, and they hold the most people), then users, each by name.
    db.projectMember.findMany({
      where,
      select: MEMBER_SELECT,
      // Postgres sorts the missing names (NULL) last.
      orderBy: [{ group: { name: "asc" } }, { user: { username: "asc" } }, { id: "asc" }],
      ...skipTake(query.page, query.pageSize),
    }),
    db.projectMember.count({ where }),
  ]);
  return { rows: rows.map(toRow), total, page: query.page, pageSize: query.pageSize };
}

export async function getProjectMember({ actor, projectId, memberId }: { actor: Actor; projectId: number | string; memberId: number }) {
  const ref = await findProjectRef(projectId);
  await assertMemberPermission(actor, ref, "member:read");
  const member = await db.projectMember.findFirst({ where: { id: memberId, projectId: ref.id }, select: MEMBER_SELECT });
  if (!member) throw new NotFoundError(`Member ${memberId} is not in project ${ref.name}.`);
  return toRow(member);
}

export async function addProjectMember({ actor, input }: { actor: Actor; input: TAddMember }): Promise<ProjectMemberRow> {
  const ref = await findProjectRef(input.projectId);
  await assertMemberPermission(actor, ref, "member:create");
  return db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { username: input.username }, select: { id: true, username: true } });
    if (!user) throw new NotFoundError(`There is no user named ${input.username}.`);
    const existing = await tx.projectMember.findUnique({ where: { projectId_userId: { projectId: ref.id, userId: user.id } } });
    if (existing) {
      throw new ConflictError(`${user.username} is already a member of ${ref.name}.`, { username: ["Already a member"] });
    }
    const member = await tx.projectMember.create({
      data: { projectId: ref.id, userId: user.id, roleId: input.roleId },
      select: MEMBER_SELECT,
    });
    await recordAuditEvent(tx, {
      actor,
      action: "member.create",
      resource: { type: "member", id: member.id, name: user.username },
      projectId: ref.id,
      detail: { role: projectRoleLabel(input.roleId) },
    });
    await bumpGrantVersion(tx);
    return toRow(member);
  });
}

/**
 * Gives a group a role in the project (Harbor's member_group): an LDAP group by DN, an OIDC group
 * by claim value. The group row is created if no member has signed in yet, so an administrator can
 * prepare projects before the team arrives. One `member.create` row naming the group.
 */
export async function addProjectGroupMember({ actor, input }: { actor: Actor; input: TAddGroupMember }): Promise<ProjectMemberRow> {
  const ref = await findProjectRef(input.projectId);
  await assertMemberPermission(actor, ref, "member:create");
  const externalKey = groupKeyOf(input.groupType, input.groupType === "ldap" ? input.ldapGroupDn ?? "" : input.groupName);
  // An LDAP group is shown by the name given, else the value of the DN's first part (cn=devs -> devs).
  const name = (input.groupName || (input.ldapGroupDn ?? "").split(",")[0]!.split("=").slice(1).join("=").trim() || externalKey).slice(0, 255);
  return db.$transaction(async (tx) => {
    const group = await tx.userGroup.upsert({
      where: { groupType_externalKey: { groupType: input.groupType, externalKey } },
      create: { groupType: input.groupType, externalKey, name },
      update: {},
      select: { id: true, name: true },
    });
    const existing = await tx.projectMember.findUnique({ where: { projectId_groupId: { projectId: ref.id, groupId: group.id } }, select: { id: true } });
    if (existing) {
      const field = input.groupType === "ldap" ? "ldapGroupDn" : "groupName";
      throw new ConflictError(`The group ${group.name} is already a member of ${ref.name}.`, { [field]: ["Already a member"] });
    }
    const member = await tx.projectMember.create({ data: { projectId: ref.id, groupId: group.id, roleId: input.roleId }, select: MEMBER_SELECT });
    await recordAuditEvent(tx, {
      actor,
      action: "member.create",
      resource: { type: "member", id: member.id, name: group.name },
      projectId: ref.id,
      detail: { role: projectRoleLabel(input.roleId), entity_type: "g", group_type: input.groupType, group: externalKey },
    });
    await bumpGrantVersion(tx);
    return toRow(member);
  });
}

export async function updateProjectMember({ actor, input }: { actor: Actor; input: TUpdateMember }): Promise<ProjectMemberRow> {
  const ref = await findProjectRef(input.projectId);
  await assertMemberPermission(actor, ref, "member:update");
  return db.$transaction(async (tx) => {
    const before = await lockMember(tx, ref, input.memberId);
    if (before.roleId === input.roleId) return toRow(before);
    if (before.roleId === PROJECT_ADMIN_ROLE_ID && before.userId !== null) await assertAnotherProjectAdmin(tx, ref, before.id);
    const member = await tx.projectMember.update({ where: { id: before.id }, data: { roleId: input.roleId }, select: MEMBER_SELECT });
    await recordAuditEvent(tx, {
      actor,
      action: "member.update",
      resource: { type: "member", id: member.id, name: toRow(member).username },
      projectId: ref.id,
      detail: { before: projectRoleLabel(before.roleId), after: projectRoleLabel(input.roleId) },
    });
    await bumpGrantVersion(tx);
    return toRow(member);
  });
}

export async function removeProjectMember({ actor, input }: { actor: Actor; input: TRemoveMember }): Promise<void> {
  const ref = await findProjectRef(input.projectId);
  await assertMemberPermission(actor, ref, "member:delete");
  await db.$transaction(async (tx) => {
    const before = await lockMember(tx, ref, input.memberId);
    if (before.roleId === PROJECT_ADMIN_ROLE_ID && before.userId !== null) await assertAnotherProjectAdmin(tx, ref, before.id);
    await tx.projectMember.delete({ where: { id: before.id } });
    await recordAuditEvent(tx, {
      actor,
      action: "member.delete",
      resource: { type: "member", id: before.id, name: toRow(before).username },
      projectId: ref.id,
      detail: { role: projectRoleLabel(before.roleId), ...(before.group ? { entity_type: "g", group_type: before.group.groupType } : {}) },
    });
    await bumpGrantVersion(tx);
  });
}

async function lockMember(tx: DbTransaction, ref: ProjectRef, memberId: number) {
  // Lock every admin row of the project: two admins demoting each other at once must not both win.
  await tx.$queryRaw`SELECT id FROM project_members WHERE project_id = ${ref.id} AND (role_id = ${PROJECT_ADMIN_ROLE_ID} OR id = ${memberId}) FOR UPDATE`;
  const member = await tx.projectMember.findFirst({ where: { id: memberId, projectId: ref.id }, select: MEMBER_SELECT });
  if (!member) throw new NotFoundError(`Member ${memberId} is not in project ${ref.name}.`);
  return member;
}

/**
 * A project always keeps at least one Project Admin user, so someone can manage it. A group does
 * not count: its members come and go with the identity provider.
 */
async function assertAnotherProjectAdmin(tx: DbTransaction, ref: ProjectRef, memberId: number) {
  const others = await tx.projectMember.count({ where: { projectId: ref.id, roleId: PROJECT_ADMIN_ROLE_ID, userId: { not: null }, id: { not: memberId } } });
  if (others === 0) {
    throw new ConflictError(`${ref.name} must keep at least one Project Admin. Make someone else Project Admin first.`);
  }
}
