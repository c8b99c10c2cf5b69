import { afterAll, describe, expect, it, vi } from "vitest";

// As in gateway.test.ts: the registry port and external URL are read once by getServerEnv().
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("browse-services-tests-secret-key-0123456789")));

import { anonymousActor } from "@/lib/auth/actor";
import { ForbiddenError, NotFoundError, UnauthenticatedError } from "@/lib/errors";
import { createMember, createProject, db } from "@/lib/services/registry-auth/test-fixtures";
import { deleteTag } from "@/lib/services/repositories/delete-tag";
import { addTag } from "@/lib/services/repositories/add-tag";
import { deleteArtifact } from "@/lib/services/repositories/delete-artifact";
import { deleteRepository } from "@/lib/services/repositories/delete-repository";
import { deleteRepositoryJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { stopSharedBoss } from "@/lib/jobs/boss";
import { getArtifact } from "@/lib/services/repositories/get-artifact";
import { getRepository } from "@/lib/services/repositories/get-repository";
import { listArtifacts } from "@/lib/services/repositories/list-artifacts";
import { listRepositories } from "@/lib/services/repositories/list-repositories";
import { updateRepositoryDescription } from "@/lib/services/repositories/update-repository-description";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { actorFor, createTestUser } from "@/lib/testing/factories";

const EXTERNAL = "http://wharf.test:3000";
const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: EXTERNAL, name: "browse" });
const { tokenFor, setup, pushImage } = h;

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
    expect((await h.backing.headManifest(repository, "1.0"))?.digest).toBe(image.manifestDigest);
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

// The send-only pg-boss a repository delete queues through.
afterAll(() => stopSharedBoss());

describe("mutations", () => {
  it("refuses a Guest: cannot delete an artifact, a tag or the repository, and nothing changes", async () => {
    const { project, repository, token } = await setup();
    const guest = actorFor(await createMember(project.id, 3));
    const { image } = await pushImage(token, repository, ["1.0"]);

    await expect(deleteArtifact({ actor: guest, repository, digest: image.manifestDigest })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(deleteTag({ actor: guest, repository, tag: "1.0" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(deleteRepository({ actor: guest, repository })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(addTag({ actor: guest, repository, digest: image.manifestDigest, tag: "x" })).rejects.toBeInstanceOf(ForbiddenError);

    expect((await h.backing.headManifest(repository, "1.0"))?.digest).toBe(image.manifestDigest);
    expect(await indexedTags(repository)).toEqual([{ name: "1.0", artifact: { digest: image.manifestDigest } }]);
    expect(await db.auditEvent.count({ where: { projectId: project.id, result: "success", action: { in: ["artifact.delete", "tag.delete", "repository.delete", "tag.create"] } } })).toBe(0);
  });

  it("deleteArtifact removes it with all its tags, in the registry and the index, with one audit row", async () => {
    const { project, maintainer, repository, token } = await setup();
    const { image } = await pushImage(token, repository, ["1.0", "latest"]);

    await deleteArtifact({ actor: actorFor(maintainer), repository, digest: image.manifestDigest, projectId: project.id });

    expect(await h.backing.headManifest(repository, "1.0")).toBeNull();
    expect(await h.backing.headManifest(repository, "latest")).toBeNull();
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

    expect((await h.backing.getManifest(repository, "stable")).digest).toBe(image.manifestDigest);
    const listed = await listArtifacts({ actor, repository, page: 1, pageSize: 10 });
    expect(listed.rows.map((r) => [r.digest, r.tags.map((t) => t.name)])).toEqual([[image.manifestDigest, ["stable"]]]);
  });

  it("addTag puts the manifest under a new tag, indexes it, and refuses an existing tag", async () => {
    const { project, maintainer, repository, token } = await setup();
    const { image } = await pushImage(token, repository, ["1.0"]);
    const actor = actorFor(maintainer);

    await addTag({ actor, repository, digest: image.manifestDigest, tag: "prod" });

    expect((await h.backing.headManifest(repository, "prod"))?.digest).toBe(image.manifestDigest);
    expect((await indexedTags(repository)).map((t) => t.name)).toEqual(["1.0", "prod"]);
    expect(await db.auditEvent.count({ where: { action: "tag.create", projectId: project.id } })).toBe(1);
    await expect(addTag({ actor, repository, digest: image.manifestDigest, tag: "prod" })).rejects.toMatchObject({ status: 409 });
  });

  it("deleteRepository hides the repository at once and queues its job, which deletes every manifest in the registry and the repository row; one audit row", async () => {
    const { project, maintainer, repository, token } = await setup();
    await pushImage(token, repository, ["1.0"]);
    await pushImage(token, repository, ["2.0"]);
    const actor = actorFor(maintainer);
    const digests = (await db.artifact.findMany({ where: { repository: { name: repository } }, select: { digest: true } })).map((a) => a.digest);
    expect(digests.length).toBeGreaterThan(0);

    const { runId } = await deleteRepository({ actor, repository, projectId: project.id });

    // Accepted: gone from the list and from reads, still in the registry until the job runs.
    expect((await listRepositories({ actor, projectId: project.id, page: 1, pageSize: 10 })).rows.map((r) => r.name)).not.toContain(repository);
    await expect(listArtifacts({ actor, repository, page: 1, pageSize: 10 })).rejects.toBeInstanceOf(NotFoundError);
    await expect(deleteRepository({ actor, repository, projectId: project.id })).rejects.toBeInstanceOf(NotFoundError);
    for (const digest of digests) expect(await h.backing.headManifest(repository, digest)).not.toBeNull();
    expect(await db.jobRun.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ jobName: deleteRepositoryJob.id, status: "queued", trigger: maintainer.username });

    expect(await runQueuedRun(deleteRepositoryJob, runId)).toEqual({ manifests: digests.length });

    expect(await h.backing.listTags(repository)).toEqual([]);
    for (const digest of digests) expect(await h.backing.headManifest(repository, digest)).toBeNull();
    expect(await db.repository.findUnique({ where: { name: repository } })).toBeNull();
    expect(await db.jobRun.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: "succeeded", progressDone: digests.length, progressTotal: digests.length });
    const audit = await db.auditEvent.findMany({ where: { action: "repository.delete", projectId: project.id } });
    expect(audit.map((a) => [a.result, a.actorName, a.resourceName, a.detail])).toEqual([["success", maintainer.username, repository, { runId }]]);
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
