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
import type { TCreateRoleRule } from "@/lib/validation/users";

/**
 * Managing roles across projects (issue 18 item 3; how they are resolved: authz/role-rules.ts).
 * Administrators give them, on the user's page; auditors read them; each project's Members tab
 * shows the ones that reach it as inherited. Each change is one audit row and a registry grant
 * version bump in its transaction, so tokens and cached grants follow at the next request.
 */

/** Enough for a person's teams; a longer list would be a group's job. */
export const ROLE_RULES_PER_USER_MAX = 50;

export type RoleRuleRow = { id: number; pattern: string; roleId: number; createdBy: string; createdAt: Date };
export type InheritedMemberRow = RoleRuleRow & { userId: number; username: string };

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
  const rule = await db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: input.userId }, select: { id: true, username: true } });
    if (!user) throw new NotFoundError("There is no such user.");
    // The user row locked: two concurrent additions cannot both pass the count.
    await tx.$queryRaw`SELECT id FROM users WHERE id = ${user.id} FOR UPDATE`;
    const existing = await tx.projectRoleRule.findMany({ where: { userId: user.id }, select: { pattern: true } });
    if (existing.some((r) => r.pattern === input.pattern)) {
      throw new ConflictError(`${user.username} already has a role for ${input.pattern}.`, { pattern: ["This user already has a role for this pattern: change it by removing that one"] });
    }
    if (existing.length >= ROLE_RULES_PER_USER_MAX) {
      throw new ConflictError(`${user.username} has ${ROLE_RULES_PER_USER_MAX} roles across projects, the most one user may have.`, {
        pattern: [`At most ${ROLE_RULES_PER_USER_MAX} per user`],
      });
    }
    const created = await tx.projectRoleRule.create({
      data: { userId: user.id, pattern: input.pattern, roleId: input.roleId, createdBy: actor.kind === "user" ? actor.username : "system" },
      select: { id: true, pattern: true, roleId: true, createdBy: true, createdAt: true },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "project_role_rule.create",
      resource: { type: "user", id: user.id, name: user.username },
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
  await db.$transaction(async (tx) => {
    const rule = await tx.projectRoleRule.findFirst({ where: { id: ruleId, userId }, select: { id: true, pattern: true, roleId: true, user: { select: { username: true } } } });
    if (!rule) throw new NotFoundError("That role across projects no longer exists.");
    await tx.projectRoleRule.delete({ where: { id: rule.id } });
    await recordAuditEvent(tx, {
      actor,
      action: "project_role_rule.delete",
      resource: { type: "user", id: userId, name: rule.user.username },
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
    select: { id: true, pattern: true, roleId: true, createdBy: true, createdAt: true, userId: true, user: { select: { username: true } } },
    orderBy: [{ user: { username: "asc" } }, { pattern: "asc" }],
  });
  return rules
    .filter((rule) => compileRoleRule(rule).matches(ref.name))
    .map(({ user, ...rule }) => ({ ...rule, username: user.username }));
}
