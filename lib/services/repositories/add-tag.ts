import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ConflictError, NotFoundError, ValidationError } from "@/lib/errors";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { isDigest } from "@/lib/oci/digest";
import { isValidTag } from "@/lib/oci/reference";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { moveTag } from "@/lib/services/repositories/index-manifest";
import { resolveRepository } from "@/lib/services/repositories/repository-access";
import { assertTagChangeAllowed, tagChangeDecision } from "@/lib/services/tag-policy/decision";

/**
 * Adds a tag to an artifact (tag:create): the artifact's manifest bytes are PUT again under the
 * tag (a registry tag is exactly that), then the tag is indexed, with a `tag_created` event and
 * one `tag.create` audit row.
 * A tag that already exists is refused, as Harbor does: moving a tag is a push, not an edit.
 */
export async function addTag({ actor, repository, digest, tag, projectId }: { actor: Actor; repository: string; digest: string; tag: string; projectId?: number }): Promise<void> {
  if (!isDigest(digest)) throw new ValidationError(`${JSON.stringify(digest)} is not a digest.`);
  if (!isValidTag(tag)) throw new ValidationError(`${JSON.stringify(tag)} is not a valid tag.`, { tag: ["Not a valid tag."] });
  const name = `${repository}:${tag}`;
  const { project, repo } = await resolveRepository(actor, repository, "tag:create", { projectId, resource: { type: "tag", name } });
  const artifact = await db.artifact.findUnique({ where: { repositoryId_digest: { repositoryId: repo.id, digest } }, select: { id: true } });
  if (!artifact) throw new NotFoundError(`Artifact ${repository}@${digest} not found.`);
  const existing = await db.tag.findUnique({ where: { repositoryId_name: { repositoryId: repo.id, name: tag } }, select: { id: true } });
  if (existing) throw new ConflictError(`Tag ${name} already exists.`, { tag: ["This tag already exists in the repository."] });
  // A new tag: the naming policy decides (and an immutability rule, should the tag appear meanwhile).
  await assertTagChangeAllowed(await tagChangeDecision({ projectId: project.id, repository, tag, newDigest: digest, kind: "push" }), { actor, operation: "tag.create", resource: { type: "tag", name }, projectId: project.id });

  const registry = getBackingRegistry();
  const manifest = await registry.getManifest(repository, digest);
  await registry.putManifest(repository, tag, manifest.mediaType, manifest.bytes);

  const now = new Date();
  await db.$transaction(async (tx) => {
    await moveTag(tx, { actor, repositoryId: repo.id, artifactId: artifact.id, tag, now });
    await recordAuditEvent(tx, { actor, action: "tag.create", resource: { type: "tag", name }, projectId: project.id, detail: { digest } });
  });
}
