import path from "node:path";
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it, vi } from "vitest";

// As in gateway.test.ts: the registry port and external URL are read once by getServerEnv().
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("pull-policy-hook-tests-secret-key-0123456789")));

import { systemActor, type UserActor } from "@/lib/auth/actor";
import { ForbiddenError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { OCI_IMAGE_CONFIG, OCI_IMAGE_LAYER_GZIP, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { harborVulnerabilityReport } from "@/lib/scan/adapter/harbor-report";
import { VULN_REPORT_MIME } from "@/lib/scan/adapter/mime";
import { fixturePath } from "@/lib/scan/fixtures";
import { osvFolderEntries } from "@/lib/scan/osv/sources";
import { gzipLayer } from "@/lib/scan/testing/layers";
import { updateProject } from "@/lib/services/projects/update-project";
import { getProjectPullPolicy, getSystemCveAllowlist, updateSystemCveAllowlist } from "@/lib/services/pull-policy/allowlists";
import { pullPolicyDecision } from "@/lib/services/pull-policy/decision";
import { scanArtifact } from "@/lib/services/scan/scan-artifact";
import { createVulnDbImport, finishVulnDbImport, importOsvEntries } from "@/lib/services/scan/vuln-db";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { writeOciAccessoryLayout } from "@/lib/testing/oci-layout";
import { pushBlob, sha256 } from "@/lib/testing/remote-registries";

/*
 * The pull policy at the gateway with real parts: the fixture OSV records imported into Postgres,
 * an Alpine 3.18 image built from the fixture's real apk database (musl 1.2.4-r0, affected by
 * ALPINE-CVE-2025-26519, CVSS 3.1 7.0 High) pushed through the gateway, its inventory extracted
 * from the registry and matched in SQL, and the report stored as the built-in adapter stores it.
 */

const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "pull-policy-hooks" });
const FINDING = "ALPINE-CVE-2025-26519";
const ACCEPT = { accept: OCI_IMAGE_MANIFEST };

let admin: UserActor;
let auditor: UserActor;
let scannerId: number;

beforeAll(async () => {
  admin = actorFor(await createTestUser({ isAdmin: true }));
  auditor = actorFor(await createTestUser({ isAuditor: true }));
  scannerId = (await db.scanner.create({ data: { name: uniqueName("pull-policy"), url: "http://127.0.0.1:9/scanner" } })).id;
  const importId = await createVulnDbImport("lib/scan/fixtures/osv");
  await finishVulnDbImport(importId, { counts: await importOsvEntries(importId, osvFolderEntries(fixturePath("osv")), { batchSize: 20 }) });
});

/** The Alpine fixture image, pushed through the gateway under `tag`; its digest. */
async function pushAlpine(token: string, repository: string, tag: string): Promise<string> {
  const read = (p: string) => readFile(fixturePath("package-dbs", p), "utf8");
  const layer = await gzipLayer([
    { path: "etc/alpine-release", content: await read("alpine-3.18/etc/alpine-release") },
    { path: "lib/apk/db/installed", content: await read("alpine-3.18/lib/apk/db/installed") },
  ]);
  const layerBlob = await pushBlob(h.backing, repository, layer);
  const configBlob = await pushBlob(h.backing, repository, new TextEncoder().encode(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] }, config: {} })));
  const manifest = new TextEncoder().encode(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: { mediaType: OCI_IMAGE_CONFIG, ...configBlob }, layers: [{ mediaType: OCI_IMAGE_LAYER_GZIP, ...layerBlob }] }),
  );
  await h.putManifest(token, repository, tag, manifest, OCI_IMAGE_MANIFEST);
  return sha256(manifest);
}

/** Scans `digest` from the registry and stores the report as a succeeded scan would. */
async function scanAndStore(repository: string, digest: string): Promise<void> {
  const findings = await scanArtifact({ repository, digest, client: h.backing });
  const report = harborVulnerabilityReport({ findings, artifact: { repository, digest }, scanner: { name: "test", vendor: "Wharf", version: "1" }, generatedAt: new Date() });
  // The same image in another test's repository has the same digest: one report per digest and scanner.
  const data = { repository, status: "succeeded", report: report as unknown as Prisma.InputJsonValue, endedAt: new Date() };
  await db.scanReport.upsert({
    where: { artifactDigest_scannerId_mimeType: { artifactDigest: digest, scannerId, mimeType: VULN_REPORT_MIME } },
    create: { artifactDigest: digest, scannerId, mimeType: VULN_REPORT_MIME, ...data },
    update: data,
  });
}

async function failureRows(projectId: number) {
  return (await db.auditEvent.findMany({ where: { projectId, result: "failure", action: "artifact.pull" }, orderBy: { id: "asc" } })).map((r) => ({ resource: r.resourceName, reason: r.reason }));
}

async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { errors: { code: string; message: string }[] };
  return body.errors[0]!;
}

describe("pull policy at the gateway", () => {
  it("prevent vulnerable: a GET of an image with a finding at the severity or higher is refused (412 DENIED naming the highest severity and the policy, one failure row); HEAD, lower severities and allowlisted findings are served", async () => {
    const { project, repository, token } = await h.setup();
    const digest = await pushAlpine(token, repository, "3.18");
    await scanAndStore(repository, digest);
    const stored = await db.scanReport.findFirstOrThrow({ where: { artifactDigest: digest, scannerId } });
    const vulnerabilities = (stored.report as { vulnerabilities: { id: string; severity: string }[] }).vulnerabilities;
    expect(vulnerabilities.map((v) => [v.id, v.severity])).toEqual([[FINDING, "High"]]);

    // Off: served.
    expect((await h.call(`/v2/${repository}/manifests/3.18`, { token, headers: ACCEPT })).status).toBe(200);

    await updateProject({ actor: admin, input: { projectId: project.id, preventVulnerable: true, vulnerabilitySeverity: "high" } });
    const refused = await h.call(`/v2/${repository}/manifests/3.18`, { token, headers: ACCEPT });
    expect(refused.status).toBe(412);
    const error = await errorOf(refused);
    expect(error.code).toBe("DENIED");
    expect(error.message).toContain("1 vulnerability of severity High or higher (highest: High)");
    expect(error.message).toContain(`Prevent images with vulnerability severity of "High" or higher from running`);
    expect(error.message).toContain(FINDING);
    // By digest too (what a client pulls after resolving the tag).
    expect((await h.call(`/v2/${repository}/manifests/${digest}`, { token, headers: ACCEPT })).status).toBe(412);
    expect(await failureRows(project.id)).toEqual([
      { resource: `${repository}:3.18`, reason: expect.stringContaining("1 vulnerabilities of severity High or higher, highest High") },
      { resource: `${repository}@${digest}`, reason: expect.stringContaining("highest High") },
    ]);
    expect((await h.call(`/v2/${repository}/manifests/3.18`, { method: "HEAD", token, headers: ACCEPT })).status).toBe(200);

    // A threshold above the finding: served.
    await updateProject({ actor: admin, input: { projectId: project.id, vulnerabilitySeverity: "critical" } });
    expect((await h.call(`/v2/${repository}/manifests/3.18`, { token, headers: ACCEPT })).status).toBe(200);
    await updateProject({ actor: admin, input: { projectId: project.id, vulnerabilitySeverity: "medium" } });
    expect((await h.call(`/v2/${repository}/manifests/3.18`, { token, headers: ACCEPT })).status).toBe(412);

    // The project's own allowlist applies once the system one is no longer reused; an expired one does not.
    await updateProject({ actor: admin, input: { projectId: project.id, reuseSystemCveAllowlist: false, cveAllowlist: { cveIds: [FINDING.toLowerCase()], expiresAt: null } } });
    expect((await h.call(`/v2/${repository}/manifests/3.18`, { token, headers: ACCEPT })).status).toBe(200);
    await updateProject({ actor: admin, input: { projectId: project.id, cveAllowlist: { cveIds: [FINDING], expiresAt: new Date(Date.now() - 60_000) } } });
    expect((await h.call(`/v2/${repository}/manifests/3.18`, { token, headers: ACCEPT })).status).toBe(412);

    // Back to the system allowlist: listing the finding there serves the pull (every instance told).
    await updateProject({ actor: admin, input: { projectId: project.id, reuseSystemCveAllowlist: true } });
    const before = await getSystemCveAllowlist({ actor: admin });
    try {
      await updateSystemCveAllowlist({ actor: admin, input: { cveIds: [...before.cveIds, FINDING], expiresAt: null } });
      expect((await h.call(`/v2/${repository}/manifests/3.18`, { token, headers: ACCEPT })).status).toBe(200);
    } finally {
      await updateSystemCveAllowlist({ actor: admin, input: { cveIds: before.cveIds, expiresAt: before.expiresAt } });
    }
    expect((await h.call(`/v2/${repository}/manifests/3.18`, { token, headers: ACCEPT })).status).toBe(412);
  }, 120_000);

  it("refuse unscanned: an image with no succeeded vulnerability report is refused until it is scanned", async () => {
    const { project, repository, token } = await h.setup();
    await h.pushImage(token, repository, ["plain"]);
    const digest = await pushAlpine(token, repository, "scanned");
    await scanAndStore(repository, digest);
    await updateProject({ actor: admin, input: { projectId: project.id, refuseUnscanned: true } });
    const refused = await h.call(`/v2/${repository}/manifests/plain`, { token, headers: ACCEPT });
    expect(refused.status).toBe(412);
    expect((await errorOf(refused)).message).toMatch(/has not been scanned for vulnerabilities and cannot be pulled: project policy refuses unscanned images/);
    expect((await h.call(`/v2/${repository}/manifests/scanned`, { token, headers: ACCEPT })).status).toBe(200);
    expect(await failureRows(project.id)).toEqual([{ resource: `${repository}:plain`, reason: expect.stringMatching(/^not scanned: sha256:/) }]);
  }, 60_000);

  it("only signed images: an unsigned image is refused; once a cosign signature is pushed for it, it is served, and so is the signature", async () => {
    const { project, repository, token } = await h.setup();
    const { image } = await h.pushImage(token, repository, ["1.0"]);
    await updateProject({ actor: admin, input: { projectId: project.id, requireSignature: true } });
    const refused = await h.call(`/v2/${repository}/manifests/1.0`, { token, headers: ACCEPT });
    expect(refused.status).toBe(412);
    expect((await errorOf(refused)).message).toContain("is not signed and cannot be pulled: project policy allows signed images only");

    const sigTag = `sha256-${image.manifestDigest.slice("sha256:".length)}.sig`;
    const sigDir = path.join(h.tmp, `sig-${Math.random().toString(36).slice(2)}`);
    const sig = await writeOciAccessoryLayout(sigDir, {
      tag: "sig",
      config: "cosign",
      layer: { mediaType: "application/vnd.dev.cosign.simplesigning.v1+json", content: JSON.stringify({ critical: { image: { "docker-manifest-digest": image.manifestDigest } } }) },
    });
    await h.stage(sig.ref, repository, sig.manifestDigest);
    await h.putManifest(token, repository, sigTag, await h.blobBytes(sigDir, sig.manifestDigest), OCI_IMAGE_MANIFEST);
    expect((await h.call(`/v2/${repository}/manifests/1.0`, { token, headers: ACCEPT })).status).toBe(200);
    expect((await h.call(`/v2/${repository}/manifests/${sigTag}`, { token, headers: ACCEPT })).status).toBe(200);
  }, 60_000);

  it("a scanner's own pulls are exempt, or nothing could be scanned", async () => {
    const { project, repository, token } = await h.setup();
    await h.pushImage(token, repository, ["1.0"]);
    await updateProject({ actor: admin, input: { projectId: project.id, refuseUnscanned: true, requireSignature: true } });
    expect(await pullPolicyDecision({ actor: systemActor("scanner:1"), projectId: project.id, repository, reference: "1.0" })).toEqual({ allowed: true });
    expect(await pullPolicyDecision({ actor: admin, projectId: project.id, repository, reference: "1.0" })).toMatchObject({ allowed: false });
  });

  it("settings change with one project.update row each (before and after, the allowlist included); auditors read them and change nothing", async () => {
    const { project } = await h.setup();
    await updateProject({ actor: admin, input: { projectId: project.id, preventVulnerable: true, vulnerabilitySeverity: "critical", reuseSystemCveAllowlist: false, cveAllowlist: { cveIds: ["CVE-2024-1234"], expiresAt: null } } });
    // The same again: nothing changed, nothing written.
    await updateProject({ actor: admin, input: { projectId: project.id, preventVulnerable: true, cveAllowlist: { cveIds: ["CVE-2024-1234"], expiresAt: null } } });
    const rows = await db.auditEvent.findMany({ where: { projectId: project.id, action: "project.update" }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.result, r.detail])).toEqual([
      [
        "success",
        {
          before: { prevent_vul: false, severity: "low", reuse_sys_cve_allowlist: true, cve_allowlist: { cve_ids: [], expires_at: null } },
          after: { prevent_vul: true, severity: "critical", reuse_sys_cve_allowlist: false, cve_allowlist: { cve_ids: ["CVE-2024-1234"], expires_at: null } },
        },
      ],
    ]);
    expect(await getProjectPullPolicy({ actor: auditor, projectId: project.id })).toMatchObject({ preventVulnerable: true, vulnerabilitySeverity: "critical", cveAllowlist: { cveIds: ["CVE-2024-1234"] } });
    await expect(updateProject({ actor: auditor, input: { projectId: project.id, preventVulnerable: false } })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(updateSystemCveAllowlist({ actor: auditor, input: { cveIds: ["CVE-2024-1"], expiresAt: null } })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await db.project.findUniqueOrThrow({ where: { id: project.id }, select: { preventVulnerable: true } })).toEqual({ preventVulnerable: true });
  });
});
