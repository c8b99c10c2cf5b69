import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { memberRoleIdsOf } from "@/lib/services/authz/project-access";
import { containsText } from "@/lib/services/contains-text";
import { PROJECT_SELECT, type ProjectSummary, toProjectSummary } from "@/lib/services/projects/project-dto";
import { visibleProjectsWhere } from "@/lib/services/projects/list-projects";

/** Bound on each half of the answer (Harbor's search is unpaged too). */
export const SEARCH_LIMIT = 50;

export type SearchRepositoryRow = {
  projectId: number;
  projectName: string;
  projectPublic: boolean;
  name: string;
  pullCount: bigint;
  artifactCount: number;
};

export type SearchResult = { projects: ProjectSummary[]; repositories: SearchRepositoryRow[] };

/**
 * Projects and repositories whose name contains `q` (case-insensitive), limited to the projects
 * the caller may see (the same rule as the project list). An empty `q` finds nothing.
 */
export async function search({ actor, q }: { actor: Actor; q: string }): Promise<SearchResult> {
  const text = q.trim();
  if (!text) return { projects: [], repositories: [] };
  const visible = visibleProjectsWhere(actor);
  const [projectRows, repoRows] = await Promise.all([
    db.project.findMany({
      where: { AND: [visible, { name: containsText(text) }] },
      select: PROJECT_SELECT,
      orderBy: [{ name: "asc" }],
      take: SEARCH_LIMIT,
    }),
    db.repository.findMany({
      where: { name: { contains: text, mode: "insensitive" }, deletingAt: null, project: visible },
      select: { name: true, pullCount: true, artifactCount: true, project: { select: { id: true, name: true, isPublic: true } } },
      orderBy: [{ name: "asc" }],
      take: SEARCH_LIMIT,
    }),
  ]);
  const roles = await memberRoleIdsOf(actor, projectRows.map((p) => p.id));
  return {
    projects: projectRows.map((p) => toProjectSummary(p, roles.get(p.id) ?? null)),
    repositories: repoRows.map((r) => ({
      projectId: r.project.id,
      projectName: r.project.name,
      projectPublic: r.project.isPublic,
      name: r.name,
      pullCount: r.pullCount,
      artifactCount: r.artifactCount,
    })),
  };
}
