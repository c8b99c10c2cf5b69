import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { NotFoundError, ValidationError } from "@/lib/errors";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { isValidRepositoryName, isValidTag } from "@/lib/oci/reference";
import { RegistryError } from "@/lib/registry/errors";
import { untag } from "@/lib/registry/untag";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import { projectNameOf } from "@/lib/services/registry-auth/grant";
import { refreshArtifactCount } from "@/lib/services/repositories/index-manifest";

/**
 * Deletes one tag, leaving its artifact and the artifact's other tags in place (Distribution 2.8
 * would delete them all on a manifest DELETE: see untag.ts). The registry is changed first; the
 * index row and the one `tag.delete` audit row are written only after it succeeded, so a failed
 * registry step changes nothing.
 */
export async function deleteTag({ actor, repository, tag }: { actor: Actor; repository: string; tag: string }): Promise<void> {
  if (!isValidRepositoryName(repository)) throw new ValidationError(`${JSON.stringify(repository)} is not a repository name.`);
  if (!isValidTag(tag)) throw new ValidationError(`${JSON.stringify(tag)} is not a tag.`);
  const project = await findProjectRef(projectNameOf(repository), { byName: true });
  const name = `${repository}:${tag}`;
  await assertProjectPermission(actor, project, "tag:delete", { type: "tag", name });

  const registry = getBackingRegistry();
  // Read first: the digest for the audit row, and the bytes to put the tag back if the delete fails.
  const current = await registry.getManifest(repository, tag).catch((error: unknown) => {
    if (error instanceof RegistryError && error.status === 404) throw new NotFoundError(`Tag ${name} does not exist.`);
    throw error;
  });
  await untag(registry, repository, tag, { mediaType: current.mediaType, bytes: current.bytes });

  await db.$transaction(async (tx) => {
    const repo = await tx.repository.findUnique({ where: { name: repository }, select: { id: true } });
    if (repo) {
      await tx.tag.deleteMany({ where: { repositoryId: repo.id, name: tag } });
      // The artifact stays; it may now count as a listed artifact or stop being one.
      await refreshArtifactCount(tx, repo.id);
    }
    await recordAuditEvent(tx, {
      actor,
      action: "tag.delete",
      resource: { type: "tag", name },
      projectId: project.id,
      detail: { digest: current.digest },
    });
  });
}
