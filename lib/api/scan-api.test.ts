import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as vulnerabilitiesRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/additions/vulnerabilities/route";
import * as scanRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/scan/route";
import { apiRequest, basic, call, errorOf } from "@/lib/api/test-kit";
import { SBOM_REPORT_MIME, VULN_REPORT_MIME } from "@/lib/scan/adapter/mime";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { createTestUser, db, uniqueName } from "@/lib/testing/factories";

/*
 * Harbor's POST …/artifacts/{reference}/scan and GET …/additions/vulnerabilities over real
 * Postgres. The artifact is written straight to the index, the scanner is a registration of this
 * file's own chosen by the project (deleted at the end with its reports). The queued scan.artifact
 * run is not carried out here (lib/services/scan/scanners.test.ts scans over HTTP): what is checked
 * is what the route queues and what it reads back.
 */

const OCI = "application/vnd.oci.image.manifest.v1+json";
let scannerId: number;
let project: Awaited<ReturnType<typeof createProject>>;
let digest: string;
let maintainer: string;
let guest: string;

const params = (reference: string) => ({ project_name_or_id: project.name, repository_name: "app", reference });
const scan = (auth: string, reference = "1.0", body?: unknown) =>
  call(scanRoute.POST, apiRequest(`/projects/${project.name}/repositories/app/artifacts/${reference}/scan`, { method: "POST", auth, body }), params(reference));
const readReport = (auth: string) =>
  call(vulnerabilitiesRoute.GET, apiRequest(`/projects/${project.name}/repositories/app/artifacts/1.0/additions/vulnerabilities`, { auth }), params("1.0"));
const reports = () => db.scanReport.findMany({ where: { artifactDigest: digest, scannerId }, select: { mimeType: true, status: true }, orderBy: { id: "asc" } });

beforeAll(async () => {
  scannerId = (await db.scanner.create({ data: { name: uniqueName("scan-api"), url: "http://127.0.0.1:9/scanner" } })).id;
  project = await createProject();
  await db.projectScanner.create({ data: { projectId: project.id, scannerId } });
  const repo = await db.repository.create({ data: { projectId: project.id, name: `${project.name}/app` } });
  digest = `sha256:${createHash("sha256").update(randomBytes(16)).digest("hex")}`;
  const artifact = await db.artifact.create({ data: { repositoryId: repo.id, digest, mediaType: OCI, manifestSize: 100, totalSize: 100n, pushedAt: new Date() } });
  await db.tag.create({ data: { repositoryId: repo.id, artifactId: artifact.id, name: "1.0", pushedAt: new Date() } });
  maintainer = basic((await createMember(project.id, 4)).username);
  guest = basic((await createMember(project.id, 3)).username);
});

afterAll(async () => {
  await db.scanner.deleteMany({ where: { id: scannerId } });
});

describe("POST …/artifacts/{reference}/scan", () => {
  it("refuses a guest (403) and a bad scan_type (400, its field named); neither queues anything", async () => {
    const refused = await scan(guest);
    expect(refused.status).toBe(403);
    const bad = await scan(maintainer, "1.0", { scan_type: "malware" });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toContain("scan_type");
    const unknownField = await scan(maintainer, "1.0", { scan_type: "sbom", extra: 1 });
    expect(unknownField.status).toBe(400);
    expect(await reports()).toEqual([]);
  });

  it("queues a vulnerability scan (202) by default and an SBOM on request; a second while the first is queued is a 409", async () => {
    const accepted = await scan(maintainer);
    expect(accepted.status).toBe(202);
    expect(await reports()).toEqual([{ mimeType: VULN_REPORT_MIME, status: "queued" }]);
    const again = await scan(maintainer);
    expect(again.status).toBe(409);
    const sbom = await scan(maintainer, digest, { scan_type: "sbom" });
    expect(sbom.status).toBe(202);
    expect(await reports()).toEqual([
      { mimeType: VULN_REPORT_MIME, status: "queued" },
      { mimeType: SBOM_REPORT_MIME, status: "queued" },
    ]);
    expect(await db.auditEvent.count({ where: { action: "artifact.scan", projectId: project.id, result: "success" } })).toBe(2);
    expect((await scan(maintainer, "no-such-tag")).status).toBe(404);
  });
});

describe("GET …/additions/vulnerabilities", () => {
  it("answers {} until a vulnerability report succeeded, then Harbor's map of its MIME type to the report", async () => {
    // Queued (above) is not a result yet.
    const before = await readReport(guest);
    expect(before.status).toBe(200);
    expect(await before.json()).toEqual({});

    const report = {
      generated_at: "2026-12-05T10:00:00Z",
      scanner: { name: "Wharf", vendor: "Wharf", version: "1" },
      severity: "High",
      vulnerabilities: [{ id: "CVE-2023-0001", package: "openssl", version: "3.0.1", fix_version: "3.0.2", severity: "High", links: ["https://nvd.nist.gov/vuln/detail/CVE-2023-0001"] }],
    };
    await db.scanReport.updateMany({ where: { artifactDigest: digest, scannerId, mimeType: VULN_REPORT_MIME }, data: { status: "succeeded", report, endedAt: new Date() } });
    const after = await readReport(guest);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ [VULN_REPORT_MIME]: report });

    // An outsider of the private project learns nothing.
    const outsider = await readReport(basic((await createTestUser()).username));
    expect(outsider.status).toBe(404);
  });
});
