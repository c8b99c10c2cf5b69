import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { projectPermissionsFor } from "@/lib/services/authz/project-access";
import { REGISTRY_ACTION_PERMISSIONS } from "@/lib/services/authz/project-roles";
import { addressRefusalIn } from "@/lib/services/ip-allowlist/project-address-rule";
import { projectIdsReachedByRules, roleRulesOf } from "@/lib/services/authz/role-rules";
import { groupIdsOf, memberFilter } from "@/lib/services/identity/groups";

export type RepositoryPage = { repositories: string[]; nextLast: string | null };

/**
 * `/v2/_catalog` for callers without the system catalog permission: the repositories Wharf knows
 * (pushed through the gateway) in projects where the caller may pull, in name order, paged like
 * Distribution (`n` entries after `last`). A project whose IP allowlist refuses the caller's address
 * is left out, as its pulls would be refused.
 */
export async function listPullableRepositories({
  actor,
  n,
  last,
}: {
  actor: Actor;
  n: number;
  last: string | null;
}): Promise<RepositoryPage> {
  if (n <= 0) return { repositories: [], nextLast: null };
  const projects = await db.project.findMany({ where: await candidateProjects(actor), select: { id: true, name: true, isPublic: true, ipAllowlist: true } });
  const permissions = await projectPermissionsFor(actor, projects);
  const pullable = projects
    .filter((p) => permissions.get(p.id)?.has(REGISTRY_ACTION_PERMISSIONS.pull) && addressRefusalIn(actor, p, actor.client.ip) === null)
    .map((p) => p.id);
  if (pullable.length === 0) return { repositories: [], nextLast: null };
  const rows = await db.repository.findMany({
    where: { projectId: { in: pullable }, deletingAt: null, ...(last ? { name: { gt: last } } : {}) },
    orderBy: { name: "asc" },
    take: n + 1,
    select: { name: true },
  });
  const page = rows.slice(0, n).map((r) => r.name);
  return { repositories: page, nextLast: rows.length > n ? (page.at(-1) ?? null) : null };
}

/** Narrows the project query to where the actor can hold anything; permissions decide the rest. */
async function candidateProjects(actor: Actor): Promise<Prisma.ProjectWhereInput> {
  switch (actor.kind) {
    case "system":
      return {};
    case "user": {
      if (actor.isAdmin || actor.isAuditor) return {};
      const groupIds = await groupIdsOf(actor.id);
      return {
        OR: [{ isPublic: true }, { members: { some: memberFilter(actor.id, groupIds) } }, { id: { in: await projectIdsReachedByRules(await roleRulesOf(actor.id, groupIds)) } }],
      };
    }
    case "robot": {
      const namespaces = [...new Set(actor.grants.map((g) => g.namespace))];
      if (namespaces.includes("*")) return {};
      return { OR: [{ isPublic: true }, { name: { in: namespaces } }] };
    }
    case "anonymous":
      return { isPublic: true };
  }
}
