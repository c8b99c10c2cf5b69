import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ForbiddenError, NotFoundError, UnauthenticatedError } from "@/lib/errors";
import { type AuditOperation, projectPermissionOperation } from "@/lib/services/audit/audit-actions";
import { recordRefusal } from "@/lib/services/audit/record-audit-event";
import { roleRulesOf, rolesFromRules } from "@/lib/services/authz/role-rules";
import { groupIdsOf, memberFilter } from "@/lib/services/identity/groups";
import { projectAddressRefusal } from "@/lib/services/ip-allowlist/project-address-rule";
import {
  ALL_PROJECT_PERMISSIONS,
  AUDITOR_PROJECT_PERMISSIONS,
  PROJECT_ROLES,
  PUBLIC_PROJECT_PERMISSIONS,
  isProjectPermission,
  ROLE_PERMISSIONS,
  type ProjectPermission,
} from "@/lib/services/authz/project-roles";

const PROJECT_NOT_FOUND = "Project not found.";

/** What permission checks need to know about a project. */
export type ProjectRef = { id: number; name: string; isPublic: boolean };

/**
 * Every permission an actor holds in each of the given projects, in one query for memberships.
 * The union of: the actor's member roles and their groups' (identity/groups.ts), the roles their
 * rules across projects and their groups' give
 * (role-rules.ts), the auditor's reads, a robot's grants for the project
 * (or for "*"), and the public-project bonus. Admins and the system hold everything.
 */
export async function projectPermissionsFor(
  actor: Actor,
  projects: readonly ProjectRef[],
): Promise<Map<number, Set<ProjectPermission>>> {
  const result = new Map<number, Set<ProjectPermission>>();
  const roleIdsByProject = new Map<number, number[]>();
  if (actor.kind === "user" && !actor.isAdmin && projects.length > 0) {
    const groupIds = await groupIdsOf(actor.id);
    const [memberships, rules] = await Promise.all([
      db.projectMember.findMany({
        where: { ...memberFilter(actor.id, groupIds), projectId: { in: projects.map((p) => p.id) } },
        select: { projectId: true, roleId: true },
      }),
      roleRulesOf(actor.id, groupIds),
    ]);
    for (const m of memberships) roleIdsByProject.set(m.projectId, [...(roleIdsByProject.get(m.projectId) ?? []), m.roleId]);
    // Roles across projects (role-rules.ts): one more source of roles, united with the memberships.
    for (const project of rules.length > 0 ? projects : []) {
      const fromRules = rolesFromRules(rules, project.name);
      if (fromRules.length > 0) roleIdsByProject.set(project.id, [...(roleIdsByProject.get(project.id) ?? []), ...fromRules]);
    }
  }
  for (const project of projects) {
    result.set(project.id, permissionsInProject(actor, project, roleIdsByProject.get(project.id) ?? []));
  }
  return result;
}

function permissionsInProject(actor: Actor, project: ProjectRef, roleIds: number[]): Set<ProjectPermission> {
  if (actor.kind === "system" || (actor.kind === "user" && actor.isAdmin)) return new Set(ALL_PROJECT_PERMISSIONS);
  const granted = new Set<ProjectPermission>(project.isPublic ? PUBLIC_PROJECT_PERMISSIONS : []);
  if (actor.kind === "user") {
    for (const roleId of roleIds) for (const p of ROLE_PERMISSIONS.get(roleId) ?? []) granted.add(p);
    if (actor.isAuditor) for (const p of AUDITOR_PROJECT_PERMISSIONS) granted.add(p);
  }
  if (actor.kind === "robot") {
    for (const grant of actor.grants) {
      const permission = `${grant.resource}:${grant.action}`;
      // A stored grant outside the matrix (none can be created) grants nothing.
      if ((grant.namespace === project.name || grant.namespace === "*") && isProjectPermission(permission)) granted.add(permission);
    }
  }
  return granted;
}

export async function projectPermissionsIn(actor: Actor, project: ProjectRef): Promise<Set<ProjectPermission>> {
  return (await projectPermissionsFor(actor, [project])).get(project.id)!;
}

/** Harbor's roles from most to least rights: where a membership and a rule both give one, the higher shows. */
const ROLE_RANK = new Map(PROJECT_ROLES.map((role, index) => [role.id as number, index]));
const higherRole = (a: number | undefined, b: number) => (a === undefined || (ROLE_RANK.get(b) ?? 99) < (ROLE_RANK.get(a) ?? 99) ? b : a);

/**
 * The role a user holds in each project (for "your role" columns and Harbor's
 * current_user_role_id), Harbor role ids: the highest of their membership's, their groups'
 * memberships' and their roles across projects' (role-rules.ts).
 */
export async function memberRoleIdsOf(actor: Actor, projectIds: number[]): Promise<Map<number, number>> {
  if (actor.kind !== "user" || projectIds.length === 0) return new Map();
  const groupIds = await groupIdsOf(actor.id);
  const [rows, rules] = await Promise.all([
    db.projectMember.findMany({ where: { ...memberFilter(actor.id, groupIds), projectId: { in: projectIds } }, select: { projectId: true, roleId: true } }),
    roleRulesOf(actor.id, groupIds),
  ]);
  const roles = new Map<number, number>();
  for (const row of rows) roles.set(row.projectId, higherRole(roles.get(row.projectId), row.roleId));
  if (rules.length > 0) {
    const projects = await db.project.findMany({ where: { id: { in: projectIds } }, select: { id: true, name: true } });
    for (const project of projects) for (const roleId of rolesFromRules(rules, project.name)) roles.set(project.id, higherRole(roles.get(project.id), roleId));
  }
  return roles;
}

/**
 * The gate for project-scoped services. A project the actor may not even read is reported as not
 * found, so private project names do not leak; anonymous callers are asked to sign in instead.
 * Refusals are audited; a mutation whose operation is not `resource.action` of its permission
 * (a copy checks artifact:create) names it. The project's own IP allowlist is checked here too
 * (project-address-rule.ts), so every project-scoped service — console and REST alike — refuses
 * a client outside it.
 */
export async function assertProjectPermission(
  actor: Actor,
  project: ProjectRef,
  permission: ProjectPermission,
  resource: { type: string; id?: string | number | null; name?: string | null } = { type: "project", id: project.id, name: project.name },
  operation?: AuditOperation,
): Promise<Set<ProjectPermission>> {
  const granted = await projectPermissionsIn(actor, project);
  const addressRefusal = await projectAddressRefusal(actor, project.name);
  if (addressRefusal) {
    await recordRefusal({
      actor,
      action: operation ?? projectPermissionOperation(permission),
      resource,
      projectId: project.id,
      reason: addressRefusal,
      detail: { permission, ip_allowlist: "project" },
    });
    // Told only to a caller who could use the project from elsewhere; anyone else learns nothing new.
    if (granted.has("project:read")) throw new ForbiddenError(addressRefusal);
    if (actor.kind === "anonymous") throw new UnauthenticatedError();
    throw new NotFoundError(PROJECT_NOT_FOUND);
  }
  if (granted.has(permission)) return granted;
  // Recorded under the operation's name (`operation`, else `member:delete` -> `member.delete`), as
  // the success row would be, so one operation filter in the audit log finds both what happened and
  // what was refused.
  await recordRefusal({
    actor,
    action: operation ?? projectPermissionOperation(permission),
    resource,
    projectId: project.id,
    reason: `missing permission ${permission}`,
    detail: { permission },
  });
  if (actor.kind === "anonymous") throw new UnauthenticatedError();
  // Same answer as for a project that does not exist: neither its name nor its existence leaks.
  if (!granted.has("project:read")) throw new NotFoundError(PROJECT_NOT_FOUND);
  throw new ForbiddenError();
}

/**
 * Finds a project by id or name (Harbor's {project_name_or_id}); a number is an id unless
 * `byName` says otherwise (Harbor's X-Is-Resource-Name header). Not found -> NotFoundError.
 */
export async function findProjectRef(nameOrId: string | number, { byName = false } = {}): Promise<ProjectRef> {
  const select = { id: true, name: true, isPublic: true } as const;
  const asNumber =
    typeof nameOrId === "number" ? nameOrId : !byName && /^\d+$/.test(nameOrId) ? Number(nameOrId) : null;
  const project =
    asNumber !== null && asNumber <= 2_147_483_647
      ? await db.project.findUnique({ where: { id: asNumber }, select })
      : await db.project.findUnique({ where: { name: String(nameOrId) }, select });
  if (!project) throw new NotFoundError(PROJECT_NOT_FOUND);
  return project;
}
