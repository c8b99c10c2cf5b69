import { isDigest } from "@/lib/oci/digest";
import { decodeJson, isNonDistributable, parseManifest, walkDescriptors } from "@/lib/oci/manifest";
import { RegistryClient } from "@/lib/registry/client";
import { endpointClient, type RegistryEndpoint, sameRegistry } from "@/lib/registry/endpoint";
import { ByteRateLimiter } from "@/lib/registry/rate-limit";
import { DEFAULT_RETRY, type RetryOptions, withRetry } from "@/lib/registry/retry";

/**
 * The copy engine: one manifest (an image, any artifact with config and layers, or an index with
 * its children) from a repository of one registry into a repository of the same or another
 * registry, digests unchanged. Copying an artifact in the console uses it today; replication and
 * the proxy cache will.
 *
 * - The manifest tree is read first (bounded: MAX_DEPTH, MAX_COPY_MANIFESTS), which gives the
 *   totals progress is reported against.
 * - Blobs: within one registry they are mounted across repositories (`?mount=&from=`: the
 *   registry links what it already stores, no byte moves); between registries the destination is
 *   asked first (HEAD) and a blob it has is skipped, then mounted from `mountFrom` (another
 *   repository of the destination) when given. Otherwise the blob is streamed from the source
 *   into an upload session of the destination with backpressure (read only as fast as the
 *   destination takes it), never held whole in memory (see RegistryClient.uploadBlob).
 * - `signal` stops the copy between steps and mid-blob (both requests are aborted); the root
 *   manifest is not written after an abort, so a stopped copy leaves no tag at the destination.
 * - Children are PUT by digest before the index that lists them (a registry refuses an index
 *   whose children it does not hold), and the root last, under its tag if it has one: the tag
 *   appears only once everything it points at is in place.
 * - Resume: every blob and child manifest finished is reported in the checkpoint; a copy given
 *   that checkpoint back skips them, so a retried copy does not move the same bytes again.
 *
 * - Blobs move `parallelism` at a time; each step (HEAD, mount, stream, manifest PUT) is retried
 *   with exponential backoff when the registry answers 5xx or does not answer (a destination
 *   restarting), never on a 4xx. A retried blob starts a fresh upload session and re-reads the
 *   source: a half-sent stream cannot be rewound.
 * - `bandwidthLimit` (bytes/s) is one token bucket over all of the copy's streams.
 * - `withAccessories`: signatures, SBOMs and other artifacts about the copied digest, found under
 *   the tags of the referrers tag schema (`sha256-<hex>` — the OCI 1.1 fallback index — and
 *   cosign's `sha256-<hex>.sig/.att/.sbom`), are copied after their subject under the same tags.
 *   Distribution 2.8 has no referrers API, so the tag schema is what every registry answers.
 *
 * Only registry work happens here; who may copy, and the index, are the services' business.
 */

/** An index of indexes is allowed by the spec; deeper nesting is refused (the index stops there too). */
const MAX_DEPTH = 2;
/** Manifests one copy may touch (the root, its children and theirs): a bound, not a quota. */
export const MAX_COPY_MANIFESTS = 1000;

/** The copy cannot be done as asked (too deep, too many manifests, not a manifest we can walk). */
export class CopyRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CopyRefusedError";
  }
}

/** A registry to copy from or to: an endpoint, or a client for one (which keeps its tokens). */
export type CopyEndpoint = RegistryClient | RegistryEndpoint;

export type CopyTarget = {
  srcRepository: string;
  dstRepository: string;
  /** A tag or digest in the source repository. */
  reference: string;
  /**
   * The tag the copy gets in the destination; null for none (by digest only). Unset: the source's
   * tag when `reference` is one, else none.
   */
  tag?: string | null;
};

export type CopyProgress = {
  blobsDone: number;
  blobsTotal: number;
  /** Bytes of the blobs done (however each was done: mounted, found, streamed or resumed). */
  bytesDone: number;
  bytesTotal: number;
  manifestsDone: number;
  manifestsTotal: number;
};

/** Digests (blobs and child manifests) already in the destination from an earlier attempt. */
export type CopyCheckpoint = { done: string[] };

export type CopyOptions = {
  /** Called after each blob and manifest, with the checkpoint to keep for a retry. */
  progress?: (progress: CopyProgress, checkpoint: CopyCheckpoint) => void | Promise<void>;
  resume?: CopyCheckpoint;
  /** Stops the copy between steps and in the middle of a blob's bytes. */
  signal?: AbortSignal;
  /** Blobs moved at the same time (default DEFAULT_COPY_PARALLELISM). */
  parallelism?: number;
  /** Bytes per second over all streams of this copy; unset or 0 for no limit. */
  bandwidthLimit?: number;
  /** Retry policy for transient failures (5xx, no answer); default DEFAULT_RETRY. */
  retry?: Partial<RetryOptions>;
  /** Called as bytes stream (cumulative bytes streamed by this copy), between the per-step reports. */
  onBytes?: (bytesStreamed: number) => void;
  /** Also copy the artifacts whose subject is the copied digest (signatures, SBOMs). */
  withAccessories?: boolean;
  /**
   * Another repository of the destination registry that may hold the blobs already (a previous
   * tag of the same image): mounting from it is tried before any byte moves.
   */
  mountFrom?: string;
  /**
   * The root manifest as the caller holds it already (a proxy cache answered a client with it):
   * the source is not asked for it again. Its digest must be `target.reference`'s.
   */
  root?: { digest: string; mediaType: string; bytes: Uint8Array };
  /**
   * Moves one blob the destination repository lacks, instead of the engine's own mount or stream
   * (a proxy cache's fill, which one blob's concurrent askers share). The engine still decides
   * which blobs to move, checks the destination first, runs them `parallelism` at a time, retries
   * nothing (the mover does what it must) and reports progress.
   */
  moveBlob?: (digest: string, size: number) => Promise<void>;
};

/** Small: a registry serves a few concurrent uploads per client well, and memory stays flat. */
export const DEFAULT_COPY_PARALLELISM = 4;

export type CopyResult = {
  digest: string;
  mediaType: string;
  /** The root manifest's bytes as stored (and now PUT into the destination). */
  bytes: Uint8Array;
  tag: string | null;
  /** How many manifests the copy covers (the root included). */
  manifests: number;
  blobsMounted: number;
  blobsStreamed: number;
  /** Blobs the destination had already, or an earlier attempt had finished. */
  blobsSkipped: number;
  bytesStreamed: number;
  progress: CopyProgress;
  checkpoint: CopyCheckpoint;
  /** Accessories copied with the subject (withAccessories), with their manifests (to index them). */
  accessories?: CopiedAccessory[];
  /**
   * With a bandwidth limit: the limit, the bytes that went through it (every byte streamed) and how
   * often a chunk waited for it.
   */
  throttle?: { bytesPerSecond: number; bytes: number; waits: number };
  /** The most blobs this copy had under way at once (at most its parallelism). */
  maxBlobsInFlight: number;
};

type Fetched = { digest: string; mediaType: string; bytes: Uint8Array; json: unknown };
type Plan = {
  /** Child manifests, children before their parents; the root is not among them. */
  children: Fetched[];
  /** Distributable blobs of every image in the tree, once each, with sizes. */
  blobs: Map<string, number>;
  manifests: number;
};

function clientOf(endpoint: CopyEndpoint): RegistryClient {
  return endpoint instanceof RegistryClient ? endpoint : endpointClient(endpoint);
}

export async function copy(srcEndpoint: CopyEndpoint, dstEndpoint: CopyEndpoint, target: CopyTarget, options: CopyOptions = {}): Promise<CopyResult> {
  const src = clientOf(srcEndpoint);
  const dst = clientOf(dstEndpoint);
  const { srcRepository, dstRepository, reference } = target;
  const tag = target.tag === undefined ? (isDigest(reference) ? null : reference) : target.tag;
  const { signal } = options;
  const finished = new Set(options.resume?.done ?? []);
  const checkpoint = (): CopyCheckpoint => ({ done: [...finished] });
  const sameRegistryCopy = sameRegistry(src, dst);
  // Within one repository of one registry everything is in place already: only the tag is written.
  const inPlace = sameRegistryCopy && srcRepository === dstRepository;

  signal?.throwIfAborted();
  const root = options.root ? fetchedOf(options.root, reference) : await src.getManifest(srcRepository, reference);
  const plan: Plan = { children: [], blobs: new Map(), manifests: 0 };
  await walk(src, srcRepository, root, 0, plan, inPlace);

  const progress: CopyProgress = {
    blobsDone: 0,
    blobsTotal: plan.blobs.size,
    bytesDone: 0,
    bytesTotal: [...plan.blobs.values()].reduce((sum, size) => sum + size, 0),
    manifestsDone: 0,
    manifestsTotal: plan.manifests,
  };
  const result = { blobsMounted: 0, blobsStreamed: 0, blobsSkipped: 0, bytesStreamed: 0 };
  const report = async () => options.progress?.({ ...progress }, checkpoint());

  const retry: RetryOptions = { ...DEFAULT_RETRY, ...options.retry, signal };
  const limiter = options.bandwidthLimit ? new ByteRateLimiter(options.bandwidthLimit) : null;
  const stream = { limiter, signal, onBytes: options.onBytes, streamed: 0 };
  const { mountFrom } = options;

  let blobsInFlight = 0;
  let maxBlobsInFlight = 0;
  const copyBlob = async (digest: string, size: number) => {
    if (finished.has(digest)) {
      result.blobsSkipped += 1;
      return;
    }
    blobsInFlight += 1;
    maxBlobsInFlight = Math.max(maxBlobsInFlight, blobsInFlight);
    try {
      await moveBlob(digest, size);
    } finally {
      blobsInFlight -= 1;
    }
  };
  const moveBlob = async (digest: string, size: number) => {
    // Within one registry: mounted from the source repository, or filled from it when refused.
    if (sameRegistryCopy) {
      const mount = await withRetry(() => dst.mountBlob(dstRepository, digest, srcRepository), retry);
      if (mount.mounted) {
        result.blobsMounted += 1;
        return;
      }
      // The registry would not mount (mounting is off): the session it opened is filled from the source.
      let uploadUrl: string | null = mount.uploadUrl;
      await withRetry(async () => {
        const url = uploadUrl ?? (await dst.startBlobUpload(dstRepository)).uploadUrl;
        uploadUrl = null;
        await streamBlob(src, srcRepository, dst, url, digest, size, stream);
      }, retry);
      result.blobsStreamed += 1;
      result.bytesStreamed += size;
      return;
    }
    // Between registries: a blob the destination repository has is skipped (HEAD), before any
    // mount is asked for, so no upload session is opened for nothing.
    if (await withRetry(() => dst.headBlob(dstRepository, digest), retry)) {
      result.blobsSkipped += 1;
      return;
    }
    if (options.moveBlob) {
      await options.moveBlob(digest, size);
      result.blobsStreamed += 1;
      result.bytesStreamed += size;
      return;
    }
    // The upload session a refused mount opened, used for the first upload attempt below.
    let openSession: string | null = null;
    if (mountFrom && mountFrom !== dstRepository) {
      const mount = await withRetry(() => dst.mountBlob(dstRepository, digest, mountFrom), retry);
      if (mount.mounted) {
        result.blobsMounted += 1;
        return;
      }
      openSession = mount.uploadUrl;
    }
    await withRetry(async () => {
      const uploadUrl = openSession ?? (await dst.startBlobUpload(dstRepository)).uploadUrl;
      openSession = null;
      await streamBlob(src, srcRepository, dst, uploadUrl, digest, size, stream);
    }, retry);
    result.blobsStreamed += 1;
    result.bytesStreamed += size;
  };

  // A fixed pool of workers over one queue: at most `parallelism` blobs in flight, and a failure
  // stops the others from taking more work.
  const queue = [...plan.blobs];
  const parallelism = Math.max(1, Math.floor(options.parallelism ?? DEFAULT_COPY_PARALLELISM));
  let failed = false;
  const worker = async () => {
    for (let next = queue.shift(); next && !failed; next = queue.shift()) {
      signal?.throwIfAborted();
      const [digest, size] = next;
      try {
        await copyBlob(digest, size);
      } catch (error) {
        failed = true;
        throw error;
      }
      finished.add(digest);
      progress.blobsDone += 1;
      progress.bytesDone += size;
      await report();
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: Math.min(parallelism, queue.length) }, worker));
  signal?.throwIfAborted();
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
  if (failure) throw failure.reason;

  for (const child of plan.children) {
    signal?.throwIfAborted();
    if (!finished.has(child.digest) && !(await withRetry(() => dst.headManifest(dstRepository, child.digest), retry))) {
      await withRetry(() => dst.putManifest(dstRepository, child.digest, child.mediaType, child.bytes), retry);
    }
    finished.add(child.digest);
    progress.manifestsDone += 1;
    await report();
  }

  signal?.throwIfAborted();
  const { digest: stored } = await withRetry(() => dst.putManifest(dstRepository, tag ?? root.digest, root.mediaType, root.bytes), retry);
  if (stored !== root.digest) throw new CopyRefusedError(`The registry stored the copy as ${stored}, not ${root.digest}.`);
  progress.manifestsDone += 1;
  await report();

  const accessories = options.withAccessories && !inPlace ? await copyAccessories(src, dst, target, root.digest, options) : undefined;
  return {
    ...(accessories ? { accessories } : {}),
    ...(limiter ? { throttle: { bytesPerSecond: limiter.bytesPerSecond, bytes: limiter.bytes, waits: limiter.waits } } : {}),
    maxBlobsInFlight,
    digest: root.digest,
    mediaType: root.mediaType,
    bytes: root.bytes,
    tag,
    manifests: plan.manifests,
    ...result,
    progress,
    checkpoint: checkpoint(),
  };
}

/** A root manifest the caller holds, in the engine's shape (its JSON parsed once). */
function fetchedOf(root: { digest: string; mediaType: string; bytes: Uint8Array }, reference: string): Fetched {
  if (isDigest(reference) && reference !== root.digest) throw new CopyRefusedError(`The manifest given is ${root.digest}, not ${reference}.`);
  return { ...root, json: decodeJson(root.bytes) };
}

/**
 * Reads the tree under `manifest`: its children (post-order) and the blobs of every image in it.
 * `countOnly` (a copy within one repository) reads the root alone.
 */
async function walk(src: RegistryClient, repository: string, manifest: Fetched, depth: number, plan: Plan, countOnly: boolean): Promise<void> {
  plan.manifests += 1;
  if (plan.manifests > MAX_COPY_MANIFESTS) throw new CopyRefusedError(`More than ${MAX_COPY_MANIFESTS} manifests to copy.`);
  if (countOnly) return;
  const parsed = parseManifest(manifest.json, manifest.mediaType);
  if (!parsed.ok) throw new CopyRefusedError(parsed.problem.message);
  const walked = walkDescriptors(parsed.manifest);
  if (parsed.manifest.kind === "index") {
    if (depth >= MAX_DEPTH) throw new CopyRefusedError(`Indexes nested deeper than ${MAX_DEPTH} levels are not copied.`);
    for (const { role, descriptor } of walked) {
      if (role !== "manifest" || plan.children.some((c) => c.digest === descriptor.digest)) continue;
      const child = await src.getManifest(repository, descriptor.digest);
      await walk(src, repository, child, depth + 1, plan, false);
      plan.children.push(child);
    }
    return;
  }
  // An image or any OCI artifact: its config and layers (a referrer's subject is not copied).
  for (const { role, descriptor } of walked) {
    if (role !== "config" && role !== "layer") continue;
    // Foreign (non-distributable) layers live elsewhere by design; registries do not hold them.
    if (isNonDistributable(descriptor)) continue;
    plan.blobs.set(descriptor.digest, descriptor.size);
  }
}

type StreamContext = { limiter: ByteRateLimiter | null; signal: AbortSignal | undefined; onBytes?: (bytesStreamed: number) => void; streamed: number };

/**
 * Source blob body into the destination's upload session, passed through chunk by chunk (the
 * bandwidth limit and the abort check sit on the stream): a layer is never held whole in memory.
 */
async function streamBlob(src: RegistryClient, repository: string, dst: RegistryClient, uploadUrl: string, digest: string, size: number, context: StreamContext): Promise<void> {
  const { signal, limiter, onBytes } = context;
  const blob = await src.getBlob(repository, digest, { signal });
  let body = blob.stream;
  if (limiter) body = body.pipeThrough(limiter.throttle(signal));
  if (signal || onBytes) {
    body = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          if (signal?.aborted) {
            controller.error(signal.reason);
            return;
          }
          context.streamed += chunk.byteLength;
          onBytes?.(context.streamed);
          controller.enqueue(chunk);
        },
      }),
    );
  }
  try {
    // The descriptor's size is the Content-Length: what the digest covers, whatever encoding the
    // source (or storage it redirects to) answered with.
    await dst.uploadBlob(uploadUrl, digest, body, { size, signal });
  } catch (error) {
    // An abort mid-blob surfaces as a failed upload; the caller should see the abort.
    signal?.throwIfAborted();
    throw error;
  }
}

export type CopiedAccessory = { digest: string; tag: string; mediaType: string; bytes: Uint8Array };

/** Tags under which the referrers tag schema and cosign keep artifacts about `digest`. */
export function accessoryTagsOf(digest: string, tags: string[]): string[] {
  const [algorithm, hex] = digest.split(":");
  const prefix = `${algorithm}-${hex}`;
  return tags.filter((tag) => tag === prefix || (tag.startsWith(`${prefix}.`) && tag.length > prefix.length + 1));
}

/** Whether a tag is one of the referrers tag schema's or cosign's (`sha256-<hex>`, `sha256-<hex>.sig`, ...). */
export function isAccessoryTag(tag: string): boolean {
  return /^sha256-[a-f0-9]{64}(\..+)?$/.test(tag);
}

/** Copies every accessory of `subject` found in the source repository, under its own tag. */
async function copyAccessories(src: RegistryClient, dst: RegistryClient, target: CopyTarget, subject: string, options: CopyOptions): Promise<CopiedAccessory[]> {
  const tags = await withRetry(() => src.listTags(target.srcRepository), { ...DEFAULT_RETRY, ...options.retry, signal: options.signal });
  const copied: CopiedAccessory[] = [];
  for (const tag of accessoryTagsOf(subject, tags)) {
    // Accessories of accessories (a signed SBOM) come along too: the recursion follows digests.
    const accessory = await copy(src, dst, { ...target, reference: tag, tag }, { ...options, progress: undefined, resume: undefined });
    copied.push({ digest: accessory.digest, tag, mediaType: accessory.mediaType, bytes: accessory.bytes }, ...(accessory.accessories ?? []));
  }
  return copied;
}
