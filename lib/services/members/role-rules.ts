import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import { projectRoleLabel } from "@/lib/services/authz/project-roles";
import { compileRoleRule, forgetRoleRules } from "@/lib/services/authz/role-rules";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";
import type { TCreateGroupRoleRule, TCreateRoleRule } from "@/lib/validation/users";

/**
 * Managing roles across projects (issue 18 item 3; how they are resolved: authz/role-rules.ts).
 * Administrators give them, on the user's page; auditors read them; each project's Members tab
 * shows the ones that reach it as inherited. Each change is one audit row and a registry grant
 * version bump in its transaction, so tokens and cached grants follow at the next request.
 */

/** Enough for a person's teams; a longer list would be a group's job. */
export const ROLE_RULES_PER_USER_MAX = 50;

export type RoleRuleRow = { id: number; pattern: string; roleId: number; createdBy: string; createdAt: Date };
/** `username` is the holder's name: the user's, or the group's (`group` set). */
export type InheritedMemberRow = RoleRuleRow & { userId: number | null; username: string; group: { id: number; groupType: string } | null };

export async function listUserRoleRules({ actor, userId }: { actor: Actor; userId: number }): Promise<RoleRuleRow[]> {
  await assertSystemPermission(actor, "user.read", { type: "user", id: userId });
  return db.projectRoleRule.findMany({
    where: { userId },
    select: { id: true, pattern: true, roleId: true, createdBy: true, createdAt: true },
    orderBy: { pattern: "asc" },
  });
}

export async function createRoleRule({ actor, input }: { actor: Actor; input: TCreateRoleRule }): Promise<RoleRuleRow> {
  await assertSystemPermission(actor, "user.update", { type: "user", id: input.userId }, "project_role_rule.create");
  return createRuleFor(actor, { kind: "user", id: input.userId }, input);
}

/** A role across projects for every member of a group (administrators, on the group's page). */
export async function createGroupRoleRule({ actor, input }: { actor: Actor; input: TCreateGroupRoleRule }): Promise<RoleRuleRow> {
  await assertSystemPermission(actor, "user.update", { type: "user_group", id: input.groupId }, "project_role_rule.create");
  return createRuleFor(actor, { kind: "group", id: input.groupId }, input);
}

export async function listGroupRoleRules({ actor, groupId }: { actor: Actor; groupId: number }): Promise<RoleRuleRow[]> {
  await assertSystemPermission(actor, "user.read", { type: "user_group", id: groupId });
  return db.projectRoleRule.findMany({
    where: { groupId },
    select: { id: true, pattern: true, roleId: true, createdBy: true, createdAt: true },
    orderBy: { pattern: "asc" },
  });
}

type RuleHolder = { kind: "user" | "group"; id: number };

async function createRuleFor(actor: Actor, holder: RuleHolder, input: { pattern: string; roleId: number }): Promise<RoleRuleRow> {
  const holderColumn = holder.kind === "user" ? { userId: holder.id } : { groupId: holder.id };
  const rule = await db.$transaction(async (tx) => {
    const found =
      holder.kind === "user"
        ? await tx.user.findUnique({ where: { id: holder.id }, select: { id: true, username: true } }).then((u) => u && { id: u.id, name: u.username })
        : await tx.userGroup.findUnique({ where: { id: holder.id }, select: { id: true, name: true } });
    if (!found) throw new NotFoundError(holder.kind === "user" ? "There is no such user." : "There is no such group.");
    // The holder's row locked: two concurrent additions cannot both pass the count.
    if (holder.kind === "user") await tx.$queryRaw`SELECT id FROM users WHERE id = ${found.id} FOR UPDATE`;
    else await tx.$queryRaw`SELECT id FROM user_groups WHERE id = ${found.id} FOR UPDATE`;
    const existing = await tx.projectRoleRule.findMany({ where: holderColumn, select: { pattern: true } });
    const who = holder.kind === "user" ? "user" : "group";
    if (existing.some((r) => r.pattern === input.pattern)) {
      throw new ConflictError(`${found.name} already has a role for ${input.pattern}.`, { pattern: [`This ${who} already has a role for this pattern: change it by removing that one`] });
    }
    if (existing.length >= ROLE_RULES_PER_USER_MAX) {
      throw new ConflictError(`${found.name} has ${ROLE_RULES_PER_USER_MAX} roles across projects, the most one ${who} may have.`, {
        pattern: [`At most ${ROLE_RULES_PER_USER_MAX} per ${who}`],
      });
    }
    const created = await tx.projectRoleRule.create({
      data: { ...holderColumn, pattern: input.pattern, roleId: input.roleId, createdBy: actor.kind === "user" ? actor.username : "system" },
      select: { id: true, pattern: true, roleId: true, createdBy: true, createdAt: true },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "project_role_rule.create",
      resource: { type: holder.kind === "user" ? "user" : "user_group", id: found.id, name: found.name },
      detail: { pattern: input.pattern, role: projectRoleLabel(input.roleId) },
    });
    await bumpGrantVersion(tx);
    return created;
  });
  forgetRoleRules();
  return rule;
}

export async function deleteRoleRule({ actor, userId, ruleId }: { actor: Actor; userId: number; ruleId: number }): Promise<void> {
  await assertSystemPermission(actor, "user.update", { type: "user", id: userId }, "project_role_rule.delete");
  await deleteRuleOf(actor, { kind: "user", id: userId }, ruleId);
}

export async function deleteGroupRoleRule({ actor, groupId, ruleId }: { actor: Actor; groupId: number; ruleId: number }): Promise<void> {
  await assertSystemPermission(actor, "user.update", { type: "user_group", id: groupId }, "project_role_rule.delete");
  await deleteRuleOf(actor, { kind: "group", id: groupId }, ruleId);
}

async function deleteRuleOf(actor: Actor, holder: RuleHolder, ruleId: number): Promise<void> {
  await db.$transaction(async (tx) => {
    const rule = await tx.projectRoleRule.findFirst({
      where: { id: ruleId, ...(holder.kind === "user" ? { userId: holder.id } : { groupId: holder.id }) },
      select: { id: true, pattern: true, roleId: true, user: { select: { username: true } }, group: { select: { name: true } } },
    });
    if (!rule) throw new NotFoundError("That role across projects no longer exists.");
    await tx.projectRoleRule.delete({ where: { id: rule.id } });
    await recordAuditEvent(tx, {
      actor,
      action: "project_role_rule.delete",
      resource: { type: holder.kind === "user" ? "user" : "user_group", id: holder.id, name: rule.user?.username ?? rule.group?.name ?? null },
      detail: { pattern: rule.pattern, role: projectRoleLabel(rule.roleId) },
    });
    await bumpGrantVersion(tx);
  });
  forgetRoleRules();
}

/**
 * The roles across projects that reach one project, for its Members tab (who reads the members
 * reads these). Every rule is matched against the name: rules are few (at most
 * ROLE_RULES_PER_USER_MAX per user), and patterns are not SQL.
 */
export async function listInheritedMembers({ actor, projectId }: { actor: Actor; projectId: number | string }): Promise<InheritedMemberRow[]> {
  const ref = await findProjectRef(projectId);
  await assertProjectPermission(actor, ref, "member:list");
  const rules = await db.projectRoleRule.findMany({
    select: {
      id: true,
      pattern: true,
      roleId: true,
      createdBy: true,
      createdAt: true,
      userId: true,
      user: { select: { username: true } },
      group: { select: { id: true, name: true, groupType: true } },
    },
    orderBy: [{ pattern: "asc" }, { id: "asc" }],
  });
  return rules
    .filter((rule) => compileRoleRule(rule).matches(ref.name))
    .map(({ user, group, ...rule }) => ({
      ...rule,
      username: user?.username ?? group?.name ?? "",
      group: group ? { id: group.id, groupType: group.groupType } : null,
    }))
    .sort((a, b) => a.username.localeCompare(b.username) || a.pattern.localeCompare(b.pattern));
}
