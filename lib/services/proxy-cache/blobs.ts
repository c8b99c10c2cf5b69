import "server-only";
import { PassThrough, type Readable } from "node:stream";
import { getServerEnv } from "@/lib/env";
import { blobUploadQuotaDecision } from "@/lib/services/quotas/decision";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { RegistryError } from "@/lib/registry/errors";
import { bodyStream, forwardToRegistry, registerNodeBody } from "@/lib/registry/forward";
import { writeLocalBlob } from "@/lib/registry/local-blob-writer";
import { recordProxyFetch } from "@/lib/services/proxy-cache/fetch-log";
import { takeFillLease, withFillLease } from "@/lib/services/proxy-cache/fill-lease";
import { proxyUpstream, upstreamRepositoryOf } from "@/lib/services/proxy-cache/upstream";

/**
 * A proxy-cache project's blobs, filled from its upstream on a miss (issue 13 items 1 and 4).
 *
 * One fill per blob per repository at a time, whoever asks (clients, or the artifact cacher after
 * a manifest): the first asker starts the fetch and the others wait on it, then read the blob from
 * the backing registry, so concurrent cold pulls fetch each blob from the upstream exactly once —
 * shared in memory within a process, and across Wharf instances through a lease in Postgres
 * (fill-lease.ts): an instance without the lease waits for the blob to appear in the registry. The fetch is streamed straight into an upload
 * session of the backing registry and, for a client that started it, to that client at the same
 * time (one source piped to both): the client does not wait for the whole blob to be cached first.
 *
 * - Only bytes that hash to the digest are kept (the registry checks an upload's digest when it is
 *   completed; a write onto its disk is checked before the blob is renamed into place), so an
 *   upstream that dies or lies mid-blob never leaves a truncated or wrong blob in the cache.
 * - The client's side is only a reader: a client that disconnects is unpiped, not the fetch, and
 *   the cache is filled for the others all the same. Both sides move at the slower one's pace (a
 *   megabyte of buffer each), so memory stays flat whoever is slow.
 */

/** `stream`: the bytes as a web stream; `node`: the same, for Wharf's front to pipe as is (attachNodeBody). */
export type BlobFill = { kind: "stream"; stream: ReadableStream<Uint8Array>; node: Readable; size: number | null } | { kind: "cached" };

/** What each side of the fan-out holds before the source waits for it. */
const FAN_OUT_BUFFER = 1024 * 1024;

export type BlobFillTarget = { projectId: number; registryId: number; repository: string; digest: string };

const holder = globalThis as unknown as { wharfProxyBlobFills?: Map<string, Promise<void>> };
// On globalThis: Next's bundle and Wharf's front each load this module; the fills are one set.
const fills = (holder.wharfProxyBlobFills ??= new Map<string, Promise<void>>());

/**
 * Fills `digest` into `repository` from the upstream. With `forClient`, the first asker gets the
 * bytes as they arrive (`stream`); anyone who joins a fill under way gets `cached` once it is done.
 * Rejects with the upstream's error (RegistryError, RegistryUnavailableError) when the fetch fails
 * before any byte; a failure later errors the stream and the fill.
 */
export function fillBlob(target: BlobFillTarget, { forClient }: { forClient: boolean }): Promise<BlobFill> {
  const key = `${target.repository}@${target.digest}`;
  const running = fills.get(key);
  if (running) return running.then(() => ({ kind: "cached" }) as const);

  let handOver: (fill: BlobFill) => void = () => undefined;
  const handedOver = new Promise<BlobFill>((resolve) => (handOver = resolve));
  // Registered before any await, so that a second asker in the same tick joins this fill.
  const done = fillAcrossInstances(target, forClient, handOver);
  fills.set(key, done);
  done.then(
    () => fills.delete(key),
    () => fills.delete(key),
  );
  if (!forClient) return done.then(() => ({ kind: "cached" }) as const);
  // The client's stream once the upstream answered, or the failure that came first.
  return Promise.race([handedOver, done.then(() => ({ kind: "cached" }) as const)]);
}

/** Whether a fill of `digest` into `repository` is under way (tests, and the cacher's wait). */
export function blobFillUnderWay(repository: string, digest: string): boolean {
  return fills.has(`${repository}@${digest}`);
}

/** How often an instance waiting on another's fill looks for the blob; and for how long at most. */
const WAIT_POLL_MS = 250;
const WAIT_MAX_MS = 30 * 60_000;

/**
 * The fill, by this instance when it gets the blob's lease (fill-lease.ts), else a wait until the
 * instance holding it has put the blob into the backing registry (or given up its lease, which is
 * then taken here). The blob is looked for again once the lease is held: another instance may have
 * finished in between.
 */
async function fillAcrossInstances(target: BlobFillTarget, forClient: boolean, handOver: (fill: BlobFill) => void): Promise<void> {
  const { repository, digest } = target;
  const registry = getBackingRegistry();
  const deadline = Date.now() + WAIT_MAX_MS;
  for (;;) {
    if (await takeFillLease(repository, digest)) {
      return withFillLease(repository, digest, async () => {
        if (!(await registry.headBlob(repository, digest))) await runFill(target, forClient, handOver);
      });
    }
    if (await registry.headBlob(repository, digest)) return;
    if (Date.now() > deadline) throw new RegistryError(504, "BLOB_UNKNOWN", `Another Wharf instance has been fetching ${digest} for ${WAIT_MAX_MS / 60_000} minutes without finishing.`);
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
}

async function runFill(target: BlobFillTarget, forClient: boolean, handOver: (fill: BlobFill) => void): Promise<void> {
  const { projectId, registryId, repository, digest } = target;
  const upstream = await proxyUpstream(registryId);
  const upstreamRepository = upstreamRepositoryOf(repository, upstream.dockerHub);
  const log = { projectId, repository, upstreamRepository, kind: "blob" as const, reference: digest, digest, source: upstream.source };
  let blob: { size: number; stream: Readable };
  try {
    blob = await upstream.client.getBlobNode(upstreamRepository, digest);
  } catch (error) {
    await recordProxyFetch({ ...log, bytes: 0, error: messageOf(error) });
    throw error;
  }
  const size = blob.size >= 0 ? blob.size : null;
  // Over its storage quota, a proxy-cache project still answers pulls, as Harbor's does: the bytes
  // go to the client straight from the upstream and nothing more is cached (the next pull asks the
  // upstream again). The fill then fails, so anyone who joined it asks again rather than finding nothing.
  const quota = await blobUploadQuotaDecision({ projectId });
  if (!quota.allowed) {
    const notCached = `not cached: ${quota.message}`;
    if (forClient) {
      const client = new PassThrough({ highWaterMark: FAN_OUT_BUFFER });
      blob.stream.on("error", (error) => client.destroy(error));
      client.on("error", () => undefined);
      blob.stream.pipe(client);
      handOver({ kind: "stream", stream: bodyStream(client), node: client, size });
    } else {
      blob.stream.destroy();
    }
    await recordProxyFetch({ ...log, bytes: size ?? 0, error: notCached });
    throw new RegistryError(403, "DENIED", notCached);
  }
  // Node streams throughout (as the gateway's own transport, lib/registry/forward.ts): web
  // streams pay several promises per chunk, twice over in a fan-out. One source piped to the cache
  // and to the client moves at the slower one's pace; a client that leaves is unpiped (its
  // stream's close), so the cache goes on. The source's failure is passed to both by hand (pipe
  // does not).
  const source = blob.stream;
  const cacheSide = new PassThrough({ highWaterMark: FAN_OUT_BUFFER });
  let bytes = 0;
  source.on("data", (chunk: Buffer) => (bytes += chunk.length));
  source.on("error", (error) => cacheSide.destroy(error));
  // Each side's consumer sees its failure (the upload fails, the client's connection is cut);
  // these listeners keep the event from counting as unhandled when a consumer has already gone.
  cacheSide.on("error", () => undefined);
  source.pipe(cacheSide);
  let clientSide: PassThrough | null = null;
  if (forClient) {
    const client = new PassThrough({ highWaterMark: FAN_OUT_BUFFER });
    clientSide = client;
    source.on("error", (error) => client.destroy(error));
    client.on("error", () => undefined);
    source.pipe(client);
    handOver({ kind: "stream", stream: bodyStream(client), node: client, size });
  }
  try {
    await cacheInBackingRegistry(repository, digest, cacheSide, size);
  } catch (error) {
    // The client (if any) keeps its bytes; nothing is left waiting on the cache side.
    source.unpipe(cacheSide);
    cacheSide.destroy();
    if (!clientSide || clientSide.destroyed) source.destroy();
    await recordProxyFetch({ ...log, bytes, error: messageOf(error) });
    console.warn(`wharf: proxy cache: ${repository}@${digest} from ${upstream.source} was not cached: ${messageOf(error)}`);
    throw error;
  }
  await recordProxyFetch({ ...log, bytes });
}

/**
 * The fetched bytes into the backing registry: straight onto its disk when Wharf shares it
 * (writeLocalBlob: hashed once, by Wharf, instead of sent over HTTP and hashed again by the
 * registry), else into an upload session. Either way only bytes that match `digest` are kept.
 */
function cacheInBackingRegistry(repository: string, digest: string, body: Readable, size: number | null): Promise<void> {
  const storageDir = getServerEnv().WHARF_REGISTRY_STORAGE_DIR;
  if (storageDir) return writeLocalBlob({ storageDir, repository, digest, source: body, size });
  return uploadToBackingRegistry(repository, digest, body, size);
}

/** A node-stream blob into an upload session of the backing registry, in one PUT the registry checks against `digest`. */
async function uploadToBackingRegistry(repository: string, digest: string, body: Readable, size: number | null): Promise<void> {
  const { uploadUrl } = await getBackingRegistry().startBlobUpload(repository);
  const url = new URL(uploadUrl);
  const query = new URLSearchParams(url.search);
  query.set("digest", digest);
  const headers = new Headers({ "content-type": "application/octet-stream" });
  if (size !== null) headers.set("content-length", String(size));
  const answer = await forwardToRegistry({ method: "PUT", path: url.pathname, query, headers, body: registerNodeBody(body) }, { externalUrl: getServerEnv().externalUrl });
  const text = await answer.text().catch(() => "");
  if (answer.status !== 201) throw new RegistryError(answer.status, "BLOB_UPLOAD_INVALID", `The backing registry refused the cached blob ${digest} (HTTP ${answer.status}): ${text.slice(0, 300)}`);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A HEAD of a blob the cache lacks, asked of the upstream (no fetch: a client probing for a layer
 * it may already have): its size, or null when the upstream has none. Throws when it cannot be asked.
 */
export async function upstreamBlobSize({ registryId, repository, digest }: Omit<BlobFillTarget, "projectId">): Promise<number | null> {
  const upstream = await proxyUpstream(registryId);
  const found = await upstream.client.headBlob(upstreamRepositoryOf(repository, upstream.dockerHub), digest);
  return found ? found.size : null;
}
