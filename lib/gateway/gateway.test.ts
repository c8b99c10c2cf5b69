import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The registry's port and Wharf's external URL are read once by getServerEnv(), before any test
// code runs; the registry itself starts in beforeAll on the port picked here.
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("registry-auth-tests-secret-key-0123456789")));

import { backingRegistryCredentials } from "@/lib/registry/backing-registry";
import { RegistryClient } from "@/lib/registry/client";
import { startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { OCI_IMAGE_CONFIG, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { REGISTRY_SERVICE } from "@/lib/services/registry-auth/constants";
import { handleRegistryRequest } from "@/lib/gateway/gateway";
import { flushReadAuditEvents } from "@/lib/services/audit/record-audit-event";
import { issueRegistryToken } from "@/lib/services/registry-auth/issue-token";
import {
  basic,
  createMember,
  createProject,
  createRobot,
  db,
  TEST_CLIENT,
} from "@/lib/services/registry-auth/test-fixtures";
import { signRegistryToken, type AccessEntry } from "@/lib/services/registry-auth/token";
import { skopeoCopy, writeOciImageLayout } from "@/lib/testing/oci-layout";
import { createTestUser } from "@/lib/testing/factories";

const EXTERNAL = "http://wharf.test:3000";
const REALM = `Bearer realm="${EXTERNAL}/service/token",service="${REGISTRY_SERVICE}"`;

let tmp: string;
let registry: LocalRegistry;
let backing: RegistryClient;
// The registry accepts only the credentials Wharf sends (set for every test file by setup-env.ts).
const credentials = backingRegistryCredentials()!;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-gateway-test-"));
  registry = await startLocalRegistry({ dataDir: path.join(tmp, "data"), port: REGISTRY_PORT, credentials });
  backing = new RegistryClient({ baseUrl: registry.url, credentials });
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

// ---- helpers ----

type Call = { method?: string; token?: string; authorization?: string; headers?: Record<string, string>; body?: Uint8Array | string };

/** A request as a client sends it to Wharf, handled by the gateway exactly as the route does. */
async function call(pathAndQuery: string, { method = "GET", token, authorization, headers = {}, body }: Call = {}) {
  const h = new Headers(headers);
  if (token) h.set("authorization", `Bearer ${token}`);
  if (authorization) h.set("authorization", authorization);
  const url = pathAndQuery.startsWith("http") ? pathAndQuery : `${EXTERNAL}${pathAndQuery}`;
  // Copied: BodyInit does not accept a view that may sit on a SharedArrayBuffer.
  const payload = body === undefined ? null : typeof body === "string" ? body : new Uint8Array(body);
  return handleRegistryRequest(new Request(url, { method, headers: h, body: payload }));
}

async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { errors: { code: string; message: string }[] };
  return body.errors[0]!;
}

async function tokenFor(authorization: string | null, ...scopes: string[]): Promise<string> {
  return (await issueRegistryToken({ authorization, service: REGISTRY_SERVICE, scopes, client: TEST_CLIENT })).token;
}

function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** A tiny image (config blob, no layers) pushed through the gateway: POST, PATCH, PUT, manifest PUT. */
async function pushThroughGateway(token: string, repository: string, tag: string, label = tag) {
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] }, label }));
  const start = await call(`/v2/${repository}/blobs/uploads/`, { method: "POST", token });
  expect(start.status).toBe(202);
  const location = start.headers.get("location")!;
  expect(location.startsWith(`${EXTERNAL}/v2/${repository}/blobs/uploads/`)).toBe(true);
  const patch = await call(location, {
    method: "PATCH",
    token,
    body: config,
    headers: { "content-type": "application/octet-stream", "content-length": String(config.length) },
  });
  expect(patch.status).toBe(202);
  const next = new URL(patch.headers.get("location")!);
  next.searchParams.set("digest", sha256(config));
  const done = await call(next.toString(), { method: "PUT", token });
  expect(done.status).toBe(201);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_IMAGE_MANIFEST,
      config: { mediaType: OCI_IMAGE_CONFIG, digest: sha256(config), size: config.length },
      layers: [],
    }),
  );
  const put = await call(`/v2/${repository}/manifests/${tag}`, {
    method: "PUT",
    token,
    body: manifest,
    headers: { "content-type": OCI_IMAGE_MANIFEST },
  });
  return { put, manifest, digest: sha256(manifest), configDigest: sha256(config) };
}

// ---- tests ----

describe("GET /v2/", () => {
  it("challenges anonymous callers and answers {} with a token", async () => {
    const anonymous = await call("/v2/");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe(REALM);
    expect(anonymous.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
    expect(await errorOf(anonymous)).toMatchObject({ code: "UNAUTHORIZED" });

    const user = await createTestUser();
    const ok = await call("/v2/", { token: await tokenFor(basic(user.username)) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({});
    expect(ok.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
  });

  it("refuses a token that is not Wharf's with invalid_token", async () => {
    const res = await call("/v2/lib/app/tags/list", { token: "e30.e30.e30" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(`${REALM},scope="repository:lib/app:pull",error="invalid_token"`);
  });
});

describe("push and pull through the gateway", () => {
  it("lets a developer push (recorded once) and pull (recorded), with Locations pointing at Wharf", async () => {
    const project = await createProject();
    const dev = await createMember(project.id, 2);
    const repository = `${project.name}/app`;
    const token = await tokenFor(basic(dev.username), `repository:${repository}:pull,push`);

    const { put, manifest, digest } = await pushThroughGateway(token, repository, "1.0");
    expect(put.status).toBe(201);
    expect(put.headers.get("docker-content-digest")).toBe(digest);
    expect(put.headers.get("location")).toBe(`${EXTERNAL}/v2/${repository}/manifests/${digest}`);
    expect(await db.repository.findUnique({ where: { name: repository } })).toMatchObject({ projectId: project.id });
    const pushes = await db.auditEvent.findMany({ where: { action: "artifact.push", projectId: project.id } });
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toMatchObject({
      principalKind: "user",
      actorId: dev.id,
      actorName: dev.username,
      resourceType: "artifact",
      resourceName: `${repository}:1.0`,
      result: "success",
      detail: { digest, mediaType: OCI_IMAGE_MANIFEST },
    });

    const got = await call(`/v2/${repository}/manifests/1.0`, { token, headers: { accept: OCI_IMAGE_MANIFEST } });
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe(OCI_IMAGE_MANIFEST);
    expect(got.headers.get("content-length")).toBe(String(manifest.length));
    expect(Buffer.from(await got.arrayBuffer()).equals(manifest)).toBe(true);
    const head = await call(`/v2/${repository}/manifests/1.0`, { method: "HEAD", token, headers: { accept: OCI_IMAGE_MANIFEST } });
    expect(head.status).toBe(200);
    expect(head.headers.get("docker-content-digest")).toBe(digest);
    await flushReadAuditEvents(); // queued after the answer
    const pulls = await db.auditEvent.findMany({ where: { action: "artifact.pull", projectId: project.id } });
    // The GET is recorded; the HEAD (an existence check) is not.
    expect(pulls.map((p) => [p.resourceName, p.actorName])).toEqual([[`${repository}:1.0`, dev.username]]);

    const tags = await call(`/v2/${repository}/tags/list`, { token });
    expect(await tags.json()).toEqual({ name: repository, tags: ["1.0"] });
  });

  it("refuses a guest's push with insufficient_scope; nothing reaches the registry or Postgres", async () => {
    const project = await createProject();
    const guest = await createMember(project.id, 3);
    const repository = `${project.name}/app`;
    const token = await tokenFor(basic(guest.username), `repository:${repository}:pull,push`);
    const res = await call(`/v2/${repository}/blobs/uploads/`, { method: "POST", token });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(`${REALM},scope="repository:${repository}:pull,push",error="insufficient_scope"`);
    expect(await errorOf(res)).toMatchObject({ code: "UNAUTHORIZED", message: expect.stringMatching(/requires pull and push/) });
    const manifest = await call(`/v2/${repository}/manifests/1.0`, {
      method: "PUT",
      token,
      body: JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: {}, layers: [] }),
      headers: { "content-type": OCI_IMAGE_MANIFEST },
    });
    expect(manifest.status).toBe(401);
    expect(await db.repository.count({ where: { projectId: project.id } })).toBe(0);
    expect(await backing.headManifest(repository, "1.0").catch(() => null)).toBeNull();
    // Each refused attempt is one failure row naming the guest and why; nothing succeeded.
    const rows = await db.auditEvent.findMany({ where: { projectId: project.id }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.action, r.result, r.actorName, r.resourceName])).toEqual([
      ["artifact.push", "failure", guest.username, repository],
      ["artifact.push", "failure", guest.username, `${repository}:1.0`],
    ]);
    expect(rows[0]?.reason).toMatch(/does not grant pull and push/);
  });

  it("records an anonymous pull of a private repository as one refusal; the token-less handshake writes nothing", async () => {
    const project = await createProject();
    const repository = `${project.name}/secret`;
    const challenge = await call(`/v2/${repository}/manifests/1.0`);
    expect(challenge.status).toBe(401);
    expect(await db.auditEvent.count({ where: { projectId: project.id } })).toBe(0);
    const token = await tokenFor(null, `repository:${repository}:pull`);
    const refused = await call(`/v2/${repository}/manifests/1.0`, { token });
    expect(refused.status).toBe(401);
    const head = await call(`/v2/${repository}/manifests/1.0`, { method: "HEAD", token });
    expect(head.status).toBe(401);
    const rows = await db.auditEvent.findMany({ where: { projectId: project.id } });
    expect(rows.map((r) => [r.action, r.result, r.principalKind, r.resourceName])).toEqual([
      ["artifact.pull", "failure", "anonymous", `${repository}:1.0`],
    ]);
  });

  it("refuses a push to a missing project with DENIED, and pulls from it with NAME_UNKNOWN", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const token = await tokenFor(basic(admin.username), "repository:nowhere-x9/app:pull,push");
    const push = await call("/v2/nowhere-x9/app/blobs/uploads/", { method: "POST", token });
    expect(push.status).toBe(403);
    expect(await errorOf(push)).toEqual({ code: "DENIED", message: "project nowhere-x9 does not exist. Create it in Wharf first." });
    const pull = await call("/v2/nowhere-x9/app/manifests/1", { token });
    expect(pull.status).toBe(404);
    expect((await errorOf(pull)).code).toBe("NAME_UNKNOWN");
  });

  it("lets a maintainer delete a manifest (recorded), a developer not", async () => {
    const project = await createProject();
    const maintainer = await createMember(project.id, 4);
    const dev = await createMember(project.id, 2);
    const repository = `${project.name}/gone`;
    const pushToken = await tokenFor(basic(maintainer.username), `repository:${repository}:pull,push`);
    const { digest } = await pushThroughGateway(pushToken, repository, "1.0");

    const devToken = await tokenFor(basic(dev.username), `repository:${repository}:delete`);
    const refused = await call(`/v2/${repository}/manifests/${digest}`, { method: "DELETE", token: devToken });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain(`scope="repository:${repository}:delete",error="insufficient_scope"`);
    const refusal = await db.auditEvent.findMany({ where: { action: "artifact.delete", projectId: project.id, result: "failure" } });
    expect(refusal.map((r) => [r.actorName, r.resourceName])).toEqual([[dev.username, `${repository}@${digest}`]]);

    const token = await tokenFor(basic(maintainer.username), `repository:${repository}:delete`);
    const deleted = await call(`/v2/${repository}/manifests/${digest}`, { method: "DELETE", token });
    expect(deleted.status).toBe(202);
    const rows = await db.auditEvent.findMany({ where: { action: "artifact.delete", projectId: project.id, result: "success" } });
    expect(rows.map((r) => [r.resourceName, r.actorName])).toEqual([[`${repository}@${digest}`, maintainer.username]]);
    expect(await backing.headManifest(repository, digest)).toBeNull();
  });

  it("records a robot's push as the robot", async () => {
    const project = await createProject();
    const robot = await createRobot(project, ["repository:pull", "repository:push"]);
    const repository = `${project.name}/ci`;
    const token = await tokenFor(basic(robot.name, robot.secret), `repository:${repository}:pull,push`);
    expect((await pushThroughGateway(token, repository, "build-1")).put.status).toBe(201);
    const [row] = await db.auditEvent.findMany({ where: { action: "artifact.push", projectId: project.id } });
    expect(row).toMatchObject({ principalKind: "robot", actorName: robot.name, actorId: null });
  });

  it("accepts Basic credentials directly on /v2, as Harbor does", async () => {
    const project = await createProject();
    const dev = await createMember(project.id, 2);
    const repository = `${project.name}/basic`;
    const token = await tokenFor(basic(dev.username), `repository:${repository}:pull,push`);
    await pushThroughGateway(token, repository, "1.0");
    const res = await call(`/v2/${repository}/tags/list`, { authorization: basic(dev.username) });
    expect(res.status).toBe(200);
    const wrong = await call(`/v2/${repository}/tags/list`, { authorization: basic(dev.username, "Wrong-passw0rd") });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toBe(`${REALM},scope="repository:${repository}:pull"`);
  });

  it("refuses a token issued before its project existed (a re-created project) and one whose user is gone", async () => {
    const project = await createProject();
    const repository = `${project.name}/app`;
    const access: AccessEntry[] = [{ type: "repository", name: repository, actions: ["pull", "push"] }];
    const old = await signRegistryToken({ subject: "admin", access }, { now: project.createdAt.getTime() - 10_000 });
    const res = await call(`/v2/${repository}/tags/list`, { token: old.token });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');

    const user = await createTestUser({ isAdmin: true });
    const { token } = await signRegistryToken({ subject: user.username, access });
    await db.user.update({ where: { id: user.id }, data: { disabled: true } });
    const afterDisable = await call(`/v2/${repository}/manifests/1.0`, { token });
    expect(afterDisable.status).toBe(401);
    expect((await errorOf(afterDisable)).message).toMatch(/no longer exists or is disabled/);
  });
});

describe("cross-repository mounts", () => {
  it("mounts from a repository the caller may pull, and starts a plain upload otherwise", async () => {
    const project = await createProject();
    const secret = await createProject();
    const dev = await createMember(project.id, 2);
    const admin = await createTestUser({ isAdmin: true });
    const secretRepo = `${secret.name}/base`;
    const { configDigest } = await pushThroughGateway(await tokenFor(basic(admin.username), `repository:${secretRepo}:pull,push`), secretRepo, "1");
    const ownRepo = `${project.name}/base`;
    await pushThroughGateway(await tokenFor(basic(dev.username), `repository:${ownRepo}:pull,push`), ownRepo, "1");

    const target = `${project.name}/app`;
    const token = await tokenFor(basic(dev.username), `repository:${target}:pull,push`, `repository:${ownRepo}:pull`, `repository:${secretRepo}:pull`);
    const allowed = await call(`/v2/${target}/blobs/uploads/?mount=${configDigest}&from=${ownRepo}`, { method: "POST", token });
    expect(allowed.status).toBe(201);
    // The blob exists in the private project, but the developer may not read it there: no mount.
    const other = `${project.name}/other`;
    const token2 = await tokenFor(basic(dev.username), `repository:${other}:pull,push`, `repository:${secretRepo}:pull`);
    const dropped = await call(`/v2/${other}/blobs/uploads/?mount=${configDigest}&from=${secretRepo}`, { method: "POST", token: token2 });
    expect(dropped.status).toBe(202);
    expect(dropped.headers.get("location")).toMatch(new RegExp(`^${EXTERNAL}/v2/${other}/blobs/uploads/`));
  });
});

describe("validation before anything reaches the registry", () => {
  it.each([
    ["/v2/lib%2Fapp/manifests/1", "GET", 400, "NAME_INVALID"],
    ["/v2/solo/manifests/1", "GET", 400, "NAME_INVALID"],
    ["/v2/lib/app/manifests/sha256:zz", "GET", 400, "DIGEST_INVALID"],
    ["/v2/lib/app/blobs/latest", "GET", 400, "DIGEST_INVALID"],
    ["/v2/lib/app/manifests/1", "POST", 405, "UNSUPPORTED"],
  ])("%s %s -> %i %s", async (p, method, status, code) => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    try {
      const res = await call(p, { method });
      expect(res.status).toBe(status);
      expect((await errorOf(res)).code).toBe(code);
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
    }
  });

  it("refuses bad manifests (media type, JSON, size, digest) without forwarding them", async () => {
    const project = await createProject();
    const dev = await createMember(project.id, 2);
    const repository = `${project.name}/app`;
    const token = await tokenFor(basic(dev.username), `repository:${repository}:pull,push`);
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    try {
      const put = (body: string | Uint8Array, contentType: string, ref = "1.0") =>
        call(`/v2/${repository}/manifests/${ref}`, { method: "PUT", token, body, headers: { "content-type": contentType } });
      const valid = JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: { digest: "x" }, layers: [] });
      let res = await put(valid, "text/plain");
      expect([res.status, (await errorOf(res)).code]).toEqual([400, "MANIFEST_INVALID"]);
      res = await put("{not json", OCI_IMAGE_MANIFEST);
      expect([res.status, (await errorOf(res)).code]).toEqual([400, "MANIFEST_INVALID"]);
      res = await put(new Uint8Array(4 * 1024 * 1024 + 1).fill(32), OCI_IMAGE_MANIFEST);
      expect([res.status, (await errorOf(res)).code]).toEqual([413, "SIZE_INVALID"]);
      res = await put(valid, OCI_IMAGE_MANIFEST, `sha256:${"0".repeat(64)}`);
      expect([res.status, (await errorOf(res)).code]).toEqual([400, "DIGEST_INVALID"]);
      // The registry was never called.
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
    }
    expect(await db.repository.count({ where: { projectId: project.id } })).toBe(0);
  });
});

describe("/v2/_catalog", () => {
  it("forwards the registry's full catalog with the catalog grant, and lists only pullable repositories otherwise", async () => {
    const mine = await createProject();
    const theirs = await createProject();
    const pub = await createProject({ isPublic: true });
    const dev = await createMember(mine.id, 2);
    const admin = await createTestUser({ isAdmin: true });
    const adminToken = (repo: string) => tokenFor(basic(admin.username), `repository:${repo}:pull,push`);
    for (const repo of [`${mine.name}/a`, `${mine.name}/b`, `${theirs.name}/x`, `${pub.name}/p`]) {
      await pushThroughGateway(await adminToken(repo), repo, "1");
    }
    // Written behind Wharf's back: only the registry's own catalog knows it.
    const layout = await writeOciImageLayout(path.join(tmp, "behind"), { tag: "1" });
    await skopeoCopy(layout.ref, `docker://127.0.0.1:${REGISTRY_PORT}/${theirs.name}/behind:1`, {
      destCreds: `${credentials.username}:${credentials.password}`,
    });

    const full = await call("/v2/_catalog", { token: await tokenFor(basic(admin.username), "registry:catalog:*") });
    expect(full.status).toBe(200);
    expect(((await full.json()) as { repositories: string[] }).repositories).toEqual(
      expect.arrayContaining([`${mine.name}/a`, `${theirs.name}/x`, `${theirs.name}/behind`]),
    );

    const devToken = await tokenFor(basic(dev.username), "registry:catalog:*");
    const visible = ((await (await call("/v2/_catalog", { token: devToken })).json()) as { repositories: string[] }).repositories;
    expect(visible).toEqual(expect.arrayContaining([`${mine.name}/a`, `${mine.name}/b`, `${pub.name}/p`]));
    expect(visible.some((r) => r.startsWith(`${theirs.name}/`))).toBe(false);

    const first = await call("/v2/_catalog?n=1", { token: devToken });
    const [firstName] = ((await first.json()) as { repositories: string[] }).repositories;
    expect(first.headers.get("link")).toBe(`</v2/_catalog?last=${encodeURIComponent(firstName!)}&n=1>; rel="next"`);
    const second = await call(`/v2/_catalog?n=1&last=${encodeURIComponent(firstName!)}`, { token: devToken });
    expect(((await second.json()) as { repositories: string[] }).repositories).toEqual([visible[1]]);
    expect((await call("/v2/_catalog?n=5000", { token: devToken })).status).toBe(400);

    const anonymous = await call("/v2/_catalog");
    expect(anonymous.headers.get("www-authenticate")).toBe(`${REALM},scope="registry:catalog:*"`);
  });
});

describe("when the backing registry is down", () => {
  it("answers 503 UNAVAILABLE and records nothing for a push that did not happen", async () => {
    const project = await createProject();
    const dev = await createMember(project.id, 2);
    const repository = `${project.name}/app`;
    const token = await tokenFor(basic(dev.username), `repository:${repository}:pull,push`);
    await registry.stop();
    const res = await call(`/v2/${repository}/manifests/1.0`, {
      method: "PUT",
      token,
      body: JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: { digest: "x" }, layers: [] }),
      headers: { "content-type": OCI_IMAGE_MANIFEST },
    });
    expect(res.status).toBe(503);
    expect(await errorOf(res)).toEqual({ code: "UNAVAILABLE", message: "The backing registry is unreachable; try again later." });
    expect(await db.repository.count({ where: { projectId: project.id } })).toBe(0);
    expect(await db.auditEvent.count({ where: { projectId: project.id, action: "artifact.push" } })).toBe(0);
    const blob = await call(`/v2/${repository}/blobs/sha256:${"1".repeat(64)}`, { method: "HEAD", token });
    expect(blob.status).toBe(503);
  });
});
