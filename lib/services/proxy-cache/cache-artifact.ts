import "server-only";
import { type Actor, actorName, systemActor } from "@/lib/auth/actor";
import { getServerEnv } from "@/lib/env";
import { parseManifestBytes, walkDescriptors } from "@/lib/oci/manifest";
import { copy } from "@/lib/registry/copy";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { fillBlob, messageOf } from "@/lib/services/proxy-cache/blobs";
import { proxyUpstream, upstreamRepositoryOf } from "@/lib/services/proxy-cache/upstream";
import { manifestBlobs, prepareManifest, writeArtifact } from "@/lib/services/repositories/index-manifest";
import { recordRefusal } from "@/lib/services/audit/record-audit-event";
import { manifestPushQuotaDecision } from "@/lib/services/quotas/decision";
import { artifactName } from "@/lib/services/repositories/record-registry-traffic";

/**
 * After a proxy-cache project served a manifest it fetched from its upstream, the artifact is
 * made a cached artifact like a pushed one (issue 13 item 2): in the backing registry (by the one
 * copy engine, lib/registry/copy.ts: an image's missing blobs filled through the same per-blob
 * fills the clients use, then its manifest) and in
 * Wharf's index (artifact, tag, sizes, platform), with one `artifact.cache` audit row, so
 * repositories, retention, quotas and scanning see it.
 *
 * It runs in the background, a moment after the manifest was answered: a client pulling the image
 * asks for the layers itself right away and starts their fills, which the cacher then joins; only
 * layers no client asks for (a client that has them locally) are fetched by the cacher. An index
 * is indexed at once with the children the cache holds (the others are cached when asked for);
 * Distribution takes an index only once it holds every child, so until then the index is served
 * from Wharf's copy of its bytes (proxy_manifests), as every proxied manifest is.
 */

export type CacheJob = {
  projectId: number;
  registryId: number;
  repository: string;
  digest: string;
  mediaType: string;
  bytes: Uint8Array;
  tag: string | null;
  source: string;
  /** Whose pull brought it in (named in the audit row). */
  pulledBy: Actor;
};

/** Long enough for a pulling client to ask for the layers first; short enough that the index soon knows the artifact. */
export const CACHE_DELAY_MS = 1_500;

const PROXY_ACTOR = systemActor("proxy-cache");

const holder = globalThis as unknown as { wharfProxyCacheJobs?: Map<string, Promise<void>> };
const jobs = (holder.wharfProxyCacheJobs ??= new Map<string, Promise<void>>());

/** Schedules the caching of a fetched manifest; a job for the same repository, digest and tag under way is not doubled. */
export function scheduleArtifactCache(job: CacheJob, delayMs = CACHE_DELAY_MS): void {
  const key = `${job.repository}@${job.digest}#${job.tag ?? ""}`;
  if (jobs.has(key)) return;
  const run = new Promise<void>((resolve) => setTimeout(resolve, delayMs))
    .then(() => cacheArtifact(job))
    .catch((error: unknown) => {
      // The pull was answered already; the next pull of it schedules the caching again.
      console.warn(`wharf: proxy cache: ${artifactName(job.repository, job.tag ?? job.digest)} from ${job.source} was not cached: ${messageOf(error)}`);
    })
    .finally(() => jobs.delete(key));
  jobs.set(key, run);
}

/** Resolves once every caching job scheduled so far has ended (tests; a graceful stop). */
export async function cacheJobsSettled(): Promise<void> {
  while (jobs.size > 0) await Promise.all([...jobs.values()]);
}

/** Caches one artifact now: its blobs and manifest into the registry (when it takes it), then the index. */
export async function cacheArtifact(job: CacheJob): Promise<void> {
  const { projectId, registryId, repository, digest, mediaType, bytes, tag } = job;
  const registry = getBackingRegistry();
  const parsed = parseManifestBytes(bytes, mediaType);
  const isIndex = parsed.ok && parsed.manifest.kind === "index";
  // The project's storage quota holds for the cache as for pushes: over it, the pull was answered
  // (from the upstream) but the artifact is not cached; one refusal row says why.
  const quota = await manifestPushQuotaDecision({ projectId, blobs: manifestBlobs(digest, bytes.byteLength, parsed) });
  if (!quota.allowed) {
    const name = artifactName(repository, tag ?? digest);
    await recordRefusal({ actor: PROXY_ACTOR, action: "artifact.cache", resource: { type: "artifact", name }, projectId, reason: quota.reason, detail: { digest, source: job.source, pulled_by: actorName(job.pulledBy) } });
    throw new Error(quota.message);
  }
  if (parsed.ok && parsed.manifest.kind !== "index") {
    // The copy engine, with the manifest in hand and the proxy's fills as its blob mover: the
    // upstream is asked for nothing but the blobs the registry lacks, each through the fill its
    // clients share, a few at a time; then the manifest goes in under its tag (or digest).
    const upstream = await proxyUpstream(registryId);
    await copy(
      upstream.client,
      registry,
      { srcRepository: upstreamRepositoryOf(repository, upstream.dockerHub), dstRepository: repository, reference: digest, tag },
      {
        root: { digest, mediaType, bytes },
        moveBlob: async (blob) => void (await fillBlob({ projectId, registryId, repository, digest: blob }, { forClient: false })),
      },
    );
  } else if (parsed.ok) {
    // An index: into the registry only once it holds every child (the others are cached when a
    // client asks for them, not fetched for the index).
    const children = walkDescriptors(parsed.manifest).filter((walked) => walked.role === "manifest");
    const held = await Promise.all(children.map(({ descriptor }) => registry.headManifest(repository, descriptor.digest)));
    if (held.every((child) => child !== null)) {
      await registry.putManifest(repository, digest, mediaType, bytes);
      if (tag) await registry.putManifest(repository, tag, mediaType, bytes);
    }
  }
  const prepared = await prepareManifest({
    registry,
    repository,
    manifest: { digest, mediaType, bytes },
    tag,
    // An index's children not cached yet are not fetched for it (they would be fetched from the
    // upstream for nothing): they are indexed when a client asks for them.
    ...(isIndex ? { depth: 1 } : {}),
    localStorageDir: getServerEnv().WHARF_REGISTRY_STORAGE_DIR,
  });
  const name = artifactName(repository, tag ?? digest);
  await writeArtifact({
    actor: PROXY_ACTOR,
    projectId,
    repository,
    prepared,
    tag,
    audit: {
      actor: PROXY_ACTOR,
      action: "artifact.cache",
      resource: { type: "artifact", name },
      projectId,
      detail: { digest, mediaType, source: job.source, pulled_by: actorName(job.pulledBy) },
    },
  });
}
