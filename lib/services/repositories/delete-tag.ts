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
import { removeTag } from "@/lib/services/repositories/index-manifest";
import { assertTagChangeAllowed, tagChangeDecision } from "@/lib/services/tag-policy/decision";

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
  // An immutable tag is never deleted (412, one failure row).
  await assertTagChangeAllowed(await tagChangeDecision({ projectId: project.id, repository, tag, kind: "delete" }), { actor, operation: "tag.delete", resource: { type: "tag", name }, projectId: project.id });

  const registry = getBackingRegistry();
  // Read first: the digest for the audit row, and the bytes to put the tag back if the delete fails.
  const current = await registry.getManifest(repository, tag).catch((error: unknown) => {
    if (error instanceof RegistryError && error.status === 404) throw new NotFoundError(`Tag ${name} does not exist.`);
    throw error;
  });
  await untag(registry, repository, tag, { mediaType: current.mediaType, bytes: current.bytes });

  await db.$transaction(async (tx) => {
    await removeTag(tx, { actor, repository, tag });
    await recordAuditEvent(tx, {
      actor,
      action: "tag.delete",
      resource: { type: "tag", name },
      projectId: project.id,
      detail: { digest: current.digest },
    });
  });
}
