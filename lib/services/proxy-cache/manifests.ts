import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { isDigest } from "@/lib/oci/digest";
import { RegistryError, RegistryUnavailableError } from "@/lib/registry/errors";
import { messageOf } from "@/lib/services/proxy-cache/blobs";
import { scheduleArtifactCache } from "@/lib/services/proxy-cache/cache-artifact";
import { recordProxyFetch } from "@/lib/services/proxy-cache/fetch-log";
import { type ProxyUpstream, proxyUpstream, upstreamRepositoryOf } from "@/lib/services/proxy-cache/upstream";
import { artifactName } from "@/lib/services/repositories/record-registry-traffic";

/**
 * A manifest read in a proxy-cache project (issue 13 item 1), answered by Wharf rather than
 * forwarded: every manifest the project fetched is kept in proxy_manifests, and served from there.
 *
 * - By digest: from the cache, without asking the upstream (a digest names its bytes forever);
 *   else fetched from the upstream once.
 * - By tag: the upstream is asked which digest the tag names now (a HEAD, which Docker Hub does not
 *   count against its pull rate limit), and that digest is served from the cache, or fetched.
 *   When the upstream cannot be asked (unreachable, refusing our credentials, rate-limiting),
 *   the digest the tag had when it was cached is served, with a warning in the log.
 * - A manifest fetched is stored before it is answered, and its caching into the registry and the
 *   index is scheduled (cache-artifact.ts).
 */

export type ProxyManifest = { kind: "manifest"; digest: string; mediaType: string; bytes: Uint8Array; from: "cache" | "upstream" };
export type ProxyManifestAnswer = ProxyManifest | { kind: "unknown"; message: string };

export type ProxyManifestRequest = { actor: Actor; projectId: number; registryId: number; repository: string; reference: string };

export async function proxyManifest(request: ProxyManifestRequest): Promise<ProxyManifestAnswer> {
  const { repository, reference } = request;
  let upstream: ProxyUpstream;
  try {
    upstream = await proxyUpstream(request.registryId);
  } catch (error) {
    if (!(error instanceof RegistryUnavailableError)) throw error;
    return offline(request, error);
  }
  const upstreamRepository = upstreamRepositoryOf(repository, upstream.dockerHub);

  let digest = reference;
  if (!isDigest(reference)) {
    try {
      const head = await upstream.client.headManifest(upstreamRepository, reference);
      if (!head) return { kind: "unknown", message: `${upstream.source} has no manifest ${artifactName(upstreamRepository, reference)}.` };
      digest = head.digest;
    } catch (error) {
      if (!upstreamDown(error)) throw error;
      return offline(request, error as Error);
    }
  }
  const cached = await storedManifest(repository, digest);
  if (cached) {
    if (!isDigest(reference)) await scheduleIfTagMoved(request, upstream, cached);
    return cached;
  }

  const log = { projectId: request.projectId, repository, upstreamRepository, kind: "manifest" as const, reference, source: upstream.source };
  let fetched;
  try {
    fetched = await upstream.client.getManifest(upstreamRepository, digest);
  } catch (error) {
    await recordProxyFetch({ ...log, digest: isDigest(digest) ? digest : null, bytes: 0, error: messageOf(error) });
    if (error instanceof RegistryError && error.status === 404) {
      return { kind: "unknown", message: `${upstream.source} has no manifest ${artifactName(upstreamRepository, reference)}.` };
    }
    if (!upstreamDown(error)) throw error;
    return offline(request, error as Error);
  }
  await recordProxyFetch({ ...log, digest: fetched.digest, bytes: fetched.bytes.byteLength });
  // Concurrent first pulls store the same bytes: the first row stands (ON CONFLICT DO NOTHING).
  await db.proxyManifest.createMany({
    data: [{ projectId: request.projectId, repository, digest: fetched.digest, mediaType: fetched.mediaType, bytes: Buffer.from(fetched.bytes) }],
    skipDuplicates: true,
  });
  const tag = isDigest(reference) ? null : reference;
  scheduleArtifactCache({ ...cacheTarget(request, upstream), digest: fetched.digest, mediaType: fetched.mediaType, bytes: fetched.bytes, tag });
  return { kind: "manifest", digest: fetched.digest, mediaType: fetched.mediaType, bytes: fetched.bytes, from: "upstream" };
}

/** The upstream cannot answer now, as opposed to answering that something is wrong with the request. */
function upstreamDown(error: unknown): boolean {
  return error instanceof RegistryUnavailableError || (error instanceof RegistryError && (error.status === 429 || error.status === 401 || error.status === 403));
}

/** The upstream is down: the tag's cached digest (or the digest itself) from the cache, or a clear refusal. */
async function offline(request: ProxyManifestRequest, error: Error): Promise<ProxyManifestAnswer> {
  const { repository, reference } = request;
  const digest = isDigest(reference) ? reference : await cachedTagDigest(repository, reference);
  const cached = digest ? await storedManifest(repository, digest) : null;
  if (!cached) {
    return { kind: "unknown", message: `${artifactName(repository, reference)} is not in the cache, and the upstream registry cannot be asked: ${error.message}` };
  }
  if (!isDigest(reference)) console.warn(`wharf: proxy cache: serving ${artifactName(repository, reference)} from the cache (${cached.digest}): the upstream cannot be asked: ${error.message}`);
  return cached;
}

async function storedManifest(repository: string, digest: string): Promise<ProxyManifest | null> {
  const row = await db.proxyManifest.findUnique({ where: { repository_digest: { repository, digest } }, select: { digest: true, mediaType: true, bytes: true } });
  return row ? { kind: "manifest", digest: row.digest, mediaType: row.mediaType, bytes: new Uint8Array(row.bytes), from: "cache" } : null;
}

/** The digest `tag` pointed at in the index when it was last cached. */
async function cachedTagDigest(repository: string, tag: string): Promise<string | null> {
  const row = await db.tag.findFirst({ where: { name: tag, repository: { name: repository } }, select: { artifact: { select: { digest: true } } } });
  return row?.artifact.digest ?? null;
}

/** A tag the upstream moved onto a digest the cache already holds: the index's tag follows it. */
async function scheduleIfTagMoved(request: ProxyManifestRequest, upstream: ProxyUpstream, cached: ProxyManifest): Promise<void> {
  if ((await cachedTagDigest(request.repository, request.reference)) === cached.digest) return;
  scheduleArtifactCache({ ...cacheTarget(request, upstream), digest: cached.digest, mediaType: cached.mediaType, bytes: cached.bytes, tag: request.reference });
}

function cacheTarget(request: ProxyManifestRequest, upstream: ProxyUpstream) {
  return { projectId: request.projectId, registryId: request.registryId, repository: request.repository, source: upstream.source, pulledBy: request.actor };
}
