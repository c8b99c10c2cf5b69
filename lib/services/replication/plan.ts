import "server-only";
import { db } from "@/lib/db/client";
import { DOCKER_CONTAINER_CONFIG, isImageManifestMediaType, isIndexMediaType, OCI_IMAGE_CONFIG } from "@/lib/oci/media-types";
import { isContainerImage, parseManifestBytes } from "@/lib/oci/manifest";
import { compileReplicationFilter, type ReplicationCandidate, type ReplicationFilter } from "@/lib/policy/replication";
import { compileRepositorySelector } from "@/lib/policy/selectors";
import type { RegistryClient } from "@/lib/registry/client";
import { isAccessoryTag } from "@/lib/registry/copy";
import { destinationRepository } from "@/lib/services/replication/policies";

/**
 * What one run of a policy does, artifact by artifact: the dry-run preview answers this list and
 * the real run writes it as its tasks, so the preview is exactly what the run copies. Scheduled and
 * manual runs copy or skip; deletions come only from delete events (Harbor does the same), so the
 * plan never deletes.
 */

export type PlannedOperation = "copy" | "skip";

export type PlannedArtifact = {
  operation: PlannedOperation;
  resourceType: "image" | "artifact";
  srcRepository: string;
  dstRepository: string;
  digest: string;
  /** The tags this artifact is replicated with (empty: by digest only). */
  tags: string[];
  /** Why, in words. */
  reason: string;
};

export type PlanPolicy = {
  filters: ReplicationFilter;
  destNamespace: string | null;
  flattening: number;
  override: boolean;
};

export type SourceArtifact = ReplicationCandidate & { digest: string };

/** The most artifacts one plan lists: a policy that selects more is narrowed by its filters. */
export const MAX_PLANNED_ARTIFACTS = 10_000;

/**
 * Every tagged artifact of a remote registry whose repository the name filter selects (the tags
 * are listed only for those). An untagged artifact of a remote registry cannot be listed through
 * the Distribution API, so a pull replicates tagged artifacts (Harbor's pull does the same). The
 * Distribution API knows no labels: a remote artifact carries none, so a `matches` label filter
 * selects nothing from a pull and an `excludes` one everything.
 */
export async function* remoteSourceArtifacts(client: RegistryClient, filters: ReplicationFilter): AsyncIterable<SourceArtifact> {
  const name = filters.name ? compileRepositorySelector(filters.name) : null;
  let last: string | null = null;
  do {
    const page = await client.listCatalogPage({ n: 100, last });
    for (const repository of page.repositories) {
      if (name && !name.selects(repository)) continue;
      const byDigest = new Map<string, { tags: string[]; mediaType: string }>();
      for (const tag of await client.listTags(repository)) {
        const descriptor = await client.headManifest(repository, tag);
        // A tag deleted between the list and the HEAD is simply not there any more.
        if (!descriptor) continue;
        const entry = byDigest.get(descriptor.digest) ?? { tags: [], mediaType: descriptor.mediaType };
        entry.tags.push(tag);
        byDigest.set(descriptor.digest, entry);
      }
      for (const [digest, { tags, mediaType }] of byDigest) {
        // A signature or SBOM under the tag schema travels with its subject (policies for every
        // kind of artifact) or stays behind (images only); it is never a task of its own.
        if (tags.every(isAccessoryTag)) continue;
        yield { repository, digest, tags: tags.sort(), image: await isRemoteImage(client, repository, digest, mediaType, filters) };
      }
    }
    last = page.nextLast;
  } while (last);
}

/**
 * Whether a remote artifact is a container image. The media type rules most artifacts out; an
 * images-only policy also reads the manifest, since an SBOM or a signature is an image manifest
 * too (with a subject, an artifact type or another config). A policy for every kind needs no answer.
 */
async function isRemoteImage(client: RegistryClient, repository: string, digest: string, mediaType: string, filters: ReplicationFilter): Promise<boolean> {
  if (!isIndexMediaType(mediaType) && !isImageManifestMediaType(mediaType)) return false;
  if (filters.resource !== "image") return true;
  const fetched = await client.getManifest(repository, digest);
  const parsed = parseManifestBytes(fetched.bytes, fetched.mediaType);
  return parsed.ok && isContainerImage(parsed.manifest);
}

/**
 * Every artifact of Wharf's index, for a push: top-level artifacts only (an index's children and
 * an accessory travel with what they belong to), repositories being deleted left out.
 */
export async function* indexSourceArtifacts(filters: ReplicationFilter): AsyncIterable<SourceArtifact> {
  const name = filters.name ? compileRepositorySelector(filters.name) : null;
  let afterId = 0;
  for (;;) {
    const repositories = await db.repository.findMany({ where: { id: { gt: afterId }, deletingAt: null }, select: { id: true, name: true }, orderBy: { id: "asc" }, take: 200 });
    if (repositories.length === 0) return;
    afterId = repositories[repositories.length - 1]!.id;
    for (const repository of repositories) {
      if (name && !name.selects(repository.name)) continue;
      const artifacts = await db.artifact.findMany({
        where: { repositoryId: repository.id, subjectDigest: null, parents: { none: {} } },
        select: { digest: true, mediaType: true, artifactType: true, tags: { select: { name: true } }, labels: { select: { label: { select: { name: true } } } } },
        orderBy: { id: "asc" },
      });
      for (const artifact of artifacts) {
        // The index records an image's config media type as its artifact type (Harbor's reading).
        const imageType = artifact.artifactType === null || artifact.artifactType === OCI_IMAGE_CONFIG || artifact.artifactType === DOCKER_CONTAINER_CONFIG;
        const image = imageType && (isIndexMediaType(artifact.mediaType) || isImageManifestMediaType(artifact.mediaType));
        yield { repository: repository.name, digest: artifact.digest, tags: artifact.tags.map((t) => t.name).sort(), image, labels: artifact.labels.map((l) => l.label.name) };
      }
    }
  }
}

/**
 * Decides each source artifact: not selected by the filters -> not listed; a destination name the
 * flattening cannot make -> skip; every selected tag already at the destination with this digest
 * -> skip; a tag there with another digest and override off -> that tag is left out (and the
 * artifact skipped when no tag is left); otherwise copy.
 */
export async function planReplication({
  policy,
  sources,
  destination,
}: {
  policy: PlanPolicy;
  sources: AsyncIterable<SourceArtifact>;
  destination: RegistryClient;
}): Promise<PlannedArtifact[]> {
  const filter = compileReplicationFilter(policy.filters);
  const planned: PlannedArtifact[] = [];
  for await (const source of sources) {
    const selection = filter.select(source);
    if (!selection.selected) continue;
    if (planned.length >= MAX_PLANNED_ARTIFACTS) throw new Error(`The policy selects more than ${MAX_PLANNED_ARTIFACTS} artifacts; narrow its filters.`);
    const resourceType = source.image ? "image" : "artifact";
    const base = { resourceType, srcRepository: source.repository, digest: source.digest } as const;
    const dst = destinationRepository(source.repository, policy.destNamespace, policy.flattening);
    if (!dst.ok) {
      planned.push({ ...base, operation: "skip", dstRepository: "", tags: selection.tags, reason: `Skipped: ${dst.reason}.` });
      continue;
    }
    const item = { ...base, dstRepository: dst.repository };
    if (selection.tags.length === 0) {
      const there = await destination.headManifest(dst.repository, source.digest);
      planned.push(
        there
          ? { ...item, operation: "skip", tags: [], reason: "Skipped: the destination already has this digest." }
          : { ...item, operation: "copy", tags: [], reason: "Copy: untagged, not at the destination." },
      );
      continue;
    }
    const copyTags: string[] = [];
    const kept: string[] = [];
    const present: string[] = [];
    for (const tag of selection.tags) {
      const there = await destination.headManifest(dst.repository, tag);
      if (!there) copyTags.push(tag);
      else if (there.digest === source.digest) present.push(tag);
      else if (policy.override) copyTags.push(tag);
      else kept.push(tag);
    }
    const notes = [
      present.length ? `already there: ${present.join(", ")}` : "",
      kept.length ? `kept at the destination (another digest, override off): ${kept.join(", ")}` : "",
    ].filter(Boolean);
    if (copyTags.length === 0) {
      planned.push({ ...item, operation: "skip", tags: selection.tags, reason: `Skipped: ${notes.join("; ")}.` });
    } else {
      planned.push({ ...item, operation: "copy", tags: copyTags, reason: `Copy ${copyTags.join(", ")}${notes.length ? `; ${notes.join("; ")}` : ""}.` });
    }
  }
  return planned;
}
