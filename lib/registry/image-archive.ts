/**
 * Image archives (tar) written from a registry: `docker-archive` (what `docker save` writes and
 * `docker load` reads: manifest.json, the config, one file per layer) and an OCI image layout
 * (`oci-layout`, index.json, blobs/sha256/...). Planning reads the manifests and, for a
 * docker-archive, the config (all small, bounded); the layers are streamed from the registry
 * into the tar one after the other with backpressure (tar-stream), each checked against its
 * digest on the way, so memory stays bounded whatever the image's size.
 */
import { createHash } from "node:crypto";
import { pack, type Pack } from "tar-stream";
import type { RegistryClient } from "@/lib/registry/client";
import { parseManifest, type Descriptor, type IndexChild, type Manifest } from "@/lib/oci/manifest";
import { DOCKER_CONTAINER_CONFIG, isIndexMediaType, OCI_IMAGE_CONFIG, OCI_IMAGE_INDEX } from "@/lib/oci/media-types";
import { readBounded } from "@/lib/streams/read-bounded";
import { formatPlatform, REF_NAME_ANNOTATION, type ArchiveFormat, type PlatformSpec } from "@/lib/oci/archive";

const CONFIG_MAX_BYTES = 1024 * 1024;

/** Why an archive cannot be made of what was asked (a 400 for the caller; nothing was sent). */
export class ArchiveRequestError extends Error {}

type FetchedManifestLike = { digest: string; mediaType: string; bytes: Uint8Array };

/** One entry of the tar: small bytes held in memory, or a blob streamed from the registry. */
export type ArchiveEntry = { name: string; bytes: Uint8Array } | { name: string; blob: { digest: string; size: number } };

export type ArchivePlan = {
  format: ArchiveFormat;
  /** The manifest the archive stands for (an index's child when a platform was chosen). */
  digest: string;
  mediaType: string;
  platform: string | null;
  entries: ArchiveEntry[];
  /** Blobs streamed (configs and layers), their total size. */
  blobs: number;
  bytes: number;
};

const hexOf = (digest: string) => digest.slice(digest.indexOf(":") + 1);
const blobPath = (digest: string) => `blobs/${digest.slice(0, digest.indexOf(":"))}/${hexOf(digest)}`;
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

function matches(child: IndexChild, want: PlatformSpec): boolean {
  const p = child.platform;
  if (!p || p.os !== want.os || p.architecture !== want.architecture) return false;
  return want.variant === undefined || p.variant === want.variant;
}

function parsed(m: FetchedManifestLike): Manifest {
  const result = parseManifest(JSON.parse(new TextDecoder().decode(m.bytes)) as unknown, m.mediaType);
  if (!result.ok) throw new ArchiveRequestError(`${m.digest} is not a manifest Wharf can archive (${result.problem.message}).`);
  return result.manifest;
}

/**
 * Plans the archive of `top` (the artifact's manifest): which manifests, configs and layers go in,
 * under which names. Throws ArchiveRequestError for what cannot be archived as asked.
 */
export async function planArchive({
  registry,
  repository,
  top,
  format,
  platform,
  tag,
  repoTag,
}: {
  registry: RegistryClient;
  repository: string;
  top: FetchedManifestLike;
  format: ArchiveFormat;
  platform: PlatformSpec | null;
  /** The tag the archive names the image by (index.json's ref.name; with repoTag, manifest.json's RepoTags). */
  tag: string | null;
  /** `host/repository:tag` for a docker-archive's RepoTags. */
  repoTag: string | null;
}): Promise<ArchivePlan> {
  let chosen = top;
  let chosenPlatform: string | null = null;
  let manifest = parsed(top);
  if (manifest.kind === "index") {
    if (platform) {
      const want = platform;
      const child = manifest.manifests.find((c) => matches(c, want));
      if (!child) {
        const offered = manifest.manifests.filter((c) => c.platform?.os && c.platform.os !== "unknown").map((c) => formatPlatform(c.platform ?? {}));
        throw new ArchiveRequestError(`The index has no image for platform ${formatPlatform(platform)} (it has: ${offered.join(", ") || "none"}).`);
      }
      const fetched = await registry.getManifest(repository, child.digest);
      chosen = { digest: fetched.digest, mediaType: fetched.mediaType, bytes: fetched.bytes };
      chosenPlatform = formatPlatform(child.platform ?? {});
      manifest = parsed(chosen);
    } else if (format === "docker-archive") {
      throw new ArchiveRequestError("A docker-archive holds one image: choose a platform of this index (platform=os/architecture[/variant]), or download the OCI layout.");
    }
  }

  const entries: ArchiveEntry[] = [];
  const seen = new Set<string>();
  let blobs = 0;
  let bytes = 0;
  const addBlob = (name: string, d: Descriptor) => {
    if (seen.has(name)) return;
    seen.add(name);
    entries.push({ name, blob: { digest: d.digest, size: d.size } });
    blobs += 1;
    bytes += d.size;
  };

  if (format === "docker-archive") {
    if (manifest.kind !== "image") throw new ArchiveRequestError("Not an image.");
    const configType = manifest.config.mediaType;
    if (configType !== OCI_IMAGE_CONFIG && configType !== DOCKER_CONTAINER_CONFIG) {
      throw new ArchiveRequestError(`A docker-archive holds container images; this artifact's config is ${configType ?? "untyped"}. Download the OCI layout instead.`);
    }
    if (manifest.config.size > CONFIG_MAX_BYTES) throw new ArchiveRequestError("The image's config is too large.");
    const config = await registry.getBlob(repository, manifest.config.digest);
    const configBytes = await readBounded(config.stream, CONFIG_MAX_BYTES);
    if (!configBytes || digestOf(configBytes) !== manifest.config.digest) throw new ArchiveRequestError("The image's config could not be read from the registry.");
    if (platform && !chosenPlatform) {
      const c = JSON.parse(new TextDecoder().decode(configBytes)) as { os?: string; architecture?: string; variant?: string };
      if (c.os !== platform.os || c.architecture !== platform.architecture || (platform.variant !== undefined && c.variant !== platform.variant)) {
        throw new ArchiveRequestError(`The image is ${formatPlatform(c)}, not ${formatPlatform(platform)}.`);
      }
    }
    const configName = `${hexOf(manifest.config.digest)}.json`;
    entries.push({ name: configName, bytes: configBytes });
    const layers: string[] = [];
    for (const layer of manifest.layers) {
      const name = `${hexOf(layer.digest)}.tar`;
      layers.push(name);
      addBlob(name, layer);
    }
    entries.push({ name: "manifest.json", bytes: json([{ Config: configName, RepoTags: repoTag ? [repoTag] : [], Layers: layers }]) });
    return { format, digest: chosen.digest, mediaType: chosen.mediaType, platform: chosenPlatform, entries, blobs, bytes };
  }

  // OCI image layout: every manifest as a blob, then configs and layers; index.json last.
  entries.push({ name: "oci-layout", bytes: json({ imageLayoutVersion: "1.0.0" }) });
  const addManifest = (m: FetchedManifestLike) => {
    const name = blobPath(m.digest);
    if (seen.has(name)) return;
    seen.add(name);
    entries.push({ name, bytes: m.bytes });
  };
  const addImageBlobs = (m: Manifest) => {
    if (m.kind !== "image") return;
    addBlob(blobPath(m.config.digest), m.config);
    for (const layer of m.layers) if (!layer.urls?.length) addBlob(blobPath(layer.digest), layer);
  };
  addManifest(chosen);
  if (manifest.kind === "index") {
    for (const child of manifest.manifests) {
      const fetched = await registry.getManifest(repository, child.digest);
      const m = { digest: fetched.digest, mediaType: fetched.mediaType, bytes: fetched.bytes };
      addManifest(m);
      const childManifest = parsed(m);
      if (childManifest.kind === "index") throw new ArchiveRequestError("Nested indexes are not archived.");
      addImageBlobs(childManifest);
    }
  } else {
    addImageBlobs(manifest);
  }
  const descriptor: Record<string, unknown> = { mediaType: chosen.mediaType, digest: chosen.digest, size: chosen.bytes.byteLength };
  if (tag) descriptor.annotations = { [REF_NAME_ANNOTATION]: tag };
  entries.push({ name: "index.json", bytes: json({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [descriptor] }) });
  return { format, digest: chosen.digest, mediaType: chosen.mediaType, platform: chosenPlatform ?? (isIndexMediaType(chosen.mediaType) ? "all" : null), entries, blobs, bytes };
}

function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

const MTIME = new Date(0);

async function writeEntry(tar: Pack, name: string, size: number, body: AsyncIterable<Uint8Array> | Uint8Array, digest?: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const entry = tar.entry({ name, size, mode: 0o644, mtime: MTIME }, (error) => (error ? reject(error) : resolve()));
    if (body instanceof Uint8Array) {
      entry.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
      return;
    }
    void (async () => {
      const hash = createHash("sha256");
      for await (const chunk of body) {
        hash.update(chunk);
        if (!entry.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
          await new Promise<void>((ok, fail) => {
            const onDrain = () => {
              entry.off("error", onError);
              ok();
            };
            const onError = (e: Error) => {
              entry.off("drain", onDrain);
              fail(e);
            };
            entry.once("drain", onDrain);
            entry.once("error", onError);
          });
        }
      }
      if (digest && `sha256:${hash.digest("hex")}` !== digest) throw new Error(`blob ${digest}: the registry sent other bytes`);
      entry.end(Buffer.alloc(0));
    })().catch((error: unknown) => {
      entry.destroy(error instanceof Error ? error : new Error(String(error)));
      reject(error instanceof Error ? error : new Error(String(error)));
    });
  });
}

/**
 * The tar of a plan as a byte stream, produced as it is read: each blob is fetched when the tar
 * reaches it and read only as fast as the reader takes the tar. Cancelling the stream stops the
 * blob being read. An error mid-way (the registry failing) errors the stream.
 */
export function archiveStream(registry: RegistryClient, repository: string, plan: ArchivePlan): ReadableStream<Uint8Array> {
  const tar = pack();
  const abort = new AbortController();
  void (async () => {
    for (const entry of plan.entries) {
      if ("bytes" in entry) {
        await writeEntry(tar, entry.name, entry.bytes.byteLength, entry.bytes);
      } else {
        const { stream } = await registry.getBlob(repository, entry.blob.digest, { signal: abort.signal });
        await writeEntry(tar, entry.name, entry.blob.size, stream as unknown as AsyncIterable<Uint8Array>, entry.blob.digest);
      }
    }
    tar.finalize();
  })().catch((error: unknown) => tar.destroy(error instanceof Error ? error : new Error(String(error))));

  const iterator = (tar as unknown as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.byteLength));
      },
      async cancel() {
        abort.abort();
        tar.destroy();
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
