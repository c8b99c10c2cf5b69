/**
 * Reads one image layer as a stream: detects its compression, walks the tar entry by entry
 * (tar-stream, with backpressure) and keeps only package-database files, whiteouts and opaque
 * directory markers. Memory is bounded by the package files kept, never by the layer's size.
 */
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createGunzip } from "node:zlib";

import { extract } from "tar-stream";

import { MAX_PACKAGE_FILE_BYTES, classifyPackageFile, normalizeLayerPath, type PackageFileKind } from "./package-files";

/** A layer that cannot be read: the scan fails with this message, nothing else does. */
export class LayerReadError extends Error {
  constructor(
    readonly layerDigest: string,
    message: string,
  ) {
    super(`Layer ${layerDigest}: ${message}`);
    this.name = "LayerReadError";
  }
}

export interface LayerFile {
  path: string;
  kind: PackageFileKind;
  content: string;
}

export interface LayerContents {
  digest: string;
  files: LayerFile[];
  /** Paths deleted by `.wh.<name>` entries. */
  whiteouts: string[];
  /** Directories whose lower-layer content `.wh..wh..opq` hides. */
  opaqueDirs: string[];
  /** Package-database paths that this layer replaced by something other than a regular file. */
  removed: string[];
  warnings: string[];
}

type Compression = "gzip" | "none";

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

function compressionOf(digest: string, mediaType: string, head: Uint8Array): Compression {
  // The bytes decide: media types are sometimes wrong (a docker gzip type on an uncompressed tar).
  if (startsWith(head, ZSTD_MAGIC) || /zstd/.test(mediaType)) {
    throw new LayerReadError(digest, `zstd-compressed layers are not supported by the built-in scanner (media type ${mediaType}).`);
  }
  if (startsWith(head, GZIP_MAGIC)) return "gzip";
  if (/(\+|\.)gzip$|tar\.gzip$/.test(mediaType) && head.length > 0) {
    throw new LayerReadError(digest, `media type ${mediaType} says gzip but the blob is not a gzip stream.`);
  }
  if (/(\+|\.)(bzip2|xz)$/.test(mediaType)) {
    throw new LayerReadError(digest, `unsupported layer compression (media type ${mediaType}).`);
  }
  return "none";
}

/**
 * Reading a layer makes garbage at the layer's rate: every chunk zlib (or the network) hands out
 * is a new Buffer whose bytes live outside V8's heap and are freed only when a GC collects its
 * small JS object. V8 starts such a GC by itself only after some 64 MiB of that memory, so a
 * 1 GiB layer swung the scanner's RSS by 20 to 70 MiB from run to run. A minor GC (a scavenge of
 * the young generation, about a millisecond, where those short-lived Buffers are) every 8 MiB
 * read keeps the swing near 10 to 15 MiB whatever the layer's size, at no measurable cost in time
 * (`npm run bench scan`, README). V8 offers the call only with --expose-gc, set here once when
 * the first layer is read; where that is refused, layers are read as before.
 */
const BYTES_PER_SCAVENGE = 8 * 1024 * 1024;
let scavenge: (() => void) | null | undefined;

function scavenger(): (() => void) | null {
  if (scavenge === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      const gc = runInNewContext("gc") as (options: { type: "minor" | "major" }) => void;
      scavenge = () => gc({ type: "minor" });
    } catch {
      scavenge = null;
    }
  }
  return scavenge;
}

/** Passes the layer's bytes on unchanged, scavenging every BYTES_PER_SCAVENGE of them. */
function scavengingPassThrough(): Transform {
  const collect = scavenger();
  let sinceLast = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sinceLast += chunk.length;
      if (collect && sinceLast >= BYTES_PER_SCAVENGE) {
        sinceLast = 0;
        collect();
      }
      callback(null, chunk);
    },
  });
}

/** Splits off the first chunk so the compression can be sniffed without buffering the stream. */
async function peek(source: AsyncIterable<Uint8Array>): Promise<{ head: Uint8Array; stream: Readable }> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  const head = first.done ? new Uint8Array(0) : first.value;
  async function* rest() {
    if (!first.done) yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { head, stream: Readable.from(rest(), { objectMode: false }) };
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/unexpected end of file|premature close|unexpected end of data/i.test(message)) return `the layer is truncated (${message}).`;
  if (/incorrect header check|invalid .* header|invalid block type|invalid distance|invalid stored block/i.test(message)) {
    return `the layer is not valid gzip data (${message}).`;
  }
  return `the layer is not a readable tar archive (${message}).`;
}

export async function readLayer(
  digest: string,
  mediaType: string,
  source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
): Promise<LayerContents> {
  const contents: LayerContents = { digest, files: [], whiteouts: [], opaqueDirs: [], removed: [], warnings: [] };
  const iterable =
    source instanceof ReadableStream ? Readable.fromWeb(source as import("node:stream/web").ReadableStream<Uint8Array>) : source;
  const { head, stream } = await peek(iterable);
  const compression = compressionOf(digest, mediaType, head);

  const tar = extract();
  const piping = pipeline(compression === "gzip" ? [stream, createGunzip(), scavengingPassThrough(), tar] : [stream, scavengingPassThrough(), tar]);
  // The loop below sees the same failure; keep the pipeline's rejection from going unhandled.
  let pipeError: unknown = null;
  const piped = piping.catch((error: unknown) => {
    pipeError = error;
  });

  try {
    for await (const entry of tar) {
      const path = normalizeLayerPath(entry.header.name);
      const slash = path.lastIndexOf("/");
      const base = path.slice(slash + 1);
      const dir = slash >= 0 ? path.slice(0, slash) : "";
      if (base === ".wh..wh..opq") {
        contents.opaqueDirs.push(dir);
      } else if (base.startsWith(".wh.")) {
        contents.whiteouts.push(dir ? `${dir}/${base.slice(4)}` : base.slice(4));
      } else {
        const kind = classifyPackageFile(path);
        if (kind && entry.header.type === "file") {
          const limit = MAX_PACKAGE_FILE_BYTES[kind];
          if ((entry.header.size ?? 0) > limit) {
            contents.warnings.push(`${path} skipped: ${entry.header.size} bytes is over the ${limit}-byte limit for ${kind}.`);
          } else {
            const chunks: Buffer[] = [];
            for await (const chunk of entry) chunks.push(chunk as Buffer);
            contents.files.push({ path, kind, content: Buffer.concat(chunks).toString("utf8") });
            continue;
          }
        } else if (kind && entry.header.type !== "directory") {
          contents.removed.push(path);
        }
      }
      entry.resume();
    }
  } catch (error) {
    await piped;
    throw new LayerReadError(digest, describe(pipeError ?? error));
  }
  await piped;
  if (pipeError) throw new LayerReadError(digest, describe(pipeError));
  return contents;
}
