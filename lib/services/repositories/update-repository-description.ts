import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ValidationError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { resolveRepository } from "@/lib/services/repositories/repository-access";
import { DESCRIPTION_MAX } from "@/lib/validation/repositories";

/** Sets a repository's markdown description (repository:update); one `repository.update` audit row. */
export async function updateRepositoryDescription({
  actor,
  repository,
  description,
  projectId,
}: {
  actor: Actor;
  repository: string;
  description: string;
  projectId?: number;
}): Promise<void> {
  if (description.length > DESCRIPTION_MAX) throw new ValidationError(`The description is longer than ${DESCRIPTION_MAX} characters.`);
  const { project, repo } = await resolveRepository(actor, repository, "repository:update", { projectId });
  await db.$transaction(async (tx) => {
    // updated_at stands for "last push" on the list page: a description edit must not move it.
    const { updatedAt } = await tx.repository.findUniqueOrThrow({ where: { id: repo.id }, select: { updatedAt: true } });
    await tx.repository.update({ where: { id: repo.id }, data: { description, updatedAt }, select: { id: true } });
    await recordAuditEvent(tx, {
      actor,
      action: "repository.update",
      resource: { type: "repository", id: repo.id, name: repo.name },
      projectId: project.id,
      detail: { field: "description", length: description.length },
    });
  });
}
