import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { NextIntlClientProvider } from "next-intl";
import { createElement, type ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The CSV route reads its caller from the session cookie; here the caller is chosen.
const state = vi.hoisted(() => ({ actor: undefined as unknown }));
vi.mock("@/lib/auth/session", () => ({ getActor: async () => state.actor, requireUserActor: async () => state.actor }));

import SecurityHubPage from "@/app/(console)/admin/security/page";
import { GET as downloadCsv } from "@/app/(console)/projects/[projectId]/repositories/-/vulnerabilities/route";
import * as artifactsRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/route";
import * as summaryRoute from "@/app/api/v2.0/security/summary/route";
import * as vulRoute from "@/app/api/v2.0/security/vul/route";
import { apiRequest, basic, call, errorOf } from "@/lib/api/test-kit";
import { anonymousActor, type UserActor } from "@/lib/auth/actor";
import { OCI_IMAGE_CONFIG, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { Prisma } from "@/lib/generated/prisma/client";
import { VULN_REPORT_MIME } from "@/lib/scan/adapter/mime";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { artifactVulnerabilities, filterRows, vulnerabilityRows } from "@/lib/services/scan/manual-scan";
import { reportFindingRows, storeReportFindings } from "@/lib/services/scan/report-findings";
import { artifactScanOverviews, projectSecuritySummary, searchVulnerabilities, systemSecuritySummary, VULNERABILITY_SEARCH_PAGE_SIZE } from "@/lib/services/scan/security";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";
import { MAX_PAGE_SIZE, PAGE_MESSAGE, PAGE_SIZE_MESSAGE } from "@/lib/validation/pagination";
import messages from "@/messages/en.json";

/*
 * The security views on real Postgres. Reports are written directly as a scan's run leaves them
 * (status, times, the adapter's JSON) and their findings stored with storeReportFindings, as the
 * run does; security-scan.test.ts goes through a real scan. The scanner registration is this
 * file's own, deleted at the end with its reports. Ids are unique per run (the database is shared
 * with the other files of a run), so system-wide assertions look for this file's rows.
 */

const tag = randomBytes(3).toString("hex").toUpperCase();
const cve = (n: number) => `CVE-2099-${tag}${n}`;
const newDigest = () => `sha256:${createHash("sha256").update(randomBytes(16)).digest("hex")}`;

type Finding = { id: string; package?: string; version?: string; fix_version?: string; severity?: string; score?: number; description?: string; links?: string[] };
const reportOf = (findings: Finding[]) => ({
  generated_at: "2026-12-05T10:00:00Z",
  scanner: { name: "Test", vendor: "Tests", version: "1" },
  vulnerabilities: findings.map((f) => ({
    id: f.id,
    package: f.package ?? "openssl",
    version: f.version ?? "3.0.1",
    ...(f.fix_version !== undefined ? { fix_version: f.fix_version } : {}),
    severity: f.severity ?? "High",
    ...(f.score !== undefined ? { preferred_cvss: { score_v3: f.score, vector_v3: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" } } : {}),
    ...(f.description ? { description: f.description } : {}),
    links: f.links ?? [`https://osv.dev/${f.id}`],
  })),
});

let scannerId: number;
let otherScannerId: number;
let project: Awaited<ReturnType<typeof createProject>>;
let other: Awaited<ReturnType<typeof createProject>>;
let guest: UserActor;
let outsider: UserActor;
let admin: UserActor;
let auditor: UserActor;
let repoId: number;

async function image(name: string, digest = newDigest(), repositoryId = repoId, tags: string[] = []) {
  const a = await db.artifact.create({ data: { repositoryId, digest, mediaType: OCI_IMAGE_MANIFEST, artifactType: OCI_IMAGE_CONFIG, manifestSize: 100, totalSize: 100n, pushedAt: new Date() } });
  for (const t of tags) await db.tag.create({ data: { repositoryId, artifactId: a.id, name: t, pushedAt: new Date() } });
  return a;
}

async function report(digest: string, repository: string, status: string, findings: Finding[] | null, options: { scanner?: number; endedAt?: Date; report?: unknown } = {}) {
  const body = options.report ?? (findings ? reportOf(findings) : null);
  const json = body === null ? Prisma.DbNull : (body as Prisma.InputJsonValue);
  const row = await db.scanReport.upsert({
    where: { artifactDigest_scannerId_mimeType: { artifactDigest: digest, scannerId: options.scanner ?? scannerId, mimeType: VULN_REPORT_MIME } },
    create: { artifactDigest: digest, scannerId: options.scanner ?? scannerId, mimeType: VULN_REPORT_MIME, repository, status, report: json, startedAt: new Date(Date.now() - 5000), endedAt: options.endedAt ?? new Date() },
    update: { status, report: json, endedAt: options.endedAt ?? new Date() },
  });
  await db.$transaction((tx) => storeReportFindings(tx, row.id, status === "succeeded" ? body : null));
  return row;
}

// The fixture: project/app holds a (vulnerable) image, b (clean), c (failed scan), d (queued),
// e (never scanned), an index of a and f (f: 1 finding), and g (the same digest as in another
// project, scanned only there).
const fx = {} as Record<"a" | "b" | "c" | "d" | "e" | "f" | "g" | "index", { id: number; digest: string }> & { repository: string };

beforeAll(async () => {
  scannerId = (await db.scanner.create({ data: { name: uniqueName("security"), url: "http://127.0.0.1:9/scanner" } })).id;
  otherScannerId = (await db.scanner.create({ data: { name: uniqueName("security-other"), url: "http://127.0.0.1:9/scanner" } })).id;
  project = await createProject();
  other = await createProject();
  await db.projectScanner.create({ data: { projectId: project.id, scannerId } });
  const repo = await db.repository.create({ data: { projectId: project.id, name: `${project.name}/app` } });
  repoId = repo.id;
  fx.repository = repo.name;
  guest = actorFor(await createMember(project.id, 3));
  outsider = actorFor(await createTestUser());
  admin = actorFor(await createTestUser({ isAdmin: true }));
  auditor = actorFor(await createTestUser({ isAuditor: true }));

  fx.a = await image("a", newDigest(), repoId, ["1.0", "latest"]);
  fx.b = await image("b");
  fx.c = await image("c");
  fx.d = await image("d");
  fx.e = await image("e");
  fx.f = await image("f");
  fx.g = await image("g");
  fx.index = await db.artifact.create({ data: { repositoryId: repoId, digest: newDigest(), mediaType: OCI_IMAGE_INDEX, manifestSize: 300, totalSize: 300n, pushedAt: new Date() } });
  await db.artifactReference.createMany({
    data: [
      { parentId: fx.index.id, childId: fx.a.id, childDigest: fx.a.digest, position: 0, os: "linux", architecture: "amd64" },
      { parentId: fx.index.id, childId: fx.f.id, childDigest: fx.f.digest, position: 1, os: "linux", architecture: "arm64" },
    ],
  });

  // a: an older report of another scanner (not the newest), then this scanner's.
  await report(fx.a.digest, fx.repository, "succeeded", [{ id: cve(9), severity: "Critical" }], { scanner: otherScannerId, endedAt: new Date(Date.now() - 3600_000) });
  await report(fx.a.digest, fx.repository, "succeeded", [
    { id: cve(1), severity: "Critical", score: 9.8, fix_version: "3.0.2", description: "=HYPERLINK(\"http://evil\")" },
    { id: cve(2), severity: "HIGH", score: 7.5, package: "=cmd|' /C calc'!A0", fix_version: "" },
    { id: cve(3), severity: "moderate", score: 5.0, package: "zlib", fix_version: "1.3" },
    { id: cve(4), severity: "Negligible", package: "zlib" },
    { id: cve(5), severity: "whatever", package: "busybox" },
  ]);
  await report(fx.b.digest, fx.repository, "succeeded", []);
  await report(fx.c.digest, fx.repository, "failed", null);
  await report(fx.d.digest, fx.repository, "queued", null);
  await report(fx.f.digest, fx.repository, "succeeded", [{ id: cve(1), severity: "Critical", score: 9.8, fix_version: "3.0.2" }]);
  // g's digest scanned in the other project only.
  const otherRepo = await db.repository.create({ data: { projectId: other.id, name: `${other.name}/app` } });
  await image("g-other", fx.g.digest, otherRepo.id);
  await report(fx.g.digest, otherRepo.name, "succeeded", [{ id: cve(7), severity: "Low" }]);
});

afterAll(async () => {
  await db.scanner.deleteMany({ where: { id: { in: [scannerId, otherScannerId] } } });
});

describe("storeReportFindings", () => {
  it("normalises a report's findings into rows (severity on the spec's scale, empty fix as none) and replaces them when the report is written again", async () => {
    const rows = reportFindingRows(reportOf([{ id: "X-1", severity: "MODERATE", fix_version: "", score: 6.1 }, { id: "X-2", severity: "none" }]));
    expect(rows).toEqual([
      expect.objectContaining({ vulnId: "X-1", severity: "Medium", severityRank: 3, fixVersion: null, cvssScore: 6.1, cvssScoreV3: 6.1 }),
      expect.objectContaining({ vulnId: "X-2", severity: "Negligible", severityRank: 1, fixVersion: null, cvssScore: null }),
    ]);
    expect(reportFindingRows({ vulnerabilities: "lots" })).toEqual([]);
    expect(reportFindingRows(null)).toEqual([]);

    const digest = newDigest();
    const r = await report(digest, fx.repository, "succeeded", [{ id: "X-1" }, { id: "X-2" }]);
    expect(await db.scanReportVulnerability.count({ where: { reportId: r.id } })).toBe(2);
    await report(digest, fx.repository, "succeeded", [{ id: "X-3" }]);
    expect((await db.scanReportVulnerability.findMany({ where: { reportId: r.id } })).map((v) => v.vulnId)).toEqual(["X-3"]);
    await db.scanReport.delete({ where: { id: r.id } });
    expect(await db.scanReportVulnerability.count({ where: { reportId: r.id } })).toBe(0);
  });

  it("the migration's backfill writes the same rows from the stored JSON as storeReportFindings does", async () => {
    const sql = await readFile(path.join(process.cwd(), "prisma/migrations/20261205180000_scan_report_vulnerabilities/migration.sql"), "utf8");
    const backfill = sql.slice(sql.indexOf("WITH items AS"));
    const columns = { reportId: true, vulnId: true, package: true, version: true, fixVersion: true, severity: true, severityRank: true, cvssScore: true, cvssScoreV3: true, cvssVector: true, description: true, links: true } as const;
    const aReport = await db.scanReport.findFirstOrThrow({ where: { artifactDigest: fx.a.digest, scannerId } });
    const order = [{ reportId: "asc" as const }, { vulnId: "asc" as const }];
    const expected = await db.scanReportVulnerability.findMany({ where: { reportId: aReport.id }, select: columns, orderBy: order });
    // In a transaction rolled back at the end: the table is emptied and filled by the backfill alone.
    const rolledBack = new Error("rollback");
    let backfilled: typeof expected = [];
    await db
      .$transaction(async (tx) => {
        await tx.$executeRawUnsafe("DELETE FROM scan_report_vulnerabilities");
        await tx.$executeRawUnsafe(backfill);
        backfilled = await tx.scanReportVulnerability.findMany({ where: { reportId: aReport.id }, select: columns, orderBy: order });
        throw rolledBack;
      })
      .catch((e: unknown) => {
        if (e !== rolledBack) throw e;
      });
    expect(expected).toHaveLength(5);
    expect(backfilled).toEqual(expected);
  });
});

describe("artifactScanOverviews", () => {
  it("gives each listed artifact its scan: counts of the project scanner's report, failed, queued, absent when never scanned or scanned only in another project", async () => {
    const all = [fx.a, fx.b, fx.c, fx.d, fx.e, fx.g].map((x) => ({ ...x, mediaType: OCI_IMAGE_MANIFEST }));
    const o = await artifactScanOverviews({ actor: guest, project, artifacts: all });
    expect(o.get(fx.a.id)).toMatchObject({
      status: "succeeded",
      mimeType: VULN_REPORT_MIME,
      completePercent: 100,
      summary: { Critical: 1, High: 1, Medium: 1, Low: 0, Negligible: 1, Unknown: 1, total: 5, fixable: 2 },
    });
    expect(o.get(fx.b.id)).toMatchObject({ status: "succeeded", summary: { total: 0 } });
    expect(o.get(fx.c.id)).toMatchObject({ status: "failed", summary: null });
    expect(o.get(fx.d.id)).toMatchObject({ status: "queued", summary: null, completePercent: 0 });
    expect(o.has(fx.e.id)).toBe(false);
    expect(o.has(fx.g.id)).toBe(false);
  });

  it("summarises an index from its child images", async () => {
    const o = await artifactScanOverviews({ actor: guest, project, artifacts: [{ ...fx.index, mediaType: OCI_IMAGE_INDEX }] });
    expect(o.get(fx.index.id)).toMatchObject({ status: "succeeded", reportId: null, completePercent: 100, children: { total: 2, withReport: 2 }, summary: { Critical: 2, total: 6 } });
  });

  it("is refused to someone who cannot read the project (404, the project's existence not told)", async () => {
    await expect(artifactScanOverviews({ actor: outsider, project, artifacts: [] })).rejects.toMatchObject({ status: 404 });
  });
});

describe("REST scan_overview", () => {
  const params = { project_name_or_id: "", repository_name: "app" };
  it("answers Harbor's NativeReportSummary per MIME type with with_scan_overview=true, and {} without", async () => {
    const auth = basic(guest.username);
    const p = { ...params, project_name_or_id: project.name };
    const listed = await call(artifactsRoute.GET, apiRequest(`/projects/${project.name}/repositories/app/artifacts?with_scan_overview=true&page_size=100`, { auth }), p);
    expect(listed.status).toBe(200);
    const rows = (await listed.json()) as { digest: string; scan_overview: Record<string, Record<string, unknown>> }[];
    const a = rows.find((r) => r.digest === fx.a.digest)!;
    expect(a.scan_overview[VULN_REPORT_MIME]).toMatchObject({
      scan_status: "Success",
      severity: "Critical",
      complete_percent: 100,
      summary: { total: 5, fixable: 2, summary: { Critical: 1, High: 1, Medium: 1, Negligible: 1, Unknown: 1 } },
      scanner: { name: expect.any(String) },
    });
    expect(a.scan_overview[VULN_REPORT_MIME]!.report_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(rows.find((r) => r.digest === fx.c.digest)!.scan_overview[VULN_REPORT_MIME]).toMatchObject({ scan_status: "Error" });
    expect(rows.find((r) => r.digest === fx.d.digest)!.scan_overview[VULN_REPORT_MIME]).toMatchObject({ scan_status: "Pending" });
    expect(rows.find((r) => r.digest === fx.e.digest)!.scan_overview).toEqual({});
    expect(rows.find((r) => r.digest === fx.index.digest)!.scan_overview[VULN_REPORT_MIME]).toMatchObject({ scan_status: "Success", summary: { total: 6 } });

    const plain = (await (await call(artifactsRoute.GET, apiRequest(`/projects/${project.name}/repositories/app/artifacts?page_size=100`, { auth }), p)).json()) as { scan_overview: object }[];
    expect(plain.every((r) => JSON.stringify(r.scan_overview) === "{}")).toBe(true);

    // GET of one artifact reads its manifest from the registry: security-scan.test.ts asks it with_scan_overview.
    const bad = await call(artifactsRoute.GET, apiRequest(`/projects/${project.name}/repositories/app/artifacts?with_scan_overview=maybe`, { auth }), p);
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toContain("with_scan_overview");
  });
});

describe("the artifact's vulnerabilities: filters and CSV", () => {
  it("filters by severity (Negligible with Low), by package or id text, and fixable only, before paging", async () => {
    const rows = vulnerabilityRows(reportOf([{ id: "A-1", severity: "Low", package: "zlib" }, { id: "A-2", severity: "Negligible", package: "libc", fix_version: "2" }, { id: "B-1", severity: "High", package: "ZLIB-ng" }]));
    expect(filterRows(rows, { severity: "Low" }).map((r) => r.id)).toEqual(["A-1", "A-2"]);
    expect(filterRows(rows, { q: "zlib" }).map((r) => r.id)).toEqual(["A-1", "B-1"]);
    expect(filterRows(rows, { q: "b-1" }).map((r) => r.id)).toEqual(["B-1"]);
    expect(filterRows(rows, { fixable: true }).map((r) => r.id)).toEqual(["A-2"]);
    expect(filterRows(rows, {}).length).toBe(3);

    const data = await artifactVulnerabilities({ actor: guest, repository: fx.repository, digest: fx.a.digest, query: { vulnQ: "zlib", vulnFixable: "1" } });
    expect(data.rows.map((r) => r.id)).toEqual([cve(3)]);
    expect(data.total).toBe(1);
    expect(data.summary?.Critical).toBe(1); // the summary is the whole report's
    const bySeverity = await artifactVulnerabilities({ actor: guest, repository: fx.repository, digest: fx.a.digest, query: { vulnSeverity: "Critical" } });
    expect(bySeverity.rows.map((r) => r.id)).toEqual([cve(1)]);
    // A filter value that is not one is ignored (the console's links), not an error.
    expect((await artifactVulnerabilities({ actor: guest, repository: fx.repository, digest: fx.a.digest, query: { vulnSeverity: "Bogus" } })).total).toBe(5);
  });

  const csv = (query: Record<string, string>, projectId = project.id) =>
    downloadCsv(new Request(`http://localhost/projects/${projectId}/repositories/-/vulnerabilities?${new URLSearchParams(query).toString()}`), { params: Promise.resolve({ projectId: String(projectId) }) });

  it("exports the filtered list as an attachment, each cell escaped and formulas neutralised", async () => {
    state.actor = guest;
    const res = await csv({ repository: fx.repository, digest: fx.a.digest, vulnSort: "-severity" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="[A-Za-z0-9._-]+_vulnerabilities\.csv"$/);
    const lines = (await res.text()).split("\r\n");
    expect(lines[0]).toBe("vulnerability,severity,cvss_score,cvss_vector,package,installed_version,fixed_version,link");
    expect(lines).toHaveLength(7); // header, 5 rows, the final line break
    expect(lines[1]).toBe(`${cve(1)},Critical,9.8,CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H,openssl,3.0.1,3.0.2,https://osv.dev/${cve(1)}`);
    // The package a hostile image names: a leading apostrophe, and quoted for its quote character.
    expect(lines[2]).toBe(`${cve(2)},High,7.5,CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H,'=cmd|' /C calc'!A0,3.0.1,,https://osv.dev/${cve(2)}`);

    const filtered = (await (await csv({ repository: fx.repository, digest: fx.a.digest, vulnQ: "zlib" })).text()).trim().split("\r\n");
    expect(filtered.slice(1).map((l) => l.split(",")[0])).toEqual([cve(3), cve(4)]);
  });

  it("refuses an outsider (404 as for no project), a bad digest (400), another project's URL and an artifact never scanned (404)", async () => {
    state.actor = outsider;
    expect((await csv({ repository: fx.repository, digest: fx.a.digest })).status).toBe(404);
    state.actor = guest;
    expect((await csv({ repository: fx.repository, digest: "sha256:nope" })).status).toBe(400);
    expect((await csv({ repository: fx.repository, digest: fx.a.digest }, other.id)).status).toBe(404);
    expect((await csv({ repository: fx.repository, digest: fx.e.digest })).status).toBe(404);
    state.actor = anonymousActor();
    expect((await csv({ repository: fx.repository, digest: fx.a.digest })).status).toBe(401);
  });
});

describe("projectSecuritySummary", () => {
  it("totals each image's newest succeeded report of the project once, with scanned counts, most vulnerable artifacts and most common CVEs", async () => {
    const s = await projectSecuritySummary({ actor: guest, project });
    // Images: a b c d e f g (the index is not one); scanned here: a, b, f (g only in the other project).
    expect(s.totalArtifacts).toBe(7);
    expect(s.scannedArtifacts).toBe(3);
    expect(s.counts).toEqual({ Critical: 2, High: 1, Medium: 1, Low: 0, Negligible: 1, Unknown: 1, total: 6, fixable: 3 });
    expect(s.mostVulnerable.map((a) => a.digest)).toEqual([fx.a.digest, fx.f.digest]);
    expect(s.mostVulnerable[0]).toMatchObject({ projectId: project.id, repository: fx.repository, counts: { Critical: 1, total: 5 } });
    expect(s.commonCves[0]).toMatchObject({ id: cve(1), artifacts: 2, severity: "Critical", cvssScoreV3: 9.8 });
    expect(s.commonCves.map((c) => c.id)).not.toContain(cve(9)); // the other scanner's older report
    expect(s.commonCves.map((c) => c.id)).not.toContain(cve(7)); // scanned in the other project
  });

  it("is refused to an outsider (404) with one refusal row", async () => {
    const outsider = actorFor(await createTestUser());
    const before = await db.auditEvent.count({ where: { actorId: outsider.id, result: "failure" } });
    await expect(projectSecuritySummary({ actor: outsider, project })).rejects.toMatchObject({ status: 404 });
    expect(await db.auditEvent.count({ where: { actorId: outsider.id, result: "failure" } })).toBe(before + 1);
  });
});

describe("the system's security summary and CVE search", () => {
  it("answers administrators and auditors, refuses others (403 with a refusal row)", async () => {
    for (const actor of [admin, auditor]) {
      const s = await systemSecuritySummary({ actor });
      expect(s.totalArtifacts).toBeGreaterThanOrEqual(7);
      expect(s.scannedArtifacts).toBeGreaterThanOrEqual(4);
      expect(s.counts.Critical).toBeGreaterThanOrEqual(2);
      expect(s.mostVulnerable.length).toBeLessThanOrEqual(5);
    }
    await expect(systemSecuritySummary({ actor: guest })).rejects.toMatchObject({ status: 403 });
    await expect(searchVulnerabilities({ actor: guest, query: { cveId: cve(1) } })).rejects.toMatchObject({ status: 403 });
  });

  it("finds one CVE or package across every artifact row, filtered and paged in SQL", async () => {
    const byCve = await searchVulnerabilities({ actor: auditor, query: { cveId: cve(1) } });
    expect(byCve.total).toBe(2);
    expect(byCve.rows.map((r) => r.digest).sort()).toEqual([fx.a.digest, fx.f.digest].sort());
    expect(byCve.rows.find((r) => r.digest === fx.a.digest)).toMatchObject({ projectId: project.id, repository: fx.repository, tags: expect.arrayContaining(["1.0", "latest"]), severity: "Critical", cvssScoreV3: 9.8, fixVersion: "3.0.2" });

    // g: the same digest in two projects, one artifact row each, with the digest's newest report.
    const g = await searchVulnerabilities({ actor: admin, query: { cveId: cve(7) } });
    expect(g.rows.map((r) => r.projectId).sort()).toEqual([project.id, other.id].sort());
    expect((await searchVulnerabilities({ actor: admin, query: { cveId: cve(7), projectId: other.id } })).total).toBe(1);

    expect((await searchVulnerabilities({ actor: admin, query: { package: "zlib", digest: fx.a.digest } })).rows.map((r) => r.id)).toEqual([cve(3), cve(4)]);
    expect((await searchVulnerabilities({ actor: admin, query: { digest: fx.a.digest, severity: "high" } })).rows.map((r) => r.id)).toEqual([cve(2)]);
    expect((await searchVulnerabilities({ actor: admin, query: { digest: fx.a.digest, cvssMin: 5, cvssMax: 8 } })).rows.map((r) => r.id)).toEqual([cve(2), cve(3)]);
    expect((await searchVulnerabilities({ actor: admin, query: { cveId: cve(1), tag: "latest" } })).rows.map((r) => r.digest)).toEqual([fx.a.digest]);
    expect((await searchVulnerabilities({ actor: admin, query: { cveId: cve(1), repositoryName: `${other.name}/app` } })).total).toBe(0);

    const page1 = await searchVulnerabilities({ actor: admin, query: { digest: fx.a.digest, page: 1, pageSize: 2 } });
    const page3 = await searchVulnerabilities({ actor: admin, query: { digest: fx.a.digest, page: 3, pageSize: 2 } });
    expect(page1).toMatchObject({ total: 5, page: 1, pageSize: 2 });
    expect(page1.rows.map((r) => r.id)).toEqual([cve(1), cve(2)]);
    expect(page3.rows.map((r) => r.id)).toEqual([cve(5)]);
  });

  it("pages through the shared paging fields: its default size, a bad value a field error (400), any valid page an answer", async () => {
    expect(await searchVulnerabilities({ actor: admin, query: { digest: fx.a.digest } })).toMatchObject({ total: 5, page: 1, pageSize: VULNERABILITY_SEARCH_PAGE_SIZE });
    await expect(searchVulnerabilities({ actor: admin, query: { digest: fx.a.digest, page: 0 } })).rejects.toMatchObject({ status: 400, fieldErrors: { page: [PAGE_MESSAGE] } });
    await expect(searchVulnerabilities({ actor: admin, query: { page: "1.5", pageSize: 101 } })).rejects.toMatchObject({
      status: 400,
      message: `page: ${PAGE_MESSAGE}; pageSize: ${PAGE_SIZE_MESSAGE}`,
      fieldErrors: { page: [PAGE_MESSAGE], pageSize: [PAGE_SIZE_MESSAGE] },
    });
    // Past the last page, as far as the schema goes: an empty page with the total, not a 500.
    const far = await searchVulnerabilities({ actor: admin, query: { digest: fx.a.digest, page: Number.MAX_SAFE_INTEGER, pageSize: MAX_PAGE_SIZE } });
    expect(far).toMatchObject({ rows: [], total: 5, page: Number.MAX_SAFE_INTEGER, pageSize: MAX_PAGE_SIZE });
  });

  it("refuses bad filters with each field named (400)", async () => {
    await expect(searchVulnerabilities({ actor: admin, query: { severity: "Bogus" } })).rejects.toMatchObject({ status: 400, fieldErrors: { severity: [expect.stringContaining("Critical")] } });
    await expect(searchVulnerabilities({ actor: admin, query: { cvssMin: 11 } })).rejects.toMatchObject({ status: 400, fieldErrors: { cvssMin: expect.any(Array) } });
    await expect(searchVulnerabilities({ actor: admin, query: { cvssMin: 8, cvssMax: 2 } })).rejects.toMatchObject({ status: 400 });
    await expect(searchVulnerabilities({ actor: admin, query: { projectId: "x" as unknown as number } })).rejects.toMatchObject({ status: 400, fieldErrors: { projectId: expect.any(Array) } });
  });
});

describe("REST /security/summary and /security/vul", () => {
  const get = (route: typeof summaryRoute.GET, url: string, auth?: string) => call(route, apiRequest(url, auth ? { auth } : {}), {});

  it("answers Harbor's SecuritySummary, with the dangerous CVEs and artifacts on request", async () => {
    const plain = await get(summaryRoute.GET, "/security/summary", basic(auditor.username));
    expect(plain.status).toBe(200);
    const body = (await plain.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ critical_cnt: expect.any(Number), total_artifact: expect.any(Number), scanned_cnt: expect.any(Number), fixable_cnt: expect.any(Number), none_cnt: expect.any(Number) });
    expect(body).not.toHaveProperty("dangerous_cves");
    const full = (await (await get(summaryRoute.GET, "/security/summary?with_dangerous_cve=true&with_dangerous_artifact=true", basic(admin.username))).json()) as {
      dangerous_cves: { cve_id: string }[];
      dangerous_artifacts: { digest: string }[];
    };
    expect(full.dangerous_cves.length).toBeGreaterThan(0);
    expect(full.dangerous_cves.length).toBeLessThanOrEqual(5);
    expect(full.dangerous_artifacts.length).toBeLessThanOrEqual(5);
  });

  it("lists one CVE across artifacts with Harbor's q, paged with X-Total-Count and Link", async () => {
    const res = await get(vulRoute.GET, `/security/vul?q=${encodeURIComponent(`cve_id=${cve(1)}`)}&page_size=1&with_tag=true`, basic(auditor.username));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-total-count")).toBe("2");
    expect(res.headers.get("link")).toContain('rel="next"');
    const [item] = (await res.json()) as Record<string, unknown>[];
    expect(item).toMatchObject({ cve_id: cve(1), severity: "Critical", cvss_v3_score: 9.8, package: "openssl", fixed_version: "3.0.2" });
    const ranged = await get(vulRoute.GET, `/security/vul?q=${encodeURIComponent(`digest=${fx.a.digest},cvss_score_v3=[7~]`)}`, basic(admin.username));
    expect(((await ranged.json()) as { cve_id: string }[]).map((v) => v.cve_id)).toEqual([cve(1), cve(2)]);
  });

  it.each([
    ["an unknown key", "q=status%3Dfixed", "status"],
    ["a bad severity", "q=severity%3DBogus", "severity"],
    ["a bad range", "q=cvss_score_v3%3D7", "cvss_score_v3"],
    ["an out-of-range score", "q=cvss_score_v3%3D%5B0~42%5D", "cvss_score_v3"],
    ["a bad project id", "q=project_id%3Dabc", "project_id"],
    ["a page size over 100", "page_size=500", "page_size"],
  ])("answers 400 naming the field for %s", async (_label, query, field) => {
    const res = await get(vulRoute.GET, `/security/vul?${query}`, basic(admin.username));
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain(field);
  });

  it("pages as every REST list does: a bad page or page_size is Harbor's 400 naming it, a page past the last is empty", async () => {
    for (const [paging, message] of [
      ["page=0", `page: ${PAGE_MESSAGE}`],
      ["page=1e1&page_size=0", `page: ${PAGE_MESSAGE}; page_size: ${PAGE_SIZE_MESSAGE}`],
    ]) {
      const res = await get(vulRoute.GET, `/security/vul?${paging}`, basic(admin.username));
      expect(res.status, paging).toBe(400);
      expect(await errorOf(res), paging).toEqual({ code: "BAD_REQUEST", message });
    }
    const q = `q=${encodeURIComponent(`digest=${fx.a.digest}`)}`;
    const far = await get(vulRoute.GET, `/security/vul?${q}&page=${Number.MAX_SAFE_INTEGER}&page_size=100`, basic(admin.username));
    expect(far.status).toBe(200);
    expect(await far.json()).toEqual([]);
    expect(far.headers.get("x-total-count")).toBe("5");
    // Harbor's default page_size (10) holds all five; page 2 of 2 links back to page 1.
    expect(((await (await get(vulRoute.GET, `/security/vul?${q}`, basic(admin.username))).json()) as unknown[]).length).toBe(5);
    const second = await get(vulRoute.GET, `/security/vul?${q}&page=2&page_size=3`, basic(admin.username));
    expect(((await second.json()) as { cve_id: string }[]).map((v) => v.cve_id)).toEqual([cve(4), cve(5)]);
    expect(second.headers.get("link")).toContain("page=1&page_size=3");
  });

  it("refuses anonymous callers (401) and project members (403)", async () => {
    expect((await get(summaryRoute.GET, "/security/summary")).status).toBe(401);
    expect((await get(vulRoute.GET, "/security/vul")).status).toBe(401);
    expect((await get(summaryRoute.GET, "/security/summary", basic(guest.username))).status).toBe(403);
    expect((await get(vulRoute.GET, "/security/vul", basic(guest.username))).status).toBe(403);
  });
});

describe("the Security hub page", () => {
  /** The page rendered as the server renders it; its client parts read their texts from next-intl's provider. */
  async function render(searchParams: Record<string, string>) {
    state.actor = admin;
    const page = await SecurityHubPage({ searchParams: Promise.resolve(searchParams) });
    // eslint-disable-next-line react/no-children-prop -- the provider's props type requires children (a .ts file, no JSX)
    const html = renderToStaticMarkup(createElement(NextIntlClientProvider, { locale: "en", messages, timeZone: "UTC", children: page as ReactNode }));
    const hits = html.match(/data-testid="search-hit"/g)?.length ?? 0;
    const links = [...html.matchAll(/<a [^>]*>/g)].flatMap(([a]) => {
      const rel = /\brel="(prev|next)"/.exec(a)?.[1];
      const href = /\bhref="([^"]*)"/.exec(a)?.[1];
      return rel && href ? [[rel, href.replaceAll("&amp;", "&")]] : [];
    });
    return { hits, links: Object.fromEntries(links) as Record<string, string> };
  }
  const search = { kind: "cve", q: cve(1) };

  it("reads page and pageSize with the console's paging schema, paged by the service", async () => {
    const first = await render({ ...search, pageSize: "1" });
    expect(first.hits).toBe(1);
    expect(first.links.next).toMatch(/^\/admin\/security\?.*page=2/);
    const second = await render({ ...search, page: "2", pageSize: "1" });
    expect(second.hits).toBe(1);
    expect(second.links).toEqual({ prev: expect.stringMatching(/page=1$/) });
    // The console's 25 rows per page: both findings on page 1.
    expect(await render(search)).toEqual({ hits: 2, links: {} });
  });

  it.each(["0", "-1", "1.5", "0x10", "abc", "99999999999999999999"])("falls back to the defaults for page and pageSize %s, never an error", async (bad) => {
    expect(await render({ ...search, page: bad, pageSize: bad })).toEqual({ hits: 2, links: {} });
  });
});
