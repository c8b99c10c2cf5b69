import { isNonDistributable, parseManifest, walkDescriptors } from "@/lib/oci/manifest";
import type { RegistryClient } from "@/lib/registry/client";

/**
 * Copies one manifest (an image, any artifact with config and layers, or an index with its
 * children) from one repository of the backing registry into another, digests unchanged:
 *
 * - blobs are mounted across repositories (`?mount=&from=`: the registry links what it already
 *   stores, no byte moves); if the registry answers 202 instead, the blob is streamed from the
 *   source into that upload session, chunk by chunk, never held whole in memory;
 * - an index's children are copied first (recursively, bounded), each PUT by digest, because the
 *   registry refuses an index whose children it does not hold in that repository;
 * - the manifest bytes are PUT unchanged, so the digest is the source's.
 *
 * Only registry work happens here; who may copy, and the index, are the service's business.
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

export type CopiedManifest = {
  digest: string;
  mediaType: string;
  /** The root manifest's bytes as stored (and now PUT into the destination). */
  bytes: Uint8Array;
  /** How many manifests were copied (the root included). */
  manifests: number;
  blobsMounted: number;
  blobsStreamed: number;
};

type State = {
  registry: RegistryClient;
  from: string;
  to: string;
  manifests: number;
  blobs: Set<string>;
  children: Set<string>;
  mounted: number;
  streamed: number;
};

/**
 * Copies `from@digest` to `to`, under `tag` when given (the tag moves if it pointed elsewhere,
 * as a push would), otherwise by digest only.
 */
export async function copyManifest(
  registry: RegistryClient,
  { from, to, digest, tag }: { from: string; to: string; digest: string; tag: string | null },
): Promise<CopiedManifest> {
  const state: State = { registry, from, to, manifests: 0, blobs: new Set(), children: new Set(), mounted: 0, streamed: 0 };
  // Within one repository everything is in place already: only the tag needs writing.
  const root = from === to ? await countAndFetch(state, digest) : await copyContent(state, digest, 0);
  const { digest: stored } = await registry.putManifest(to, tag ?? digest, root.mediaType, root.bytes);
  if (stored !== digest) throw new CopyRefusedError(`The registry stored the copy as ${stored}, not ${digest}.`);
  return { digest, mediaType: root.mediaType, bytes: root.bytes, manifests: state.manifests, blobsMounted: state.mounted, blobsStreamed: state.streamed };
}

async function countAndFetch(state: State, digest: string) {
  state.manifests += 1;
  if (state.manifests > MAX_COPY_MANIFESTS) throw new CopyRefusedError(`More than ${MAX_COPY_MANIFESTS} manifests to copy.`);
  return state.registry.getManifest(state.from, digest);
}

/** Copies everything `digest` references into the destination; returns its manifest (not yet PUT). */
async function copyContent(state: State, digest: string, depth: number) {
  const manifest = await countAndFetch(state, digest);
  const parsed = parseManifest(manifest.json, manifest.mediaType);
  if (!parsed.ok) throw new CopyRefusedError(parsed.problem.message);
  const walked = walkDescriptors(parsed.manifest);
  if (parsed.manifest.kind === "index") {
    if (depth >= MAX_DEPTH) throw new CopyRefusedError(`Indexes nested deeper than ${MAX_DEPTH} levels are not copied.`);
    for (const { role, descriptor: child } of walked) {
      if (role !== "manifest" || state.children.has(child.digest)) continue;
      const copied = await copyContent(state, child.digest, depth + 1);
      await state.registry.putManifest(state.to, child.digest, copied.mediaType, copied.bytes);
      state.children.add(child.digest);
    }
    return manifest;
  }
  // An image or any OCI artifact: its config and layers (a referrer's subject is not copied).
  for (const { role, descriptor: blob } of walked) {
    if (role !== "config" && role !== "layer") continue;
    // Foreign (non-distributable) layers live elsewhere by design; the registry does not hold them.
    if (isNonDistributable(blob)) continue;
    await copyBlob(state, blob.digest);
  }
  return manifest;
}

async function copyBlob(state: State, digest: string): Promise<void> {
  if (state.blobs.has(digest)) return;
  const mount = await state.registry.mountBlob(state.to, digest, state.from);
  if (mount.mounted) {
    state.mounted += 1;
  } else {
    const blob = await state.registry.getBlob(state.from, digest);
    await state.registry.uploadBlob(mount.uploadUrl, digest, blob.stream);
    state.streamed += 1;
  }
  state.blobs.add(digest);
}
