import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { blobPaths } from "@/lib/registry/local-blob-store";
import { RegistryError } from "@/lib/registry/errors";

/**
 * Writes a blob into the backing registry's filesystem storage the way Distribution's own upload
 * commit does, when Wharf shares the disk (WHARF_REGISTRY_STORAGE_DIR): a proxy-cache fill's bytes
 * go to a file while they stream to the client, instead of through an upload to the registry.
 *
 * Why: a cold pull through a proxy-cache project moved each byte in from the upstream and out
 * twice, to the client and to the registry, which received it over HTTP, hashed it and wrote it;
 * on a 2-core machine that second hashing process was half the CPU a cold pull cost (issue 13's
 * benchmark). Written here, the bytes are hashed once, by Wharf, which must check them anyway.
 *
 * The registry stays consistent with what it would have written itself (storage layout of
 * distribution/registry/storage/paths.go; the registry runs without a blob descriptor cache, so
 * it sees the blob at once):
 * - the bytes go to a file under the repository's `_uploads` (Distribution's own place for upload
 *   sessions, which it purges when stale), are hashed on the way, and only bytes that match the
 *   digest (and the size, when known) are renamed into `blobs/sha256/<xx>/<hex>/data`: a source
 *   that ends early or lies leaves no blob and no link, and the temporary file is removed;
 * - then the repository's `_layers/sha256/<hex>/link` names the digest, written to a temporary
 *   file beside the upload and renamed, so a reader never sees half a link. The blob is in place before its link,
 *   as in Distribution: a link always names bytes that exist.
 * Renames over an existing blob are harmless: the same digest is the same bytes.
 */
export type LocalBlobWrite = { storageDir: string; repository: string; digest: string; source: Readable; size: number | null };

const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
const V2 = ["docker", "registry", "v2"];

export async function writeLocalBlob({ storageDir, repository, digest, source, size }: LocalBlobWrite): Promise<void> {
  // A source that fails before the pipeline below is attached (while the directory is made) is
  // still seen by it, through the stream's stored error; this keeps that error from being unhandled.
  source.on("error", () => undefined);
  if (!SHA256_DIGEST.test(digest)) {
    source.destroy();
    throw new RegistryError(400, "DIGEST_INVALID", `Only sha256 blobs are cached on the registry's disk, not ${digest}.`);
  }
  const paths = blobPaths(storageDir, repository, digest);
  const uploadDir = path.join(storageDir, ...V2, "repositories", ...repository.split("/"), "_uploads", randomUUID());
  const uploaded = path.join(uploadDir, "data");
  await mkdir(uploadDir, { recursive: true });
  try {
    const hash = createHash("sha256");
    let bytes = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(source, hashing, createWriteStream(uploaded, { highWaterMark: 1 << 20 }));
    const actual = `sha256:${hash.digest("hex")}`;
    if (actual !== digest) throw new RegistryError(400, "DIGEST_INVALID", `The bytes fetched for ${digest} hash to ${actual}; nothing was cached.`);
    if (size !== null && bytes !== size) throw new RegistryError(400, "SIZE_INVALID", `${bytes} bytes were fetched for ${digest}, not ${size}; nothing was cached.`);
    await mkdir(path.dirname(paths.data), { recursive: true });
    await rename(uploaded, paths.data);
    await mkdir(path.dirname(paths.link), { recursive: true });
    const linkTemp = path.join(uploadDir, "link");
    await writeFile(linkTemp, digest);
    await rename(linkTemp, paths.link);
  } finally {
    await rm(uploadDir, { recursive: true, force: true });
  }
}
