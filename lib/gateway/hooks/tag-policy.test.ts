import { beforeAll, describe, expect, it, vi } from "vitest";

// As in gateway.test.ts: the registry port and external URL are read once by getServerEnv().
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("tag-policy-hook-tests-secret-key-0123456789")));

import type { UserActor } from "@/lib/auth/actor";
import { policyHookNames } from "@/lib/gateway/policy-hooks";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { createImmutableRule, setImmutableRuleDisabled, setNamingPolicy } from "@/lib/services/tag-policy/rules";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";

const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "tag-policy-hooks" });

let admin: UserActor;
beforeAll(async () => {
  admin = actorFor(await createTestUser({ isAdmin: true }));
});

const releases = { repositories: { decoration: "matches", kind: "doublestar", pattern: "**" }, tags: { decoration: "matches", kind: "regex", pattern: "v[0-9]+\\.[0-9]+" } };

async function failureRows(projectId: number) {
  return (await db.auditEvent.findMany({ where: { projectId, result: "failure" }, orderBy: { id: "asc" } })).map((r) => ({ action: r.action, resource: r.resourceName, reason: r.reason }));
}

/** Another manifest on the same blobs: an annotation changes its digest. */
async function pushVariant(token: string, repository: string, bytes: Uint8Array, tags: string[]) {
  const manifest = JSON.parse(Buffer.from(bytes).toString("utf8")) as Record<string, unknown>;
  const variant = Buffer.from(JSON.stringify({ ...manifest, annotations: { "org.example.variant": String(Math.random()) } }));
  const res = await h.putManifest(token, repository, tags[0] ?? "variant-staging", variant, OCI_IMAGE_MANIFEST);
  for (const tag of tags.slice(1)) await h.putManifest(token, repository, tag, variant, OCI_IMAGE_MANIFEST);
  return { bytes: variant, image: { manifestDigest: res.headers.get("docker-content-digest")! } };
}

async function tagsOf(repository: string) {
  return (await db.tag.findMany({ where: { repository: { name: repository } }, orderBy: { name: "asc" }, include: { artifact: { select: { digest: true } } } })).map((t) => `${t.name}=${t.artifact.digest}`);
}

describe("tag policy at the gateway", () => {
  it("is registered at manifest PUT and manifest DELETE", () => {
    // The quota comes after it, so a push refused for its tag is not reported as over quota.
    expect(policyHookNames("manifest-put")).toEqual(["tag-policy", "quota"]);
    expect(policyHookNames("manifest-delete")).toEqual(["tag-policy"]);
  });

  it("an immutable tag is not moved to another digest (412 DENIED naming the rule, one failure row); the same digest again, other tags and digests go through", async () => {
    const { project, repository, token } = await h.setup();
    const first = await h.pushImage(token, repository, ["v1.0", "latest"]);
    const second = await pushVariant(token, repository, first.bytes, ["scratch"]);
    expect(second.image.manifestDigest).not.toBe(first.image.manifestDigest);
    const rule = await createImmutableRule({ actor: admin, projectId: project.id, rule: releases });

    const moved = await h.call(`/v2/${repository}/manifests/v1.0`, { method: "PUT", token, body: second.bytes, headers: { "content-type": OCI_IMAGE_MANIFEST } });
    expect(moved.status).toBe(412);
    const body = (await moved.json()) as { errors: { code: string; message: string }[] };
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]!.code).toBe("DENIED");
    expect(body.errors[0]!.message).toBe(`Tag ${repository}:v1.0 is immutable (immutability rule ${rule.id} (repositories matching **, tags matching the regular expression v[0-9]+\\.[0-9]+)) and cannot be moved to another digest.`);
    expect(await failureRows(project.id)).toEqual([
      { action: "artifact.push", resource: `${repository}:v1.0`, reason: `${repository}:v1.0 is protected by immutability rule ${rule.id} (repositories matching **, tags matching the regular expression v[0-9]+\\.[0-9]+)` },
    ]);
    expect((await h.backing.headManifest(repository, "v1.0"))?.digest).toBe(first.image.manifestDigest);

    // The same digest again changes nothing and is allowed; a tag no rule covers moves; a push by digest is untouched.
    await h.putManifest(token, repository, "v1.0", first.bytes, OCI_IMAGE_MANIFEST);
    await h.putManifest(token, repository, "latest", second.bytes, OCI_IMAGE_MANIFEST);
    await h.putManifest(token, repository, second.image.manifestDigest, second.bytes, OCI_IMAGE_MANIFEST);
    // A new tag the rule covers is created (immutability protects what exists).
    await h.putManifest(token, repository, "v2.0", second.bytes, OCI_IMAGE_MANIFEST);
    expect(await tagsOf(repository)).toEqual([
      `latest=${second.image.manifestDigest}`,
      `scratch=${second.image.manifestDigest}`,
      `v1.0=${first.image.manifestDigest}`,
      `v2.0=${second.image.manifestDigest}`,
    ]);

    // Disabled, the rule protects nothing.
    await setImmutableRuleDisabled({ actor: admin, projectId: project.id, ruleId: rule.id, disabled: true });
    await h.putManifest(token, repository, "v1.0", second.bytes, OCI_IMAGE_MANIFEST);
    expect(await tagsOf(repository)).toContain(`v1.0=${second.image.manifestDigest}`);
  });

  it("an immutable tag is not deleted, by tag or by the digest of a manifest carrying it; other deletes go through", async () => {
    const { project, repository, token } = await h.setup();
    const first = await h.pushImage(token, repository, ["v1.0", "dev"]);
    const second = await pushVariant(token, repository, first.bytes, ["nightly"]);
    const rule = await createImmutableRule({ actor: admin, projectId: project.id, rule: releases });

    const byTag = await h.call(`/v2/${repository}/manifests/v1.0`, { method: "DELETE", token });
    expect(byTag.status).toBe(412);
    expect(((await byTag.json()) as { errors: { code: string; message: string }[] }).errors[0]).toMatchObject({ code: "DENIED", message: expect.stringContaining(`immutability rule ${rule.id}`) });
    const byDigest = await h.call(`/v2/${repository}/manifests/${first.image.manifestDigest}`, { method: "DELETE", token });
    expect(byDigest.status).toBe(412);
    expect(((await byDigest.json()) as { errors: { code: string; message: string }[] }).errors[0]).toMatchObject({
      code: "DENIED",
      message: expect.stringMatching(new RegExp(`^Artifact ${repository}@${first.image.manifestDigest} carries an immutable tag: Tag ${repository}:v1.0 is immutable`)),
    });
    const rows = await failureRows(project.id);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.reason).toContain(`${repository}:v1.0 is protected by immutability rule ${rule.id}`);
    expect(await tagsOf(repository)).toEqual([`dev=${first.image.manifestDigest}`, `nightly=${second.image.manifestDigest}`, `v1.0=${first.image.manifestDigest}`]);
    expect((await h.backing.headManifest(repository, first.image.manifestDigest))?.digest).toBe(first.image.manifestDigest);

    // A manifest without immutable tags is deleted.
    const other = await h.call(`/v2/${repository}/manifests/${second.image.manifestDigest}`, { method: "DELETE", token });
    expect(other.status).toBe(202);
    expect(await tagsOf(repository)).toEqual([`dev=${first.image.manifestDigest}`, `v1.0=${first.image.manifestDigest}`]);
  });

  it("a new tag must match the naming policy (412 DENIED showing the pattern, one failure row); existing tags and pushes by digest are untouched", async () => {
    const { project, repository, token } = await h.setup();
    const { image, bytes } = await h.pushImage(token, repository, ["legacy"]);
    await setNamingPolicy({ actor: admin, projectId: project.id, policy: { pattern: `${project.name}-(dev|prod)-[0-9]+` } });

    const refused = await h.call(`/v2/${repository}/manifests/feature-x`, { method: "PUT", token, body: bytes, headers: { "content-type": OCI_IMAGE_MANIFEST } });
    expect(refused.status).toBe(412);
    expect(await refused.json()).toEqual({
      errors: [{ code: "DENIED", message: `Tag "feature-x" does not match the project's tag naming policy: tags must match the regular expression ${project.name}-(dev|prod)-[0-9]+.` }],
    });
    expect(await failureRows(project.id)).toEqual([{ action: "artifact.push", resource: `${repository}:feature-x`, reason: `tag feature-x does not match the naming policy ${project.name}-(dev|prod)-[0-9]+` }]);

    await h.putManifest(token, repository, `${project.name}-prod-12`, bytes, OCI_IMAGE_MANIFEST);
    await h.putManifest(token, repository, "legacy", bytes, OCI_IMAGE_MANIFEST);
    await h.putManifest(token, repository, image.manifestDigest, bytes, OCI_IMAGE_MANIFEST);
    expect((await tagsOf(repository)).map((t) => t.split("=")[0])).toEqual(["legacy", `${project.name}-prod-12`]);

    // Disabled, the policy refuses nothing.
    await setNamingPolicy({ actor: admin, projectId: project.id, policy: { pattern: "x", enabled: false } });
    await h.putManifest(token, repository, "feature-x", bytes, OCI_IMAGE_MANIFEST);
  });
});
