import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Ports picked before anything reads the environment: the backing registry's, and Wharf's front
// (the external URL scanners pull from, and the built-in adapter's URL).
const { REGISTRY_PORT, FRONT_PORT } = await vi.hoisted(async () => {
  const { findFreePort } = await import("@/lib/registry/local-registry");
  const registryPort = await findFreePort();
  let frontPort = await findFreePort();
  while (frontPort === registryPort) frontPort = await findFreePort();
  process.env.WHARF_REGISTRY_URL = `http://127.0.0.1:${registryPort}`;
  process.env.WHARF_EXTERNAL_URL = `http://127.0.0.1:${frontPort}`;
  return { REGISTRY_PORT: registryPort, FRONT_PORT: frontPort };
});

import * as artifactRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/route";
import * as metadataRoute from "@/app/scanner/api/v1/metadata/route";
import * as reportRoute from "@/app/scanner/api/v1/scan/[scan_request_id]/report/route";
import * as scanRoute from "@/app/scanner/api/v1/scan/route";
import { apiRequest, basic, call } from "@/lib/api/test-kit";
import { ensureQueues, getBoss, stopSharedBoss } from "@/lib/jobs/boss";
import { artifactScanJob, scanAdapterJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { startJobWorker, type JobWorker } from "@/lib/jobs/worker";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { startFront, type WharfServer } from "@/lib/runtime/server";
import { VULN_REPORT_MIME } from "@/lib/scan/adapter/mime";
import { fixturePath } from "@/lib/scan/fixtures";
import { osvFolderEntries } from "@/lib/scan/osv/sources";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { queueArtifactScan } from "@/lib/services/scan/artifact-scans";
import { builtinAdapterKey } from "@/lib/services/scan/builtin-adapter-key";
import { vulnerabilityRows } from "@/lib/services/scan/manual-scan";
import { createScanner } from "@/lib/services/scan/scanners";
import { artifactScanOverviews, projectSecuritySummary, searchVulnerabilities } from "@/lib/services/scan/security";
import { createVulnDbImport, finishVulnDbImport, importOsvEntries } from "@/lib/services/scan/vuln-db";
import { actorFor, createTestUser, db, TEST_PASSWORD, uniqueName } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { skopeoCopy, writeOciImageLayout } from "@/lib/testing/oci-layout";

/*
 * The security views after a real scan: the scanner fixture's Python image pushed with skopeo
 * through Wharf's gateway, scanned by the built-in adapter over HTTP (registered as any adapter),
 * the report stored by the scan.artifact run, which writes its findings' rows in the same
 * transaction. What the summaries, the overview and the search say must be what the report says.
 */

const EXTERNAL = `http://127.0.0.1:${FRONT_PORT}`;
const HOST = `127.0.0.1:${FRONT_PORT}`;
const harness = gatewayHarness({ registryPort: REGISTRY_PORT, external: EXTERNAL, name: "security-scan" });

/** Node request -> the adapter's route handlers (what Next does for app/scanner/api/v1/…). */
async function serveAdapterRoutes(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", EXTERNAL);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
  const method = req.method ?? "GET";
  const request = new Request(url, { method, headers, body: method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks) });
  const report = /^\/scanner\/api\/v1\/scan\/([^/]+)\/report$/.exec(url.pathname);
  let response: Response;
  if (url.pathname === "/scanner/api/v1/metadata" && method === "GET") response = await metadataRoute.GET(request);
  else if (url.pathname === "/scanner/api/v1/scan" && method === "POST") response = await scanRoute.POST(request);
  else if (report && method === "GET") response = await reportRoute.GET(request, { params: Promise.resolve({ scan_request_id: decodeURIComponent(report[1]!) }) });
  else response = new Response("no such route", { status: 404 });
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => (out[name] = value));
  res.writeHead(response.status, out);
  res.end(Buffer.from(await response.arrayBuffer()));
}

let front: WharfServer;
let worker: JobWorker;
let scannerId: number;

beforeAll(async () => {
  front = await startFront({ hostname: "127.0.0.1", port: FRONT_PORT, handleNext: serveAdapterRoutes });
  worker = await startJobWorker({ log: () => undefined, reconcileCron: "off", jobs: [scanAdapterJob], pollingIntervalSeconds: 0.5, sweepMs: 24 * 3600 * 1000 });
  await ensureQueues(await getBoss(), [artifactScanJob, scanAdapterJob]);
  const admin = await createTestUser({ isAdmin: true });
  const importId = await createVulnDbImport("lib/scan/fixtures/osv");
  await finishVulnDbImport(importId, { counts: await importOsvEntries(importId, osvFolderEntries(fixturePath("osv"))) });
  scannerId = (await createScanner({ actor: actorFor(admin), input: { name: uniqueName("security-scan"), url: `${EXTERNAL}/scanner`, auth: "Bearer", accessCredential: builtinAdapterKey() } })).id;
}, 60_000);

afterAll(async () => {
  await db.scanner.deleteMany({ where: { id: scannerId } });
  await worker?.stop();
  await stopSharedBoss();
  await front?.close();
});

describe("after a real scan", () => {
  it("the findings' rows, the overview, the project summary and the search all say what the stored report says", async () => {
    const project = await createProject();
    await db.projectScanner.create({ data: { projectId: project.id, scannerId } });
    const maintainer = await createMember(project.id, 4);
    const repository = `${project.name}/python`;
    const read = (p: string) => readFile(fixturePath("package-dbs", p), "utf8");
    // The fixture whose expected.json lists 12 findings (Debian 12's lists none against this data).
    const image = await writeOciImageLayout(path.join(harness.tmp, uniqueName("python")), { tag: "1.0", files: { "app/requirements.txt": await read("pypi-python-fixture/requirements.txt") } });
    await skopeoCopy(image.ref, `docker://${HOST}/${repository}:1.0`, { destCreds: `${maintainer.username}:${TEST_PASSWORD}`, format: "oci" });
    const digest = image.manifestDigest;

    const { reportId, runId } = await db.$transaction((tx) => queueArtifactScan(tx, { repository, digest, scannerId, artifactMimeType: OCI_IMAGE_MANIFEST }, "test"));
    await runQueuedRun(artifactScanJob, runId);
    const stored = await db.scanReport.findUniqueOrThrow({ where: { id: reportId } });
    expect(stored.status).toBe("succeeded");
    const findings = vulnerabilityRows(stored.report);
    expect(findings.length).toBeGreaterThan(0);

    // The rows were written with the report.
    const rows = await db.scanReportVulnerability.findMany({ where: { reportId }, select: { vulnId: true, package: true } });
    expect(rows.map((r) => `${r.vulnId} ${r.package}`).sort()).toEqual(findings.map((f) => `${f.id} ${f.package}`).sort());

    const counts = { Critical: 0, High: 0, Medium: 0, Low: 0, Negligible: 0, Unknown: 0 };
    for (const f of findings) counts[f.severity] += 1;
    const guest = actorFor(await createMember(project.id, 3));
    const artifact = await db.artifact.findFirstOrThrow({ where: { digest, repository: { name: repository } }, select: { id: true, digest: true, mediaType: true } });
    const overview = (await artifactScanOverviews({ actor: guest, project, artifacts: [artifact] })).get(artifact.id);
    expect(overview).toMatchObject({ status: "succeeded", summary: { ...counts, total: findings.length } });

    const summary = await projectSecuritySummary({ actor: guest, project });
    expect(summary).toMatchObject({ totalArtifacts: 1, scannedArtifacts: 1, counts: { ...counts, total: findings.length } });

    const first = findings[0]!;
    const auditor = actorFor(await createTestUser({ isAuditor: true }));
    const hits = await searchVulnerabilities({ actor: auditor, query: { cveId: first.id, projectId: project.id } });
    expect(hits.rows.map((h) => [h.repository, h.digest, h.tags])).toContainEqual([repository, digest, ["1.0"]]);

    // GET of the artifact by tag with its overview (this test has the registry the read needs).
    const res = await call(
      artifactRoute.GET,
      apiRequest(`/projects/${project.name}/repositories/python/artifacts/1.0?with_scan_overview=true`, { auth: basic(guest.username) }),
      { project_name_or_id: project.name, repository_name: "python", reference: "1.0" },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { scan_overview: Record<string, { scan_status: string; report_id: string; summary: { total: number } }> };
    expect(body.scan_overview[VULN_REPORT_MIME]).toMatchObject({ scan_status: "Success", report_id: stored.uuid, summary: { total: findings.length } });
  }, 120_000);
});
