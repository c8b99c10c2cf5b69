import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { NotFoundError, ValidationError } from "@/lib/errors";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { isDigest } from "@/lib/oci/digest";
import { RegistryError } from "@/lib/registry/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { removeManifest } from "@/lib/services/repositories/index-manifest";
import { resolveRepository } from "@/lib/services/repositories/repository-access";
import { assertTagChangeAllowed, artifactDeleteDecision } from "@/lib/services/tag-policy/decision";

/** Tags named in the audit row; an artifact with more is recorded with the count. */
const AUDIT_TAGS = 50;

/**
 * Deletes an artifact with all its tags (artifact:delete): the registry's manifest DELETE by
 * digest first, then the index rows and one `artifact.delete` audit row in one transaction. If the
 * registry refuses or is down, Postgres is not touched. A 404 from the registry means the manifest
 * is already gone (deleted behind Wharf's back), so the index is brought in line all the same.
 */
export async function deleteArtifact({ actor, repository, digest, projectId }: { actor: Actor; repository: string; digest: string; projectId?: number }): Promise<void> {
  if (!isDigest(digest)) throw new ValidationError(`${JSON.stringify(digest)} is not a digest.`);
  const name = `${repository}@${digest}`;
  const { project, repo } = await resolveRepository(actor, repository, "artifact:delete", { projectId, resource: { type: "artifact", name } });
  const artifact = await db.artifact.findUnique({ where: { repositoryId_digest: { repositoryId: repo.id, digest } }, select: { id: true } });
  if (!artifact) throw new NotFoundError(`Artifact ${name} not found.`);
  // Its tags would go with it: not while one of them is immutable (412, one failure row).
  await assertTagChangeAllowed(await artifactDeleteDecision({ projectId: project.id, repository, digest }), { actor, operation: "artifact.delete", resource: { type: "artifact", name }, projectId: project.id });
  const [tags, tagCount] = await Promise.all([
    db.tag.findMany({ where: { artifactId: artifact.id }, select: { name: true }, orderBy: { name: "asc" }, take: AUDIT_TAGS }),
    db.tag.count({ where: { artifactId: artifact.id } }),
  ]);

  try {
    await getBackingRegistry().deleteManifest(repository, digest);
  } catch (error) {
    if (!(error instanceof RegistryError && error.status === 404)) throw error;
  }

  await db.$transaction(async (tx) => {
    await removeManifest(tx, { repository, digest, actor });
    await recordAuditEvent(tx, {
      actor,
      action: "artifact.delete",
      resource: { type: "artifact", name },
      projectId: project.id,
      detail: { digest, tags: tags.map((t) => t.name), tagCount },
    });
  });
}
