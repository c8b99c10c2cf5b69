import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { getServerEnv } from "@/lib/env";
import { AppError, NotFoundError, ValidationError } from "@/lib/errors";
import { isDigest } from "@/lib/oci/digest";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { RegistryError, RegistryUnavailableError } from "@/lib/registry/errors";
import { type ArchiveFormat, parsePlatform } from "@/lib/oci/archive";
import { ArchiveRequestError, archiveStream, planArchive } from "@/lib/registry/image-archive";
import { type TArtifactDownload, ZArtifactDownload } from "@/lib/validation/artifact-archive";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { artifactName } from "@/lib/services/repositories/record-registry-traffic";
import { resolveRepository } from "@/lib/services/repositories/repository-access";

export type ArtifactDownload = {
  fileName: string;
  format: ArchiveFormat;
  digest: string;
  /** Bytes of the blobs the tar carries (the tar itself is a little larger). */
  blobBytes: number;
  stream: ReadableStream<Uint8Array>;
};

/**
 * An artifact as a tar (repository:pull, as a pull): a docker-archive of one image (an index's
 * child chosen by `platform`) or an OCI image layout (an index whole, or one platform of it).
 * Everything that can be refused is decided before the first byte: bad options, a platform the
 * index lacks, a docker-archive of an index without a platform or of something that is not a
 * container image are a 400 with nothing written. Then one `artifact.download` audit row, and the
 * tar streamed from the registry (see lib/registry/image-archive).
 */
export async function downloadArtifact({
  actor,
  repository,
  reference,
  options,
  projectId,
}: {
  actor: Actor;
  repository: string;
  reference: string;
  options: TArtifactDownload;
  projectId?: number;
}): Promise<ArtifactDownload> {
  const name = artifactName(repository, reference);
  const { project, repo } = await resolveRepository(actor, repository, "repository:pull", {
    projectId,
    resource: { type: "artifact", name },
    operation: "artifact.download",
  });
  const input = ZArtifactDownload.safeParse(options);
  if (!input.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of input.error.issues) (fieldErrors[String(issue.path[0] ?? "")] ??= []).push(issue.message);
    throw new ValidationError(input.error.issues.map((i) => i.message).join("; "), fieldErrors);
  }
  const { format, platform } = input.data;
  const select = { id: true, digest: true, mediaType: true } as const;
  const artifact = isDigest(reference)
    ? await db.artifact.findUnique({ where: { repositoryId_digest: { repositoryId: repo.id, digest: reference } }, select })
    : (await db.tag.findUnique({ where: { repositoryId_name: { repositoryId: repo.id, name: reference } }, select: { artifact: { select } } }))?.artifact;
  if (!artifact) throw new NotFoundError(`Artifact ${name} not found.`);
  const tag = isDigest(reference) ? null : reference;

  const registry = getBackingRegistry();
  let plan;
  try {
    const top = await registry.getManifest(repository, artifact.digest);
    plan = await planArchive({
      registry,
      repository,
      top,
      format,
      platform: platform ? parsePlatform(platform) : null,
      tag,
      repoTag: tag ? `${new URL(getServerEnv().externalUrl).host}/${repository}:${tag}` : null,
    });
  } catch (error) {
    throw asAppError(error, name);
  }

  await db.$transaction(async (tx) => {
    await recordAuditEvent(tx, {
      actor,
      action: "artifact.download",
      resource: { type: "artifact", id: artifact.id, name },
      projectId: project.id,
      detail: { format, digest: artifact.digest, ...(plan.digest !== artifact.digest ? { image: plan.digest } : {}), platform: plan.platform, blobs: plan.blobs, bytes: plan.bytes },
    });
  });
  const base = `${repository.split("/").pop() ?? "image"}-${tag ?? artifact.digest.slice(7, 19)}${plan.platform && plan.platform !== "all" ? `-${plan.platform.replaceAll("/", "-")}` : ""}`;
  return {
    fileName: `${base.replace(/[^\w.-]/g, "_")}.${format === "docker-archive" ? "docker" : "oci"}.tar`,
    format,
    digest: plan.digest,
    blobBytes: plan.bytes,
    stream: archiveStream(registry, repository, plan),
  };
}

function asAppError(error: unknown, name: string): unknown {
  if (error instanceof ArchiveRequestError) return new ValidationError(`Cannot download ${name}: ${error.message}`);
  if (error instanceof RegistryError && error.status === 404) return new NotFoundError(`Artifact ${name} is not in the registry (${error.code}).`);
  if (error instanceof RegistryError) return new AppError(`The registry refused ${name}: ${error.message}`, 502, "BAD_GATEWAY");
  if (error instanceof RegistryUnavailableError) return new AppError("The registry is unavailable; nothing was downloaded.", 503, "SERVICE_UNAVAILABLE");
  return error;
}
