import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserActor } from "@/lib/auth/actor";
import { artifactScanJob } from "@/lib/jobs/definitions";
import { SBOM_REPORT_MIME, VULN_REPORT_MIME } from "@/lib/scan/adapter/mime";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { artifactSbom, artifactVulnerabilities, sortRows, startArtifactScan, summarize, vulnerabilityRows } from "@/lib/services/scan/manual-scan";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";

/*
 * Real Postgres: the artifact written straight to the index (test setup), a scanner registration
 * of this file's own chosen by the project (deleted at the end, with its reports, so files that
 * count registrations see none of it). The queued scan.artifact run is not carried out here
 * (scanners.test.ts scans over HTTP); what is checked is what the manual scan writes.
 */

const OCI = "application/vnd.oci.image.manifest.v1+json";
let scannerId: number;
let project: Awaited<ReturnType<typeof createProject>>;
let repository: string;
let digest: string;
let maintainer: UserActor;
let guest: UserActor;
let developer: UserActor;
let auditor: UserActor;

beforeAll(async () => {
  scannerId = (await db.scanner.create({ data: { name: uniqueName("manual-scan"), url: "http://127.0.0.1:9/scanner" } })).id;
  project = await createProject();
  await db.projectScanner.create({ data: { projectId: project.id, scannerId } });
  const repo = await db.repository.create({ data: { projectId: project.id, name: `${project.name}/app` } });
  repository = repo.name;
  digest = `sha256:${createHash("sha256").update(randomBytes(16)).digest("hex")}`;
  const artifact = await db.artifact.create({ data: { repositoryId: repo.id, digest, mediaType: OCI, manifestSize: 100, totalSize: 100n, pushedAt: new Date() } });
  await db.tag.create({ data: { repositoryId: repo.id, artifactId: artifact.id, name: "1.0", pushedAt: new Date() } });
  maintainer = actorFor(await createMember(project.id, 4));
  guest = actorFor(await createMember(project.id, 3));
  developer = actorFor(await createMember(project.id, 2));
  auditor = actorFor(await createTestUser({ isAuditor: true }));
});

afterAll(async () => {
  await db.scanner.deleteMany({ where: { id: scannerId } });
});

const scanRows = () => db.auditEvent.findMany({ where: { action: "artifact.scan", projectId: project.id }, orderBy: { id: "asc" } });
const runs = () => db.jobRun.count({ where: { jobName: artifactScanJob.id } });

describe("startArtifactScan", () => {
  it.each([
    ["a guest", () => guest],
    ["a developer", () => developer],
    ["a system auditor", () => auditor],
  ])("refuses %s with one failure row and queues nothing", async (_label, who) => {
    const before = { rows: (await scanRows()).length, runs: await runs(), reports: await db.scanReport.count({ where: { artifactDigest: digest } }) };
    await expect(startArtifactScan({ actor: who(), projectId: project.id, repository, reference: "1.0" })).rejects.toMatchObject({ status: 403 });
    const rows = await scanRows();
    expect(rows.length).toBe(before.rows + 1);
    expect(rows.at(-1)).toMatchObject({ result: "failure", actorName: who().username, resourceType: "artifact", resourceName: `${repository}:1.0` });
    expect(await runs()).toBe(before.runs);
    expect(await db.scanReport.count({ where: { artifactDigest: digest } })).toBe(before.reports);
  });

  it("queues one scan.artifact run by the project's scanner and writes one audit row; a second while queued is a 409 writing nothing", async () => {
    const runsBefore = await runs();
    const rowsBefore = (await scanRows()).length;
    const started = await startArtifactScan({ actor: maintainer, projectId: project.id, repository, reference: "1.0" });
    expect(started).toMatchObject({ digest, scannerId, scanType: "vulnerability" });
    expect(started.scans).toHaveLength(1);
    const scan = started.scans[0]!;
    const report = await db.scanReport.findUniqueOrThrow({ where: { id: scan.reportId } });
    expect(report).toMatchObject({ artifactDigest: digest, scannerId, mimeType: VULN_REPORT_MIME, status: "queued", runId: scan.runId, repository });
    const run = await db.jobRun.findUniqueOrThrow({ where: { id: scan.runId } });
    expect(run).toMatchObject({ jobName: artifactScanJob.id, status: "queued", trigger: "manual" });
    expect(run.payload).toMatchObject({ reportId: scan.reportId, tag: "1.0", artifactMimeType: OCI });
    expect(await runs()).toBe(runsBefore + 1);
    const rows = await scanRows();
    expect(rows.length).toBe(rowsBefore + 1);
    expect(rows.at(-1)).toMatchObject({ result: "success", actorName: maintainer.username, resourceName: `${repository}:1.0`, detail: { digest, scanType: "vulnerability", scans: [{ digest, reportId: scan.reportId, runId: scan.runId }] } });

    await expect(startArtifactScan({ actor: maintainer, projectId: project.id, repository, reference: digest })).rejects.toMatchObject({ status: 409 });
    expect(await runs()).toBe(runsBefore + 1);
    expect((await scanRows()).length).toBe(rowsBefore + 1);

    // The SBOM is another report: it may be asked for while the vulnerability scan is queued.
    const sbom = await startArtifactScan({ actor: maintainer, projectId: project.id, repository, reference: digest, input: { scanType: "sbom" } });
    expect(await db.scanReport.findUniqueOrThrow({ where: { id: sbom.scans[0]!.reportId } })).toMatchObject({ mimeType: SBOM_REPORT_MIME, status: "queued" });
  });

  it("answers 404 for an artifact not in the index, 400 for a bad scan type, and 404 to an outsider of a private project", async () => {
    await expect(startArtifactScan({ actor: maintainer, projectId: project.id, repository, reference: "no-such-tag" })).rejects.toMatchObject({ status: 404 });
    await expect(startArtifactScan({ actor: maintainer, projectId: project.id, repository, reference: "1.0", input: { scanType: "everything" } })).rejects.toMatchObject({ status: 400 });
    const outsider = actorFor(await createTestUser());
    await expect(startArtifactScan({ actor: outsider, repository, reference: "1.0" })).rejects.toMatchObject({ status: 404 });
  });
});

describe("startArtifactScan of an image index", () => {
  it("scans each indexed child image with one audit row naming them; children still being scanned are skipped, all of them is a 409", async () => {
    const repo = await db.repository.create({ data: { projectId: project.id, name: `${project.name}/multi` } });
    const newDigest = () => `sha256:${createHash("sha256").update(randomBytes(16)).digest("hex")}`;
    const child = (d: string) => db.artifact.create({ data: { repositoryId: repo.id, digest: d, mediaType: OCI, manifestSize: 100, totalSize: 100n, pushedAt: new Date() } });
    const [amd, arm] = [await child(newDigest()), await child(newDigest())];
    const index = await db.artifact.create({ data: { repositoryId: repo.id, digest: newDigest(), mediaType: "application/vnd.oci.image.index.v1+json", manifestSize: 300, totalSize: 300n, pushedAt: new Date() } });
    await db.artifactReference.createMany({
      data: [
        { parentId: index.id, childId: amd.id, childDigest: amd.digest, position: 0, os: "linux", architecture: "amd64" },
        { parentId: index.id, childId: arm.id, childDigest: arm.digest, position: 1, os: "linux", architecture: "arm64" },
        // A child not (yet) in Wharf's index: nothing to scan.
        { parentId: index.id, childId: null, childDigest: newDigest(), position: 2, os: "linux", architecture: "s390x" },
      ],
    });
    // arm64 is being scanned already (a vulnerability scan queued by another call).
    await startArtifactScan({ actor: maintainer, repository: repo.name, reference: arm.digest });
    const rowsBefore = (await scanRows()).length;
    const started = await startArtifactScan({ actor: maintainer, projectId: project.id, repository: repo.name, reference: index.digest });
    expect(started.scans.map((x) => x.digest)).toEqual([amd.digest]);
    const rows = await scanRows();
    expect(rows.length).toBe(rowsBefore + 1);
    expect(rows.at(-1)).toMatchObject({ resourceName: `${repo.name}@${index.digest}`, detail: { digest: index.digest, scans: [{ digest: amd.digest }] } });
    await expect(startArtifactScan({ actor: maintainer, projectId: project.id, repository: repo.name, reference: index.digest })).rejects.toMatchObject({ status: 409 });
    expect((await scanRows()).length).toBe(rowsBefore + 1);

    // The index's section lists its children with their status; amd64's succeeded report is summarised.
    await db.scanReport.updateMany({ where: { artifactDigest: amd.digest, scannerId }, data: { status: "succeeded", report: REPORT } });
    const view = await artifactVulnerabilities({ actor: guest, repository: repo.name, digest: index.digest });
    expect(view.children).toEqual([
      { digest: amd.digest, platform: "linux/amd64", status: "succeeded", error: null, summary: { Critical: 1, High: 1, Medium: 1, Low: 1, Unknown: 1 } },
      { digest: arm.digest, platform: "linux/arm64", status: "queued", error: null, summary: null },
      expect.objectContaining({ platform: "linux/s390x", status: null, summary: null }),
    ]);
  });
});

const REPORT = {
  generated_at: "2026-01-01T00:00:00Z",
  severity: "Critical",
  vulnerabilities: [
    { id: "CVE-2023-0001", package: "openssl", version: "3.1.0-r0", fix_version: "3.1.1-r0", severity: "High", links: ["https://osv.dev/CVE-2023-0001"], preferred_cvss: { score_v3: 7.5, vector_v3: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H" } },
    { id: "CVE-2023-0002", package: "zlib", version: "1.2.13-r0", severity: "Critical", links: [] },
    { id: "GHSA-xxxx", package: "busybox", version: "1.36.0-r0", severity: "Negligible" },
    { id: "CVE-2023-0003", package: "musl", version: "1.2.4-r0", severity: "Unknown" },
    { id: "CVE-2023-0004", package: "curl", version: "8.0.0-r0", fix_version: "8.1.0-r0", severity: "Medium", preferred_cvss: { score_v3: 5.3 } },
  ],
};

describe("an artifact's vulnerabilities for the console", () => {
  it("reads a report into rows, counts them by severity (Negligible as Low) and sorts them by severity", () => {
    const rows = vulnerabilityRows(REPORT);
    expect(summarize(rows)).toEqual({ Critical: 1, High: 1, Medium: 1, Low: 1, Unknown: 1 });
    expect(sortRows(rows, "-severity").map((r) => r.id)).toEqual(["CVE-2023-0002", "CVE-2023-0001", "CVE-2023-0004", "GHSA-xxxx", "CVE-2023-0003"]);
    expect(sortRows(rows, "severity").map((r) => r.id)).toEqual(["CVE-2023-0003", "GHSA-xxxx", "CVE-2023-0004", "CVE-2023-0001", "CVE-2023-0002"]);
    expect(rows[0]).toMatchObject({ link: "https://osv.dev/CVE-2023-0001", fixVersion: "3.1.1-r0", cvssScore: 7.5 });
    expect(vulnerabilityRows({ vulnerabilities: "not a list" })).toEqual([]);
  });

  it("pages a succeeded report server-side, shows a failure's message and log, and serves the SBOM to readers only", async () => {
    // Setup: the reports as the scan.artifact run leaves them.
    await db.scanReport.updateMany({ where: { artifactDigest: digest, scannerId, mimeType: VULN_REPORT_MIME }, data: { status: "failed", error: "Cannot reach the scanner", log: "line 1\n" } });
    const failed = await artifactVulnerabilities({ actor: auditor, repository, digest });
    expect(failed).toMatchObject({ report: { status: "failed", error: "Cannot reach the scanner", log: "line 1\n" }, summary: null, rows: [] });

    const many = { vulnerabilities: Array.from({ length: 120 }, (_, i) => ({ id: `CVE-2024-${String(i).padStart(4, "0")}`, package: "p", version: "1", severity: i % 7 === 0 ? "Critical" : "Low" })) };
    await db.scanReport.updateMany({ where: { artifactDigest: digest, scannerId, mimeType: VULN_REPORT_MIME }, data: { status: "succeeded", error: null, report: many } });
    const first = await artifactVulnerabilities({ actor: guest, repository, digest, query: { vulnPage: "1" } });
    expect(first).toMatchObject({ total: 120, page: 1, summary: { Critical: 18, Low: 102 }, sort: "-severity" });
    expect(first.rows).toHaveLength(50);
    expect(first.rows.slice(0, 18).every((r) => r.severity === "Critical")).toBe(true);
    const last = await artifactVulnerabilities({ actor: guest, repository, digest, query: { vulnPage: "99", vulnSort: "bogus" } });
    expect(last).toMatchObject({ page: 3, sort: "-severity" });
    expect(last.rows).toHaveLength(20);
    // The page number is the console's shared one: a repeated key counts by its first value, a bad one is page 1.
    expect((await artifactVulnerabilities({ actor: guest, repository, digest, query: { vulnPage: ["2", "3"] } })).page).toBe(2);
    for (const bad of ["0", "-1", "1e1", "0x2", " 2", "abc"]) {
      expect((await artifactVulnerabilities({ actor: guest, repository, digest, query: { vulnPage: bad } })).page, bad).toBe(1);
    }

    // SBOM: not yet produced is a 404; once there, its CycloneDX document.
    expect(first.sbom).toMatchObject({ status: "queued" });
    await expect(artifactSbom({ actor: guest, repository, digest })).rejects.toMatchObject({ status: 404 });
    await db.scanReport.updateMany({
      where: { artifactDigest: digest, scannerId, mimeType: SBOM_REPORT_MIME },
      data: { status: "succeeded", report: { media_type: "application/vnd.cyclonedx+json", sbom: { bomFormat: "CycloneDX", specVersion: "1.5", components: [] } } },
    });
    const file = await artifactSbom({ actor: auditor, repository, digest });
    expect(JSON.parse(file.body)).toMatchObject({ bomFormat: "CycloneDX" });
    expect(file.fileName).toMatch(/\.cdx\.json$/);
    const outsider = actorFor(await createTestUser());
    await expect(artifactSbom({ actor: outsider, repository, digest })).rejects.toMatchObject({ status: 404 });
    await expect(artifactVulnerabilities({ actor: outsider, repository, digest })).rejects.toMatchObject({ status: 404 });
  });
});

describe("the SBOM download's inputs", () => {
  it("refuses a bad repository or digest with a 400 and another project's URL with a 404", async () => {
    await expect(artifactSbom({ actor: maintainer, repository: "no slash", digest })).rejects.toMatchObject({ status: 400 });
    await expect(artifactSbom({ actor: maintainer, repository, digest: "sha256:short" })).rejects.toMatchObject({ status: 400 });
    await expect(artifactSbom({ actor: maintainer, repository, digest, projectId: project.id + 100_000 })).rejects.toMatchObject({ status: 404 });
    await expect(artifactSbom({ actor: maintainer, repository, digest, projectId: Number.NaN })).rejects.toMatchObject({ status: 404 });
  });
});
