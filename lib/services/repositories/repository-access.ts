import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { NotFoundError, ValidationError } from "@/lib/errors";
import { isValidRepositoryName } from "@/lib/oci/reference";
import type { AuditOperation } from "@/lib/services/audit/audit-actions";
import { assertProjectPermission, findProjectRef, type ProjectRef } from "@/lib/services/authz/project-access";
import type { ProjectPermission } from "@/lib/services/authz/project-roles";
import { projectNameOf } from "@/lib/services/registry-auth/grant";

export type RepositoryRef = { id: number; name: string; projectId: number };

/**
 * The gate for repository-scoped services: the project comes from the name's first segment, the
 * permission is checked there (so a private project stays "not found" to outsiders), and only
 * then is the repository looked up. `projectId`, when given, must match: a console URL cannot
 * reach another project's repository by naming it.
 */
export async function resolveRepository(
  actor: Actor,
  repository: string,
  permission: ProjectPermission,
  { projectId, resource, operation }: { projectId?: number; resource?: { type: string; name: string }; operation?: AuditOperation } = {},
): Promise<{ project: ProjectRef; repo: RepositoryRef; granted: Set<ProjectPermission> }> {
  if (!isValidRepositoryName(repository) || !repository.includes("/")) {
    throw new ValidationError(`${JSON.stringify(repository)} is not a repository name.`);
  }
  const project = await findProjectRef(projectNameOf(repository), { byName: true });
  const granted = await assertProjectPermission(actor, project, permission, resource ?? { type: "repository", name: repository }, operation);
  if (projectId !== undefined && projectId !== project.id) throw new NotFoundError("Repository not found.");
  const repo = await db.repository.findUnique({ where: { name: repository }, select: { id: true, name: true, projectId: true, deletingAt: true } });
  // A repository whose delete was accepted is gone for every caller while its job runs.
  if (!repo || repo.projectId !== project.id || repo.deletingAt !== null) throw new NotFoundError(`Repository ${repository} not found.`);
  return { project, repo: { id: repo.id, name: repo.name, projectId: repo.projectId }, granted };
}
