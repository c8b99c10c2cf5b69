import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { memberRoleIdsOf } from "@/lib/services/authz/project-access";
import { projectIdsReachedByRules, roleRulesOf } from "@/lib/services/authz/role-rules";
import { groupIdsOf, memberFilter } from "@/lib/services/identity/groups";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { containsText } from "@/lib/services/contains-text";
import { type Page, skipTake } from "@/lib/services/pagination";
import { PROJECT_SELECT, type ProjectSummary, toProjectSummary } from "@/lib/services/projects/project-dto";
import type { TListProjectsQuery } from "@/lib/validation/projects";

/**
 * The projects the actor may see: public ones, ones they belong to or reach by a role across
 * projects (or a robot is granted), and
 * every project for admins and auditors. Filtered and paginated in Postgres.
 */
export async function listProjects({ actor, query }: { actor: Actor; query: TListProjectsQuery }): Promise<Page<ProjectSummary>> {
  const where: Prisma.ProjectWhereInput = {
    AND: [
      await visibleProjectsWhere(actor),
      query.q ? { name: containsText(query.q) } : {},
      query.visibility === "all" ? {} : { isPublic: query.visibility === "public" },
    ],
  };
  const [rows, total] = await db.$transaction([
    db.project.findMany({ where, select: PROJECT_SELECT, orderBy: [{ name: "asc" }], ...skipTake(query.page, query.pageSize) }),
    db.project.count({ where }),
  ]);
  const roles = await memberRoleIdsOf(actor, rows.map((r) => r.id));
  return { rows: rows.map((r) => toProjectSummary(r, roles.get(r.id) ?? null)), total, page: query.page, pageSize: query.pageSize };
}

/**
 * The projects an actor may see, as a filter: public ones, their memberships and the projects
 * their roles across projects reach (role-rules.ts; only users who have such rules pay for that).
 */
export async function visibleProjectsWhere(actor: Actor): Promise<Prisma.ProjectWhereInput> {
  if (hasSystemPermission(actor, "project.list_all")) return {};
  switch (actor.kind) {
    case "user": {
      const groupIds = await groupIdsOf(actor.id);
      const reached = await projectIdsReachedByRules(await roleRulesOf(actor.id, groupIds));
      return { OR: [{ isPublic: true }, { members: { some: memberFilter(actor.id, groupIds) } }, ...(reached.length > 0 ? [{ id: { in: reached } }] : [])] };
    }
    case "robot": {
      if (actor.grants.some((g) => g.namespace === "*")) return {};
      const names = [...new Set(actor.grants.map((g) => g.namespace))];
      return { OR: [{ isPublic: true }, { name: { in: names } }] };
    }
    default:
      return { isPublic: true };
  }
}
