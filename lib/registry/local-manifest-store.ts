import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { isManifestMediaType } from "@/lib/oci/media-types";
import { MANIFEST_MAX_BYTES } from "@/lib/oci/manifest";

/**
 * Serves manifest reads (GET and HEAD, by tag or digest) straight from the backing registry's
 * filesystem storage when Wharf shares it, as local-blob-store.ts does for layers.
 *
 * Why: a pull starts with manifest reads, each a few hundred bytes, and forwarding one to the
 * registry costs an HTTP round trip to another process that checks Wharf's password again (bcrypt,
 * on every request) before it reads the same three small files read here. On a busy 2-core machine
 * that hop was most of a manifest GET's tail latency through Wharf (issue 14's goal: Wharf's p99 no
 * more than 1.5 times the registry's own).
 *
 * The registry stays the authority, by reading exactly what Distribution 2.8 reads (storage layout
 * of distribution/registry/storage/paths.go): a tag's `current/link` names its digest; the digest
 * must be linked into this repository's `_manifests/revisions` (Distribution deletes that link
 * when the manifest is deleted); the bytes are the blob's `data`, checked against the digest (a
 * link file Distribution is rewriting, which it does in place, never passes). Anything else —
 * no such tag or revision, a schema 1 manifest, a manifest without a media type (Distribution
 * guesses one), an Accept that does not list the stored type (Distribution then answers 404 or
 * converts), a conditional request — returns null and the request is forwarded as before.
 */
export type LocalManifestRequest = {
  storageDir: string;
  repository: string;
  /** A tag or a digest, already validated against the distribution grammar by the gateway's parser. */
  reference: string;
  method: "GET" | "HEAD";
  /** The media types the client accepts, as the registry would be asked for them (see serve.ts). */
  accept: readonly string[];
};

const V2 = ["docker", "registry", "v2"];
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

function repositoryDir(storageDir: string, repository: string): string {
  return path.join(storageDir, ...V2, "repositories", ...repository.split("/"), "_manifests");
}

/** The manifest as a Response with Distribution's own headers, or null to forward the request. */
export function serveLocalManifest({ storageDir, repository, reference, method, accept }: LocalManifestRequest): Response | null {
  const manifests = repositoryDir(storageDir, repository);
  // Synchronous reads, deliberately: three files of a few hundred bytes, in the page cache, take
  // microseconds on the event loop. Through libuv's thread pool each file costs four hops (open,
  // fstat, read, close), which on a busy 2-core machine added 1.3 ms at p50 and over 10 ms at p99
  // to every manifest GET (measured in `npm run bench gateway`). Storage on a slow network disk
  // would block here instead; WHARF_REGISTRY_STORAGE_DIR is meant for a local disk.
  try {
    const digest = SHA256_DIGEST.test(reference) ? reference : readFileSync(path.join(manifests, "tags", reference, "current", "link"), "utf8").trim();
    if (!SHA256_DIGEST.test(digest)) return null;
    const hex = digest.slice("sha256:".length);
    if (readFileSync(path.join(manifests, "revisions", "sha256", hex, "link"), "utf8").trim() !== digest) return null;
    const dataPath = path.join(storageDir, ...V2, "blobs", "sha256", hex.slice(0, 2), hex, "data");
    if (statSync(dataPath).size > MANIFEST_MAX_BYTES) return null;
    const bytes = readFileSync(dataPath);
    if (createHash("sha256").update(bytes).digest("hex") !== hex) return null;
    const mediaType = storedMediaType(bytes);
    if (!mediaType || !accept.includes(mediaType)) return null;
    const headers = new Headers({
      "Content-Type": mediaType,
      "Content-Length": String(bytes.length),
      "Docker-Content-Digest": digest,
      Etag: `"${digest}"`,
    });
    return new Response(method === "HEAD" ? null : bytes, { status: 200, headers });
  } catch {
    return null; // no such tag or revision here, or not on this disk: the registry decides
  }
}

/**
 * The manifest's own `mediaType` when it is one of the four Wharf serves, schema version 2; null
 * otherwise (Distribution derives a type for a manifest that names none, and serves schema 1 its
 * own way).
 */
function storedMediaType(bytes: Buffer): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const { schemaVersion, mediaType } = parsed as { schemaVersion?: unknown; mediaType?: unknown };
  return schemaVersion === 2 && typeof mediaType === "string" && isManifestMediaType(mediaType) ? mediaType : null;
}
