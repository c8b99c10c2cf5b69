/**
 * Reads an image archive (docker-archive or an OCI image layout tar) as it arrives and pushes it
 * into a repository of the registry: each large entry (a layer) is uploaded while it is read,
 * straight from the tar into the registry, which checks its digest; small entries (manifests,
 * configs, index.json, manifest.json, tiny layers) are kept in memory (bounded) until the end,
 * when the archive's manifest is known. Nothing here writes a manifest: `finishImport` answers
 * what to PUT, and the caller decides (tag policy) and writes it.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract } from "tar-stream";
import type { ArchiveFormat } from "@/lib/oci/archive";
import { REF_NAME_ANNOTATION } from "@/lib/oci/archive";
import { isDigest } from "@/lib/oci/digest";
import { parseManifest, type Manifest } from "@/lib/oci/manifest";
import { OCI_IMAGE_CONFIG, OCI_IMAGE_LAYER, OCI_IMAGE_LAYER_GZIP, OCI_IMAGE_LAYER_ZSTD, OCI_IMAGE_MANIFEST, isIndexMediaType } from "@/lib/oci/media-types";
import type { RegistryClient } from "@/lib/registry/client";
import { RegistryError } from "@/lib/registry/errors";

/** Entries up to this size are kept in memory until the end (manifests, configs, tiny layers). */
export const SMALL_ENTRY_BYTES = 1024 * 1024;
/** At most this much is held in memory that way; beyond it the archive is refused. */
export const SMALL_TOTAL_BYTES = 64 * 1024 * 1024;

/** The archive is not one Wharf can import (a 400/422 for the caller; nothing was indexed). */
export class ImportRefusedError extends Error {}

type Pushed = { digest: string; size: number; head: Uint8Array };

export type ImportedManifests = {
  format: ArchiveFormat;
  /** Manifests to PUT by digest first (an index's children), then the top one. */
  children: { digest: string; mediaType: string; bytes: Uint8Array }[];
  top: { digest: string; mediaType: string; bytes: Uint8Array };
  blobs: number;
  bytes: number;
};

const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** The digest an entry's name gives: blobs/sha256/<hex>, <hex>.tar, <hex>.json, <hex>/layer.tar is not one. */
function digestFromName(name: string): string | null {
  let m = /^blobs\/(sha256)\/([a-f0-9]{64})$/.exec(name);
  if (m) return `${m[1]}:${m[2]}`;
  m = /^([a-f0-9]{64})\.(tar|tar\.gz|json)$/.exec(name);
  return m ? `sha256:${m[1]}` : null;
}

function normalise(name: string): string {
  return name.replace(/^(\.\/)+/, "").replace(/^\/+/, "");
}

function layerMediaType(head: Uint8Array): string {
  if (head[0] === 0x1f && head[1] === 0x8b) return OCI_IMAGE_LAYER_GZIP;
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return OCI_IMAGE_LAYER_ZSTD;
  return OCI_IMAGE_LAYER;
}

/**
 * Reads the tar from `body`, pushing large entries into `repository` as they arrive. Answers the
 * manifests to write; throws ImportRefusedError for what is not an image archive (the blobs
 * already uploaded stay unreferenced in the registry, as after an interrupted push; garbage
 * collection removes them). `spoolDir` holds an entry whose name gives no digest while it is
 * hashed (docker's legacy `<id>/layer.tar`).
 */
export async function importArchiveStream({
  registry,
  repository,
  body,
  spoolDir,
  tag,
  onProgress,
}: {
  registry: RegistryClient;
  repository: string;
  body: ReadableStream<Uint8Array>;
  spoolDir: string;
  tag: string;
  onProgress?: (bytes: number) => void;
}): Promise<ImportedManifests> {
  const small = new Map<string, Uint8Array>();
  let smallTotal = 0;
  const pushed = new Map<string, Pushed>();
  let blobs = 0;
  let bytes = 0;
  let entries = 0;
  const tar = extract();
  const source = Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>);
  source.on("error", (e) => tar.destroy(e));
  source.pipe(tar as unknown as NodeJS.WritableStream);

  try {
    for await (const entry of tar) {
      entries += 1;
      const name = normalise(entry.header.name);
      const size = entry.header.size ?? 0;
      if (entry.header.type !== "file" || size === 0 && !name.endsWith(".json")) {
        entry.resume();
        continue;
      }
      if (size <= SMALL_ENTRY_BYTES) {
        smallTotal += size;
        if (smallTotal > SMALL_TOTAL_BYTES) throw new ImportRefusedError("The archive holds too many small files to be an image.");
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        small.set(name, Buffer.concat(chunks));
        continue;
      }
      const named = digestFromName(name);
      const head = new Uint8Array(4);
      let headLength = 0;
      const watch = async function* (src: AsyncIterable<unknown>) {
        for await (const item of src) {
          const chunk = item as Buffer;
          if (headLength < 4) {
            const take = chunk.subarray(0, 4 - headLength);
            head.set(take, headLength);
            headLength += take.length;
          }
          bytes += chunk.length;
          onProgress?.(bytes);
          yield chunk;
        }
      };
      if (named) {
        if (await registry.headBlob(repository, named)) {
          for await (const chunk of watch(entry)) void chunk;
        } else {
          const { uploadUrl } = await registry.startBlobUpload(repository);
          const stream = Readable.toWeb(Readable.from(watch(entry))) as unknown as ReadableStream<Uint8Array>;
          await registry.uploadBlob(uploadUrl, named, stream, { size }).catch((error: unknown) => {
            // The registry checks the digest: content other than the name says is the archive's fault.
            if (error instanceof RegistryError && error.status < 500) throw new ImportRefusedError(`${name}: its content does not match the digest its name gives (${error.code}).`);
            throw error;
          });
        }
        blobs += 1;
        pushed.set(name, { digest: named, size, head });
      } else {
        // No digest in the name: spooled to disk while hashed, then uploaded from there.
        await mkdir(spoolDir, { recursive: true });
        const dir = await mkdtemp(path.join(spoolDir, "import-"));
        try {
          const file = path.join(dir, "blob");
          const hash = createHash("sha256");
          await pipeline(
            Readable.from(watch(entry)),
            async function* (src: AsyncIterable<Buffer>) {
              for await (const chunk of src) {
                hash.update(chunk);
                yield chunk;
              }
            },
            createWriteStream(file),
          );
          const digest = `sha256:${hash.digest("hex")}`;
          if (!(await registry.headBlob(repository, digest))) {
            const { uploadUrl } = await registry.startBlobUpload(repository);
            const stream = Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>;
            await registry.uploadBlob(uploadUrl, digest, stream, { size: (await stat(file)).size });
          }
          blobs += 1;
          pushed.set(name, { digest, size, head });
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    }
  } catch (error) {
    source.destroy();
    if (error instanceof ImportRefusedError) throw error;
    if (error instanceof Error && /tar|header|Unexpected end/i.test(error.message) && !/registry/i.test(error.message)) {
      throw new ImportRefusedError(`The body is not a tar archive (${error.message}).`);
    }
    throw error;
  }
  if (entries === 0) throw new ImportRefusedError("The body is not a tar archive (no entries).");

  /** A blob the manifest names: pushed already, or a small entry pushed now, or in the repository. */
  async function ensureBlob(name: string | null, digest: string, what: string): Promise<Pushed> {
    const p = name ? pushed.get(name) : [...pushed.values()].find((x) => x.digest === digest);
    if (p) return p;
    const bytesHeld = name ? small.get(name) : undefined;
    if (bytesHeld) {
      const d = sha256(bytesHeld);
      if (digest && d !== digest) throw new ImportRefusedError(`${what} ${name} does not hash to ${digest}.`);
      if (!(await registry.headBlob(repository, d))) {
        const { uploadUrl } = await registry.startBlobUpload(repository);
        await registry.uploadBlob(uploadUrl, d, new Blob([new Uint8Array(bytesHeld)]).stream(), { size: bytesHeld.byteLength });
      }
      blobs += 1;
      bytes += bytesHeld.byteLength;
      const result = { digest: d, size: bytesHeld.byteLength, head: bytesHeld.subarray(0, 4) };
      pushed.set(name!, result);
      return result;
    }
    if (digest && (await registry.headBlob(repository, digest))) return { digest, size: 0, head: new Uint8Array() };
    throw new ImportRefusedError(`The archive lacks ${what} ${name ?? digest}.`);
  }

  const json = (name: string): unknown => {
    const b = small.get(name);
    if (!b) return undefined;
    try {
      return JSON.parse(new TextDecoder().decode(b)) as unknown;
    } catch {
      throw new ImportRefusedError(`${name} is not JSON.`);
    }
  };

  if (small.has("oci-layout") && small.has("index.json")) {
    const index = json("index.json") as { manifests?: { mediaType?: string; digest?: string; annotations?: Record<string, string> }[] } | undefined;
    const listed = Array.isArray(index?.manifests) ? index.manifests : [];
    const chosen = listed.length === 1 ? listed[0] : listed.find((m) => m.annotations?.[REF_NAME_ANNOTATION] === tag);
    if (!chosen) {
      throw new ImportRefusedError(
        listed.length === 0 ? "index.json lists no image." : `index.json lists ${listed.length} images and none is named ${JSON.stringify(tag)} (${REF_NAME_ANNOTATION}); import takes one.`,
      );
    }
    if (!chosen.digest || !isDigest(chosen.digest) || !chosen.mediaType) throw new ImportRefusedError("index.json's manifest descriptor has no digest or media type.");
    const readManifest = async (digest: string, mediaType: string) => {
      const name = `blobs/${digest.replace(":", "/")}`;
      const b = small.get(name);
      if (!b) throw new ImportRefusedError(`The archive lacks manifest ${digest}.`);
      if (sha256(b) !== digest) throw new ImportRefusedError(`Manifest ${name} does not hash to its name.`);
      const parsed = parseManifest(JSON.parse(new TextDecoder().decode(b)) as unknown, mediaType);
      if (!parsed.ok) throw new ImportRefusedError(`Manifest ${digest} is not a manifest (${parsed.problem.message}).`);
      return { digest, mediaType, bytes: new Uint8Array(b), manifest: parsed.manifest };
    };
    const ensureImageBlobs = async (m: Manifest) => {
      if (m.kind !== "image") throw new ImportRefusedError("Nested indexes are not imported.");
      await ensureBlob(`blobs/${m.config.digest.replace(":", "/")}`, m.config.digest, "config");
      for (const layer of m.layers) if (!layer.urls?.length) await ensureBlob(`blobs/${layer.digest.replace(":", "/")}`, layer.digest, "layer");
    };
    const top = await readManifest(chosen.digest, chosen.mediaType);
    const children: ImportedManifests["children"] = [];
    if (top.manifest.kind === "index") {
      for (const c of top.manifest.manifests) {
        const child = await readManifest(c.digest, c.mediaType ?? "");
        await ensureImageBlobs(child.manifest);
        children.push({ digest: child.digest, mediaType: child.mediaType, bytes: child.bytes });
      }
    } else {
      await ensureImageBlobs(top.manifest);
    }
    if (!isIndexMediaType(top.mediaType) && top.manifest.kind === "index") throw new ImportRefusedError("index.json names an index with another media type.");
    return { format: "oci-layout", children, top: { digest: top.digest, mediaType: top.mediaType, bytes: top.bytes }, blobs, bytes };
  }

  if (small.has("manifest.json")) {
    const list = json("manifest.json") as { Config?: string; Layers?: string[] }[] | undefined;
    if (!Array.isArray(list) || list.length === 0) throw new ImportRefusedError("manifest.json lists no image.");
    if (list.length > 1) throw new ImportRefusedError(`manifest.json lists ${list.length} images; import takes an archive of one.`);
    const [image] = list;
    if (!image || typeof image.Config !== "string" || !Array.isArray(image.Layers)) throw new ImportRefusedError("manifest.json's image has no Config or Layers.");
    const configName = normalise(image.Config);
    const configBytes = small.get(configName);
    if (!configBytes) throw new ImportRefusedError(`The archive lacks the config ${configName}.`);
    let config: { rootfs?: { diff_ids?: unknown[] } };
    try {
      config = JSON.parse(new TextDecoder().decode(configBytes)) as typeof config;
    } catch {
      throw new ImportRefusedError(`The config ${configName} is not JSON.`);
    }
    if (!config || typeof config !== "object" || !Array.isArray(config.rootfs?.diff_ids)) throw new ImportRefusedError(`${configName} is not an image config (no rootfs.diff_ids).`);
    if (config.rootfs.diff_ids.length !== image.Layers.length) throw new ImportRefusedError(`The config lists ${config.rootfs.diff_ids.length} layers, manifest.json ${image.Layers.length}.`);
    const configPushed = await ensureBlob(configName, "", "config");
    const layers = [];
    for (const layerName of image.Layers.map(normalise)) {
      const p = await ensureBlob(layerName, "", "layer");
      layers.push({ mediaType: layerMediaType(p.head), digest: p.digest, size: p.size });
    }
    const manifest = { schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: { mediaType: OCI_IMAGE_CONFIG, digest: configPushed.digest, size: configPushed.size }, layers };
    const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
    return { format: "docker-archive", children: [], top: { digest: sha256(manifestBytes), mediaType: OCI_IMAGE_MANIFEST, bytes: manifestBytes }, blobs, bytes };
  }

  throw new ImportRefusedError("Not an image archive: it has neither manifest.json (docker-archive) nor oci-layout and index.json (OCI image layout).");
}
