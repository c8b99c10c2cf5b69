import { afterAll, describe, expect, it, vi } from "vitest";

// Wharf shares the registry's disk here (as the launcher's own registry does): the storage
// directory is known before anything reads the environment.
const { REGISTRY_PORT, DATA_DIR } = await vi.hoisted(async () => {
  const { findFreePort } = await import("@/lib/registry/local-registry");
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const p = await import("node:path");
  const registryPort = await findFreePort();
  const dataDir = mkdtempSync(p.join(tmpdir(), "wharf-manifest-disk-"));
  process.env.WHARF_REGISTRY_URL = `http://127.0.0.1:${registryPort}`;
  process.env.WHARF_EXTERNAL_URL = "http://wharf.test:3000";
  process.env.WHARF_REGISTRY_STORAGE_DIR = p.join(dataDir, "registry", "storage");
  process.env.WHARF_SECRET_KEY ??= "manifest-from-disk-tests-secret-key-0123456789";
  return { REGISTRY_PORT: registryPort, DATA_DIR: dataDir };
});

import { rm } from "node:fs/promises";
import { callGateway, GATEWAY_TEST_URL, pushThroughGateway, registryErrorOf, tokenFor } from "@/lib/gateway/gateway-test-client";
import { DOCKER_MANIFEST_V2, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { flushReadAuditEvents } from "@/lib/services/audit/record-audit-event";
import { basic, createMember, createProject, db } from "@/lib/services/registry-auth/test-fixtures";
import { gatewayHarness } from "@/lib/testing/gateway-harness";

/**
 * Manifest reads answered from the registry's disk (lib/registry/local-manifest-store.ts) behind
 * the whole gateway pipeline: authorized and recorded like any pull, and still answered with the
 * registry stopped (which shows they did not go to it), while what the disk cannot answer is still
 * forwarded.
 */
const harness = gatewayHarness({ registryPort: REGISTRY_PORT, external: GATEWAY_TEST_URL, name: "manifest-from-disk", dataDir: DATA_DIR });

afterAll(async () => {
  await rm(DATA_DIR, { recursive: true, force: true });
});

describe("manifest reads from the registry's disk", () => {
  it("are authorized and recorded like forwarded ones, and need no registry", async () => {
    const project = await createProject();
    const developer = await createMember(project.id, 2);
    const outsider = await createProject();
    const repository = `${project.name}/app`;
    const token = await tokenFor(basic(developer.username), `repository:${repository}:pull,push`);
    const pushed = await pushThroughGateway(token, repository, "1.0");

    await harness.stopRegistry();

    const got = await callGateway(`/v2/${repository}/manifests/1.0`, { token });
    expect(got.status).toBe(200);
    expect(Buffer.compare(Buffer.from(await got.arrayBuffer()), pushed.manifest)).toBe(0);
    expect(got.headers.get("docker-content-digest")).toBe(pushed.digest);
    expect(got.headers.get("content-type")).toBe(OCI_IMAGE_MANIFEST);
    expect(got.headers.get("docker-distribution-api-version")).toBe("registry/2.0");

    const byDigest = await callGateway(`/v2/${repository}/manifests/${pushed.digest}`, { token, method: "HEAD" });
    expect(byDigest.status).toBe(200);
    expect(byDigest.headers.get("content-length")).toBe(String(pushed.manifest.length));

    // Recorded as a pull, with the digest the disk answered.
    await flushReadAuditEvents();
    const pulls = await db.auditEvent.findMany({ where: { action: "artifact.pull", resourceName: `${repository}:1.0` }, select: { result: true, actorName: true, resourceId: true } });
    expect(pulls).toMatchObject([{ result: "success", actorName: developer.username }]);
    const artifact = await db.artifact.findFirst({ where: { digest: pushed.digest, repository: { name: repository } }, select: { id: true } });
    expect(artifact).not.toBeNull();

    // Authorization comes first: a token for another project's repository reads nothing from disk.
    const elsewhere = await callGateway(`/v2/${outsider.name}/app/manifests/1.0`, { token });
    expect([401, 403]).toContain(elsewhere.status);

    // What the disk does not answer still goes to the registry, which is down now: 503, not a guess.
    const onlyDocker = await callGateway(`/v2/${repository}/manifests/1.0`, { token, headers: { accept: DOCKER_MANIFEST_V2 } });
    expect(onlyDocker.status).toBe(503);
    const missing = await callGateway(`/v2/${repository}/manifests/2.0`, { token });
    expect(missing.status).toBe(503);
    expect((await registryErrorOf(missing)).code).toBe("UNAVAILABLE");
  });
});
