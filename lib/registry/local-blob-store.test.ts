import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuthorization } from "@/lib/registry/credentials";
import { parseSingleRange, readLocalBlob, serveLocalBlob } from "@/lib/registry/local-blob-store";
import { startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { skopeoCopy, writeOciImageLayout } from "@/lib/testing/oci-layout";

let tmp: string;
let registry: LocalRegistry;
let layerDigest: string;
let configDigest: string;
/** What the registry asks of everyone: Wharf's credentials. */
let auth: { authorization: string };
let creds: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-local-blob-"));
  registry = await startLocalRegistry({ dataDir: path.join(tmp, "data") });
  auth = { authorization: basicAuthorization(registry.credentials) };
  creds = `${registry.credentials.username}:${registry.credentials.password}`;
  const image = await writeOciImageLayout(path.join(tmp, "image"), { tag: "1.0", extraBytes: 300_000 });
  layerDigest = image.layerDigests[0]!;
  configDigest = image.configDigest;
  await skopeoCopy(image.ref, `docker://${new URL(registry.url).host}/team/app:1.0`, { destCreds: creds });
});

afterAll(async () => {
  await registry?.stop();
  await rm(tmp, { recursive: true, force: true });
});

async function bodyOf(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

describe("readLocalBlob", () => {
  it("reads a small blob linked into the repository, and leaves to the registry what is not linked there, too large, or no sha256 digest", async () => {
    const config = await readLocalBlob({ storageDir: registry.storageDir, repository: "team/app", digest: configDigest, maxBytes: 1 << 20 });
    expect(config).not.toBeNull();
    expect(`sha256:${createHash("sha256").update(config!).digest("hex")}`).toBe(configDigest);
    expect(JSON.parse(Buffer.from(config!).toString("utf8")).architecture).toBeTruthy();
    // Not linked into another repository (Distribution would refuse it there too).
    expect(await readLocalBlob({ storageDir: registry.storageDir, repository: "team/other", digest: configDigest, maxBytes: 1 << 20 })).toBeNull();
    expect(await readLocalBlob({ storageDir: registry.storageDir, repository: "team/app", digest: layerDigest, maxBytes: 1000 })).toBeNull();
    expect(await readLocalBlob({ storageDir: registry.storageDir, repository: "team/app", digest: "sha256:../../etc", maxBytes: 1000 })).toBeNull();
  });
});

describe("serveLocalBlob", () => {
  it("serves a pushed layer from the registry's disk, byte for byte, with the registry's headers", async () => {
    const response = await serveLocalBlob({ storageDir: registry.storageDir, repository: "team/app", digest: layerDigest, method: "GET", range: null });
    expect(response).not.toBeNull();
    const body = await bodyOf(response!);
    expect(`sha256:${createHash("sha256").update(body).digest("hex")}`).toBe(layerDigest);
    expect(response!.status).toBe(200);
    expect(response!.headers.get("content-length")).toBe(String(body.length));
    expect(response!.headers.get("docker-content-digest")).toBe(layerDigest);

    // The registry itself answers the same bytes.
    const direct = await fetch(`${registry.url}/v2/team/app/blobs/${layerDigest}`, { headers: auth });
    expect(Buffer.compare(Buffer.from(await direct.arrayBuffer()), body)).toBe(0);
  });

  it("answers HEAD with the length and no body, and a Range with 206 and the slice", async () => {
    const head = await serveLocalBlob({ storageDir: registry.storageDir, repository: "team/app", digest: layerDigest, method: "HEAD", range: null });
    expect(head!.body).toBeNull();
    const size = Number(head!.headers.get("content-length"));
    expect(size).toBeGreaterThan(300_000);

    const ranged = await serveLocalBlob({ storageDir: registry.storageDir, repository: "team/app", digest: layerDigest, method: "GET", range: "bytes=10-19" });
    expect(ranged!.status).toBe(206);
    expect(ranged!.headers.get("content-range")).toBe(`bytes 10-19/${size}`);
    const full = await bodyOf((await serveLocalBlob({ storageDir: registry.storageDir, repository: "team/app", digest: layerDigest, method: "GET", range: null }))!);
    expect(Buffer.compare(await bodyOf(ranged!), full.subarray(10, 20))).toBe(0);
  });

  it("answers a malformed or unsatisfiable range 416, with a body as long as its Content-Length and the size in Content-Range", async () => {
    const head = await serveLocalBlob({ storageDir: registry.storageDir, repository: "team/app", digest: layerDigest, method: "HEAD", range: null });
    const size = Number(head!.headers.get("content-length"));
    for (const range of ["bytes=9-1", `bytes=${size}-`, "bogus", "bytes=-0"]) {
      const refused = await serveLocalBlob({ storageDir: registry.storageDir, repository: "team/app", digest: layerDigest, method: "GET", range });
      expect(refused!.status, range).toBe(416);
      expect(refused!.headers.get("content-range")).toBe(`bytes */${size}`);
      const body = await bodyOf(refused!);
      expect(refused!.headers.get("content-length")).toBe(String(body.length));
    }
  });

  it("falls back (null) when the blob is not linked in that repository, or several ranges are asked for", async () => {
    // Same digest, other repository: Distribution would answer 404 there, so Wharf must not serve it.
    expect(await serveLocalBlob({ storageDir: registry.storageDir, repository: "team/other", digest: layerDigest, method: "GET", range: null })).toBeNull();
    expect(
      await serveLocalBlob({ storageDir: registry.storageDir, repository: "team/app", digest: `sha256:${"0".repeat(64)}`, method: "GET", range: null }),
    ).toBeNull();
    expect(await serveLocalBlob({ storageDir: registry.storageDir, repository: "team/app", digest: layerDigest, method: "GET", range: "bytes=0-1,5-6" })).toBeNull();
    expect(await serveLocalBlob({ storageDir: path.join(tmp, "nowhere"), repository: "team/app", digest: layerDigest, method: "GET", range: null })).toBeNull();
  });

  it("stops serving a blob once the registry unlinks it from the repository", async () => {
    await skopeoCopy((await writeOciImageLayout(path.join(tmp, "gone"), { tag: "1", extraBytes: 1000 })).ref, `docker://${new URL(registry.url).host}/team/gone:1`, { destCreds: creds });
    const tags = await fetch(`${registry.url}/v2/team/gone/manifests/1`, { headers: { ...auth, Accept: "application/vnd.oci.image.manifest.v1+json" } });
    const manifest = (await tags.json()) as { layers: { digest: string }[] };
    const digest = manifest.layers[0]!.digest;
    expect(await serveLocalBlob({ storageDir: registry.storageDir, repository: "team/gone", digest, method: "HEAD", range: null })).not.toBeNull();
    expect((await fetch(`${registry.url}/v2/team/gone/blobs/${digest}`, { method: "DELETE", headers: auth })).status).toBe(202);
    expect(await serveLocalBlob({ storageDir: registry.storageDir, repository: "team/gone", digest, method: "HEAD", range: null })).toBeNull();
  });
});

describe("parseSingleRange", () => {
  it.each([
    ["bytes=0-9", 100, { start: 0, end: 9 }],
    ["bytes=90-", 100, { start: 90, end: 99 }],
    ["bytes=-10", 100, { start: 90, end: 99 }],
    ["bytes=50-500", 100, { start: 50, end: 99 }],
    ["bytes=100-", 100, null],
    ["bytes=9-1", 100, null],
    ["bytes=-", 100, null],
    ["items=0-1", 100, null],
  ])("%s of %i -> %j", (header, size, expected) => {
    expect(parseSingleRange(header, size)).toEqual(expected);
  });
});
