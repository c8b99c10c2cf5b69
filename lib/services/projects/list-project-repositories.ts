import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import { type Page, skipTake } from "@/lib/services/pagination";

export type RepositoryRow = { id: number; name: string; createdAt: Date; updatedAt: Date };

/** A project's repositories as recorded by the gateway (the full index comes with the browse issue). */
export async function listProjectRepositories({
  actor,
  projectId,
  q,
  page,
  pageSize,
}: {
  actor: Actor;
  projectId: number;
  q?: string | undefined;
  page: number;
  pageSize: number;
}): Promise<Page<RepositoryRow>> {
  const ref = await findProjectRef(projectId);
  await assertProjectPermission(actor, ref, "repository:list");
  const where = { projectId: ref.id, ...(q ? { name: { contains: q, mode: "insensitive" as const } } : {}) };
  const [rows, total] = await db.$transaction([
    db.repository.findMany({ where, select: { id: true, name: true, createdAt: true, updatedAt: true }, orderBy: { name: "asc" }, ...skipTake(page, pageSize) }),
    db.repository.count({ where }),
  ]);
  return { rows, total, page, pageSize };
}
