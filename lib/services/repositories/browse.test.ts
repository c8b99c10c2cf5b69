import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// As in gateway.test.ts: the registry port and external URL are read once by getServerEnv().
const REGISTRY_PORT = await vi.hoisted(async () => {
  const { findFreePort } = await import("@/lib/registry/local-registry");
  const port = await findFreePort();
  process.env.WHARF_REGISTRY_URL = `http://127.0.0.1:${port}`;
  process.env.WHARF_EXTERNAL_URL = "http://wharf.test:3000";
  process.env.WHARF_SECRET_KEY ??= "browse-services-tests-secret-key-0123456789";
  return port;
});

import { anonymousActor } from "@/lib/auth/actor";
import { ForbiddenError, NotFoundError, UnauthenticatedError } from "@/lib/errors";
import { RegistryClient } from "@/lib/registry/client";
import { startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { OCI_IMAGE_MANIFEST } from "@/lib/registry/media-types";
import { REGISTRY_SERVICE } from "@/lib/services/registry-auth/constants";
import { handleRegistryRequest } from "@/lib/services/registry-auth/gateway";
import { issueRegistryToken } from "@/lib/services/registry-auth/issue-token";
import { basic, createMember, createProject, db, TEST_CLIENT } from "@/lib/services/registry-auth/test-fixtures";
import { deleteTag } from "@/lib/services/repositories/delete-tag";
import { addTag } from "@/lib/services/repositories/add-tag";
import { deleteArtifact } from "@/lib/services/repositories/delete-artifact";
import { deleteRepository } from "@/lib/services/repositories/delete-repository";
import { getArtifact } from "@/lib/services/repositories/get-artifact";
import { getRepository } from "@/lib/services/repositories/get-repository";
import { listArtifacts } from "@/lib/services/repositories/list-artifacts";
import { listRepositories } from "@/lib/services/repositories/list-repositories";
import { updateRepositoryDescription } from "@/lib/services/repositories/update-repository-description";
import { actorFor, createTestUser } from "@/lib/testing/factories";
import { skopeoCopy, writeOciImageLayout } from "@/lib/testing/oci-layout";

const EXTERNAL = "http://wharf.test:3000";

let tmp: string;
let registry: LocalRegistry;
let backing: RegistryClient;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-browse-test-"));
  registry = await startLocalRegistry({ dataDir: path.join(tmp, "data"), port: REGISTRY_PORT });
  backing = new RegistryClient({ baseUrl: registry.url });
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

// ---- helpers ----

async function call(pathAndQuery: string, { method = "GET", token, headers = {}, body }: { method?: string; token: string; headers?: Record<string, string>; body?: Uint8Array }) {
  const h = new Headers(headers);
  h.set("authorization", `Bearer ${token}`);
  // Copied: BodyInit does not accept a view that may sit on a SharedArrayBuffer.
  return handleRegistryRequest(new Request(`${EXTERNAL}${pathAndQuery}`, { method, headers: h, body: body ? new Uint8Array(body) : null }));
}

async function tokenFor(username: string, repository: string, actions = "pull,push,delete"): Promise<string> {
  return (await issueRegistryToken({ authorization: basic(username), service: REGISTRY_SERVICE, scopes: [`repository:${repository}:${actions}`], client: TEST_CLIENT })).token;
}

/**
 * As in artifact-index.test.ts: gets blobs (and an index's children) into `repository` with skopeo straight to the registry,
 * then removes the top manifest again, so that the manifest PUT through the gateway is the push
 * that creates it. What the index learns, it learns from that PUT.
 */
async function stage(ref: string, repository: string, digest: string): Promise<void> {
  await skopeoCopy(ref, `docker://127.0.0.1:${REGISTRY_PORT}/${repository}:staging`, { all: true });
  await backing.deleteManifest(repository, digest);
}

async function blobBytes(dir: string, digest: string): Promise<Buffer> {
  return readFile(path.join(dir, "blobs", "sha256", digest.slice("sha256:".length)));
}

async function putManifest(token: string, repository: string, reference: string, bytes: Uint8Array, mediaType: string) {
  const res = await call(`/v2/${repository}/manifests/${reference}`, { method: "PUT", token, body: bytes, headers: { "content-type": mediaType } });
  expect(res.status).toBe(201);
  return res;
}

async function setup() {
  const project = await createProject();
  const maintainer = await createMember(project.id, 4);
  const repository = `${project.name}/app`;
  return { project, maintainer, repository, token: await tokenFor(maintainer.username, repository) };
}

async function pushImage(token: string, repository: string, tags: string[]) {
  const dir = path.join(tmp, `img-${Math.random().toString(36).slice(2)}`);
  const image = await writeOciImageLayout(dir, { tag: "t", architecture: "arm64", variant: "v8", author: "Wharf Tests <t@example.com>" });
  await stage(image.ref, repository, image.manifestDigest);
  const bytes = await blobBytes(dir, image.manifestDigest);
  for (const tag of tags) await putManifest(token, repository, tag, bytes, OCI_IMAGE_MANIFEST);
  return { image, dir, bytes };
}

function indexedTags(repository: string) {
  return db.tag.findMany({ where: { repository: { name: repository } }, select: { name: true, artifact: { select: { digest: true } } }, orderBy: { name: "asc" } });
}

// ---- tests ----

describe("listing (permissions and shape)", () => {
  it("lists the repository and its artifact with both tags, platform, size and no signature", async () => {
    const { project, maintainer, repository, token } = await setup();
    const { image } = await pushImage(token, repository, ["1.0", "stable"]);
    const actor = actorFor(maintainer);

    const repos = await listRepositories({ actor, projectId: project.id, q: "app", sort: "artifacts", page: 1, pageSize: 10 });
    expect(repos.total).toBe(1);
    expect(repos.rows[0]).toMatchObject({ name: repository, artifactCount: 1 });

    const artifacts = await listArtifacts({ actor, repository, projectId: project.id, page: 1, pageSize: 10 });
    expect(artifacts.total).toBe(1);
    expect(artifacts.rows[0]).toMatchObject({ digest: image.manifestDigest, tagCount: 2, signed: false, platforms: [{ os: "linux", architecture: "arm64", variant: "v8" }] });
    expect(artifacts.rows[0]!.tags.map((t) => t.name).sort()).toEqual(["1.0", "stable"]);

    expect((await listArtifacts({ actor, repository, filter: { tagged: "untagged" }, page: 1, pageSize: 10 })).total).toBe(0);
    expect((await listArtifacts({ actor, repository, filter: { tag: "stab" }, page: 1, pageSize: 10 })).total).toBe(1);
    expect((await listArtifacts({ actor, repository, filter: { tag: "nope" }, page: 1, pageSize: 10 })).total).toBe(0);
  });

  it("answers NotFoundError to a non-member listing a private project's repositories", async () => {
    const { project, repository, token } = await setup();
    await pushImage(token, repository, ["1.0"]);
    const outsider = actorFor(await createTestUser());
    await expect(listRepositories({ actor: outsider, projectId: project.id, page: 1, pageSize: 10 })).rejects.toBeInstanceOf(NotFoundError);
    await expect(listArtifacts({ actor: outsider, repository, page: 1, pageSize: 10 })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("lets anyone, anonymous included, browse a public project, and refuses them deletes", async () => {
    const project = await createProject({ isPublic: true });
    const maintainer = await createMember(project.id, 4);
    const repository = `${project.name}/app`;
    const { image } = await pushImage(await tokenFor(maintainer.username, repository), repository, ["1.0"]);
    const anonymous = anonymousActor();

    expect((await listRepositories({ actor: anonymous, projectId: project.id, page: 1, pageSize: 10 })).rows.map((r) => r.name)).toEqual([repository]);
    expect((await listArtifacts({ actor: anonymous, repository, page: 1, pageSize: 10 })).rows.map((r) => r.digest)).toEqual([image.manifestDigest]);
    expect((await getArtifact({ actor: anonymous, repository, reference: "1.0" })).digest).toBe(image.manifestDigest);
    await expect(deleteArtifact({ actor: anonymous, repository, digest: image.manifestDigest })).rejects.toBeInstanceOf(UnauthenticatedError);
    const outsider = actorFor(await createTestUser());
    await expect(deleteArtifact({ actor: outsider, repository, digest: image.manifestDigest })).rejects.toBeInstanceOf(ForbiddenError);
    expect((await backing.headManifest(repository, "1.0"))?.digest).toBe(image.manifestDigest);
  });

  it("refuses a repository of another project through a project's URL", async () => {
    const { maintainer, repository, token } = await setup();
    await pushImage(token, repository, ["1.0"]);
    const other = await createProject();
    await expect(getRepository({ actor: actorFor(maintainer), repository, projectId: other.id })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("getArtifact", () => {
  it("shows tags, layers, build history and the manifest, by tag or by digest", async () => {
    const { maintainer, repository, token } = await setup();
    const { image } = await pushImage(token, repository, ["1.0"]);
    const byTag = await getArtifact({ actor: actorFor(maintainer), repository, reference: "1.0" });
    expect(byTag).toMatchObject({ digest: image.manifestDigest, isIndex: false, author: "Wharf Tests <t@example.com>" });
    expect(byTag.tags.rows.map((t) => t.name)).toEqual(["1.0"]);
    expect(byTag.layers.map((l) => l.digest)).toEqual(image.layerDigests);
    expect(byTag.history[0]?.createdBy).toContain("wharf test fixture");
    expect(JSON.parse(byTag.manifestJson!)).toMatchObject({ config: { digest: image.configDigest } });
    const byDigest = await getArtifact({ actor: actorFor(maintainer), repository, reference: image.manifestDigest });
    expect(byDigest.digest).toBe(image.manifestDigest);
  });
});

describe("mutations", () => {
  it("refuses a Guest: cannot delete an artifact, a tag or the repository, and nothing changes", async () => {
    const { project, repository, token } = await setup();
    const guest = actorFor(await createMember(project.id, 3));
    const { image } = await pushImage(token, repository, ["1.0"]);

    await expect(deleteArtifact({ actor: guest, repository, digest: image.manifestDigest })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(deleteTag({ actor: guest, repository, tag: "1.0" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(deleteRepository({ actor: guest, repository })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(addTag({ actor: guest, repository, digest: image.manifestDigest, tag: "x" })).rejects.toBeInstanceOf(ForbiddenError);

    expect((await backing.headManifest(repository, "1.0"))?.digest).toBe(image.manifestDigest);
    expect(await indexedTags(repository)).toEqual([{ name: "1.0", artifact: { digest: image.manifestDigest } }]);
    expect(await db.auditEvent.count({ where: { projectId: project.id, result: "success", action: { in: ["artifact.delete", "tag.delete", "repository.delete", "tag.create"] } } })).toBe(0);
  });

  it("deleteArtifact removes it with all its tags, in the registry and the index, with one audit row", async () => {
    const { project, maintainer, repository, token } = await setup();
    const { image } = await pushImage(token, repository, ["1.0", "latest"]);

    await deleteArtifact({ actor: actorFor(maintainer), repository, digest: image.manifestDigest, projectId: project.id });

    expect(await backing.headManifest(repository, "1.0")).toBeNull();
    expect(await backing.headManifest(repository, "latest")).toBeNull();
    expect(await indexedTags(repository)).toEqual([]);
    expect(await db.artifact.count({ where: { repository: { name: repository } } })).toBe(0);
    expect(await db.repository.findUniqueOrThrow({ where: { name: repository } })).toMatchObject({ artifactCount: 0 });
    const audit = await db.auditEvent.findMany({ where: { action: "artifact.delete", projectId: project.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ resourceName: `${repository}@${image.manifestDigest}`, result: "success" });
  });

  it("deleting one tag keeps its sibling, which still pulls and is still listed", async () => {
    const { maintainer, repository, token } = await setup();
    const { image } = await pushImage(token, repository, ["1.0", "stable"]);
    const actor = actorFor(maintainer);

    await deleteTag({ actor, repository, tag: "1.0" });

    expect((await backing.getManifest(repository, "stable")).digest).toBe(image.manifestDigest);
    const listed = await listArtifacts({ actor, repository, page: 1, pageSize: 10 });
    expect(listed.rows.map((r) => [r.digest, r.tags.map((t) => t.name)])).toEqual([[image.manifestDigest, ["stable"]]]);
  });

  it("addTag puts the manifest under a new tag, indexes it, and refuses an existing tag", async () => {
    const { project, maintainer, repository, token } = await setup();
    const { image } = await pushImage(token, repository, ["1.0"]);
    const actor = actorFor(maintainer);

    await addTag({ actor, repository, digest: image.manifestDigest, tag: "prod" });

    expect((await backing.headManifest(repository, "prod"))?.digest).toBe(image.manifestDigest);
    expect((await indexedTags(repository)).map((t) => t.name)).toEqual(["1.0", "prod"]);
    expect(await db.auditEvent.count({ where: { action: "tag.create", projectId: project.id } })).toBe(1);
    await expect(addTag({ actor, repository, digest: image.manifestDigest, tag: "prod" })).rejects.toMatchObject({ status: 409 });
  });

  it("deleteRepository deletes every manifest in the registry and the repository row, with one audit row", async () => {
    const { project, maintainer, repository, token } = await setup();
    await pushImage(token, repository, ["1.0"]);
    await pushImage(token, repository, ["2.0"]);

    await deleteRepository({ actor: actorFor(maintainer), repository, projectId: project.id });

    expect(await backing.listTags(repository)).toEqual([]);
    expect(await db.repository.findUnique({ where: { name: repository } })).toBeNull();
    expect(await db.auditEvent.count({ where: { action: "repository.delete", projectId: project.id, result: "success" } })).toBe(1);
  });

  it("updateRepositoryDescription needs repository:update and writes one audit row", async () => {
    const { project, maintainer, repository, token } = await setup();
    await pushImage(token, repository, ["1.0"]);
    const guest = actorFor(await createMember(project.id, 3));
    await expect(updateRepositoryDescription({ actor: guest, repository, description: "x" })).rejects.toBeInstanceOf(ForbiddenError);

    await updateRepositoryDescription({ actor: actorFor(maintainer), repository, description: "# App\nIt runs." });

    expect((await getRepository({ actor: guest, repository })).description).toBe("# App\nIt runs.");
    expect(await db.auditEvent.count({ where: { action: "repository.update", projectId: project.id, result: "success" } })).toBe(1);
  });
});
