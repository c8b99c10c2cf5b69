import { beforeAll, describe, expect, it, vi } from "vitest";

// As in the other registry tests: the registry port and external URL are read once by getServerEnv().
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("tag-policy-enforcement-tests-secret-key-0123456789")));

import * as tagRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/tags/[tag_name]/route";
import * as repositoryRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/route";
import * as artifactRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/route";
import { apiRequest, basic, call, errorOf } from "@/lib/api/test-kit";
import type { UserActor } from "@/lib/auth/actor";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { createProject } from "@/lib/services/registry-auth/test-fixtures";
import { addTag } from "@/lib/services/repositories/add-tag";
import { copyArtifact } from "@/lib/services/repositories/copy-artifact";
import { deleteArtifact } from "@/lib/services/repositories/delete-artifact";
import { deleteRepository } from "@/lib/services/repositories/delete-repository";
import { deleteTag } from "@/lib/services/repositories/delete-tag";
import { TagPolicyError } from "@/lib/services/tag-policy/errors";
import { createImmutableRule, setImmutableRuleDisabled, setNamingPolicy } from "@/lib/services/tag-policy/rules";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";

const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "tag-policy-enforcement" });

let admin: UserActor;
let adminAuth = "";
beforeAll(async () => {
  const user = await createTestUser({ isAdmin: true });
  admin = actorFor(user);
  adminAuth = basic(user.username);
});

const releases = { repositories: { decoration: "matches", kind: "doublestar", pattern: "**" }, tags: { decoration: "matches", kind: "doublestar", pattern: "v*" } };

async function failures(projectId: number) {
  return (await db.auditEvent.findMany({ where: { projectId, result: "failure" }, orderBy: { id: "asc" } })).map((r) => `${r.action} ${r.resourceName}`);
}

async function tagsOf(repository: string) {
  return (await db.tag.findMany({ where: { repository: { name: repository } }, orderBy: { name: "asc" }, include: { artifact: { select: { digest: true } } } })).map((t) => `${t.name}=${t.artifact.digest}`);
}

async function refusal(promise: Promise<unknown>): Promise<TagPolicyError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TagPolicyError);
  expect((error as TagPolicyError).status).toBe(412);
  return error as TagPolicyError;
}

/** A pushed image under `tags`, and a second manifest on the same blobs (another digest) under `otherTags`. */
async function content(tags: string[], otherTags: string[]) {
  const { project, repository, token } = await h.setup();
  const { image, bytes } = await h.pushImage(token, repository, tags);
  const manifest = JSON.parse(Buffer.from(bytes).toString("utf8")) as Record<string, unknown>;
  const variant = Buffer.from(JSON.stringify({ ...manifest, annotations: { "org.example.variant": "2" } }));
  let other = "";
  for (const tag of otherTags) other = (await h.putManifest(token, repository, tag, variant, OCI_IMAGE_MANIFEST)).headers.get("docker-content-digest")!;
  return { project, repository, digest: image.manifestDigest, other };
}

describe("tag policies in the console and REST services", () => {
  it("tag delete and artifact delete refuse an immutable tag (412 naming the rule, one failure row each, registry and index untouched)", async () => {
    const { project, repository, digest, other } = await content(["v1.0", "dev"], ["nightly"]);
    const rule = await createImmutableRule({ actor: admin, projectId: project.id, rule: releases });

    expect((await refusal(deleteTag({ actor: admin, repository, tag: "v1.0" }))).message).toBe(
      `Tag ${repository}:v1.0 is immutable (immutability rule ${rule.id} (repositories matching **, tags matching v*)) and cannot be deleted.`,
    );
    expect((await refusal(deleteArtifact({ actor: admin, repository, digest }))).message).toMatch(new RegExp(`^Artifact ${repository}@${digest} carries an immutable tag: `));
    expect(await failures(project.id)).toEqual([`tag.delete ${repository}:v1.0`, `artifact.delete ${repository}@${digest}`]);
    expect((await h.backing.headManifest(repository, "v1.0"))?.digest).toBe(digest);

    // Tags and artifacts no rule covers still go.
    await deleteTag({ actor: admin, repository, tag: "dev" });
    await deleteArtifact({ actor: admin, repository, digest: other });
    expect(await tagsOf(repository)).toEqual([`v1.0=${digest}`]);
  });

  it("add tag: a new tag outside the naming policy is refused (412 showing the pattern, one failure row); a matching one is added", async () => {
    const { project, repository, digest } = await content(["1.0"], []);
    await setNamingPolicy({ actor: admin, projectId: project.id, policy: { pattern: "[0-9]+\\.[0-9]+" } });
    expect((await refusal(addTag({ actor: admin, repository, digest, tag: "latest" }))).message).toContain("[0-9]+\\.[0-9]+");
    expect(await failures(project.id)).toEqual([`tag.create ${repository}:latest`]);
    await addTag({ actor: admin, repository, digest, tag: "2.0" });
    expect(await tagsOf(repository)).toEqual([`1.0=${digest}`, `2.0=${digest}`]);
  });

  it("copy does not overwrite an immutable tag at the destination with another digest (412, one failure row); the same digest and other tags are copied", async () => {
    const src = await content(["v1.0"], ["v2.0"]);
    const dst = await content(["v1.0"], []);
    // Same blobs and manifest bytes: src v1.0 and dst v1.0 are one digest; src v2.0 is the other.
    expect(dst.digest).toBe(src.digest);
    await createImmutableRule({ actor: admin, projectId: dst.project.id, rule: releases });

    await refusal(copyArtifact({ actor: admin, from: { repository: src.repository, reference: src.other }, to: dst.repository, tag: "v1.0" }));
    expect(await failures(dst.project.id)).toEqual([`artifact.copy ${dst.repository}:v1.0`]);
    expect(await tagsOf(dst.repository)).toEqual([`v1.0=${dst.digest}`]);

    await copyArtifact({ actor: admin, from: { repository: src.repository, reference: "v1.0" }, to: dst.repository, tag: "v1.0" });
    await copyArtifact({ actor: admin, from: { repository: src.repository, reference: "v2.0" }, to: dst.repository, tag: "v2.0" });
    expect(await tagsOf(dst.repository)).toEqual([`v1.0=${dst.digest}`, `v2.0=${src.other}`]);
  });

  it("REST: deleting an immutable tag or its artifact answers 412 PRECONDITION as documented", async () => {
    const { project, repository, digest } = await content(["v1.0"], []);
    await createImmutableRule({ actor: admin, projectId: project.id, rule: releases });
    const base = `/projects/${project.name}/repositories/app/artifacts`;
    const params = { project_name_or_id: project.name, repository_name: "app" };
    const tag = await call(tagRoute.DELETE, apiRequest(`${base}/v1.0/tags/v1.0`, { method: "DELETE", auth: adminAuth }), { ...params, reference: "v1.0", tag_name: "v1.0" });
    expect(tag.status).toBe(412);
    expect(await errorOf(tag)).toMatchObject({ code: "PRECONDITION", message: expect.stringContaining(`Tag ${repository}:v1.0 is immutable`) });
    const artifact = await call(artifactRoute.DELETE, apiRequest(`${base}/${digest}`, { method: "DELETE", auth: adminAuth }), { ...params, reference: digest });
    expect(artifact.status).toBe(412);
    expect(await tagsOf(repository)).toEqual([`v1.0=${digest}`]);
  });

  it("a repository holding an immutable tag is not deleted, through the service or REST (412 naming the tag and rule, one failure row each); once the tag's rule is gone it is", async () => {
    const { project, repository, digest } = await content(["v2.0", "dev"], []);
    const rule = await createImmutableRule({ actor: admin, projectId: project.id, rule: releases });
    expect((await refusal(deleteRepository({ actor: admin, repository }))).message).toBe(
      `Repository ${repository} holds an immutable tag: Tag ${repository}:v2.0 is immutable (immutability rule ${rule.id} (repositories matching **, tags matching v*)) and cannot be deleted.`,
    );
    const rest = await call(repositoryRoute.DELETE, apiRequest(`/projects/${project.name}/repositories/app`, { method: "DELETE", auth: adminAuth }), {
      project_name_or_id: project.name,
      repository_name: "app",
    });
    expect(rest.status).toBe(412);
    expect(await errorOf(rest)).toMatchObject({ code: "PRECONDITION", message: expect.stringContaining(`Tag ${repository}:v2.0 is immutable`) });
    expect(await failures(project.id)).toEqual([`repository.delete ${repository}`, `repository.delete ${repository}`]);
    expect(await db.repository.findUniqueOrThrow({ where: { name: repository }, select: { deletingAt: true } })).toEqual({ deletingAt: null });
    expect((await h.backing.headManifest(repository, "v2.0"))?.digest).toBe(digest);

    await setImmutableRuleDisabled({ actor: admin, projectId: project.id, ruleId: rule.id, disabled: true });
    await deleteRepository({ actor: admin, repository });
    expect(await db.repository.findUniqueOrThrow({ where: { name: repository }, select: { deletingAt: true } })).not.toEqual({ deletingAt: null });
  });

  it("a project's rules do not reach another project", async () => {
    const { repository } = await content(["v1.0"], []);
    const other = await createProject();
    await createImmutableRule({ actor: admin, projectId: other.id, rule: releases });
    await deleteTag({ actor: admin, repository, tag: "v1.0" });
    expect(await tagsOf(repository)).toEqual([]);
  });
});
