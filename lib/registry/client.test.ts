import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "@/lib/registry/client";
import { RegistryError, RegistryUnavailableError } from "@/lib/registry/errors";
import { startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { DOCKER_MANIFEST_V2, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import {
  skopeoCopy,
  writeOciImageLayout,
  writeOciIndexLayout,
  type OciImageResult,
  type OciIndexResult,
} from "@/lib/testing/oci-layout";

// A real Distribution 2.8 registry and real skopeo pushes; nothing here is mocked.

const NOWHERE = "http://127.0.0.1:1"; // Nothing listens on port 1: any request would fail as unreachable.
const MISSING_DIGEST = `sha256:${"0".repeat(64)}`;

let tmp: string;
let dataDir: string;
let registry: LocalRegistry;
let client: RegistryClient;
let app: OciImageResult;
let big: OciImageResult;
let multi: OciIndexResult;
let dockerDigest: string;

function host(url: string): string {
  return new URL(url).host;
}

async function push(ref: string, repoTag: string, options: { all?: boolean; format?: "oci" | "v2s2" } = {}) {
  const { username, password } = registry.credentials;
  await skopeoCopy(ref, `docker://${host(registry.url)}/${repoTag}`, { ...options, destCreds: `${username}:${password}` });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

async function sha256OfStream(stream: ReadableStream<Uint8Array>): Promise<{ digest: string; bytes: number; chunks: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  let chunks = 0;
  const reader = stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    hash.update(next.value);
    bytes += next.value.byteLength;
    chunks++;
  }
  return { digest: `sha256:${hash.digest("hex")}`, bytes, chunks };
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-registry-test-"));
  dataDir = path.join(tmp, "data");
  registry = await startLocalRegistry({ dataDir });
  client = new RegistryClient({ baseUrl: registry.url, credentials: registry.credentials, timeoutMs: 5_000 });

  app = await writeOciImageLayout(path.join(tmp, "oci-app"), { tag: "1.0", files: { "etc/app.conf": "x=1\n" } });
  big = await writeOciImageLayout(path.join(tmp, "oci-big"), { tag: "big", extraBytes: 3 * 1024 * 1024 });
  multi = await writeOciIndexLayout(path.join(tmp, "oci-multi"), {
    tag: "2.0",
    platforms: [
      { architecture: "amd64", os: "linux" },
      { architecture: "arm64", os: "linux", variant: "v8" },
    ],
  });

  // Tags pushed out of order, so an unsorted answer cannot pass by luck of push order.
  for (const tag of ["latest", "1.0", "v2", "1.1", "0.9"]) await push(app.ref, `demo/app:${tag}`);
  await push(big.ref, "demo/big:big");
  await push(multi.ref, "demo/multi:2.0", { all: true });
  await push(app.ref, "demo/docker:v2", { format: "v2s2" });
  await push(app.ref, "alpha:1.0");
  await push(app.ref, "zeta/deep/name:1.0");
  await push(app.ref, "demo/todelete:1.0");
  await push(app.ref, "demo/todelete:keep-too");
  const docker = await client.headManifest("demo/docker", "v2");
  dockerDigest = docker?.digest ?? "";
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const ALL_REPOS = ["alpha", "demo/app", "demo/big", "demo/docker", "demo/multi", "demo/todelete", "zeta/deep/name"];

describe("RegistryClient against a real registry", () => {
  it("pings, reporting its round trip in whole milliseconds", async () => {
    const before = performance.now();
    const result = await client.ping();
    const elapsed = performance.now() - before;
    expect(result.ok).toBe(true);
    expect(Number.isInteger(result.latencyMs)).toBe(true);
    // Within the call's own duration (no bound on how fast the machine is).
    expect(result.latencyMs).toBeLessThanOrEqual(Math.ceil(elapsed));
  });

  it("counts the wait for the registry's answer in the ping's latency", async () => {
    // A registry that answers only once the test lets it, at least HELD_MS after the request
    // arrived: the latency can then not be less, however fast or slow the machine is.
    const HELD_MS = 40;
    let arrived = 0;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const held = createServer((req, res) => {
      arrived = performance.now();
      void released.then(() => res.writeHead(200, { "docker-distribution-api-version": "registry/2.0" }).end("{}"));
    });
    await new Promise<void>((resolve) => held.listen(0, "127.0.0.1", resolve));
    try {
      const address = held.address();
      const ping = new RegistryClient({ baseUrl: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}` }).ping();
      while (!arrived || performance.now() - arrived < HELD_MS) await new Promise((r) => setTimeout(r, 10));
      release();
      const result = await ping;
      expect(result.latencyMs).toBeGreaterThanOrEqual(HELD_MS);
    } finally {
      held.closeAllConnections();
      await new Promise((resolve) => held.close(resolve));
    }
  });

  it("walks the catalog one repository per page, each exactly once and in order", async () => {
    const seen: string[] = [];
    let last: string | null = null;
    let pages = 0;
    for (;;) {
      const page: Awaited<ReturnType<RegistryClient["listCatalogPage"]>> = await client.listCatalogPage({ n: 1, last });
      pages++;
      expect(page.repositories.length).toBeLessThanOrEqual(1);
      seen.push(...page.repositories);
      if (!page.nextLast) break;
      expect(page.nextLast).toBe(page.repositories.at(-1));
      last = page.nextLast;
      expect(pages).toBeLessThan(50);
    }
    expect(seen).toEqual(ALL_REPOS);
  });

  it("iterates every repository with listAllRepositories across page boundaries", async () => {
    const all: string[] = [];
    for await (const name of client.listAllRepositories(2)) all.push(name);
    expect(all).toEqual(ALL_REPOS);
  });

  it("caps the catalog page size at the registry's maximum instead of getting a 400", async () => {
    const page = await client.listCatalogPage({ n: 5000 });
    expect(page.repositories).toEqual(ALL_REPOS);
    expect(page.nextLast).toBeNull();
  });

  it("lists tags sorted", async () => {
    expect(await client.listTags("demo/app")).toEqual(["0.9", "1.0", "1.1", "latest", "v2"]);
  });

  it("returns an OCI manifest with the digest skopeo pushed, verified against the bytes", async () => {
    const byTag = await client.getManifest("demo/app", "1.0");
    expect(byTag.mediaType).toBe(OCI_IMAGE_MANIFEST);
    expect(byTag.digest).toBe(app.manifestDigest);
    expect(byTag.size).toBe(app.manifestSize);
    expect(`sha256:${createHash("sha256").update(byTag.bytes).digest("hex")}`).toBe(app.manifestDigest);
    const layerDigests = (byTag.json as { layers: { digest: string }[] }).layers.map((l) => l.digest);
    expect(layerDigests).toEqual(app.layerDigests);

    const byDigest = await client.getManifest("demo/app", app.manifestDigest);
    expect(Buffer.from(byDigest.bytes).equals(Buffer.from(byTag.bytes))).toBe(true);
  });

  it("returns an OCI index pushed with --all with index and child digests unchanged", async () => {
    const index = await client.getManifest("demo/multi", "2.0");
    expect(index.mediaType).toBe(OCI_IMAGE_INDEX);
    expect(index.digest).toBe(multi.indexDigest);
    const children = (index.json as { manifests: { digest: string; platform: { architecture: string } }[] }).manifests;
    expect(children.map((c) => c.digest)).toEqual(multi.childDigests);
    expect(children.map((c) => c.platform.architecture)).toEqual(["amd64", "arm64"]);
    for (const digest of multi.childDigests) {
      const child = await client.getManifest("demo/multi", digest);
      expect(child.digest).toBe(digest);
      expect(child.mediaType).toBe(OCI_IMAGE_MANIFEST);
    }
    // Children of an index are untagged: only the index tag is listed.
    expect(await client.listTags("demo/multi")).toEqual(["2.0"]);
  });

  it("returns a Docker schema 2 manifest unchanged by tag (no schema 1 rewrite)", async () => {
    const manifest = await client.getManifest("demo/docker", "v2");
    expect(manifest.mediaType).toBe(DOCKER_MANIFEST_V2);
    expect(manifest.digest).toBe(dockerDigest);
    expect((manifest.json as { schemaVersion: number }).schemaVersion).toBe(2);
  });

  it("heads a manifest with the same descriptor as a GET", async () => {
    const head = await client.headManifest("demo/app", "latest");
    expect(head).toEqual({ mediaType: OCI_IMAGE_MANIFEST, digest: app.manifestDigest, size: app.manifestSize });
  });

  it("streams a layer whose sha256 matches its digest", async () => {
    const layer = big.layerDigests[0] ?? "";
    const expectedSize = (await stat(path.join(big.dir, "blobs", "sha256", layer.slice(7)))).size;
    const blob = await client.getBlob("demo/big", layer);
    expect(blob.size).toBe(expectedSize);
    expect(blob.stream).toBeInstanceOf(ReadableStream);
    const read = await sha256OfStream(blob.stream);
    expect(read.digest).toBe(layer);
    expect(read.bytes).toBe(expectedSize);
    expect(read.chunks).toBeGreaterThan(1); // Arrived in pieces, not as one buffered body.
  });

  it("heads blobs: size when present, null when absent", async () => {
    const config = app.configDigest;
    const configSize = (await readFile(path.join(app.dir, "blobs", "sha256", config.slice(7)))).byteLength;
    expect(await client.headBlob("demo/app", config)).toEqual({ size: configSize });
    expect(await client.headBlob("demo/app", MISSING_DIGEST)).toBeNull();
  });

  it("returns null from headManifest for an unknown tag", async () => {
    expect(await client.headManifest("demo/app", "no-such-tag")).toBeNull();
    expect(await client.headManifest("demo/app", MISSING_DIGEST)).toBeNull();
  });

  it("maps an unknown repository to RegistryError NAME_UNKNOWN", async () => {
    const error = await rejection(client.listTags("no/such/repo"));
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ status: 404, code: "NAME_UNKNOWN" });
  });

  it("maps an unknown tag to RegistryError MANIFEST_UNKNOWN", async () => {
    const error = await rejection(client.getManifest("demo/app", "no-such-tag"));
    expect(error).toMatchObject({ status: 404, code: "MANIFEST_UNKNOWN" });
  });

  it("maps an unknown blob to RegistryError BLOB_UNKNOWN", async () => {
    const error = await rejection(client.getBlob("demo/app", MISSING_DIGEST));
    expect(error).toMatchObject({ status: 404, code: "BLOB_UNKNOWN" });
  });

  it("puts a manifest to a new tag and gets the same digest back", async () => {
    const source = await client.getManifest("demo/app", "1.0");
    const put = await client.putManifest("demo/app", "copied", source.mediaType, source.bytes);
    expect(put.digest).toBe(app.manifestDigest);
    expect((await client.headManifest("demo/app", "copied"))?.digest).toBe(app.manifestDigest);
  });

  it("deletes a manifest by digest, which removes every tag on it", async () => {
    const head = await client.headManifest("demo/todelete", "1.0");
    expect(head?.digest).toBe(app.manifestDigest);
    await client.deleteManifest("demo/todelete", app.manifestDigest);
    expect(await client.headManifest("demo/todelete", app.manifestDigest)).toBeNull();
    expect(await client.headManifest("demo/todelete", "1.0")).toBeNull();
    expect(await client.headManifest("demo/todelete", "keep-too")).toBeNull();
    // 2.8 answers `"tags": null` for an emptied repository; the client turns that into [].
    expect(await client.listTags("demo/todelete")).toEqual([]);
    // Same digest in another repository is untouched.
    expect((await client.headManifest("demo/app", "1.0"))?.digest).toBe(app.manifestDigest);
    // A second delete is a MANIFEST_UNKNOWN, not a silent success.
    const again = await rejection(client.deleteManifest("demo/todelete", app.manifestDigest));
    expect(again).toMatchObject({ status: 404, code: "MANIFEST_UNKNOWN" });
  });

  it("refuses to delete by tag, without sending anything", async () => {
    const error = await rejection(client.deleteManifest("demo/app", "latest"));
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ status: 400, code: "DIGEST_INVALID" });
    expect((error as Error).message).toMatch(/by digest only/);
    expect(await client.headManifest("demo/app", "latest")).not.toBeNull();
    // The same refusal from a client with nothing behind it proves no request was needed.
    const offline = await rejection(new RegistryClient({ baseUrl: NOWHERE }).deleteManifest("demo/app", "latest"));
    expect(offline).toMatchObject({ status: 400, code: "DIGEST_INVALID" });
  });
});

describe("input validation happens before any request", () => {
  // Pointed at a closed port: a request would surface as RegistryUnavailableError instead.
  const offline = new RegistryClient({ baseUrl: NOWHERE, timeoutMs: 2_000 });

  it.each(["Demo/App", "a//b", "-a", "a-", "a/", "../etc/passwd", "a b", "", `${"a".repeat(256)}`, "a:b"])(
    "rejects repository name %j with NAME_INVALID",
    async (name) => {
      for (const call of [
        () => offline.listTags(name),
        () => offline.getManifest(name, "1.0"),
        () => offline.headManifest(name, "1.0"),
        () => offline.getBlob(name, MISSING_DIGEST),
        () => offline.headBlob(name, MISSING_DIGEST),
        () => offline.deleteManifest(name, MISSING_DIGEST),
      ]) {
        const error = await rejection(call());
        expect(error).toBeInstanceOf(RegistryError);
        expect(error).toMatchObject({ status: 400, code: "NAME_INVALID" });
      }
    },
  );

  it("accepts names from the distribution grammar", async () => {
    for (const name of ["a", "a.b_c__d---e/f0/g1-2", `${"a".repeat(255)}`]) {
      const error = await rejection(offline.listTags(name));
      expect(error).toBeInstanceOf(RegistryUnavailableError);
    }
  });

  it.each(["sha256:xyz", `sha256:${"A".repeat(64)}`, `md5:${"0".repeat(32)}`, `sha512:${"0".repeat(64)}`, "sha256:"])(
    "rejects digest %j with DIGEST_INVALID",
    async (digest) => {
      for (const call of [
        () => offline.getBlob("demo/app", digest),
        () => offline.headBlob("demo/app", digest),
        () => offline.deleteManifest("demo/app", digest),
        () => offline.getManifest("demo/app", digest),
      ]) {
        const error = await rejection(call());
        expect(error).toBeInstanceOf(RegistryError);
        expect(error).toMatchObject({ status: 400, code: "DIGEST_INVALID" });
      }
    },
  );

  it("rejects a tag that could change the URL", async () => {
    for (const tag of ["../x", "a/b", "-x", "a?b", `${"a".repeat(129)}`]) {
      const error = await rejection(offline.getManifest("demo/app", tag));
      expect(error).toMatchObject({ status: 400, code: "TAG_INVALID" });
    }
  });

  it("refuses manifest bytes that do not match the digest they are put under", async () => {
    const error = await rejection(
      offline.putManifest("demo/app", MISSING_DIGEST, OCI_IMAGE_MANIFEST, new TextEncoder().encode("{}")),
    );
    expect(error).toMatchObject({ status: 400, code: "DIGEST_INVALID" });
  });
});

describe("an upstream that misbehaves", () => {
  let server: Server;
  let silent: TcpServer;
  let url: string;
  let silentUrl: string;
  const sockets = new Set<Socket>();
  const body = new TextEncoder().encode('{"schemaVersion":2}');

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith("/v2/broken/")) {
        res.writeHead(503, { "Content-Type": "text/plain" }).end("storage backend down");
      } else {
        // Claims to be the manifest for any digest, which it cannot be.
        res.writeHead(200, { "Content-Type": OCI_IMAGE_MANIFEST, "Docker-Content-Digest": MISSING_DIGEST }).end(body);
      }
    });
    // Accepts connections and never answers.
    silent = createTcpServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const a = server.address();
    const b = silent.address();
    url = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
    silentUrl = `http://127.0.0.1:${typeof b === "object" && b ? b.port : 0}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    for (const socket of sockets) socket.destroy(); // close() waits for open connections.
    await new Promise((resolve) => silent.close(resolve));
  });

  it("treats a 5xx as RegistryUnavailableError", async () => {
    const error = await rejection(new RegistryClient({ baseUrl: url }).listTags("broken/repo"));
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(error).toMatchObject({ status: 503 });
    expect((error as Error).message).toContain(`The backing registry at ${url} is unreachable`);
    expect((error as Error).message).toContain("storage backend down");
  });

  it("rejects manifest bytes that do not hash to the requested digest", async () => {
    const error = await rejection(new RegistryClient({ baseUrl: url }).getManifest("demo/app", MISSING_DIGEST));
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ code: "DIGEST_MISMATCH" });
  });

  it("rejects manifest bytes that do not hash to the digest the registry claims (by tag)", async () => {
    const error = await rejection(new RegistryClient({ baseUrl: url }).getManifest("demo/app", "1.0"));
    expect(error).toMatchObject({ code: "DIGEST_MISMATCH" });
  });

  it("does not take a non-registry server for a registry", async () => {
    const error = await rejection(new RegistryClient({ baseUrl: url }).ping());
    expect(error).toBeInstanceOf(RegistryUnavailableError);
  });

  it("surfaces skopeo's own error when a push fails, without the credentials", async () => {
    const error = await rejection(skopeoCopy(app.ref, `docker://${host(NOWHERE)}/demo/app:1.0`, { destCreds: "user:s3cret" }));
    expect((error as Error).message).toMatch(/^skopeo copy oci:.* -> docker:\/\/127\.0\.0\.1:1\/demo\/app:1\.0 failed: .*connect/s);
    expect((error as Error).message).not.toContain("s3cret");
  });

  it("times out with RegistryUnavailableError", async () => {
    const started = Date.now();
    const error = await rejection(new RegistryClient({ baseUrl: silentUrl, timeoutMs: 300 }).ping());
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect((error as Error).message).toMatch(/no answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

// Last: these stop the shared registry.
describe("registry lifecycle", () => {
  it("writes a config and a private, persistent HTTP secret", async () => {
    const secretFile = path.join(dataDir, "registry", "http-secret");
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
    const config = JSON.parse(await readFile(registry.configPath, "utf8")) as {
      http: { addr: string; secret: string };
      storage: { delete: { enabled: boolean } };
    };
    expect(config.http.addr).toBe(host(registry.url));
    expect(config.http.secret).toBe((await readFile(secretFile, "utf8")).trim());
    expect(config.storage.delete.enabled).toBe(true);
  });

  it("is unreachable after stop(), and a restart on the same data dir keeps images and secret", async () => {
    const secretBefore = await readFile(path.join(dataDir, "registry", "http-secret"), "utf8");
    const pid = registry.pid;
    await registry.stop();
    expect(() => process.kill(pid, 0)).toThrow(); // The process is gone.

    const error = await rejection(client.ping());
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect((error as Error).message).toContain(`The backing registry at ${registry.url} is unreachable`);
    expect(await rejection(client.listTags("demo/app"))).toBeInstanceOf(RegistryUnavailableError);

    const credentialsBefore = registry.credentials;
    registry = await startLocalRegistry({ dataDir });
    expect(registry.credentials).toEqual(credentialsBefore);
    const restarted = new RegistryClient({ baseUrl: registry.url, credentials: registry.credentials });
    expect((await restarted.headManifest("demo/app", "1.0"))?.digest).toBe(app.manifestDigest);
    expect(await readFile(path.join(dataDir, "registry", "http-secret"), "utf8")).toBe(secretBefore);
  });

  it("explains a registry that cannot start", async () => {
    const error = await rejection(startLocalRegistry({ dataDir: path.join(tmp, "nope"), binary: path.join(tmp, "missing-binary") }));
    expect((error as Error).message).toMatch(/apt-get install docker-registry/);
  });

  it("refuses a port that is already taken instead of mistaking the other server for ours", async () => {
    const port = Number(new URL(registry.url).port);
    const error = await rejection(startLocalRegistry({ dataDir: path.join(tmp, "clash"), port }));
    expect((error as Error).message).toMatch(/already in use/);
  });

  it("reports a registry that exits during start-up, quoting its log", async () => {
    const fake = path.join(tmp, "fake-registry");
    await writeFile(fake, '#!/bin/sh\necho "boom: $1 $(basename "$2")" >&2\nexit 3\n', { mode: 0o755 });
    const error = await rejection(startLocalRegistry({ dataDir: path.join(tmp, "fake"), binary: fake }));
    expect((error as Error).message).toMatch(/exited with code 3/);
    expect((error as Error).message).toContain("boom: serve config.yml");
  });
});
