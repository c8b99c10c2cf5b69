import { afterEach, describe, expect, it, vi } from "vitest";

// As in gateway.test.ts: the registry port and external URL are read once by getServerEnv().
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("policy-hook-tests-secret-key-0123456789")));

import { policyHookNames, registerPolicyHook, type ManifestGetContext, type ManifestPutContext } from "@/lib/gateway/policy-hooks";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { db } from "@/lib/services/registry-auth/test-fixtures";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { flushReadAuditEvents } from "@/lib/services/audit/record-audit-event";

const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "policy-hooks" });

const unregister: (() => void)[] = [];
afterEach(() => {
  for (const off of unregister.splice(0)) off();
});

async function failureRows(projectId: number) {
  return (await db.auditEvent.findMany({ where: { projectId, result: "failure" }, orderBy: { id: "asc" } })).map((r) => ({
    action: r.action,
    resource: r.resourceName,
    reason: r.reason,
  }));
}

describe("policy hook points", () => {
  it("start with the built-in policies: tag immutability and naming at manifest PUT and DELETE, the pull policy at manifest GET, the quota at manifest PUT and blob upload, the mount-source check at upload start", () => {
    expect(policyHookNames("manifest-put")).toEqual(["tag-policy", "quota"]);
    expect(policyHookNames("blob-upload")).toEqual(["quota"]);
    expect(policyHookNames("manifest-delete")).toEqual(["tag-policy"]);
    expect(policyHookNames("manifest-get")).toEqual(["pull-policy"]);
    expect(policyHookNames("miss")).toEqual([]);
    expect(policyHookNames("upload-start")).toEqual(["mount-source"]);
  });

  it("a manifest-put hook that refuses: the registry error it chose, one failure row, nothing reaches the registry or the index", async () => {
    const { project, repository, token } = await h.setup();
    const { image, bytes } = await h.pushImage(token, repository, []);
    const seen: ManifestPutContext[] = [];
    unregister.push(
      registerPolicyHook("manifest-put", {
        name: "test-immutable",
        decide: async (context) => {
          seen.push(context);
          return context.reference === "1.0"
            ? { status: 412, code: "DENIED", message: "Tag 1.0 is immutable.", reason: "tag 1.0 matches an immutability rule" }
            : null;
        },
      }),
    );

    const refused = await h.call(`/v2/${repository}/manifests/1.0`, { method: "PUT", token, body: bytes, headers: { "content-type": OCI_IMAGE_MANIFEST } });
    expect(refused.status).toBe(412);
    expect(refused.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
    expect(await refused.json()).toEqual({ errors: [{ code: "DENIED", message: "Tag 1.0 is immutable." }] });
    // The hook decided on the checked manifest, with the actor and project the request was authorized for.
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ projectId: project.id, repository, reference: "1.0", manifest: { digest: image.manifestDigest, mediaType: OCI_IMAGE_MANIFEST } });
    expect(seen[0]!.actor.kind).toBe("user");
    expect(await failureRows(project.id)).toEqual([{ action: "artifact.push", resource: `${repository}:1.0`, reason: "tag 1.0 matches an immutability rule" }]);
    expect(await h.backing.headManifest(repository, "1.0")).toBeNull();
    expect(await db.tag.count({ where: { name: "1.0", repository: { name: repository } } })).toBe(0);

    // A tag the hook has nothing to say about goes through, and so does 1.0 once the hook is gone.
    await h.putManifest(token, repository, "2.0", bytes, OCI_IMAGE_MANIFEST);
    unregister.pop()!();
    await h.putManifest(token, repository, "1.0", bytes, OCI_IMAGE_MANIFEST);
    expect((await db.tag.findMany({ where: { repository: { name: repository } }, orderBy: { name: "asc" } })).map((t) => t.name)).toEqual(["1.0", "2.0"]);
  });

  it("a manifest-get hook that refuses a pull: its error and one failure row; a HEAD is refused without a row", async () => {
    const { project, repository, token } = await h.setup();
    await h.pushImage(token, repository, ["1.0"]);
    const seen: ManifestGetContext["method"][] = [];
    unregister.push(
      registerPolicyHook("manifest-get", {
        name: "test-vulnerable",
        decide: async ({ method }) => {
          seen.push(method);
          return { status: 412, code: "DENIED", message: "1.0 has critical vulnerabilities.", reason: "critical vulnerabilities" };
        },
      }),
    );
    const accept = { accept: OCI_IMAGE_MANIFEST };
    const get = await h.call(`/v2/${repository}/manifests/1.0`, { token, headers: accept });
    expect(get.status).toBe(412);
    expect(await get.json()).toEqual({ errors: [{ code: "DENIED", message: "1.0 has critical vulnerabilities." }] });
    const head = await h.call(`/v2/${repository}/manifests/1.0`, { method: "HEAD", token, headers: accept });
    expect(head.status).toBe(412);
    expect(seen).toEqual(["GET", "HEAD"]);
    expect(await failureRows(project.id)).toEqual([{ action: "artifact.pull", resource: `${repository}:1.0`, reason: "critical vulnerabilities" }]);
    await flushReadAuditEvents();
    expect(await db.auditEvent.count({ where: { projectId: project.id, action: "artifact.pull", result: "success" } })).toBe(0);
  });

  it("a miss hook that fills the registry (as a proxy cache will) gets the read forwarded once more; without it the 404 stands", async () => {
    const { project, repository, token } = await h.setup();
    const { image, bytes } = await h.pushImage(token, repository, []);
    const accept = { accept: OCI_IMAGE_MANIFEST };
    expect((await h.call(`/v2/${repository}/manifests/1.0`, { token, headers: accept })).status).toBe(404);

    const misses: string[] = [];
    unregister.push(
      registerPolicyHook("miss", {
        name: "test-fill",
        decide: async ({ repository: name, reference, kind }) => {
          misses.push(`${kind} ${name}:${reference}`);
          await h.backing.putManifest(name, reference, OCI_IMAGE_MANIFEST, bytes);
          return "filled";
        },
      }),
    );
    const filled = await h.call(`/v2/${repository}/manifests/1.0`, { token, headers: accept });
    expect(filled.status).toBe(200);
    expect(filled.headers.get("docker-content-digest")).toBe(image.manifestDigest);
    expect(Buffer.from(await filled.arrayBuffer()).equals(bytes)).toBe(true);
    expect(misses).toEqual([`manifest ${repository}:1.0`]);
    await flushReadAuditEvents();
    expect(await db.auditEvent.count({ where: { projectId: project.id, action: "artifact.pull", result: "success" } })).toBe(1);
  });
});
