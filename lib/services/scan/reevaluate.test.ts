import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Ports picked before anything reads the environment (the backing registry's, and Wharf's front,
// whose address is the external URL the built-in adapter is registered at and pulls from).
const { REGISTRY_PORT, FRONT_PORT } = await vi.hoisted(async () => {
  const { findFreePort } = await import("@/lib/registry/local-registry");
  const registryPort = await findFreePort();
  let frontPort = await findFreePort();
  while (frontPort === registryPort) frontPort = await findFreePort();
  process.env.WHARF_REGISTRY_URL = `http://127.0.0.1:${registryPort}`;
  process.env.WHARF_EXTERNAL_URL = `http://127.0.0.1:${frontPort}`;
  return { REGISTRY_PORT: registryPort, FRONT_PORT: frontPort };
});

import type { IncomingMessage, ServerResponse } from "node:http";
import * as metadataRoute from "@/app/scanner/api/v1/metadata/route";
import * as reportRoute from "@/app/scanner/api/v1/scan/[scan_request_id]/report/route";
import * as scanRoute from "@/app/scanner/api/v1/scan/route";
import { ensureQueues, getBoss, stopSharedBoss } from "@/lib/jobs/boss";
import { artifactScanJob, scanAdapterJob, vulnDbImportJob, vulnReevaluateJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { startJobWorker, type JobWorker } from "@/lib/jobs/worker";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { startFront, type WharfServer } from "@/lib/runtime/server";
import { fixturePath } from "@/lib/scan/fixtures";
import { VULN_REPORT_MIME } from "@/lib/scan/adapter/mime";
import { osvFolderEntries } from "@/lib/scan/osv/sources";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { queueArtifactScan } from "@/lib/services/scan/artifact-scans";
import { queueVulnDbImport } from "@/lib/services/scan/queue-vuln-import";
import { digestsToReevaluate, reevaluateArtifacts } from "@/lib/services/scan/reevaluate";
import { ensureBuiltinScanner } from "@/lib/services/scan/scanners";
import { createVulnDbImport, finishVulnDbImport, importOsvEntries } from "@/lib/services/scan/vuln-db";
import { db, TEST_PASSWORD, uniqueName } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { skopeoCopy, writeOciImageLayout } from "@/lib/testing/oci-layout";
import { flushReadAuditEvents } from "@/lib/services/audit/record-audit-event";

/*
 * Re-evaluation after a vulnerability DB import, end to end over real HTTP: a Distribution registry,
 * Wharf's front (gateway, token service, the built-in adapter's routes), the built-in scanner as
 * Wharf registers it (builtin, default), the fixture images pushed with skopeo and scanned through
 * the adapter. Then an import changes advisories (real fixture records: one withdrawn, one only
 * re-dated), the registry's blobs are deleted so that no layer can be pulled any more, and the
 * re-evaluation job queued by the import's end rewrites exactly the report whose findings changed.
 */

const EXTERNAL = `http://127.0.0.1:${FRONT_PORT}`;
const HOST = `127.0.0.1:${FRONT_PORT}`;
const harness = gatewayHarness({ registryPort: REGISTRY_PORT, external: EXTERNAL, name: "reevaluate" });

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

const read = (p: string) => readFile(fixturePath("package-dbs", p), "utf8");
const IMAGES: Record<string, () => Promise<Record<string, string>>> = {
  "debian-12": async () => ({ "etc/os-release": await read("debian-12/etc/os-release"), "var/lib/dpkg/status": await read("debian-12/var/lib/dpkg/status") }),
  "alpine-3.18": async () => ({ "etc/alpine-release": await read("alpine-3.18/etc/alpine-release"), "lib/apk/db/installed": await read("alpine-3.18/lib/apk/db/installed") }),
  "pypi-python-fixture": async () => ({ "app/requirements.txt": await read("pypi-python-fixture/requirements.txt") }),
};

/** The fixture records this file changes (restored at the end, so later files see the fixtures as they are). */
const ALPINE_RECORD = "osv/Alpine/ALPINE-CVE-2025-26519.json";
const URLLIB3_RECORD = "osv/PyPI/GHSA-34jh-p97f-mpxf.json";

let front: WharfServer;
let worker: JobWorker;
let builtinId: number;
const images: Record<string, { repository: string; digest: string; reportId: number }> = {};

async function pushAndScan(name: string) {
  const project = await createProject();
  const maintainer = await createMember(project.id, 4);
  const repository = `${project.name}/${name.replace(/[^a-z0-9]+/g, "-")}`;
  const image = await writeOciImageLayout(path.join(harness.tmp, `${name}-${uniqueName("img")}`), { tag: "1.0", files: await IMAGES[name]!() });
  await skopeoCopy(image.ref, `docker://${HOST}/${repository}:1.0`, { destCreds: `${maintainer.username}:${TEST_PASSWORD}`, format: "oci" });
  const { reportId, runId } = await db.$transaction((tx) => queueArtifactScan(tx, { repository, digest: image.manifestDigest, scannerId: builtinId, artifactMimeType: OCI_IMAGE_MANIFEST }, "test"));
  await runQueuedRun(artifactScanJob, runId);
  return { repository, digest: image.manifestDigest, reportId };
}

const reportOf = (name: string) => db.scanReport.findUniqueOrThrow({ where: { id: images[name]!.reportId } });
const ids = (report: unknown) => ((report as { vulnerabilities: { id: string }[] }).vulnerabilities ?? []).map((v) => v.id).sort();
// A pull's row is queued after the answer: written first, so a pull cannot hide in the queue.
const pulls = async () => {
  await flushReadAuditEvents();
  return db.auditEvent.count({ where: { action: "artifact.pull", actorName: { startsWith: "system:scanner:" } } });
};

async function importFolder(dir: string) {
  const id = await createVulnDbImport(dir);
  await finishVulnDbImport(id, { counts: await importOsvEntries(id, osvFolderEntries(dir)) });
}

beforeAll(async () => {
  front = await startFront({ hostname: "127.0.0.1", port: FRONT_PORT, handleNext: serveAdapterRoutes });
  // The built-in adapter's own runs, as Wharf's worker runs them; the client's are run by the tests.
  worker = await startJobWorker({ log: () => undefined, reconcileCron: "off", jobs: [scanAdapterJob], pollingIntervalSeconds: 0.5, sweepMs: 24 * 3600 * 1000 });
  await ensureQueues(await getBoss(), [artifactScanJob, scanAdapterJob, vulnDbImportJob, vulnReevaluateJob]);
  await ensureBuiltinScanner();
  builtinId = (await db.scanner.findFirstOrThrow({ where: { builtin: true }, select: { id: true } })).id;
  await importFolder(fixturePath("osv"));
  for (const name of Object.keys(IMAGES)) images[name] = await pushAndScan(name);
}, 180_000);

afterAll(async () => {
  // The fixture records as they are, for the files after this one; the built-in registration
  // (and with it its reports) is removed, as files that count registrations expect.
  await importFolder(fixturePath("osv")).catch(() => undefined);
  await db.scanner.deleteMany({ where: { builtin: true } });
  await worker?.stop();
  await stopSharedBoss();
  await front?.close();
});

describe("re-evaluation after a vulnerability DB import", () => {
  it("rewrites exactly the built-in reports whose findings changed, from the stored inventories, with no layer pulled", async () => {
    // As scanned: alpine has musl's ALPINE-CVE-2025-26519, the Python image urllib3's advisory, Debian nothing.
    expect(ids((await reportOf("alpine-3.18")).report)).toEqual(["ALPINE-CVE-2025-26519"]);
    expect(ids((await reportOf("pypi-python-fixture")).report)).toContain("GHSA-34jh-p97f-mpxf");
    // A re-evaluation covers every stored inventory and built-in report: those earlier files on the
    // one database left (the same fixture packages) would be touched too. Only this file's remain.
    const own = Object.values(images).map((i) => i.digest);
    await db.scanInventory.deleteMany({ where: { artifactDigest: { notIn: own } } });
    await db.scanReport.deleteMany({ where: { scanner: { builtin: true }, artifactDigest: { notIn: own } } });
    const before = { alpine: await reportOf("alpine-3.18"), pypi: await reportOf("pypi-python-fixture"), debian: await reportOf("debian-12") };

    // The new data: musl's advisory withdrawn, urllib3's only re-dated (touched, findings the same).
    const dir = path.join(harness.tmp, "osv-update");
    await mkdir(dir, { recursive: true });
    const alpine = JSON.parse(await readFile(fixturePath(ALPINE_RECORD), "utf8")) as Record<string, unknown>;
    await writeFile(path.join(dir, "alpine.json"), JSON.stringify({ ...alpine, withdrawn: "2026-12-01T00:00:00Z", modified: "2026-12-01T00:00:00Z" }));
    const urllib3 = JSON.parse(await readFile(fixturePath(URLLIB3_RECORD), "utf8")) as Record<string, unknown>;
    await writeFile(path.join(dir, "urllib3.json"), JSON.stringify({ ...urllib3, modified: "2026-12-01T00:00:00Z" }));

    // The import job: its end queues the re-evaluation in the same transaction.
    const { importId, runId } = await db.$transaction((tx) => queueVulnDbImport(tx, { kind: "folder", path: dir, label: "update" }, "test"));
    await runQueuedRun(vulnDbImportJob, runId);
    expect(await db.vulnDbImport.findUniqueOrThrow({ where: { id: importId } })).toMatchObject({ status: "succeeded", recordsChanged: 2 });
    const reevaluation = await db.jobRun.findFirstOrThrow({ where: { jobName: vulnReevaluateJob.id, trigger: `import #${importId}` } });
    expect(reevaluation).toMatchObject({ status: "queued", payload: { importId } });
    expect(await digestsToReevaluate(importId)).toEqual([images["alpine-3.18"]!.digest, images["pypi-python-fixture"]!.digest].sort());

    // No layer can be read any more: a pull would fail.
    await rm(path.join(harness.tmp, "data", "docker", "registry", "v2", "blobs"), { recursive: true, force: true });
    const pullsBefore = await pulls();

    const result = await runQueuedRun(vulnReevaluateJob, reevaluation.id);
    expect(result).toMatchObject({ importId, artifacts: 2, reports: 2, changed: 1, unchanged: 1, withoutInventory: 0 });
    const run = await db.jobRun.findUniqueOrThrow({ where: { id: reevaluation.id } });
    expect(run).toMatchObject({ status: "succeeded", progressDone: 2, progressTotal: 2 });
    expect(run.log).toMatch(/1 changed, 1 unchanged; no layer pulled/);

    const after = { alpine: await reportOf("alpine-3.18"), pypi: await reportOf("pypi-python-fixture"), debian: await reportOf("debian-12") };
    expect(ids(after.alpine.report)).toEqual([]);
    expect(after.alpine).toMatchObject({ status: "succeeded", mimeType: VULN_REPORT_MIME });
    expect(after.alpine.log).toMatch(/Re-evaluated against the vulnerability DB without pulling: 1 -> 0 vulnerabilities/);
    expect(after.alpine.updatedAt.getTime()).toBeGreaterThan(before.alpine.updatedAt.getTime());
    // The findings' rows follow the report.
    expect(await db.scanReportVulnerability.count({ where: { reportId: after.alpine.id } })).toBe(0);
    // Touched but unchanged, and untouched: not written.
    expect(after.pypi.updatedAt.getTime()).toBe(before.pypi.updatedAt.getTime());
    expect(after.pypi.report).toEqual(before.pypi.report);
    expect(after.debian.updatedAt.getTime()).toBe(before.debian.updatedAt.getTime());
    expect(await pulls()).toBe(pullsBefore);

    // Evaluated again: nothing left to change.
    expect(await reevaluateArtifacts([images["alpine-3.18"]!.digest, images["pypi-python-fixture"]!.digest])).toMatchObject({ reports: 2, changed: 0, unchanged: 2 });
  }, 120_000);

  it("a scan through the built-in adapter of an image whose inventory is stored pulls no layer (its blobs are gone)", async () => {
    const { repository, digest } = images["pypi-python-fixture"]!;
    const pullsBefore = await pulls();
    const { runId } = await db.$transaction((tx) => queueArtifactScan(tx, { repository, digest, scannerId: builtinId, artifactMimeType: OCI_IMAGE_MANIFEST }, "test"));
    await runQueuedRun(artifactScanJob, runId);
    const report = await reportOf("pypi-python-fixture");
    expect(report.status).toBe("succeeded");
    expect(ids(report.report)).toContain("GHSA-34jh-p97f-mpxf");
    expect(await pulls()).toBe(pullsBefore);
  }, 60_000);

  it("a digest with no built-in report, or none at all, changes nothing", async () => {
    expect(await reevaluateArtifacts([])).toMatchObject({ artifacts: 0, reports: 0, changed: 0 });
    expect(await reevaluateArtifacts(["sha256:" + "0".repeat(64)])).toMatchObject({ artifacts: 1, reports: 0, changed: 0 });
  });
});
