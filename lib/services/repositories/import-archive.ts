import "server-only";
import path from "node:path";
import type { Actor } from "@/lib/auth/actor";
import { assertNotProxyCache } from "@/lib/services/proxy-cache/guard";
import { getServerEnv } from "@/lib/env";
import { AppError, ValidationError } from "@/lib/errors";
import type { ArchiveFormat } from "@/lib/oci/archive";
import { parseManifestBytes } from "@/lib/oci/manifest";
import { isValidRepositoryName, isValidTag } from "@/lib/oci/reference";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { RegistryError, RegistryUnavailableError } from "@/lib/registry/errors";
import { ImportRefusedError, importArchiveStream } from "@/lib/registry/image-import";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import { projectNameOf } from "@/lib/services/registry-auth/grant";
import { assertWithinQuota } from "@/lib/services/quotas/assert-quota";
import { blobUploadQuotaDecision, manifestPushQuotaDecision } from "@/lib/services/quotas/decision";
import { type BlobRef, manifestBlobs, prepareManifest, writeArtifact } from "@/lib/services/repositories/index-manifest";
import { artifactName } from "@/lib/services/repositories/record-registry-traffic";
import { assertTagChangeAllowed, tagChangeDecision } from "@/lib/services/tag-policy/decision";

/** An import larger than this is refused before a byte is read (when the length is declared). */
export const IMPORT_MAX_BYTES = 64 * 1024 * 1024 * 1024;

export type ImportedArtifact = { projectId: number; repository: string; digest: string; mediaType: string; tag: string; format: ArchiveFormat; blobs: number; bytes: number };

/** The archive is not an image: 422 with the reason; nothing was indexed. */
export class ImportArchiveError extends AppError {
  constructor(message: string) {
    super(message, 422, "UNPROCESSABLE_ENTITY");
  }
}

/**
 * Imports a docker-archive or an OCI image layout tar into `repository` under `tag`
 * (repository:push in its project, as a push). The tar is read as it arrives: layers go to the
 * registry while they are read (lib/registry/image-import), the small parts are kept until the
 * end. Then the tag policy and the project's storage quota decide as for a push (an immutable
 * tag that would move, a new tag against the naming policy, more storage than the quota leaves:
 * 412, one failure row; the quota's refusal also queues QUOTA_EXCEED webhooks), the manifests are put in the registry and the
 * artifact is indexed through writeArtifact with one `artifact.import` audit row, its
 * `artifact_pushed` event and everything a push through the gateway writes. A tar that is not an
 * image is a 422 and nothing is indexed (layers already uploaded stay unreferenced blobs, as
 * after an interrupted push, for garbage collection).
 */
export async function importArchive({
  actor,
  repository,
  tag,
  body,
  contentLength,
  onProgress,
}: {
  actor: Actor;
  repository: string;
  tag: string;
  body: ReadableStream<Uint8Array> | null;
  contentLength?: number;
  onProgress?: (bytes: number) => void;
}): Promise<ImportedArtifact> {
  if (!isValidRepositoryName(repository) || !repository.includes("/")) throw new ValidationError(`${JSON.stringify(repository)} is not a repository name.`, { repository: ["Not a repository name."] });
  if (!isValidTag(tag)) throw new ValidationError(`${JSON.stringify(tag)} is not a tag.`, { tag: ["Not a valid tag."] });
  const target = artifactName(repository, tag);
  const project = await findProjectRef(projectNameOf(repository), { byName: true });
  await assertProjectPermission(actor, project, "repository:push", { type: "artifact", name: target }, "artifact.import");
  await assertNotProxyCache(actor, project, "artifact.import", { type: "artifact", name: target });
  if (!body) throw new ValidationError("The body must be the tar (docker-archive or OCI image layout).", { body: ["Required."] });
  if (contentLength !== undefined && Number.isFinite(contentLength) && contentLength > IMPORT_MAX_BYTES) {
    throw new AppError(`The archive is larger than ${IMPORT_MAX_BYTES} bytes.`, 413, "PAYLOAD_TOO_LARGE");
  }
  // A new tag against the naming policy is refused before the upload is read (an existing one is checked with its digest below).
  const early = await tagChangeDecision({ projectId: project.id, repository, tag, kind: "push" });
  if (!early.allowed && early.policy === "naming") await assertTagChangeAllowed(early, { actor, operation: "artifact.import", resource: { type: "artifact", name: target }, projectId: project.id });
  // A project already over its limit takes no upload at all, as the gateway refuses a blob upload then.
  const refused = { actor, operation: "artifact.import" as const, projectId: project.id, repository, resourceName: target, tag };
  await assertWithinQuota(await blobUploadQuotaDecision({ projectId: project.id }), { ...refused, digest: null });

  const registry = getBackingRegistry();
  let imported;
  try {
    imported = await importArchiveStream({ registry, repository, body, tag, spoolDir: path.resolve(getServerEnv().WHARF_DATA_DIR, "imports"), onProgress });
  } catch (error) {
    throw asAppError(error);
  }
  const decision = await tagChangeDecision({ projectId: project.id, repository, tag, newDigest: imported.top.digest, kind: "push" });
  await assertTagChangeAllowed(decision, { actor, operation: "artifact.import", resource: { type: "artifact", name: target }, projectId: project.id });
  await assertWithinQuota(await manifestPushQuotaDecision({ projectId: project.id, blobs: importedBlobs(imported) }), { ...refused, digest: imported.top.digest });

  try {
    for (const child of imported.children) await registry.putManifest(repository, child.digest, child.mediaType, child.bytes);
    await registry.putManifest(repository, tag, imported.top.mediaType, imported.top.bytes);
  } catch (error) {
    throw asAppError(error);
  }
  const prepared = await prepareManifest({ registry, repository, manifest: imported.top, tag });
  await writeArtifact({
    actor,
    projectId: project.id,
    repository,
    prepared,
    tag,
    audit: {
      actor,
      action: "artifact.import",
      resource: { type: "artifact", name: target },
      projectId: project.id,
      detail: { format: imported.format, digest: imported.top.digest, mediaType: imported.top.mediaType, manifests: imported.children.length + 1, blobs: imported.blobs, bytes: imported.bytes },
    },
  });
  return { projectId: project.id, repository, digest: imported.top.digest, mediaType: imported.top.mediaType, tag, format: imported.format, blobs: imported.blobs, bytes: imported.bytes };
}

/** Every blob the imported manifests reference (their own bytes, configs, layers), each once. */
function importedBlobs(imported: { children: { digest: string; mediaType: string; bytes: Uint8Array }[]; top: { digest: string; mediaType: string; bytes: Uint8Array } }): BlobRef[] {
  const blobs = new Map<string, BlobRef>();
  for (const m of [...imported.children, imported.top]) {
    for (const blob of manifestBlobs(m.digest, m.bytes.byteLength, parseManifestBytes(m.bytes, m.mediaType))) blobs.set(blob.digest, blob);
  }
  return [...blobs.values()];
}

function asAppError(error: unknown): unknown {
  if (error instanceof ImportRefusedError) return new ImportArchiveError(`Not imported: ${error.message}`);
  if (error instanceof RegistryError && error.status < 500) return new ImportArchiveError(`Not imported: the registry refused the archive's content: ${error.message}`);
  if (error instanceof RegistryError) return new AppError(`The registry failed the import: ${error.message}`, 502, "BAD_GATEWAY");
  if (error instanceof RegistryUnavailableError) return new AppError("The registry is unavailable; nothing was imported.", 503, "SERVICE_UNAVAILABLE");
  return error;
}
