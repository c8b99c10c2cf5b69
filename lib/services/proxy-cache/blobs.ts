import "server-only";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { recordProxyFetch } from "@/lib/services/proxy-cache/fetch-log";
import { proxyUpstream, upstreamRepositoryOf } from "@/lib/services/proxy-cache/upstream";

/**
 * A proxy-cache project's blobs, filled from its upstream on a miss (issue 13 items 1 and 4).
 *
 * One fill per blob per repository at a time, whoever asks (clients, or the artifact cacher after
 * a manifest): the first asker starts the fetch and the others wait on it, then read the blob from
 * the backing registry, so concurrent cold pulls fetch each blob from the upstream exactly once
 * (per Wharf process; instances do not share fills). The fetch is streamed straight into an upload
 * session of the backing registry and, for a client that started it, to that client at the same
 * time (a tee): the client does not wait for the whole blob to be cached first.
 *
 * - The registry verifies the digest when the upload is completed, so an upstream that dies or
 *   lies mid-blob never leaves a truncated or wrong blob in the cache (the session is abandoned).
 * - The client's branch is only a reader: a client that disconnects cancels its branch, not the
 *   fetch, and the cache is filled for the others all the same. A tee buffers what the slower
 *   branch has not read yet; the cache side is a loopback registry, so that is the client's lag.
 */

export type BlobFill = { kind: "stream"; stream: ReadableStream<Uint8Array>; size: number | null } | { kind: "cached" };

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
  const done = runFill(target, forClient, handOver);
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

async function runFill(target: BlobFillTarget, forClient: boolean, handOver: (fill: BlobFill) => void): Promise<void> {
  const { projectId, registryId, repository, digest } = target;
  const upstream = await proxyUpstream(registryId);
  const upstreamRepository = upstreamRepositoryOf(repository, upstream.dockerHub);
  const log = { projectId, repository, upstreamRepository, kind: "blob" as const, reference: digest, digest, source: upstream.source };
  let blob: { size: number; stream: ReadableStream<Uint8Array> };
  try {
    blob = await upstream.client.getBlob(upstreamRepository, digest);
  } catch (error) {
    await recordProxyFetch({ ...log, bytes: 0, error: messageOf(error) });
    throw error;
  }
  const size = blob.size >= 0 ? blob.size : null;
  let cacheSide = blob.stream;
  if (forClient) {
    const [client, cache] = blob.stream.tee();
    cacheSide = cache;
    handOver({ kind: "stream", stream: client, size });
  }
  let bytes = 0;
  const counted = cacheSide.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytes += chunk.byteLength;
        controller.enqueue(chunk);
      },
    }),
  );
  try {
    const registry = getBackingRegistry();
    const { uploadUrl } = await registry.startBlobUpload(repository);
    await registry.uploadBlob(uploadUrl, digest, counted, size === null ? {} : { size });
  } catch (error) {
    // Never leave the cache side unread: the tee would buffer the whole blob for it.
    await counted.cancel().catch(() => undefined);
    await recordProxyFetch({ ...log, bytes, error: messageOf(error) });
    console.warn(`wharf: proxy cache: ${repository}@${digest} from ${upstream.source} was not cached: ${messageOf(error)}`);
    throw error;
  }
  await recordProxyFetch({ ...log, bytes });
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
