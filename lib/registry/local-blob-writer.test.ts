import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuthorization } from "@/lib/registry/credentials";
import { RegistryError } from "@/lib/registry/errors";
import { blobPaths } from "@/lib/registry/local-blob-store";
import { writeLocalBlob } from "@/lib/registry/local-blob-writer";
import { startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";

/**
 * A blob written onto the registry's disk must be one the registry itself serves (as if it had
 * been uploaded), and a write whose bytes are short or wrong must leave nothing behind.
 */
let tmp: string;
let registry: LocalRegistry;
let auth: { authorization: string };

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-local-blob-writer-"));
  registry = await startLocalRegistry({ dataDir: path.join(tmp, "data") });
  auth = { authorization: basicAuthorization(registry.credentials) };
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  await rm(tmp, { recursive: true, force: true });
});

const digestOf = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
/** The bytes in several chunks, as an upstream's body arrives. */
const sourceOf = (bytes: Buffer) => Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000, 500_000), bytes.subarray(500_000)]);
const uploadsOf = async (repository: string) => {
  const dir = path.join(registry.storageDir, "docker", "registry", "v2", "repositories", ...repository.split("/"), "_uploads");
  return existsSync(dir) ? readdir(dir) : [];
};

describe("writeLocalBlob", () => {
  it("writes a blob the registry serves byte for byte, linked into the repository only", async () => {
    const bytes = randomBytes(1_200_000);
    const digest = digestOf(bytes);
    await writeLocalBlob({ storageDir: registry.storageDir, repository: "cache/library/app", digest, source: sourceOf(bytes), size: bytes.length });

    const got = await fetch(`${registry.url}/v2/cache/library/app/blobs/${digest}`, { headers: auth });
    expect(got.status).toBe(200);
    expect(Buffer.compare(Buffer.from(await got.arrayBuffer()), bytes)).toBe(0);
    const head = await fetch(`${registry.url}/v2/cache/library/app/blobs/${digest}`, { method: "HEAD", headers: auth });
    expect(head.headers.get("content-length")).toBe(String(bytes.length));
    expect((await fetch(`${registry.url}/v2/cache/other/blobs/${digest}`, { method: "HEAD", headers: auth })).status).toBe(404);
    expect(await uploadsOf("cache/library/app")).toEqual([]);

    // Written again (a second fill of the same blob): the same blob, still served.
    await writeLocalBlob({ storageDir: registry.storageDir, repository: "cache/library/app", digest, source: sourceOf(bytes), size: null });
    expect((await fetch(`${registry.url}/v2/cache/library/app/blobs/${digest}`, { method: "HEAD", headers: auth })).status).toBe(200);
  });

  it("keeps nothing from a source that ends early, lies or fails: no blob, no link, no upload left", async () => {
    const bytes = randomBytes(700_000);
    const digest = digestOf(bytes);
    const repository = "cache/library/broken";
    const short = writeLocalBlob({ storageDir: registry.storageDir, repository, digest, source: Readable.from([bytes.subarray(0, 300_000)]), size: bytes.length });
    await expect(short).rejects.toMatchObject({ code: "DIGEST_INVALID" });
    const other = randomBytes(700_000);
    await expect(writeLocalBlob({ storageDir: registry.storageDir, repository, digest, source: sourceOf(other), size: bytes.length })).rejects.toBeInstanceOf(RegistryError);
    const failing = new Readable({ read() {} });
    const failed = writeLocalBlob({ storageDir: registry.storageDir, repository, digest, source: failing, size: null });
    failing.push(bytes.subarray(0, 1000));
    failing.destroy(new Error("upstream connection reset"));
    await expect(failed).rejects.toThrow("upstream connection reset");

    const paths = blobPaths(registry.storageDir, repository, digest);
    expect(existsSync(paths.data)).toBe(false);
    expect(existsSync(paths.link)).toBe(false);
    expect(await uploadsOf(repository)).toEqual([]);
    expect((await fetch(`${registry.url}/v2/${repository}/blobs/${digest}`, { method: "HEAD", headers: auth })).status).toBe(404);
  });
});
