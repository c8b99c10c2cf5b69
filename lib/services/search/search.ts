import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { memberRoleIdsOf } from "@/lib/services/authz/project-access";
import { containsText } from "@/lib/services/contains-text";
import { skipTake } from "@/lib/services/pagination";
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

export type SearchKind = "projects" | "repositories";

/** One page of one kind of match, with both kinds' totals (the results page shows both counts). */
export type SearchPage = {
  kind: SearchKind;
  page: number;
  pageSize: number;
  totals: Record<SearchKind, number>;
  /** Filled for `kind: "projects"` only. */
  projects: ProjectSummary[];
  /** Filled for `kind: "repositories"` only. */
  repositories: SearchRepositoryRow[];
};

const REPOSITORY_SELECT = {
  name: true,
  pullCount: true,
  artifactCount: true,
  project: { select: { id: true, name: true, isPublic: true } },
} satisfies Prisma.RepositorySelect;

// Every query below goes through these two, so the header's suggestions, the results page and the
// REST search can never disagree about what an actor may see.
async function projectsWhere(actor: Actor, text: string): Promise<Prisma.ProjectWhereInput> {
  return { AND: [await visibleProjectsWhere(actor), { name: containsText(text) }] };
}

async function repositoriesWhere(actor: Actor, text: string): Promise<Prisma.RepositoryWhereInput> {
  // Escaped like the project half: unescaped, `_` in a typed name matched any character.
  return { name: containsText(text), deletingAt: null, project: await visibleProjectsWhere(actor) };
}

function toRepositoryRow(r: Prisma.RepositoryGetPayload<{ select: typeof REPOSITORY_SELECT }>): SearchRepositoryRow {
  return {
    projectId: r.project.id,
    projectName: r.project.name,
    projectPublic: r.project.isPublic,
    name: r.name,
    pullCount: r.pullCount,
    artifactCount: r.artifactCount,
  };
}

async function withRoles(actor: Actor, rows: Prisma.ProjectGetPayload<{ select: typeof PROJECT_SELECT }>[]): Promise<ProjectSummary[]> {
  const roles = await memberRoleIdsOf(actor, rows.map((p) => p.id));
  return rows.map((p) => toProjectSummary(p, roles.get(p.id) ?? null));
}

/**
 * Projects and repositories whose name contains `q` (case-insensitive), limited to the projects
 * the caller may see (the same rule as the project list). An empty `q` finds nothing. `limit`
 * (at most SEARCH_LIMIT) bounds each half: the header's suggestions ask for a few.
 */
export async function search({ actor, q, limit = SEARCH_LIMIT }: { actor: Actor; q: string; limit?: number }): Promise<SearchResult> {
  const text = q.trim();
  const take = Math.max(1, Math.min(SEARCH_LIMIT, Math.floor(limit)));
  if (!text) return { projects: [], repositories: [] };
  const [projectRows, repoRows] = await Promise.all([
    db.project.findMany({ where: await projectsWhere(actor, text), select: PROJECT_SELECT, orderBy: [{ name: "asc" }], take }),
    db.repository.findMany({ where: await repositoriesWhere(actor, text), select: REPOSITORY_SELECT, orderBy: [{ name: "asc" }], take }),
  ]);
  return { projects: await withRoles(actor, projectRows), repositories: repoRows.map(toRepositoryRow) };
}

/**
 * The console's full results page: one page of one kind of match, paged in Postgres, plus the
 * total of each kind. Same visibility rule as {@link search}.
 */
export async function searchPage({
  actor,
  q,
  kind,
  page,
  pageSize,
}: {
  actor: Actor;
  q: string;
  kind: SearchKind;
  page: number;
  pageSize: number;
}): Promise<SearchPage> {
  const text = q.trim();
  const empty: SearchPage = { kind, page, pageSize, totals: { projects: 0, repositories: 0 }, projects: [], repositories: [] };
  if (!text) return empty;
  const [pw, rw] = await Promise.all([projectsWhere(actor, text), repositoriesWhere(actor, text)]);
  const [projectTotal, repositoryTotal, projectRows, repoRows] = await db.$transaction([
    db.project.count({ where: pw }),
    db.repository.count({ where: rw }),
    db.project.findMany({ where: pw, select: PROJECT_SELECT, orderBy: [{ name: "asc" }], ...(kind === "projects" ? skipTake(page, pageSize) : { skip: 0, take: 0 }) }),
    db.repository.findMany({ where: rw, select: REPOSITORY_SELECT, orderBy: [{ name: "asc" }], ...(kind === "repositories" ? skipTake(page, pageSize) : { skip: 0, take: 0 }) }),
  ]);
  return {
    ...empty,
    totals: { projects: projectTotal, repositories: repositoryTotal },
    projects: await withRoles(actor, projectRows),
    repositories: repoRows.map(toRepositoryRow),
  };
}
