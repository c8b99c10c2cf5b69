import "server-only";
import { z } from "zod";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { NotFoundError } from "@/lib/errors";
import type { AccessoryType } from "@/lib/generated/prisma/client";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { isDigest } from "@/lib/oci/digest";
import { RegistryError } from "@/lib/registry/errors";
import { parseImageConfig, parseManifest } from "@/lib/oci/manifest";
import { isIndexMediaType } from "@/lib/oci/media-types";
import { formatReference } from "@/lib/oci/reference";
import type { ProjectPermission } from "@/lib/services/authz/project-roles";
import { labelsOfArtifacts } from "@/lib/services/labels/artifact-labels";
import type { LabelView } from "@/lib/services/labels/labels";
import { type Page, skipTake } from "@/lib/services/pagination";
import { CONFIG_MAX_BYTES } from "@/lib/services/repositories/index-manifest";
import { resolveRepository } from "@/lib/services/repositories/repository-access";
import { readBounded } from "@/lib/streams/read-bounded";

/** Bounds on what the detail page reads and shows (the manifest itself is capped at 4 MiB by the client). */
const TAGS_PAGE_SIZE = 20;
const MAX_CHILDREN = 200;
const MAX_ACCESSORIES = 100;
const MAX_LAYERS = 500;
const MAX_HISTORY = 500;

export type ArtifactDetail = {
  id: number;
  repository: string;
  projectId: number;
  digest: string;
  mediaType: string;
  artifactType: string | null;
  manifestSize: number;
  totalSize: bigint;
  pushedAt: Date;
  pulledAt: Date | null;
  os: string | null;
  architecture: string | null;
  variant: string | null;
  created: Date | null;
  author: string | null;
  annotations: Record<string, string>;
  isIndex: boolean;
  tags: Page<{ id: number; name: string; pushedAt: Date; pulledAt: Date | null }>;
  layers: { mediaType: string | null; digest: string; size: number }[];
  history: { created: string | null; createdBy: string | null; comment: string | null; emptyLayer: boolean }[];
  children: { digest: string; childId: number | null; indexed: boolean; os: string | null; architecture: string | null; variant: string | null; osVersion: string | null }[];
  accessories: { id: number; digest: string; accessoryType: AccessoryType | null; artifactType: string | null; totalSize: bigint; pushedAt: Date }[];
  /** Set for an accessory (signature, SBOM, ...): what it is attached to, and its kind. */
  accessoryType: AccessoryType | null;
  /** The artifact an accessory is about; `indexed` when that digest is in the index (it may arrive later). */
  subject: { digest: string; indexed: boolean; tags: string[] } | null;
  /** Its labels, by name. */
  labels: LabelView[];
  /** The manifest as stored, pretty-printed; null when the registry could not give it. */
  manifestJson: string | null;
  viewerPermissions: ProjectPermission[];
};

/**
 * One artifact by digest or tag (artifact:read): the indexed overview, one page of its tags,
 * children and accessories from the index; layers, build history and the manifest JSON read from
 * the registry with bounded reads (a missing or oversized blob leaves those parts empty rather
 * than failing the page).
 */
export async function getArtifact({
  actor,
  repository,
  reference,
  projectId,
  tagPage = 1,
}: {
  actor: Actor;
  repository: string;
  reference: string;
  projectId?: number;
  tagPage?: number;
}): Promise<ArtifactDetail> {
  const { project, repo, granted } = await resolveRepository(actor, repository, "artifact:read", { projectId });
  const artifact = isDigest(reference)
    ? await db.artifact.findUnique({ where: { repositoryId_digest: { repositoryId: repo.id, digest: reference } } })
    : (await db.tag.findUnique({ where: { repositoryId_name: { repositoryId: repo.id, name: reference } }, select: { artifact: true } }))?.artifact;
  if (!artifact) throw new NotFoundError(`Artifact ${formatReference(repository, reference)} not found.`);

  const [tags, children, accessories, subjectTags, labels] = await Promise.all([
    tagPageOf(artifact.id, tagPage),
    db.artifactReference.findMany({
      where: { parentId: artifact.id },
      select: { childDigest: true, childId: true, os: true, architecture: true, variant: true, osVersion: true },
      orderBy: { position: "asc" },
      take: MAX_CHILDREN,
    }),
    db.artifact.findMany({
      where: { subjectArtifactId: artifact.id },
      select: { id: true, digest: true, accessoryType: true, artifactType: true, totalSize: true, pushedAt: true },
      orderBy: [{ pushedAt: "desc" }, { id: "desc" }],
      take: MAX_ACCESSORIES,
    }),
    // An accessory's page names its subject by a tag or two besides the digest.
    artifact.subjectArtifactId === null
      ? []
      : db.tag.findMany({ where: { artifactId: artifact.subjectArtifactId }, select: { name: true }, orderBy: [{ pushedAt: "desc" }, { id: "desc" }], take: 3 }),
    labelsOfArtifacts([artifact.id]),
  ]);

  const fromRegistry = await readManifestParts(repository, artifact.digest, artifact.mediaType);
  return {
    id: artifact.id,
    repository,
    projectId: project.id,
    digest: artifact.digest,
    mediaType: artifact.mediaType,
    artifactType: artifact.artifactType,
    manifestSize: artifact.manifestSize,
    totalSize: artifact.totalSize,
    pushedAt: artifact.pushedAt,
    pulledAt: artifact.pulledAt,
    os: artifact.os,
    architecture: artifact.architecture,
    variant: artifact.variant,
    created: artifact.created,
    author: artifact.author,
    annotations: stringRecord(artifact.annotations),
    isIndex: isIndexMediaType(artifact.mediaType),
    tags,
    children: children.map(({ childDigest, childId, ...platform }) => ({ digest: childDigest, childId, indexed: childId !== null, ...platform })),
    accessories,
    accessoryType: artifact.accessoryType,
    labels: labels.get(artifact.id) ?? [],
    subject: artifact.subjectDigest ? { digest: artifact.subjectDigest, indexed: artifact.subjectArtifactId !== null, tags: subjectTags.map((t) => t.name) } : null,
    ...fromRegistry,
    viewerPermissions: [...granted],
  };
}

/** What the calls under one artifact need to know about it, from the index alone. */
export type ArtifactRef = { projectId: number; repositoryId: number; id: number; digest: string; mediaType: string; isIndex: boolean };

/**
 * Resolves a tag or digest to its artifact (artifact:read) from the index only: no registry
 * request, so listing tags or checking a reference before a tag or artifact delete costs two
 * indexed queries whatever the registry is doing.
 */
export async function findArtifactRef({
  actor,
  repository,
  reference,
  projectId,
}: {
  actor: Actor;
  repository: string;
  reference: string;
  projectId?: number;
}): Promise<ArtifactRef> {
  const { project, repo } = await resolveRepository(actor, repository, "artifact:read", { projectId });
  const select = { id: true, digest: true, mediaType: true } as const;
  const artifact = isDigest(reference)
    ? await db.artifact.findUnique({ where: { repositoryId_digest: { repositoryId: repo.id, digest: reference } }, select })
    : (await db.tag.findUnique({ where: { repositoryId_name: { repositoryId: repo.id, name: reference } }, select: { artifact: { select } } }))?.artifact;
  if (!artifact) throw new NotFoundError(`Artifact ${formatReference(repository, reference)} not found.`);
  return { projectId: project.id, repositoryId: repo.id, ...artifact, isIndex: isIndexMediaType(artifact.mediaType) };
}

/** One page of an artifact's tags (newest push first), from the index only. */
export async function listArtifactTags({
  actor,
  repository,
  reference,
  page = 1,
}: {
  actor: Actor;
  repository: string;
  reference: string;
  page?: number;
}): Promise<{ artifact: ArtifactRef; tags: ArtifactDetail["tags"] }> {
  const artifact = await findArtifactRef({ actor, repository, reference });
  return { artifact, tags: await tagPageOf(artifact.id, page) };
}

/**
 * An image's build history (artifact:read): the manifest and the config are read from the
 * registry, nothing else (no tags, children, accessories or layer list). Null for an index.
 */
export async function getBuildHistory({ actor, repository, reference }: { actor: Actor; repository: string; reference: string }): Promise<ArtifactDetail["history"] | null> {
  const artifact = await findArtifactRef({ actor, repository, reference });
  if (artifact.isIndex) return null;
  let manifest;
  try {
    manifest = await getBackingRegistry().getManifest(repository, artifact.digest);
  } catch (error) {
    // As on the detail page: the index may be ahead of the registry; no history then.
    if (error instanceof RegistryError) return [];
    throw error;
  }
  const parsed = parseManifest(manifest.json, artifact.mediaType);
  const config = parsed.ok && parsed.manifest.kind === "image" ? parsed.manifest.config : undefined;
  return config && config.size <= CONFIG_MAX_BYTES ? readHistory(repository, config.digest) : [];
}

async function tagPageOf(artifactId: number, page: number): Promise<ArtifactDetail["tags"]> {
  const [rows, total] = await Promise.all([
    db.tag.findMany({
      where: { artifactId },
      select: { id: true, name: true, pushedAt: true, pulledAt: true },
      orderBy: [{ pushedAt: "desc" }, { id: "desc" }],
      ...skipTake(page, TAGS_PAGE_SIZE),
    }),
    db.tag.count({ where: { artifactId } }),
  ]);
  return { rows, total, page, pageSize: TAGS_PAGE_SIZE };
}

function stringRecord(value: unknown): Record<string, string> {
  const parsed = z.record(z.string(), z.string()).safeParse(value);
  return parsed.success ? parsed.data : {};
}

async function readManifestParts(repository: string, digest: string, mediaType: string) {
  const registry = getBackingRegistry();
  const empty = { layers: [], history: [], manifestJson: null };
  let manifest;
  try {
    manifest = await registry.getManifest(repository, digest);
  } catch (error) {
    // The index may be ahead of the registry (content deleted behind Wharf's back): the page still
    // shows what is indexed; the reconcile job will catch up.
    if (error instanceof RegistryError) return empty;
    throw error;
  }
  const manifestJson = JSON.stringify(manifest.json, null, 2);
  if (isIndexMediaType(mediaType)) return { ...empty, manifestJson };
  const parsed = parseManifest(manifest.json, mediaType);
  // A manifest that does not parse as an image shows no layers and no history.
  const image = parsed.ok && parsed.manifest.kind === "image" ? parsed.manifest : null;
  const layers = (image?.layers ?? []).slice(0, MAX_LAYERS).map((l) => ({ mediaType: l.mediaType ?? null, digest: l.digest, size: l.size }));
  const history = image && image.config.size <= CONFIG_MAX_BYTES ? await readHistory(repository, image.config.digest) : [];
  return { layers, history, manifestJson };
}

async function readHistory(repository: string, configDigest: string): Promise<ArtifactDetail["history"]> {
  try {
    const blob = await getBackingRegistry().getBlob(repository, configDigest);
    const bytes = await readBounded(blob.stream, CONFIG_MAX_BYTES);
    if (!bytes) return [];
    const config = parseImageConfig(bytes);
    return (config?.history ?? []).slice(0, MAX_HISTORY).map((h) => ({
      created: h.created ?? null,
      createdBy: h.created_by ?? null,
      comment: h.comment ?? null,
      emptyLayer: h.empty_layer ?? false,
    }));
  } catch {
    // Not an image config, not JSON, or unreadable: the build history is simply not shown.
    return [];
  }
}
