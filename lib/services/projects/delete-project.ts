import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { forgetVerifiedRobots } from "@/lib/services/auth/verify-registry-credentials";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";

/** Harbor answers 412 when a project that still holds repositories is deleted. */
export class ProjectNotEmptyError extends AppError {
  constructor(name: string, repositoryCount: number) {
    super(
      `Project ${name} still holds ${repositoryCount} repositor${repositoryCount === 1 ? "y" : "ies"}. Delete them first.`,
      412,
      "PRECONDITION",
    );
  }
}

/** Deletes an empty project with its members and robots. */
export async function deleteProject({ actor, projectId }: { actor: Actor; projectId: number }): Promise<void> {
  const ref = await findProjectRef(projectId);
  await assertProjectPermission(actor, ref, "project:delete");
  await db.$transaction(async (tx) => {
    // Lock the project row so a concurrent first push cannot slip a repository in.
    await tx.$queryRaw`SELECT id FROM projects WHERE id = ${ref.id} FOR UPDATE`;
    const repositoryCount = await tx.repository.count({ where: { projectId: ref.id } });
    if (repositoryCount > 0) throw new ProjectNotEmptyError(ref.name, repositoryCount);
    await tx.project.delete({ where: { id: ref.id }, select: { id: true } });
    // System robots name projects in their grants; those grants end with the project, so a new
    // project of the same name starts with no robot holding anything in it.
    await tx.robotPermission.deleteMany({ where: { namespace: ref.name } });
    await recordAuditEvent(tx, {
      actor,
      action: "project.delete",
      resource: { type: "project", id: ref.id, name: ref.name },
      projectId: ref.id,
    });
    await bumpGrantVersion(tx);
  });
  // Robots remembered with grants in this project (verify-registry-credentials.ts).
  forgetVerifiedRobots();
}
