import { vi } from "vitest";

// Import files go to a directory of this test's own (the service reads WHARF_DATA_DIR once).
const DATA_DIR = await vi.hoisted(async () => {
  const { mkdtemp } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = await mkdtemp(join(tmpdir(), "wharf-vuln-db-admin-"));
  process.env.WHARF_DATA_DIR = dir;
  return dir;
});

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { UserActor } from "@/lib/auth/actor";
import { vulnDbImportJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { findFreePort } from "@/lib/registry/local-registry";
import {
  getVulnDbImport,
  getVulnDbStatus,
  listVulnDbImports,
  startVulnDbUpload,
  startVulnDbUrlImport,
  VulnDbDownloadError,
} from "@/lib/services/scan/vuln-db-admin";
import { importFilesDirectory, sweepImportFiles } from "@/lib/services/scan/vuln-db-admin-files";
import { buildZip, fixtureOsvZip } from "@/lib/services/scan/vuln-db-admin-testing";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";

// Real Postgres, the real fixture OSV records zipped here, a real HTTP server for URL imports;
// each queued run is carried out in this process (runQueuedRun), as the worker would.

let admin: UserActor;
let auditor: UserActor;
let guest: UserActor;
let server: Server;
let baseUrl: string;
const served = new Map<string, { status: number; body: Buffer }>();

beforeAll(async () => {
  admin = actorFor(await createTestUser({ isAdmin: true }));
  auditor = actorFor(await createTestUser({ isAuditor: true }));
  guest = actorFor(await createTestUser());
  server = createServer((req, res) => {
    const answer = served.get(req.url ?? "");
    if (!answer) return res.writeHead(404).end("no such file");
    res.writeHead(answer.status, { "content-type": "application/zip", "content-length": String(answer.body.length) }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await rm(DATA_DIR, { recursive: true, force: true });
});

const bodyOf = (bytes: Buffer | string) => Readable.from([Buffer.from(bytes)]);

async function counts() {
  const [imports, runs, lastAudit] = await Promise.all([
    db.vulnDbImport.count(),
    db.jobRun.count({ where: { jobName: vulnDbImportJob.id } }),
    db.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } }),
  ]);
  return { imports, runs, since: lastAudit?.id ?? 0n };
}

const rowsSince = (since: bigint) => db.auditEvent.findMany({ where: { id: { gt: since } }, orderBy: { id: "asc" } });

describe("uploading an OSV zip", () => {
  it("queues an import (one audit row), the run imports every record, and the DB's version and counts follow", async () => {
    const { zip, count } = fixtureOsvZip("PyPI");
    const before = await counts();
    const { importId, runId } = await startVulnDbUpload({ actor: admin, body: bodyOf(zip), fileName: "C:\\osv\\PyPI-all.zip", mediaType: "application/zip", declaredBytes: zip.length });
    const rows = await rowsSince(before.since);
    expect(rows.map((r) => [r.action, r.result, r.resourceType, r.resourceId, r.resourceName])).toEqual([["vulnerability_db.import", "success", "vulnerability_db", String(importId), "PyPI-all.zip"]]);
    expect(rows[0]!.detail).toMatchObject({ source: "upload", file: "PyPI-all.zip", bytes: zip.length, runId });

    const queued = await getVulnDbImport({ actor: auditor, importId });
    expect(queued).toMatchObject({ status: "queued", source: "PyPI-all.zip", startedBy: admin.username, recordsRead: 0, runId });
    expect((await getVulnDbStatus({ actor: auditor })).activeImportId).toBe(importId);

    await runQueuedRun(vulnDbImportJob, runId);
    const done = await getVulnDbImport({ actor: auditor, importId });
    expect(done).toMatchObject({ status: "succeeded", recordsRead: count, recordsMalformed: 0, malformed: [] });
    expect(done.recordsAdded + done.recordsChanged + done.recordsUnchanged).toBe(count);
    expect(done.message).toMatch(new RegExp(`^${count} records: `));
    expect(done.log).toMatch(new RegExp(`Imported ${count} records`));

    const status = await getVulnDbStatus({ actor: auditor });
    expect(status.current).toMatchObject({ version: importId, importId, source: "PyPI-all.zip" });
    expect(status.activeImportId).toBeNull();
    expect(status.advisoryCount).toBe(await db.vulnAdvisory.count());
    const pypi = status.ecosystems.find((e) => e.ecosystem === "PyPI");
    expect(pypi?.advisories).toBe(count);
    expect(pypi!.packages).toBeGreaterThan(0);
    expect(status.packageCount).toBeGreaterThanOrEqual(pypi!.packages);

    const page = await listVulnDbImports({ actor: auditor, page: 1, pageSize: 5 });
    expect(page.rows[0]).toMatchObject({ id: importId, status: "succeeded", recordsRead: count });
    expect(page.total).toBe(before.imports + 1);

    // The zip waited on disk for the run; once its import succeeded, the next sweep removes it.
    const payload = (await db.jobRun.findUniqueOrThrow({ where: { id: runId } })).payload as { path: string };
    expect(path.dirname(payload.path)).toBe(importFilesDirectory());
    expect(existsSync(payload.path)).toBe(true);
    await sweepImportFiles();
    expect(existsSync(payload.path)).toBe(false);
  });

  it("names malformed records and still imports the others", async () => {
    const zip = buildZip([
      { name: "broken.json", data: "{ not json" },
      { name: "no-id.json", data: JSON.stringify({ summary: "no id" }) },
      { name: "README.md", data: "ignored" },
    ]);
    const { importId, runId } = await startVulnDbUpload({ actor: admin, body: bodyOf(zip), mediaType: "application/zip" });
    await runQueuedRun(vulnDbImportJob, runId);
    const done = await getVulnDbImport({ actor: admin, importId });
    expect(done).toMatchObject({ status: "succeeded", source: "upload.zip", recordsRead: 2, recordsMalformed: 2 });
    expect(done.malformed).toEqual([expect.stringMatching(/^broken\.json: not JSON/), expect.stringMatching(/^no-id\.json: /)]);
  });

  it.each([
    ["not a zip", Buffer.from("this is not a zip archive at all"), 400, /The upload is not a readable zip archive/],
    ["an empty body", Buffer.alloc(0), 400, /The upload is empty/],
    ["a zip without a record", buildZip([{ name: "README.md", data: "no records" }]), 400, /holds no OSV records/],
    ["a zip cut short", fixtureOsvZip("npm").zip.subarray(0, 300), 400, /not a readable zip archive/],
  ])("refuses %s: nothing queued, no file left, one failure row", async (name, bytes, status, message) => {
    const before = await counts();
    await sweepImportFiles();
    const files = await readdir(importFilesDirectory()).catch(() => []);
    // A file name per case: identical refusals within a minute may be one row with a count.
    const fileName = `${name.replace(/ /g, "-")}.zip`;
    const error = await startVulnDbUpload({ actor: admin, body: bodyOf(bytes), mediaType: "application/zip", fileName }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status, message: expect.stringMatching(message) });
    const after = await counts();
    expect([after.imports, after.runs]).toEqual([before.imports, before.runs]);
    expect(await readdir(importFilesDirectory())).toEqual(files);
    expect((await rowsSince(before.since)).map((r) => [r.action, r.result, r.actorName, r.reason])).toEqual([
      ["vulnerability_db.import", "failure", admin.username, expect.stringMatching(message)],
    ]);
  });

  it("refuses another media type (415) and a body over the limit (413, declared or not) before queueing anything", async () => {
    const { zip } = fixtureOsvZip("npm");
    const before = await counts();
    await expect(startVulnDbUpload({ actor: admin, body: bodyOf(zip), mediaType: "application/json", fileName: "a.zip" })).rejects.toMatchObject({ status: 415 });
    await expect(startVulnDbUpload({ actor: admin, body: bodyOf(zip), mediaType: "application/zip", declaredBytes: zip.length, maxBytes: zip.length - 1, fileName: "b.zip" })).rejects.toMatchObject({ status: 413 });
    await sweepImportFiles();
    const files = await readdir(importFilesDirectory());
    await expect(startVulnDbUpload({ actor: admin, body: bodyOf(zip), mediaType: "application/zip", maxBytes: 1024, fileName: "c.zip" })).rejects.toMatchObject({ status: 413, message: /larger than the limit of 1\.0 KiB/ });
    expect(await readdir(importFilesDirectory())).toEqual(files);
    const after = await counts();
    expect([after.imports, after.runs]).toEqual([before.imports, before.runs]);
    expect((await rowsSince(before.since)).map((r) => r.result)).toEqual(["failure", "failure", "failure"]);
  });

  it("refuses auditors and plain users (403, one failure row each, the body unread); both read nothing of it", async () => {
    const { zip } = fixtureOsvZip("npm");
    for (const actor of [auditor, guest]) {
      const before = await counts();
      await expect(startVulnDbUpload({ actor, body: bodyOf(zip), mediaType: "application/zip" })).rejects.toMatchObject({ status: 403 });
      await expect(startVulnDbUrlImport({ actor, input: { url: `${baseUrl}/npm.zip` } })).rejects.toMatchObject({ status: 403 });
      const rows = await rowsSince(before.since);
      expect(rows.map((r) => [r.action, r.result, r.actorName])).toEqual([
        ["vulnerability_db.import", "failure", actor.username],
        ["vulnerability_db.import", "failure", actor.username],
      ]);
      const after = await counts();
      expect([after.imports, after.runs]).toEqual([before.imports, before.runs]);
    }
    await expect(listVulnDbImports({ actor: guest, page: 1, pageSize: 10 })).rejects.toMatchObject({ status: 403 });
    await expect(getVulnDbStatus({ actor: guest })).rejects.toMatchObject({ status: 403 });
  });
});

describe("importing from a URL", () => {
  it("downloads the zip, queues the import (one audit row without the URL's query) and the run imports it", async () => {
    const { zip, count } = fixtureOsvZip("npm");
    served.set("/npm/all.zip?token=abc", { status: 200, body: zip });
    const before = await counts();
    const { importId, runId } = await startVulnDbUrlImport({ actor: admin, input: { url: `${baseUrl}/npm/all.zip?token=abc` } });
    const rows = await rowsSince(before.since);
    expect(rows.map((r) => [r.action, r.result, r.resourceName])).toEqual([["vulnerability_db.import", "success", `${baseUrl}/npm/all.zip?…`]]);
    expect(JSON.stringify(rows, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toContain("token=abc");
    await runQueuedRun(vulnDbImportJob, runId);
    expect(await getVulnDbImport({ actor: admin, importId })).toMatchObject({ status: "succeeded", source: `${baseUrl}/npm/all.zip?…`, recordsRead: count });
  });

  it.each([
    ["an unreachable host", async () => `http://127.0.0.1:${await findFreePort()}/all.zip`, /Could not download from 127\.0\.0\.1:\d+: the connection was refused\./],
    ["an HTTP error", async () => `${baseUrl}/missing/all.zip`, /Could not download from 127\.0\.0\.1:\d+: it answered HTTP 404/],
    [
      "a file that is not a zip",
      async () => {
        served.set("/page.html", { status: 200, body: Buffer.from("<html>not a zip</html>") });
        return `${baseUrl}/page.html`;
      },
      /The file at 127\.0\.0\.1:\d+ is not a readable zip archive/,
    ],
  ])("leaves a failed import with the cause for %s (one failure row, no run)", async (_name, url, message) => {
    const before = await counts();
    const error = await startVulnDbUrlImport({ actor: admin, input: { url: await url() } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VulnDbDownloadError);
    expect(error).toMatchObject({ status: 400, message: expect.stringMatching(message) });
    const failed = await getVulnDbImport({ actor: auditor, importId: (error as VulnDbDownloadError).importId });
    expect(failed).toMatchObject({ status: "failed", message: expect.stringMatching(message), runId: null });
    const after = await counts();
    expect([after.imports, after.runs]).toEqual([before.imports + 1, before.runs]);
    expect((await rowsSince(before.since)).map((r) => [r.action, r.result, r.resourceId])).toEqual([["vulnerability_db.import", "failure", String(failed.id)]]);
  });

  it.each([
    ["no URL", {}, /url: URL is required/],
    ["not a URL", { url: "osv.dev/all.zip" }, /url: Enter a full URL/],
    ["another scheme", { url: "file:///etc/passwd" }, /url: The URL must start with http/],
    ["credentials in the URL", { url: "https://user:pw@example.com/all.zip" }, /url: The URL must not hold a username or password/],
  ])("refuses %s with a field message (400), nothing written but the failure row", async (_name, input, message) => {
    const before = await counts();
    await expect(startVulnDbUrlImport({ actor: admin, input })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(message) });
    const after = await counts();
    expect([after.imports, after.runs]).toEqual([before.imports, before.runs]);
    expect((await rowsSince(before.since)).map((r) => r.result)).toEqual(["failure"]);
  });
});
