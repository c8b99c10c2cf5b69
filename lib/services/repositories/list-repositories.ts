import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import { containsText } from "@/lib/services/contains-text";
import { type Page, skipTake } from "@/lib/services/pagination";
import type { RepositorySort } from "@/lib/validation/repositories";

export type RepositoryListRow = {
  id: number;
  /** Full name, `<project>/<path>`. */
  name: string;
  artifactCount: number;
  pullCount: bigint;
  description: string;
  createdAt: Date;
  /** Last change to the repository's index (push, tag or delete): `updated_at`, kept by every index write. */
  lastPush: Date;
};

// Name ascending; the counters and time newest/largest first, as Harbor sorts them. `id` breaks
// ties so pages never overlap or skip rows.
const ORDER: Record<RepositorySort, Prisma.RepositoryOrderByWithRelationInput[]> = {
  name: [{ name: "asc" }],
  artifacts: [{ artifactCount: "desc" }, { id: "desc" }],
  pulls: [{ pullCount: "desc" }, { id: "desc" }],
  lastPush: [{ updatedAt: "desc" }, { id: "desc" }],
};

/** A project's repositories, one page, searched by name and sorted (permission repository:list). */
export async function listRepositories({
  actor,
  projectId,
  q,
  exactName,
  sort = "name",
  page,
  pageSize,
}: {
  actor: Actor;
  projectId: number;
  q?: string | undefined;
  /** Harbor's `name=<name>`: the full name, or the name inside the project. */
  exactName?: string | undefined;
  sort?: RepositorySort;
  page: number;
  pageSize: number;
}): Promise<Page<RepositoryListRow>> {
  const project = await findProjectRef(projectId);
  await assertProjectPermission(actor, project, "repository:list");
  const where: Prisma.RepositoryWhereInput = {
    projectId: project.id,
    deletingAt: null,
    ...(q ? { name: containsText(q) } : {}),
    ...(exactName !== undefined ? { name: { in: [exactName, `${project.name}/${exactName}`] } } : {}),
  };
  const [rows, total] = await db.$transaction([
    db.repository.findMany({
      where,
      select: { id: true, name: true, description: true, artifactCount: true, pullCount: true, createdAt: true, updatedAt: true },
      orderBy: ORDER[sort],
      ...skipTake(page, pageSize),
    }),
    db.repository.count({ where }),
  ]);
  return {
    rows: rows.map(({ updatedAt, ...r }) => ({ ...r, lastPush: updatedAt })),
    total,
    page,
    pageSize,
  };
}
