import { createHash } from "node:crypto";
import { createReadStream, type ReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { attachNodeBody } from "@/lib/registry/forward";

/**
 * Serves blob downloads straight from the backing registry's filesystem storage, when Wharf runs on
 * the same host as that storage (the launcher's own Distribution, or WHARF_REGISTRY_STORAGE_DIR).
 *
 * Why: relaying a layer through Node costs two copies on the CPU, and on a small machine a proxied
 * pull reached only ~0.7 of the registry's own speed; reading the file is as cheap as the registry's
 * own serving. The registry stays the authority: a blob is served only when Distribution's own
 * repository link for it exists (the same check Distribution makes, storage layout of
 * distribution/registry/storage/paths.go), and anything unusual (no link, a missing file, a Range we
 * do not handle: several at once) falls back to forwarding the request. Authorization happened before this is called.
 */
export type LocalBlobRequest = { storageDir: string; repository: string; digest: string; method: "GET" | "HEAD"; range: string | null };

const V2 = ["docker", "registry", "v2"];

/** Where Distribution keeps a blob (`data`) and its link into a repository (`link`). */
export function blobPaths(storageDir: string, repository: string, digest: string) {
  const [algorithm, hex] = digest.split(":") as [string, string];
  return {
    link: path.join(storageDir, ...V2, "repositories", ...repository.split("/"), "_layers", algorithm, hex, "link"),
    data: path.join(storageDir, ...V2, "blobs", algorithm, hex.slice(0, 2), hex, "data"),
  };
}

/**
 * A small blob's bytes read from the registry's disk (a pushed image's config, for the index), or
 * null to ask the registry: not linked into `repository`, missing, larger than `maxBytes`, or not
 * matching its digest. Saves the push an HTTP round trip to the registry while the registry is
 * busy storing the manifest.
 */
export async function readLocalBlob({ storageDir, repository, digest, maxBytes }: { storageDir: string; repository: string; digest: string; maxBytes: number }): Promise<Uint8Array | null> {
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) return null;
  const paths = blobPaths(storageDir, repository, digest);
  try {
    if ((await readFile(paths.link, "utf8")).trim() !== digest) return null;
    const { size } = await stat(paths.data);
    if (size > maxBytes) return null;
    const bytes = await readFile(paths.data);
    return `sha256:${createHash("sha256").update(bytes).digest("hex")}` === digest ? bytes : null;
  } catch {
    return null;
  }
}

/** A single byte range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) within `size`, or null to fall back. */
export function parseSingleRange(header: string, size: number): { start: number; end: number } | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return null;
  let start: number;
  let end: number;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return null;
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start <= end && start < size ? { start, end } : null;
}

const MULTI_RANGE_RE = /^\s*bytes=[^,]*,/;

/**
 * A 416 for a blob Range that is malformed or lies outside the blob, framed correctly: a short
 * body whose length is the one sent, and the blob's size in Content-Range (`bytes *\/<size>`).
 * Distribution 2.8 sends the blob's size as the Content-Length of its own 416 and then a shorter
 * body, which breaks the client's connection. `size` null: unknown, and then not named.
 */
export function rangeNotSatisfiable(size: number | null, method: string): Response {
  const body = "The requested range is not satisfiable.\n";
  const headers = new Headers({ "Content-Type": "text/plain; charset=utf-8", "Content-Length": String(Buffer.byteLength(body)), "Accept-Ranges": "bytes" });
  if (size !== null) headers.set("Content-Range", `bytes */${size}`);
  return new Response(method === "HEAD" ? null : body, { status: 416, headers });
}

/**
 * The blob as a Response (body piped from the file by Wharf's front), or null when the request
 * should be forwarded to the registry instead. `repository` and `digest` are already validated
 * against the distribution grammar, so they cannot climb out of the storage directory.
 */
export async function serveLocalBlob({ storageDir, repository, digest, method, range }: LocalBlobRequest): Promise<Response | null> {
  const paths = blobPaths(storageDir, repository, digest);
  try {
    const link = (await readFile(paths.link, "utf8")).trim();
    if (link !== digest) return null;
    const { size } = await stat(paths.data);
    const headers = new Headers({
      "Content-Type": "application/octet-stream",
      "Docker-Content-Digest": digest,
      Etag: `"${digest}"`,
      "Cache-Control": "max-age=31536000",
      "Accept-Ranges": "bytes",
    });
    let status = 200;
    let slice = { start: 0, end: size - 1 };
    if (range !== null) {
      // Several ranges: the registry answers them as multipart/byteranges.
      if (MULTI_RANGE_RE.test(range)) return null;
      const parsed = parseSingleRange(range, size);
      if (!parsed) return rangeNotSatisfiable(size, method);
      status = 206;
      slice = parsed;
      headers.set("Content-Range", `bytes ${slice.start}-${slice.end}/${size}`);
    }
    headers.set("Content-Length", String(size === 0 ? 0 : slice.end - slice.start + 1));
    if (method === "HEAD" || size === 0) return new Response(null, { status, headers });
    const file = createReadStream(paths.data, { start: slice.start, end: slice.end, highWaterMark: 1 << 20 });
    await new Promise<void>((resolve, reject) => file.once("open", () => resolve()).once("error", reject));
    const response = new Response(nodeReadableToWeb(file), { status, headers });
    attachNodeBody(response, file);
    return response;
  } catch {
    return null; // not linked here, or not on this disk: the registry decides
  }
}

/**
 * A web view of the file that attaches to it only on the first read, so the front can still pipe
 * the node stream untouched when nobody reads the web body (the usual case).
 */
function nodeReadableToWeb(file: ReadStream): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        reader ??= (Readable.toWeb(file) as ReadableStream<Uint8Array>).getReader();
        const next = await reader.read();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel(reason) {
        if (reader) await reader.cancel(reason);
        else file.destroy();
      },
    },
    { highWaterMark: 0 },
  );
}
