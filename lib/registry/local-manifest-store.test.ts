import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuthorization } from "@/lib/registry/credentials";
import { serveLocalManifest } from "@/lib/registry/local-manifest-store";
import { startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { DOCKER_MANIFEST_V2, MANIFEST_ACCEPT, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { skopeoCopy, writeOciImageLayout, writeOciIndexLayout, type OciImageResult, type OciIndexResult } from "@/lib/testing/oci-layout";

/**
 * Manifest reads from the registry's disk must answer exactly what Distribution 2.8 answers for
 * the same read (bytes and headers), and leave to the registry every read it would answer
 * differently.
 */
let tmp: string;
let registry: LocalRegistry;
let auth: { authorization: string };
let creds: string;
let image: OciImageResult;
let index: OciIndexResult;
let dockerDigest: string;

const ALL = [...MANIFEST_ACCEPT];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-local-manifest-"));
  registry = await startLocalRegistry({ dataDir: path.join(tmp, "data") });
  auth = { authorization: basicAuthorization(registry.credentials) };
  creds = `${registry.credentials.username}:${registry.credentials.password}`;
  const host = new URL(registry.url).host;
  image = await writeOciImageLayout(path.join(tmp, "image"), { tag: "1.0" });
  await skopeoCopy(image.ref, `docker://${host}/team/app:1.0`, { destCreds: creds });
  index = await writeOciIndexLayout(path.join(tmp, "index"), { tag: "multi", platforms: [{ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "arm64" }] });
  await skopeoCopy(index.ref, `docker://${host}/team/app:multi`, { destCreds: creds, all: true });
  await skopeoCopy(image.ref, `docker://${host}/team/docker:1.0`, { destCreds: creds, format: "v2s2" });
  const head = await fetch(`${registry.url}/v2/team/docker/manifests/1.0`, { method: "HEAD", headers: { ...auth, accept: DOCKER_MANIFEST_V2 } });
  dockerDigest = head.headers.get("docker-content-digest")!;
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  await rm(tmp, { recursive: true, force: true });
});

const read = (repository: string, reference: string, { method = "GET", accept = ALL }: { method?: "GET" | "HEAD"; accept?: readonly string[] } = {}) =>
  serveLocalManifest({ storageDir: registry.storageDir, repository, reference, method, accept });

/** The registry's own answer to the same read, for comparison. */
async function direct(repository: string, reference: string, method = "GET") {
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, { method, headers: { ...auth, accept: ALL.join(", ") } });
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

const HEADERS = ["content-type", "content-length", "docker-content-digest", "etag"];

describe("serveLocalManifest", () => {
  it.each([
    ["an OCI manifest by tag", "team/app", () => "1.0", OCI_IMAGE_MANIFEST],
    ["an OCI manifest by digest", "team/app", () => image.manifestDigest, OCI_IMAGE_MANIFEST],
    ["an OCI index by tag", "team/app", () => "multi", OCI_IMAGE_INDEX],
    ["an index child by digest", "team/app", () => index.childDigests[1]!, OCI_IMAGE_MANIFEST],
    ["a Docker schema 2 manifest by tag", "team/docker", () => "1.0", DOCKER_MANIFEST_V2],
    ["a Docker schema 2 manifest by digest", "team/docker", () => dockerDigest, DOCKER_MANIFEST_V2],
  ])("answers %s with the registry's bytes and headers", async (_what, repository, reference, mediaType) => {
    const local = await read(repository, reference());
    expect(local).not.toBeNull();
    const body = Buffer.from(await local!.arrayBuffer());
    const registryAnswer = await direct(repository, reference());
    expect(registryAnswer.response.status).toBe(200);
    expect(Buffer.compare(body, registryAnswer.body)).toBe(0);
    for (const name of HEADERS) expect(local!.headers.get(name), name).toBe(registryAnswer.response.headers.get(name));
    expect(local!.headers.get("content-type")).toBe(mediaType);
  });

  it("answers HEAD with the GET's headers and no body", async () => {
    const head = await read("team/app", "1.0", { method: "HEAD" });
    expect(head!.body).toBeNull();
    expect(head!.headers.get("docker-content-digest")).toBe(image.manifestDigest);
    expect(head!.headers.get("content-length")).toBe(String(image.manifestSize));
  });

  it("leaves to the registry a read whose Accept does not list the stored type, and what is not there", async () => {
    // Distribution answers this one 404 (an OCI manifest the client did not accept) or converts it.
    expect(await read("team/app", "1.0", { accept: [DOCKER_MANIFEST_V2] })).toBeNull();
    expect(await read("team/docker", "1.0", { accept: [OCI_IMAGE_MANIFEST] })).toBeNull();
    expect(await read("team/app", "2.0")).toBeNull();
    expect(await read("team/other", "1.0")).toBeNull();
    // Stored, but not linked into this repository.
    expect(await read("team/docker", image.manifestDigest)).toBeNull();
    expect(await read("team/app", "sha256:" + "0".repeat(64))).toBeNull();
  });

  it("follows the registry's changes: a moved tag, a deleted manifest", async () => {
    const host = new URL(registry.url).host;
    const next = await writeOciImageLayout(path.join(tmp, "next"), { tag: "2.0", files: { "next.txt": "next" } });
    await skopeoCopy(next.ref, `docker://${host}/team/moving:1.0`, { destCreds: creds });
    expect((await read("team/moving", "1.0"))!.headers.get("docker-content-digest")).toBe(next.manifestDigest);
    await skopeoCopy(image.ref, `docker://${host}/team/moving:1.0`, { destCreds: creds });
    expect((await read("team/moving", "1.0"))!.headers.get("docker-content-digest")).toBe(image.manifestDigest);

    const deleted = await fetch(`${registry.url}/v2/team/moving/manifests/${image.manifestDigest}`, { method: "DELETE", headers: auth });
    expect(deleted.status).toBe(202);
    expect(await read("team/moving", image.manifestDigest)).toBeNull();
    expect(await read("team/moving", "1.0")).toBeNull();
    // The same manifest in another repository is untouched.
    expect(await read("team/app", image.manifestDigest)).not.toBeNull();
  });
});
