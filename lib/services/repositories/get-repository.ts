import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import type { ProjectPermission } from "@/lib/services/authz/project-roles";
import { resolveRepository } from "@/lib/services/repositories/repository-access";

export type RepositoryDetail = {
  id: number;
  name: string;
  projectId: number;
  projectName: string;
  description: string;
  artifactCount: number;
  pullCount: bigint;
  createdAt: Date;
  updatedAt: Date;
  /** What the viewer may do here, so pages show only the controls the services will accept. */
  viewerPermissions: ProjectPermission[];
};

/**
 * One repository with its description. repository:list is the gate (not repository:read) because
 * Harbor lets anyone who may list a public project's repositories open them.
 */
export async function getRepository({ actor, repository, projectId }: { actor: Actor; repository: string; projectId?: number }): Promise<RepositoryDetail> {
  const { project, repo, granted } = await resolveRepository(actor, repository, "repository:list", { projectId });
  const row = await db.repository.findUniqueOrThrow({
    where: { id: repo.id },
    select: { description: true, artifactCount: true, pullCount: true, createdAt: true, updatedAt: true },
  });
  return { id: repo.id, name: repo.name, projectId: project.id, projectName: project.name, ...row, viewerPermissions: [...granted] };
}
