import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The registry's port and Wharf's external URL are read once by getServerEnv(), before any test
// code runs; the registry itself starts in beforeAll (gatewayHarness) on the port picked here.
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("registry-auth-tests-secret-key-0123456789")));

import { callGateway, GATEWAY_TEST_URL, pushThroughGateway, registryErrorOf, sha256, tokenFor } from "@/lib/gateway/gateway-test-client";
import { DOCKER_MANIFEST_V2, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { startFront, type WharfServer } from "@/lib/runtime/server";
import { processCache } from "@/lib/cache/process-cache";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { basic, createMember, createProject, createRobot, db } from "@/lib/services/registry-auth/test-fixtures";
import { REGISTRY_SERVICE } from "@/lib/services/registry-auth/constants";

/**
 * The OCI distribution spec (1.1) through Wharf where Distribution 2.8 falls short of it, with a
 * real Distribution 2.8 behind the gateway; raw HTTP for the protocol edges.
 */
const harness = gatewayHarness({ registryPort: REGISTRY_PORT, external: GATEWAY_TEST_URL, name: "distribution-spec" });

// Wharf's own front (node:http, as in production), for what only raw HTTP shows: framing,
// Content-Length against the bytes actually sent, a connection that survives the answer.
let front: WharfServer;
let frontPort = 0;

beforeAll(async () => {
  front = await startFront({ hostname: "127.0.0.1", port: 0, handleNext: async (_req, res) => void res.end() });
  frontPort = (front.server.address() as { port: number }).port;
});

afterAll(async () => {
  await front?.close();
});

type RawAnswer = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; complete: boolean };

/** One request over a plain HTTP connection to the front; `complete` is false when the answer was cut off. */
function raw(method: string, path: string, { headers = {}, body }: { headers?: Record<string, string>; body?: Uint8Array } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: frontPort, method, path, headers }, (res) => {
      const parts: Buffer[] = [];
      let complete = false;
      res.on("data", (chunk: Buffer) => parts.push(chunk));
      res.on("end", () => (complete = res.complete));
      res.on("close", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), complete: complete && res.complete }));
      res.on("error", () => undefined);
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("a manifest reference that is neither a tag nor a digest", () => {
  it("is 404 MANIFEST_UNKNOWN after authentication, 401 before it; a malformed digest stays 400 DIGEST_INVALID", async () => {
    const { repository, token } = await harness.setup();
    await pushThroughGateway(token, repository, "1.0");
    for (const reference of [".hidden", "-dash", "x".repeat(129)]) {
      const anonymous = await callGateway(`/v2/${repository}/manifests/${reference}`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("www-authenticate")).toContain(`scope="repository:${repository}:pull"`);
      for (const method of ["GET", "HEAD"]) {
        const res = await callGateway(`/v2/${repository}/manifests/${reference}`, { method, token });
        expect(res.status).toBe(404);
        if (method === "GET") expect((await registryErrorOf(res)).code).toBe("MANIFEST_UNKNOWN");
      }
      const deleted = await callGateway(`/v2/${repository}/manifests/${reference}`, { method: "DELETE", token });
      expect(deleted.status).toBe(404);
      expect((await registryErrorOf(deleted)).code).toBe("MANIFEST_UNKNOWN");
    }
    const malformed = await callGateway(`/v2/${repository}/manifests/sha256:${"z".repeat(64)}`, { token });
    expect(malformed.status).toBe(400);
    expect((await registryErrorOf(malformed)).code).toBe("DIGEST_INVALID");
    // A push to an invalid tag is still refused as one.
    const push = await callGateway(`/v2/${repository}/manifests/.hidden`, { method: "PUT", token, body: "{}", headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" } });
    expect(push.status).toBe(400);
    expect((await registryErrorOf(push)).code).toBe("TAG_INVALID");
    // The image itself is untouched.
    expect((await callGateway(`/v2/${repository}/manifests/1.0`, { method: "HEAD", token, headers: { accept: "application/vnd.oci.image.manifest.v1+json" } })).status).toBe(200);
  });
});

describe("manifest and blob reads", () => {
  it("carry Docker-Content-Digest, Content-Type and Content-Length, by tag and by digest, whatever the Accept", async () => {
    const { repository, token } = await harness.setup();
    const { manifest, digest, config, configDigest } = await pushThroughGateway(token, repository, "1.0");
    const authorization = `Bearer ${token}`;
    for (const accept of [undefined, "*/*", "application/json, */*;q=0.8", `${OCI_IMAGE_MANIFEST}`]) {
      for (const reference of ["1.0", digest]) {
        for (const method of ["GET", "HEAD"]) {
          const res = await raw(method, `/v2/${repository}/manifests/${reference}`, { headers: { authorization, ...(accept ? { accept } : {}) } });
          expect(res.status, `${method} ${reference} accept=${accept}`).toBe(200);
          expect(res.headers["docker-content-digest"]).toBe(digest);
          expect(res.headers["content-type"]).toBe(OCI_IMAGE_MANIFEST);
          expect(res.headers["content-length"]).toBe(String(manifest.length));
          expect(res.body.equals(method === "GET" ? manifest : Buffer.alloc(0))).toBe(true);
        }
      }
    }
    for (const method of ["GET", "HEAD"]) {
      const res = await raw(method, `/v2/${repository}/blobs/${configDigest}`, { headers: { authorization } });
      expect(res.status).toBe(200);
      expect(res.headers["docker-content-digest"]).toBe(configDigest);
      expect(res.headers["content-type"]).toBe("application/octet-stream");
      expect(res.headers["content-length"]).toBe(String(config.length));
      expect(res.body.equals(method === "GET" ? config : Buffer.alloc(0))).toBe(true);
    }
  });

  it("serve a Docker manifest read by tag without Accept as stored, not rewritten to schema 1", async () => {
    const { repository, token } = await harness.setup();
    const { config } = await pushThroughGateway(token, repository, "base");
    const docker = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST_V2,
        config: { mediaType: "application/vnd.docker.container.image.v1+json", digest: sha256(config), size: config.length },
        layers: [],
      }),
    );
    await harness.putManifest(token, repository, "docker", docker, DOCKER_MANIFEST_V2);
    const res = await raw("GET", `/v2/${repository}/manifests/docker`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe(DOCKER_MANIFEST_V2);
    expect(res.headers["docker-content-digest"]).toBe(sha256(docker));
    expect(res.body.equals(docker)).toBe(true);
    // A client that names the types it takes still gets its choice: the OCI manifest is not one.
    const refused = await raw("GET", `/v2/${repository}/manifests/base`, { headers: { authorization: `Bearer ${token}`, accept: DOCKER_MANIFEST_V2 } });
    expect(refused.status).toBe(404);
  });
});

describe("chunked uploads", () => {
  async function startUpload(token: string, repository: string): Promise<string> {
    const start = await callGateway(`/v2/${repository}/blobs/uploads/`, { method: "POST", token });
    expect(start.status).toBe(202);
    return start.headers.get("location")!;
  }

  function patch(token: string, location: string, bytes: string, contentRange: string | null, contentType = "application/octet-stream") {
    const headers: Record<string, string> = { "content-type": contentType, "content-length": String(bytes.length) };
    if (contentRange) headers["content-range"] = contentRange;
    return callGateway(location, { method: "PATCH", token, body: bytes, headers });
  }

  it("answers a chunk out of order or sent again 416 with where the upload stands; a status GET 204; bodies of any type arrive", async () => {
    const { repository, token } = await harness.setup();
    const first = await startUpload(token, repository);
    // Distribution 2.8 fails a PATCH with another Content-Type with a 500.
    const one = await patch(token, first, "hello", "0-4", "text/plain");
    expect(one.status).toBe(202);
    expect(one.headers.get("range")).toBe("0-4");
    const second = one.headers.get("location")!;

    for (const [location, range] of [
      [first, "0-4"], // the same chunk again, to the Location it was first sent to
      [second, "0-4"], // the same chunk again, to the new Location
      [second, "10-14"], // a gap
      [second, "x-y"],
    ] as const) {
      const refused = await patch(token, location, "hello", range);
      expect(refused.status, `${location} ${range}`).toBe(416);
      expect(refused.headers.get("range")).toBe("0-4");
      expect(refused.headers.get("location")).toBe(second);
      expect((await registryErrorOf(refused)).code).toBe("BLOB_UPLOAD_INVALID");
    }
    for (const location of [first, second]) {
      const status = await callGateway(location, { token });
      expect(status.status).toBe(204);
      expect(status.headers.get("range")).toBe("0-4");
      expect(status.headers.get("location")).toMatch(new RegExp(`^${GATEWAY_TEST_URL}/v2/${repository}/blobs/uploads/`));
    }

    const two = await patch(token, second, "world", "5-9", "application/json");
    expect(two.status).toBe(202);
    expect(two.headers.get("range")).toBe("0-9");
    const done = new URL(two.headers.get("location")!);
    done.searchParams.set("digest", sha256("helloworld"));
    const put = await callGateway(done.toString(), { method: "PUT", token, headers: { "content-type": "text/plain" } });
    expect(put.status).toBe(201);
    // The blob is exactly the chunks in order: the refused ones were not appended.
    const blob = await callGateway(`/v2/${repository}/blobs/${sha256("helloworld")}`, { token });
    expect(await blob.text()).toBe("helloworld");
  });

  it("asks the registry where an upload stands when this process did not hand out its Location", async () => {
    const { repository, token } = await harness.setup();
    const first = await startUpload(token, repository);
    const one = await patch(token, first, "hello", "0-4");
    expect(one.status).toBe(202);
    // As if another Wharf instance had answered so far.
    processCache({ name: "gateway-upload-sessions", max: 1, ttlMs: 0, invalidatedBy: null }).clear();
    const refused = await patch(token, one.headers.get("location")!, "hello", "0-4");
    expect(refused.status).toBe(416);
    expect(refused.headers.get("range")).toBe("0-4");
    const next = await patch(token, one.headers.get("location")!, "world", "5-9");
    expect(next.status).toBe(202);
    expect(next.headers.get("range")).toBe("0-9");
  });

  it("answers a blob read with a malformed or unsatisfiable Range a correctly framed 416, and the connection survives", async () => {
    const { repository, token } = await harness.setup();
    const { config, configDigest } = await pushThroughGateway(token, repository, "1.0");
    const authorization = `Bearer ${token}`;
    for (const range of ["bytes=5-2", `bytes=${config.length + 10}-`, "bogus"]) {
      const res = await raw("GET", `/v2/${repository}/blobs/${configDigest}`, { headers: { authorization, range } });
      expect(res.status, range).toBe(416);
      expect(res.complete).toBe(true);
      expect(res.headers["content-length"]).toBe(String(res.body.length));
      expect(res.headers["content-range"]).toBe(`bytes */${config.length}`);
    }
    const ranged = await raw("GET", `/v2/${repository}/blobs/${configDigest}`, { headers: { authorization, range: "bytes=0-3" } });
    expect(ranged.status).toBe(206);
    expect(ranged.body.equals(config.subarray(0, 4))).toBe(true);
  });
});

describe("cross-repository mounts", () => {
  it("name pull on the source in the challenge; Basic logins get both grants and mount (201) only from what they may pull", async () => {
    const { project, repository: source, token: sourceToken } = await harness.setup();
    const { configDigest } = await pushThroughGateway(sourceToken, source, "1.0");
    const secret = await createProject();
    const secretMaintainer = await createMember(secret.id, 4);
    const secretRepo = `${secret.name}/base`;
    const { configDigest: secretDigest } = await pushThroughGateway(await harness.tokenFor(secretMaintainer.username, secretRepo), secretRepo, "secret");
    const developer = await createMember(project.id, 2);
    const target = `${project.name}/copy`;

    const anonymous = await callGateway(`/v2/${target}/blobs/uploads/?mount=${configDigest}&from=${source}`, { method: "POST" });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe(
      `Bearer realm="${GATEWAY_TEST_URL}/service/token",service="${REGISTRY_SERVICE}",scope="repository:${target}:pull,push repository:${source}:pull"`,
    );

    const mounted = await callGateway(`/v2/${target}/blobs/uploads/?mount=${configDigest}&from=${source}`, { method: "POST", authorization: basic(developer.username) });
    expect(mounted.status).toBe(201);
    expect(mounted.headers.get("docker-content-digest")).toBe(configDigest);
    expect((await callGateway(`/v2/${target}/blobs/${configDigest}`, { method: "HEAD", authorization: basic(developer.username) })).status).toBe(200);

    // The developer may not pull the other project: an ordinary upload, and the blob stays out of reach.
    const refused = await callGateway(`/v2/${target}/blobs/uploads/?mount=${secretDigest}&from=${secretRepo}`, { method: "POST", authorization: basic(developer.username) });
    expect(refused.status).toBe(202);
    expect(refused.headers.get("location")).toMatch(new RegExp(`^${GATEWAY_TEST_URL}/v2/${target}/blobs/uploads/`));
    expect((await callGateway(`/v2/${target}/blobs/${secretDigest}`, { method: "HEAD", authorization: basic(developer.username) })).status).toBe(404);
  });
});

describe("cancelling an upload session", () => {
  it("needs push, not delete: a developer cancels the upload a refused mount started (204, no failure row); a guest may not", async () => {
    const { project, repository: source, token: sourceToken } = await harness.setup();
    const secret = await createProject();
    const secretMaintainer = await createMember(secret.id, 4);
    const secretRepo = `${secret.name}/base`;
    const { configDigest: secretDigest } = await pushThroughGateway(await harness.tokenFor(secretMaintainer.username, secretRepo), secretRepo, "secret");
    await pushThroughGateway(sourceToken, source, "1.0");
    const developer = await createMember(project.id, 2);
    const target = `${project.name}/copy`;
    // What containers/image (podman, skopeo) does when a mount answers 202: it cancels the
    // upload the registry started instead, with the push token it has (no delete in it).
    const token = await tokenFor(basic(developer.username), `repository:${target}:pull,push repository:${secretRepo}:pull`);
    const started = await callGateway(`/v2/${target}/blobs/uploads/?mount=${secretDigest}&from=${secretRepo}`, { method: "POST", token });
    expect(started.status).toBe(202);
    const location = started.headers.get("location")!;

    const guest = await createMember(project.id, 3);
    const guestToken = await tokenFor(basic(guest.username), `repository:${target}:pull,push,delete`);
    const refused = await callGateway(location, { method: "DELETE", token: guestToken });
    expect(refused.status).toBe(401);
    expect((await callGateway(location, { token })).status).toBe(204);

    const cancelled = await callGateway(location, { method: "DELETE", token });
    expect(cancelled.status).toBe(204);
    const gone = await callGateway(location, { token });
    expect(gone.status).toBe(404);
    expect((await registryErrorOf(gone)).code).toBe("BLOB_UPLOAD_UNKNOWN");
    // The developer's cancel is not a refused push in the audit log; the guest's attempt is.
    const failures = await db.auditEvent.findMany({ where: { projectId: project.id, result: "failure" }, select: { actorName: true, action: true } });
    expect(failures).toEqual([{ actorName: guest.username, action: "artifact.push" }]);
  });
});

describe("DELETE of a manifest by tag", () => {
  it("removes that tag only (202), leaving the manifest and its other tags, audited as a tag delete", async () => {
    const { project, repository, token } = await harness.setup();
    const { digest, manifest } = await pushThroughGateway(token, repository, "a");
    const accept = { accept: OCI_IMAGE_MANIFEST };
    await harness.putManifest(token, repository, "b", manifest, OCI_IMAGE_MANIFEST);

    const res = await callGateway(`/v2/${repository}/manifests/a`, { method: "DELETE", token });
    expect(res.status).toBe(202);
    expect((await callGateway(`/v2/${repository}/manifests/a`, { method: "HEAD", token, headers: accept })).status).toBe(404);
    const other = await callGateway(`/v2/${repository}/manifests/b`, { method: "HEAD", token, headers: accept });
    expect(other.status).toBe(200);
    expect(other.headers.get("docker-content-digest")).toBe(digest);
    expect((await callGateway(`/v2/${repository}/manifests/${digest}`, { method: "HEAD", token, headers: accept })).status).toBe(200);
    expect((await harness.backing.listTags(repository)).sort()).toEqual(["b"]);

    const tags = await db.tag.findMany({ where: { repository: { name: repository } }, select: { name: true } });
    expect(tags.map((tag) => tag.name)).toEqual(["b"]);
    const rows = await db.auditEvent.findMany({ where: { projectId: project.id, action: "tag.delete" } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ resourceName: `${repository}:a` });

    const again = await callGateway(`/v2/${repository}/manifests/a`, { method: "DELETE", token });
    expect(again.status).toBe(404);
    expect((await registryErrorOf(again)).code).toBe("MANIFEST_UNKNOWN");
  });

  it("needs delete: a developer is refused and the tag stays", async () => {
    const { project, repository, token } = await harness.setup();
    await pushThroughGateway(token, repository, "keep");
    const developer = await createMember(project.id, 2);
    const res = await callGateway(`/v2/${repository}/manifests/keep`, { method: "DELETE", authorization: basic(developer.username) });
    expect(res.status).toBe(401);
    expect((await registryErrorOf(res)).code).toBe("UNAUTHORIZED");
    expect(await harness.backing.listTags(repository)).toEqual(["keep"]);
    expect(await db.auditEvent.count({ where: { projectId: project.id, action: "artifact.delete", result: "failure" } })).toBe(1);
  });
});

describe("tag listing", () => {
  async function list(token: string, path: string) {
    const res = await callGateway(path, { token });
    expect(res.status, path).toBe(200);
    const body = (await res.json()) as { name: string; tags: string[] | null };
    const link = res.headers.get("link");
    return { body, next: link === null ? null : /^<([^>]+)>; rel="next"$/.exec(link)![1]! };
  }

  it("honours n and last in byte order, with a Link to the next page and none after the last", async () => {
    const { repository, token } = await harness.setup();
    const { manifest } = await pushThroughGateway(token, repository, "b");
    const tags = ["1.0", "10", "2", "A", "B_", "_z", "a", "b"];
    for (const tag of tags) if (tag !== "b") await harness.putManifest(token, repository, tag, manifest, OCI_IMAGE_MANIFEST);

    expect((await list(token, `/v2/${repository}/tags/list`)).body).toEqual({ name: repository, tags });
    const seen: string[] = [];
    let path: string | null = `/v2/${repository}/tags/list?n=3`;
    const links: string[] = [];
    while (path) {
      const page = await list(token, path);
      expect(page.body.tags!.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.tags!);
      if (page.next) links.push(page.next);
      path = page.next;
    }
    expect(seen).toEqual(tags);
    expect(links).toEqual([`/v2/${repository}/tags/list?n=3&last=2`, `/v2/${repository}/tags/list?n=3&last=_z`]);
    // Exactly n left: the last page has no Link.
    expect(await list(token, `/v2/${repository}/tags/list?n=2&last=_z`)).toEqual({ body: { name: repository, tags: ["a", "b"] }, next: null });
    expect((await list(token, `/v2/${repository}/tags/list?last=a`)).body.tags).toEqual(["b"]);
    expect((await list(token, `/v2/${repository}/tags/list?n=0`)).body.tags).toEqual([]);
    expect((await list(token, `/v2/${repository}/tags/list?n=abc`)).body.tags).toEqual(tags);
    expect((await list(token, `/v2/${repository}/tags/list?last=b`)).body.tags).toEqual([]);
  });

  it("lists for whoever may pull: an anonymous caller in a public project, a robot with pull", async () => {
    const project = await createProject({ isPublic: true });
    const maintainer = await createMember(project.id, 4);
    const repository = `${project.name}/app`;
    await pushThroughGateway(await harness.tokenFor(maintainer.username, repository), repository, "1.0");
    // A tag only the index knows shows that the answer came from it, not from the registry.
    const artifact = await db.artifact.findFirstOrThrow({ where: { repository: { name: repository } }, select: { id: true, repositoryId: true } });
    await db.tag.create({ data: { repositoryId: artifact.repositoryId, artifactId: artifact.id, name: "indexed", pushedAt: new Date() } });
    const anonymous = await tokenFor(null, `repository:${repository}:pull`);
    expect((await list(anonymous, `/v2/${repository}/tags/list?n=5`)).body).toEqual({ name: repository, tags: ["1.0", "indexed"] });
    const robot = await createRobot(project, ["repository:pull"]);
    const robotToken = await tokenFor(basic(robot.name, robot.secret), `repository:${repository}:pull`);
    expect((await list(robotToken, `/v2/${repository}/tags/list`)).body.tags).toEqual(["1.0", "indexed"]);
  });

  it("is served from Wharf's index, also at 10,000 tags", async () => {
    const { repository, token } = await harness.setup();
    await pushThroughGateway(token, repository, "seed");
    const artifact = await db.artifact.findFirstOrThrow({ where: { repository: { name: repository } }, select: { id: true, repositoryId: true } });
    const names = Array.from({ length: 10_000 }, (_, i) => `t${String(i).padStart(5, "0")}`);
    await db.tag.createMany({ data: names.map((name) => ({ repositoryId: artifact.repositoryId, artifactId: artifact.id, name, pushedAt: new Date() })) });
    const all = [...names, "seed"].sort();

    const seen: string[] = [];
    let path: string | null = `/v2/${repository}/tags/list?n=1000`;
    let pages = 0;
    while (path) {
      const page = await list(token, path);
      seen.push(...page.body.tags!);
      path = page.next;
      pages++;
    }
    // The index knows tags the registry does not: the listing came from it.
    expect(seen).toEqual(all);
    expect(pages).toBe(11);
    expect(await harness.backing.listTags(repository)).toEqual(["seed"]);
  });
});
