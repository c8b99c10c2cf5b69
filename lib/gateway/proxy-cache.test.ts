import { createHash, randomBytes } from "node:crypto";
import { execFile, execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Ports picked before anything reads the environment: the backing registry's, and Wharf's front
// (skopeo follows the token realm to it). Wharf shares the backing registry's disk, as the launcher
// runs it, so fills are written onto it (lib/registry/local-blob-writer.ts); one test below takes
// the upload path an external registry gets.
const { REGISTRY_PORT, FRONT_PORT, DATA_DIR } = await vi.hoisted(async () => {
  const ports = await import("@/lib/testing/test-ports").then((m) => m.useTestRegistryAndFrontPorts("proxy-cache-tests-secret-key-0123456789"));
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir: osTmpdir } = await import("node:os");
  const p = await import("node:path");
  const dataDir = mkdtempSync(p.join(osTmpdir(), "wharf-proxy-cache-data-"));
  process.env.WHARF_REGISTRY_STORAGE_DIR = p.join(dataDir, "registry", "storage");
  return { ...ports, DATA_DIR: dataDir };
});

import type { UserActor } from "@/lib/auth/actor";
import { getServerEnv } from "@/lib/env";
import { startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { startFront, type WharfServer } from "@/lib/runtime/server";
import { blobFillUnderWay, fillBlob } from "@/lib/services/proxy-cache/blobs";
import { cacheJobsSettled } from "@/lib/services/proxy-cache/cache-artifact";
import { expireProxyCache } from "@/lib/services/proxy-cache/expire";
import { listProxyFetches } from "@/lib/services/proxy-cache/fetch-log";
import { flushPullTimes } from "@/lib/services/repositories/pull-times";
import { getRegistryMirror, setRegistryMirror } from "@/lib/services/proxy-cache/mirror";
import { forgetProxyUpstreams } from "@/lib/services/proxy-cache/upstream";
import { forgetRegistryProjects } from "@/lib/services/registry-auth/project-lookup";
import { createProject } from "@/lib/services/projects/create-project";
import { copyArtifact } from "@/lib/services/repositories/copy-artifact";
import { createRegistry, deleteRegistry } from "@/lib/services/registries/registries";
import { createMember, db, TEST_PASSWORD } from "@/lib/services/registry-auth/test-fixtures";
import { actorFor, createTestUser, uniqueName } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { skopeoCopy, writeOciImageLayout, writeOciIndexLayout, type OciImageResult } from "@/lib/testing/oci-layout";
import { startTokenRegistry, type TokenRegistry } from "@/lib/testing/remote-registries";
import { startUpstreamProxy, type UpstreamProxy } from "@/lib/testing/upstream-proxy";

/**
 * Proxy-cache projects (issue 13) with real parts: Wharf's front and gateway over a real backing
 * Distribution, an upstream Distribution (no auth) behind a counting proxy, another with token
 * auth, and skopeo pulling through Wharf as a client would.
 */
const HOST = `127.0.0.1:${FRONT_PORT}`;
const harness = gatewayHarness({ registryPort: REGISTRY_PORT, external: `http://${HOST}`, name: "proxy-cache", dataDir: DATA_DIR });

let front: WharfServer;
let tmp = "";
let upstreamRegistry: LocalRegistry;
let upstream: UpstreamProxy;
let tokenUpstream: TokenRegistry;
let admin: UserActor;
const TOKEN_CREDENTIALS = { username: "hub-user", password: "hub-password-0123456789" };

beforeAll(async () => {
  front = await startFront({ hostname: "127.0.0.1", port: FRONT_PORT, handleNext: async (_req, res) => void res.end() });
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-proxy-cache-test-"));
  upstreamRegistry = await startLocalRegistry({ dataDir: path.join(tmp, "upstream"), auth: { kind: "none" } });
  upstream = await startUpstreamProxy(upstreamRegistry.url);
  tokenUpstream = await startTokenRegistry(tmp, TOKEN_CREDENTIALS);
  admin = actorFor(await createTestUser({ isAdmin: true }));
}, 90_000);

afterAll(async () => {
  await cacheJobsSettled();
  await front?.close();
  await upstream?.stop();
  await Promise.all([upstreamRegistry?.stop(), tokenUpstream?.registry.stop(), tokenUpstream?.issuer.stop()]);
  if (tmp) await rm(tmp, { recursive: true, force: true });
  await rm(DATA_DIR, { recursive: true, force: true });
});

/** An image in the upstream (pushed there straight, as its owner would), under `repository:tag`. */
async function upstreamImage(repository: string, tag: string, extraBytes = 50_000, registryUrl = upstreamRegistry.url, destCreds?: string): Promise<OciImageResult> {
  const image = await writeOciImageLayout(path.join(tmp, `${uniqueName("layout")}`), { tag, extraBytes });
  await skopeoCopy(image.ref, `docker://${new URL(registryUrl).host}/${repository}:${tag}`, destCreds ? { destCreds } : {});
  return image;
}

/** A proxy-cache project over `url`, and a Guest (pull only) of it with credentials for skopeo. */
async function proxyProject(url: string, credentials?: { username: string; password: string }) {
  const endpoint = await createRegistry({
    actor: admin,
    input: { name: uniqueName("upstream"), type: "docker-registry", url, ...(credentials ? { credentialType: "basic", username: credentials.username, secret: credentials.password } : { credentialType: "none" }) },
  });
  const project = await createProject({ actor: admin, input: { name: uniqueName("proxy").toLowerCase(), isPublic: false, proxy: { registryId: endpoint.id, cacheDays: 7 } } });
  const guest = await createMember(project.id, 3);
  return { endpoint, project, creds: `${guest.username}:${TEST_PASSWORD}` };
}

function pullTo(name: string, creds: string, dir = path.join(tmp, uniqueName("pulled"))): Promise<void> {
  return skopeoCopy(`docker://${HOST}/${name}`, `oci:${dir}:pulled`, { srcCreds: creds });
}

const HAVE_PODMAN = (() => {
  try {
    execFileSync("podman", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} ${args.join(" ")}: ${String(stderr).trim() || error.message}`)) : resolve(String(stdout)),
    );
  });
}

const blobsOf = (image: OciImageResult) => [image.configDigest, ...image.layerDigests];

describe("proxy-cache projects", () => {
  it("pulls an image from the upstream on first use, caches it like a push, and serves later pulls from the cache", async () => {
    const image = await upstreamImage("library/app", "1.0");
    const { project, creds } = await proxyProject(upstream.url);
    const repository = `${project.name}/library/app`;

    await pullTo(`${repository}:1.0`, creds);
    for (const digest of blobsOf(image)) expect(upstream.blobGets(digest)).toBe(1);
    await cacheJobsSettled();

    // In the backing registry and in the index, like a pushed artifact.
    expect((await harness.backing.headManifest(repository, "1.0"))?.digest).toBe(image.manifestDigest);
    for (const digest of blobsOf(image)) expect(await harness.backing.headBlob(repository, digest)).not.toBeNull();
    const artifact = await db.artifact.findFirstOrThrow({ where: { repository: { name: repository }, digest: image.manifestDigest }, select: { tags: { select: { name: true } }, totalSize: true } });
    expect(artifact.tags.map((t) => t.name)).toEqual(["1.0"]);
    expect(artifact.totalSize).toBeGreaterThan(50_000n);
    const audit = await db.auditEvent.findMany({ where: { resourceName: `${repository}:1.0`, action: { in: ["artifact.cache", "artifact.pull"] } }, select: { action: true, result: true } });
    expect(audit.filter((row) => row.action === "artifact.cache")).toHaveLength(1);

    // Every upstream fetch is recorded and visible to the project's members.
    const fetches = await listProxyFetches({ actor: admin, projectName: project.name, page: 1, pageSize: 50 });
    expect(fetches.rows.filter((row) => row.kind === "blob").map((row) => row.digest).sort()).toEqual(blobsOf(image).sort());
    expect(fetches.rows.every((row) => row.outcome === "ok" && row.source.includes(upstream.url))).toBe(true);
    expect(fetches.rows.find((row) => row.kind === "manifest")?.upstreamRepository).toBe("library/app");

    // Later pulls: the tag is checked at the upstream (a HEAD), no blob is fetched again.
    const before = upstream.requests.length;
    await pullTo(`${repository}:1.0`, creds);
    const asked = upstream.requests.slice(before);
    expect(asked.filter((line) => line.startsWith("GET ") && line.includes("/blobs/"))).toEqual([]);
    expect(asked.some((line) => line === `HEAD /v2/library/app/manifests/1.0`)).toBe(true);

    // By digest: served from the cache without asking the upstream at all.
    const beforeDigest = upstream.requests.length;
    await pullTo(`${repository}@${image.manifestDigest}`, creds);
    expect(upstream.requests.slice(beforeDigest)).toEqual([]);
  });

  it("serves cached tags while the upstream is down, and refuses uncached ones with a clear error", async () => {
    const image = await upstreamImage("team/tool", "2.0");
    await upstreamImage("team/tool", "never-pulled");
    const { project, creds } = await proxyProject(upstream.url);
    const repository = `${project.name}/team/tool`;
    await pullTo(`${repository}:2.0`, creds);
    await cacheJobsSettled();

    await upstream.stop();
    try {
      await pullTo(`${repository}:2.0`, creds);
      await expect(pullTo(`${repository}:never-pulled`, creds)).rejects.toThrow(/not in the cache, and the upstream registry cannot be asked/);
      expect((await db.artifact.count({ where: { repository: { name: repository }, digest: image.manifestDigest } }))).toBe(1);
    } finally {
      await upstream.start();
    }
  });

  it("keeps to the project's storage quota: over it, pulls are answered from the upstream and nothing more is cached", async () => {
    const first = await upstreamImage("quota/one", "1");
    const second = await upstreamImage("quota/two", "1");
    const { project, creds } = await proxyProject(upstream.url);
    await pullTo(`${project.name}/quota/one:1`, creds);
    await cacheJobsSettled();
    expect(await db.artifact.count({ where: { repository: { name: `${project.name}/quota/one` } } })).toBe(1);

    // Now over its limit: the next image still reaches the client, whole, and is not cached.
    await db.project.update({ where: { id: project.id }, data: { storageLimit: 1n } });
    const dir = path.join(tmp, uniqueName("over-quota"));
    await pullTo(`${project.name}/quota/two:1`, creds, dir);
    await cacheJobsSettled();
    const index = JSON.parse(await readFile(path.join(dir, "index.json"), "utf8")) as { manifests: { digest: string }[] };
    expect(index.manifests.map((m) => m.digest)).toEqual([second.manifestDigest]);
    for (const digest of blobsOf(second)) expect(await harness.backing.headBlob(`${project.name}/quota/two`, digest)).toBeNull();
    expect(await db.artifact.count({ where: { repository: { name: `${project.name}/quota/two` } } })).toBe(0);
    const refused = await db.auditEvent.findMany({ where: { projectId: project.id, action: "artifact.cache", result: "failure" }, select: { reason: true } });
    expect(refused.map((r) => r.reason)).toEqual([expect.stringContaining("storage quota exceeded")]);
    const fetches = await listProxyFetches({ actor: admin, projectName: project.name, page: 1, pageSize: 50 });
    const notCached = fetches.rows.filter((row) => row.repository === `${project.name}/quota/two` && row.kind === "blob");
    expect(notCached.length).toBeGreaterThan(0);
    expect(notCached.every((row) => row.outcome === "failed" && row.error?.startsWith("not cached: quota exceeded"))).toBe(true);
    // The first image, cached before, is still served.
    await pullTo(`${project.name}/quota/one@${first.manifestDigest}`, creds);
  });

  it("fetches each blob from the upstream exactly once for concurrent cold pulls", async () => {
    const image = await upstreamImage("library/busy", "1", 400_000);
    const { project, creds } = await proxyProject(upstream.url);
    const repository = `${project.name}/library/busy`;
    await Promise.all([1, 2, 3, 4].map(() => pullTo(`${repository}:1`, creds)));
    await cacheJobsSettled();
    for (const digest of blobsOf(image)) expect(upstream.blobGets(digest)).toBe(1);
    expect(await db.proxyFetch.count({ where: { projectId: project.id, kind: "blob" } })).toBe(blobsOf(image).length);
  });

  it("without the registry's disk (an external registry), caches through an upload session, as whole", async () => {
    const image = await upstreamImage("library/external", "1", 200_000);
    const { project, creds } = await proxyProject(upstream.url);
    const repository = `${project.name}/library/external`;
    const env = getServerEnv();
    const storageDir = env.WHARF_REGISTRY_STORAGE_DIR;
    env.WHARF_REGISTRY_STORAGE_DIR = undefined;
    try {
      await pullTo(`${repository}:1`, creds);
      await cacheJobsSettled();
    } finally {
      env.WHARF_REGISTRY_STORAGE_DIR = storageDir;
    }
    for (const digest of blobsOf(image)) {
      expect(upstream.blobGets(digest)).toBe(1);
      expect(await harness.backing.headBlob(repository, digest)).not.toBeNull();
    }
    await pullTo(`${repository}:1`, creds);
    for (const digest of blobsOf(image)) expect(upstream.blobGets(digest)).toBe(1);
  });

  it("leaves a blob another Wharf instance is filling to that instance, and takes over a lease whose instance died", async () => {
    const image = await upstreamImage("library/shared", "1", 100_000);
    const { project, endpoint } = await proxyProject(upstream.url);
    const repository = `${project.name}/library/shared`;
    const [layer] = image.layerDigests;
    const target = { projectId: project.id, registryId: endpoint.id, repository, digest: layer! };

    // Another instance holds a live lease: this one waits, and reads the blob once that one has put it in.
    await db.proxyBlobFill.create({ data: { repository, digest: layer!, holder: "wharf-other-instance", expiresAt: new Date(Date.now() + 60_000) } });
    const waiting = fillBlob(target, { forClient: true });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(upstream.blobGets(layer!)).toBe(0);
    // "The other instance" fills it (straight into the backing registry) and lets its lease go.
    const bytes = await readFile(path.join(image.dir, "blobs", "sha256", layer!.slice("sha256:".length)));
    const { uploadUrl } = await harness.backing.startBlobUpload(repository);
    await harness.backing.uploadBlob(uploadUrl, layer!, new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array(bytes)), c.close()) }), { size: bytes.byteLength });
    await db.proxyBlobFill.deleteMany({ where: { repository, digest: layer! } });
    expect(await waiting).toEqual({ kind: "cached" });
    expect(upstream.blobGets(layer!)).toBe(0);

    // A lease left behind by an instance that died (expired): taken over, and the blob fetched here.
    const config = image.configDigest;
    await db.proxyBlobFill.create({ data: { repository, digest: config, holder: "wharf-dead-instance", expiresAt: new Date(Date.now() - 1_000) } });
    await fillBlob({ ...target, digest: config }, { forClient: false });
    expect(upstream.blobGets(config)).toBe(1);
    expect(await harness.backing.headBlob(repository, config)).not.toBeNull();
    expect(await db.proxyBlobFill.count({ where: { repository } })).toBe(0);
  });

  it("never caches a blob the upstream cut off mid-way: the fetch fails, and the blob cached later is whole", async () => {
    const image = await upstreamImage("library/flaky", "1", 300_000);
    const { project, creds } = await proxyProject(upstream.url);
    const repository = `${project.name}/library/flaky`;
    const layer = image.layerDigests[image.layerDigests.length - 1]!;

    upstream.cutBlob(layer, 100_000);
    await expect(pullTo(`${repository}:1`, creds)).rejects.toThrow();
    // The client saw the cut first; the fill ends (and records its failure) a moment later.
    await expect.poll(() => db.proxyFetch.count({ where: { projectId: project.id, digest: layer, outcome: "failed" } }), { timeout: 10_000 }).toBe(1);
    const failed = await db.proxyFetch.findFirstOrThrow({ where: { projectId: project.id, digest: layer, outcome: "failed" }, select: { bytes: true } });
    expect(Number(failed.bytes)).toBeLessThanOrEqual(100_000);
    // The artifact cacher fetches the layer once more (whole this time); whatever the registry holds is the blob.
    await cacheJobsSettled();
    expect(upstream.blobGets(layer)).toBe(2);
    const cached = await harness.backing.getBlob(repository, layer);
    const hash = createHash("sha256");
    const reader = cached.stream.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) hash.update(read.value);
    expect(`sha256:${hash.digest("hex")}`).toBe(layer);
    await pullTo(`${repository}:1`, creds);
  });

  it("goes on caching a blob when the client that asked for it hangs up mid-way", async () => {
    const image = await upstreamImage("library/slow", "1", 300_000);
    const { project } = await proxyProject(upstream.url);
    const repository = `${project.name}/library/slow`;
    const layer = image.layerDigests[image.layerDigests.length - 1]!;
    upstream.trickleBlob(layer, 16_384, 20);
    const token = await harness.tokenFor((await createMember(project.id, 3)).username, repository, "pull");
    const abort = new AbortController();
    const res = await fetch(`http://${HOST}/v2/${repository}/blobs/${layer}`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    await reader.cancel().catch(() => undefined);
    expect(blobFillUnderWay(repository, layer)).toBe(true);
    while (blobFillUnderWay(repository, layer)) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await harness.backing.headBlob(repository, layer))?.size).toBeGreaterThan(300_000);
    expect(upstream.blobGets(layer)).toBe(1);
    expect(await db.proxyFetch.count({ where: { projectId: project.id, digest: layer, outcome: "ok" } })).toBe(1);
  });

  it("caches a multi-arch index with only the child that was asked for", async () => {
    const dir = path.join(tmp, uniqueName("index"));
    const index = await writeOciIndexLayout(dir, { tag: "multi", platforms: [{ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "arm64" }] });
    await skopeoCopy(index.ref, `docker://${new URL(upstreamRegistry.url).host}/library/multi:multi`, { all: true });
    const { project, creds } = await proxyProject(upstream.url);
    const repository = `${project.name}/library/multi`;
    const amd64 = index.children.find((c) => c.platform.architecture === "amd64")!;
    const arm64 = index.children.find((c) => c.platform.architecture === "arm64")!;

    await skopeoCopy(`docker://${HOST}/${repository}:multi`, `oci:${path.join(tmp, uniqueName("pulled"))}:x`, { srcCreds: creds });
    await cacheJobsSettled();
    for (const digest of blobsOf(amd64)) expect(upstream.blobGets(digest)).toBe(1);
    for (const digest of blobsOf(arm64)) expect(upstream.blobGets(digest)).toBe(0);
    const indexed = await db.artifact.findFirstOrThrow({ where: { repository: { name: repository }, digest: index.indexDigest }, select: { tags: { select: { name: true } } } });
    expect(indexed.tags.map((t) => t.name)).toEqual(["multi"]);
    expect(await db.artifact.count({ where: { repository: { name: repository }, digest: amd64.manifestDigest } })).toBe(1);
    // The index still pulls by digest from the cache alone.
    await upstream.stop();
    try {
      const res = await fetch(`http://${HOST}/v2/${repository}/manifests/${index.indexDigest}`, {
        headers: { authorization: `Bearer ${await harness.tokenFor((await createMember(project.id, 3)).username, repository, "pull")}`, accept: "application/vnd.oci.image.index.v1+json" },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("docker-content-digest")).toBe(index.indexDigest);
    } finally {
      await upstream.start();
    }
  });

  it("pulls through an upstream with token auth, using the endpoint's credentials", async () => {
    const creds = `${TOKEN_CREDENTIALS.username}:${TOKEN_CREDENTIALS.password}`;
    const image = await upstreamImage("org/private", "1", 10_000, tokenUpstream.registry.url, creds);
    forgetProxyUpstreams();
    const { project, creds: guest } = await proxyProject(tokenUpstream.registry.url, TOKEN_CREDENTIALS);
    await pullTo(`${project.name}/org/private:1`, guest);
    await cacheJobsSettled();
    expect((await harness.backing.headManifest(`${project.name}/org/private`, "1"))?.digest).toBe(image.manifestDigest);
    expect(tokenUpstream.issuer.requests.some((r) => r.granted && r.scopes.some((s) => s.startsWith("repository:org/private:pull")))).toBe(true);
  });

  it("refuses pushes into a proxy-cache project, and an endpoint in use is not deleted", async () => {
    const { endpoint, project } = await proxyProject(upstream.url);
    const owner = await createTestUser({ isAdmin: true });
    const image = await writeOciImageLayout(path.join(tmp, uniqueName("push")), { tag: "1" });
    await expect(skopeoCopy(image.ref, `docker://${HOST}/${project.name}/app:1`, { destCreds: `${owner.username}:${TEST_PASSWORD}` })).rejects.toThrow(/proxy cache/);
    const refused = await db.auditEvent.findFirst({ where: { projectId: project.id, result: "failure", reason: { contains: "proxy-cache" } }, select: { action: true } });
    expect(refused).not.toBeNull();
    expect(await harness.backing.headManifest(`${project.name}/app`, "1")).toBeNull();

    // Nor does a copy from another project get in (a copy is a push).
    const source = await createProject({ actor: admin, input: { name: uniqueName("src").toLowerCase(), isPublic: false } });
    await skopeoCopy(image.ref, `docker://${HOST}/${source.name}/app:1`, { destCreds: `${owner.username}:${TEST_PASSWORD}` });
    await expect(copyArtifact({ actor: admin, from: { repository: `${source.name}/app`, reference: "1" }, to: `${project.name}/app`, tag: "1" })).rejects.toThrow(/proxy cache/);
    expect(await db.auditEvent.count({ where: { action: "artifact.copy", projectId: project.id, result: "failure" } })).toBe(1);

    await expect(deleteRegistry({ actor: admin, registryId: endpoint.id })).rejects.toThrow(/upstream of proxy-cache project/);
    expect(await db.registryEndpoint.count({ where: { id: endpoint.id } })).toBe(1);
  });

  it("as the registry mirror, serves Docker Hub's names without a project prefix to skopeo and to podman's registries.conf mirror", async () => {
    const image = await upstreamImage("library/mirrored", "1");
    const other = await upstreamImage("someone/tool", "3");
    const { project, creds } = await proxyProject(upstream.url);
    const auditor = actorFor(await createTestUser({ isAuditor: true }));
    await expect(setRegistryMirror({ actor: auditor, projectId: project.id })).rejects.toThrow();
    const ordinary = await createProject({ actor: admin, input: { name: uniqueName("plain").toLowerCase(), isPublic: false } });
    await expect(setRegistryMirror({ actor: admin, projectId: ordinary.id })).rejects.toThrow(/not a proxy-cache project/);

    await setRegistryMirror({ actor: admin, projectId: project.id });
    try {
      expect(await getRegistryMirror({ actor: auditor })).toEqual({ projectId: project.id, projectName: project.name });
      // skopeo, as a mirror client asks: the Docker Hub name, with the Guest's credentials.
      await pullTo("library/mirrored:1", creds);
      await cacheJobsSettled();
      expect((await harness.backing.headManifest(`${project.name}/library/mirrored`, "1"))?.digest).toBe(image.manifestDigest);
      // An existing project's name still means that project (here: its repository does not exist).
      await expect(pullTo(`${ordinary.name}/library/mirrored:1`, creds)).rejects.toThrow();

      // podman pulling docker.io/someone/tool:3 through the mirror its registries.conf names
      // (docker.io itself is unreachable here: only the mirror can answer).
      await db.project.update({ where: { id: project.id }, data: { isPublic: true } });
      forgetRegistryProjects();
      if (HAVE_PODMAN || process.env.CI === "true") {
        // Short: podman refuses a runroot path longer than 50 characters.
        const home = path.join(tmpdir(), `wharf-pm-${randomBytes(4).toString("hex")}`);
        await mkdir(path.join(home, "tmp"), { recursive: true });
        await writeFile(path.join(home, "registries.conf"), `unqualified-search-registries = []\n[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\n[[registry.mirror]]\nlocation = "${HOST}"\ninsecure = true\n`);
        await writeFile(path.join(home, "storage.conf"), `[storage]\ndriver = "vfs"\ngraphroot = "${home}/storage"\nrunroot = "${home}/run"\n`);
        await writeFile(path.join(home, "containers.conf"), `[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nevents_logfile_path = "${home}/events.log"\nimage_copy_tmp_dir = "${home}/tmp"\n`);
        await writeFile(path.join(home, "policy.json"), JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
        await writeFile(path.join(home, "auth.json"), JSON.stringify({ auths: {} }), { mode: 0o600 });
        const env: NodeJS.ProcessEnv = {
          NODE_ENV: process.env.NODE_ENV,
          PATH: process.env.PATH,
          HOME: home,
          TMPDIR: path.join(home, "tmp"),
          CONTAINERS_CONF: path.join(home, "containers.conf"),
          CONTAINERS_STORAGE_CONF: path.join(home, "storage.conf"),
          CONTAINERS_REGISTRIES_CONF: path.join(home, "registries.conf"),
          REGISTRY_AUTH_FILE: path.join(home, "auth.json"),
        };
        const global = ["--root", path.join(home, "storage"), "--runroot", path.join(home, "run"), "--storage-driver", "vfs"];
        try {
          await run("podman", [...global, "pull", "--signature-policy", path.join(home, "policy.json"), "docker.io/someone/tool:3"], env);
          const inspected = JSON.parse(await run("podman", [...global, "image", "inspect", "docker.io/someone/tool:3"], env)) as { Digest: string }[];
          expect(inspected[0]?.Digest).toBe(other.manifestDigest);
          // And through the proxy project's own path, as any project is pulled.
          const viaProject = `${HOST}/${project.name}/library/mirrored:1`;
          await run("podman", [...global, "pull", "--tls-verify=false", "--signature-policy", path.join(home, "policy.json"), viaProject], env);
          const pulled = JSON.parse(await run("podman", [...global, "image", "inspect", viaProject], env)) as { Digest: string }[];
          expect(pulled[0]?.Digest).toBe(image.manifestDigest);
        } finally {
          await run("podman", [...global, "system", "reset", "--force"], env).catch(() => undefined);
          await rm(home, { recursive: true, force: true });
        }
        await cacheJobsSettled();
        expect(await db.artifact.count({ where: { repository: { name: `${project.name}/someone/tool` }, digest: other.manifestDigest } })).toBe(1);
      }
    } finally {
      await setRegistryMirror({ actor: admin, projectId: null });
    }
    expect(await getRegistryMirror({ actor: admin })).toBeNull();
    expect(await db.auditEvent.count({ where: { action: "setting.update", resourceName: "registry_mirror_project", result: "success", actorName: admin.username } })).toBeGreaterThanOrEqual(2);
  });

  it("drops cached artifacts nobody pulled for the project's days, and the next pull fetches them again", async () => {
    const image = await upstreamImage("library/old", "1");
    const { project, creds } = await proxyProject(upstream.url);
    const repository = `${project.name}/library/old`;
    await pullTo(`${repository}:1`, creds);
    await cacheJobsSettled();
    await flushPullTimes();
    const artifact = await db.artifact.findFirstOrThrow({ where: { repository: { name: repository }, digest: image.manifestDigest }, select: { id: true } });
    const now = new Date();
    // Pulled 6 days ago: kept (7 days); 8 days ago: dropped.
    await db.artifact.update({ where: { id: artifact.id }, data: { pulledAt: new Date(now.getTime() - 6 * 86_400_000), pushedAt: new Date(now.getTime() - 6 * 86_400_000) } });
    await expireProxyCache({ now });
    expect(await db.artifact.count({ where: { id: artifact.id } })).toBe(1);
    await db.artifact.update({ where: { id: artifact.id }, data: { pulledAt: new Date(now.getTime() - 8 * 86_400_000), pushedAt: new Date(now.getTime() - 8 * 86_400_000) } });
    await expireProxyCache({ now });
    expect(await db.artifact.count({ where: { id: artifact.id } })).toBe(0);
    expect(await harness.backing.headManifest(repository, image.manifestDigest)).toBeNull();
    expect(await db.proxyManifest.count({ where: { repository, digest: image.manifestDigest } })).toBe(0);
    expect(await db.auditEvent.count({ where: { action: "artifact.delete", resourceName: `${repository}@${image.manifestDigest}`, actorName: "system:proxy-cache" } })).toBe(1);

    const fetchedBefore = await db.proxyFetch.count({ where: { projectId: project.id, kind: "manifest" } });
    await pullTo(`${repository}:1`, creds);
    await cacheJobsSettled();
    expect(await db.proxyFetch.count({ where: { projectId: project.id, kind: "manifest" } })).toBe(fetchedBefore + 1);
    expect(await db.artifact.count({ where: { repository: { name: repository }, digest: image.manifestDigest } })).toBe(1);
  });

  it("lets only administrators create proxy-cache projects, and refuses an unknown endpoint", async () => {
    const { endpoint } = await proxyProject(upstream.url);
    const user = actorFor(await createTestUser());
    const name = uniqueName("proxy").toLowerCase();
    await expect(createProject({ actor: user, input: { name, isPublic: false, proxy: { registryId: endpoint.id, cacheDays: 7 } } })).rejects.toThrow(/Only administrators/);
    await expect(createProject({ actor: admin, input: { name, isPublic: false, proxy: { registryId: 2_000_000_000, cacheDays: 7 } } })).rejects.toThrow(/does not exist/);
    expect(await db.project.count({ where: { name } })).toBe(0);
    expect(await db.auditEvent.count({ where: { action: "project.create", resourceName: name, result: "failure" } })).toBe(1);
  });
});
