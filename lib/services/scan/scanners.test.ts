import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Ports picked before anything reads the environment: the backing registry's, and Wharf's front,
// whose address is Wharf's external URL (the registry URL scanners are told to pull from, and
// the built-in adapter's URL).
const { REGISTRY_PORT, FRONT_PORT, FAKE_PORT, DEAD_PORT } = await vi.hoisted(async () => {
  const { findFreePort } = await import("@/lib/registry/local-registry");
  const ports = new Set<number>();
  while (ports.size < 4) ports.add(await findFreePort());
  const [registryPort, frontPort, fakePort, deadPort] = [...ports] as [number, number, number, number];
  process.env.WHARF_REGISTRY_URL = `http://127.0.0.1:${registryPort}`;
  process.env.WHARF_EXTERNAL_URL = `http://127.0.0.1:${frontPort}`;
  return { REGISTRY_PORT: registryPort, FRONT_PORT: frontPort, FAKE_PORT: fakePort, DEAD_PORT: deadPort };
});

import { Ajv } from "ajv";
import { Validator } from "@seriousme/openapi-schema-validator";
import * as metadataRoute from "@/app/scanner/api/v1/metadata/route";
import * as reportRoute from "@/app/scanner/api/v1/scan/[scan_request_id]/report/route";
import * as scanRoute from "@/app/scanner/api/v1/scan/route";
import { ensureQueues, getBoss, stopSharedBoss } from "@/lib/jobs/boss";
import { artifactScanJob, scanAdapterJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { startJobWorker, type JobWorker } from "@/lib/jobs/worker";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { startFront, type WharfServer } from "@/lib/runtime/server";
import { fixturePath } from "@/lib/scan/fixtures";
import { CYCLONEDX_JSON, ERROR_MIME, METADATA_MIME, SBOM_REPORT_MIME, SCAN_REQUEST_MIME, SCAN_RESPONSE_MIME, VULN_REPORT_MIME } from "@/lib/scan/adapter/mime";
import { osvFolderEntries } from "@/lib/scan/osv/sources";
import { issueScannerPullToken } from "@/lib/services/registry-auth/scanner-grant";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { artifactScanReports, queueArtifactScan } from "@/lib/services/scan/artifact-scans";
import { builtinAdapterKey } from "@/lib/services/scan/builtin-adapter-key";
import {
  createScanner,
  deleteScanner,
  ensureBuiltinScanner,
  getProjectScanner,
  listScanners,
  pingScanner,
  scannerIdForProject,
  setDefaultScanner,
  setProjectScanner,
  updateScanner,
} from "@/lib/services/scan/scanners";
import { createVulnDbImport, finishVulnDbImport, importOsvEntries } from "@/lib/services/scan/vuln-db";
import { actorFor, createTestUser, db, TEST_PASSWORD, uniqueName } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { skopeoCopy, writeOciImageLayout } from "@/lib/testing/oci-layout";
import { flushReadAuditEvents } from "@/lib/services/audit/record-audit-event";

/*
 * Real HTTP end to end: a Distribution registry, Wharf's front (the /v2 gateway and token service,
 * with the built-in adapter's route files behind it as Next would call them), a job worker for the
 * adapter's runs, Postgres. Wharf's client scans the scanner fixture images, pushed with skopeo,
 * through the built-in adapter exactly as it would through harbor-scanner-trivy.
 */

const EXTERNAL = `http://127.0.0.1:${FRONT_PORT}`;
const HOST = `127.0.0.1:${FRONT_PORT}`;
const harness = gatewayHarness({ registryPort: REGISTRY_PORT, external: EXTERNAL, name: "scanners" });

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

/** Adapters that misbehave, by path prefix: /garbage answers HTML, /slow never finishes, /badreport sends a report that is not one. */
function fakeAdapter(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", `http://127.0.0.1:${FAKE_PORT}`);
  req.resume();
  const [, mode, ...rest] = url.pathname.split("/");
  const route = `/${rest.join("/")}`;
  if (route === "/api/v1/metadata") {
    res.writeHead(200, { "content-type": METADATA_MIME }).end(JSON.stringify({ scanner: { name: mode, vendor: "tests", version: "1" }, capabilities: [] }));
  } else if (mode === "garbage") {
    res.writeHead(200, { "content-type": "text/html" }).end("<html><body>It works!</body></html>");
  } else if (route === "/api/v1/scan") {
    res.writeHead(202, { "content-type": SCAN_RESPONSE_MIME }).end(JSON.stringify({ id: "fake-1" }));
  } else if (mode === "slow") {
    res.writeHead(302, { "refresh-after": "1" }).end();
  } else {
    res.writeHead(200, { "content-type": VULN_REPORT_MIME }).end(JSON.stringify({ vulnerabilities: "lots" }));
  }
}

let front: WharfServer;
let fake: Server;
let worker: JobWorker;
type User = Awaited<ReturnType<typeof createTestUser>>;
let admin: User;
let auditor: User;

beforeAll(async () => {
  front = await startFront({ hostname: "127.0.0.1", port: FRONT_PORT, handleNext: serveAdapterRoutes });
  fake = createServer(fakeAdapter);
  fake.listen(FAKE_PORT, "127.0.0.1");
  await once(fake, "listening");
  // The built-in adapter's runs, as Wharf's worker runs them (no sweeping: other files' runs are theirs).
  worker = await startJobWorker({ log: () => undefined, reconcileCron: "off", jobs: [scanAdapterJob], pollingIntervalSeconds: 0.5, sweepMs: 24 * 3600 * 1000 });
  // The client's runs are run by the tests themselves (runQueuedRun); their queue must exist.
  await ensureQueues(await getBoss(), [artifactScanJob, scanAdapterJob]);
  admin = await createTestUser({ isAdmin: true });
  auditor = await createTestUser({ isAuditor: true });
  const importId = await createVulnDbImport("lib/scan/fixtures/osv");
  await finishVulnDbImport(importId, { counts: await importOsvEntries(importId, osvFolderEntries(fixturePath("osv"))) });
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await stopSharedBoss();
  await front?.close();
  await new Promise<void>((resolve) => (fake ? fake.close(() => resolve()) : resolve()));
});

// ---- the published documents ---------------------------------------------------------------------

type OpenApi = { paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: object }> }> }>>; components: object };
const loadSpec = async (version: string) => JSON.parse(await readFile(path.join(process.cwd(), `lib/scan/adapter/spec/scanner-adapter-openapi-v${version}.json`), "utf8")) as OpenApi;

const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addFormat("url", /^https?:\/\//);
ajv.addFormat("uri", /^[a-z][a-z0-9+.-]*:/i);
ajv.addFormat("float", true);
ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/i);

/** Throws unless the document gives this status and media type for the operation, and the body matches its schema. */
async function checkAgainstSpec(spec: OpenApi, template: string, method: string, res: Response): Promise<unknown> {
  const where = `${method} ${template} -> ${res.status}`;
  const documented = spec.paths[template]?.[method]?.responses[String(res.status)];
  if (!documented) throw new Error(`${where} is not in the document`);
  if (res.status === 302) expect(res.headers.get("refresh-after")).toMatch(/^\d+$/);
  const text = await res.text();
  if (!documented.content) {
    expect(text).toBe("");
    return null;
  }
  const contentType = res.headers.get("content-type") ?? "";
  const media = documented.content[contentType];
  if (!media) throw new Error(`${where}: content type ${contentType} is not documented (${Object.keys(documented.content).join(", ")})`);
  const body: unknown = JSON.parse(text);
  const validate = ajv.compile({ ...media.schema, components: spec.components });
  if (!validate(body)) throw new Error(`${where}: the body does not match the document: ${ajv.errorsText(validate.errors)}`);
  return body;
}

const KEY = () => `Bearer ${builtinAdapterKey()}`;

function adapter(pathAndQuery: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${EXTERNAL}/scanner/api/v1${pathAndQuery}`, { redirect: "manual", ...init, headers: { authorization: KEY(), ...(init.headers as Record<string, string>) } });
}

// ---- fixture images ------------------------------------------------------------------------------

const read = (p: string) => readFile(fixturePath("package-dbs", p), "utf8");

const IMAGES: Record<string, () => Promise<Record<string, string>>> = {
  "debian-12": async () => ({ "etc/os-release": await read("debian-12/etc/os-release"), "var/lib/dpkg/status": await read("debian-12/var/lib/dpkg/status") }),
  "alpine-3.18": async () => ({ "etc/alpine-release": await read("alpine-3.18/etc/alpine-release"), "lib/apk/db/installed": await read("alpine-3.18/lib/apk/db/installed") }),
  "npm-zui": async () => ({ "usr/src/app/package-lock.json": await read("npm-zui/package-lock.json") }),
  "pypi-python-fixture": async () => ({ "app/requirements.txt": await read("pypi-python-fixture/requirements.txt") }),
};

interface ExpectedDb {
  db: string;
  expected_findings: { id: string; package: string; installed_version: string; fixed_version?: string }[];
}

async function expectedFor(name: string): Promise<ExpectedDb> {
  const all = JSON.parse(await readFile(fixturePath("expected.json"), "utf8")) as { databases: ExpectedDb[] };
  return all.databases.find((d) => d.db.startsWith(`package-dbs/${name}/`)) as ExpectedDb;
}

/** A project with a Maintainer, the fixture image pushed into `<project>/<name>:1.0` through Wharf with skopeo. */
async function pushFixture(name: string) {
  const project = await createProject();
  const maintainer = await createMember(project.id, 4);
  const repository = `${project.name}/${name.replace(/[^a-z0-9]+/g, "-")}`;
  const image = await writeOciImageLayout(path.join(harness.tmp, `${name}-${uniqueName("img")}`), { tag: "1.0", files: await IMAGES[name]!() });
  await skopeoCopy(image.ref, `docker://${HOST}/${repository}:1.0`, { destCreds: `${maintainer.username}:${TEST_PASSWORD}`, format: "oci" });
  return { project, maintainer, repository, digest: image.manifestDigest };
}

async function registerBuiltinOverHttp(name = uniqueName("wharf-adapter")) {
  // The built-in adapter as any adapter is registered: its URL and its key (Bearer).
  return createScanner({ actor: actorFor(admin), input: { name, url: `${EXTERNAL}/scanner`, auth: "Bearer", accessCredential: builtinAdapterKey() } });
}

async function scan(repository: string, digest: string, scannerId: number, options: { scanType?: "vulnerability" | "sbom"; timeoutSeconds?: number } = {}) {
  const { reportId, runId } = await db.$transaction((tx) => queueArtifactScan(tx, { repository, digest, scannerId, artifactMimeType: OCI_IMAGE_MANIFEST, ...options }, "test"));
  const outcome = await runQueuedRun(artifactScanJob, runId).then(
    (result) => ({ ok: true as const, result }),
    (error: unknown) => ({ ok: false as const, error: error instanceof Error ? error.message : String(error) }),
  );
  return { outcome, report: await db.scanReport.findUniqueOrThrow({ where: { id: reportId } }), runId };
}

// ---- tests ---------------------------------------------------------------------------------------

describe("scanner registrations", () => {
  it("registers the built-in adapter as the default on a first start, and follows the external URL after", async () => {
    // Files run one after another on one database, and earlier ones leave registrations (their
    // fixtures, audit walks, fuzz): a first start is one with none, so this test makes it so.
    await db.scanner.deleteMany({});
    expect(await db.scanner.count()).toBe(0);
    expect(await ensureBuiltinScanner()).toEqual({ created: true, updated: false });
    const builtin = await db.scanner.findFirstOrThrow({ where: { builtin: true } });
    expect(builtin).toMatchObject({ url: `${EXTERNAL}/scanner`, auth: "Bearer", isDefault: true, disabled: false });
    expect(builtin.credentialSealed).not.toContain(builtinAdapterKey());
    expect(await ensureBuiltinScanner()).toEqual({ created: false, updated: false });
    await db.scanner.update({ where: { id: builtin.id }, data: { url: "http://old.example:3000/scanner" } });
    expect(await ensureBuiltinScanner()).toEqual({ created: false, updated: true });
    expect((await db.scanner.findUniqueOrThrow({ where: { id: builtin.id } })).url).toBe(`${EXTERNAL}/scanner`);
    expect(await db.auditEvent.count({ where: { action: { in: ["scanner.create", "scanner.update"] }, actorName: "system:startup", resourceName: "Wharf" } })).toBe(2);

    // Ping: health and capabilities from GET /api/v1/metadata, over HTTP.
    const ping = await pingScanner({ actor: actorFor(admin), input: { scannerId: builtin.id } });
    expect(ping).toMatchObject({ ok: true });
    const [listed] = (await listScanners({ actor: actorFor(auditor) })).filter((s) => s.id === builtin.id);
    expect(listed).toMatchObject({ health: "healthy", capabilities: { vulnerability: true, sbom: true }, hasCredential: true });
    expect(JSON.stringify(listed)).not.toContain(builtinAdapterKey());
  });

  it("administrators create, update, set default and delete, one audit row each, the credential sealed and never shown; auditors only read", async () => {
    const before = await db.auditEvent.count();
    const lastId = (await db.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? BigInt(0);
    const created = await createScanner({ actor: actorFor(admin), input: { name: uniqueName("trivy"), url: "https://trivy.example:8080/", auth: "X-ScannerAdapter-API-Key", accessCredential: "s3cret-api-key" } });
    expect(created).toMatchObject({ url: "https://trivy.example:8080", auth: "X-ScannerAdapter-API-Key", hasCredential: true, isDefault: false });
    const row = await db.scanner.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.credentialSealed).toMatch(/^v1\./);
    expect(row.credentialSealed).not.toContain("s3cret");

    // Field messages, nothing written.
    await expect(createScanner({ actor: actorFor(admin), input: { name: "", url: "ftp://x", auth: "Basic", accessCredential: "no-colon" } })).rejects.toMatchObject({
      status: 400,
      fieldErrors: { name: ["Name is required"], url: ["Must start with http:// or https://"], accessCredential: ["Basic credentials are written username:password"] },
    });
    await expect(createScanner({ actor: actorFor(admin), input: { name: created.name, url: "http://x.example" } })).rejects.toMatchObject({ status: 409 });

    const updated = await updateScanner({ actor: actorFor(admin), input: { scannerId: created.id, name: created.name, url: "https://trivy.example:8443", auth: "X-ScannerAdapter-API-Key", skipCertVerify: true } });
    expect(updated).toMatchObject({ url: "https://trivy.example:8443", skipCertVerify: true, hasCredential: true, health: "unknown" });
    await setDefaultScanner({ actor: actorFor(admin), scannerId: created.id });
    expect((await db.scanner.findMany({ where: { isDefault: true } })).map((s) => s.id)).toEqual([created.id]);
    await expect(deleteScanner({ actor: actorFor(admin), scannerId: created.id })).rejects.toMatchObject({ status: 409 });
    const builtin = await db.scanner.findFirstOrThrow({ where: { builtin: true } });
    await setDefaultScanner({ actor: actorFor(admin), scannerId: builtin.id });
    await deleteScanner({ actor: actorFor(admin), scannerId: created.id });

    const rows = await db.auditEvent.findMany({ where: { id: { gt: lastId }, action: { startsWith: "scanner." }, actorName: admin.username }, orderBy: { id: "asc" } });
    expect(rows.filter((r) => r.result === "success").map((r) => r.action)).toEqual(["scanner.create", "scanner.update", "scanner.set_default", "scanner.set_default", "scanner.delete"]);
    expect(JSON.stringify(rows.map((r) => r.detail))).not.toContain("s3cret");
    expect(await db.auditEvent.count()).toBeGreaterThanOrEqual(before + 5);

    // Auditors read and change nothing: one failure row for the refused create.
    expect((await listScanners({ actor: actorFor(auditor) })).length).toBeGreaterThan(0);
    await expect(createScanner({ actor: actorFor(auditor), input: { name: "x", url: "http://x.example" } })).rejects.toMatchObject({ status: 403 });
    expect(await db.auditEvent.count({ where: { action: "scanner.create", actorName: auditor.username, result: "failure" } })).toBe(1);
  });

  it("a project uses its own scanner when it chose one, else the default", async () => {
    const project = await createProject();
    const owner = await createMember(project.id, 1);
    const guest = await createMember(project.id, 3);
    const other = await registerBuiltinOverHttp();
    const builtin = await db.scanner.findFirstOrThrow({ where: { builtin: true } });
    expect(await scannerIdForProject(project.id)).toBe(builtin.id);
    expect(await getProjectScanner({ actor: actorFor(guest), projectId: project.id })).toMatchObject({ own: false, scanner: { id: builtin.id } });
    await expect(setProjectScanner({ actor: actorFor(guest), projectId: project.id, input: { scannerId: other.id } })).rejects.toMatchObject({ status: 403 });
    await expect(setProjectScanner({ actor: actorFor(owner), projectId: project.id, input: { scannerId: "x" } })).rejects.toMatchObject({ status: 400, fieldErrors: { scannerId: ["Must be a number"] } });
    await setProjectScanner({ actor: actorFor(owner), projectId: project.id, input: { scannerId: other.id } });
    expect(await scannerIdForProject(project.id)).toBe(other.id);
    expect(await db.auditEvent.count({ where: { action: "project_scanner.update", projectId: project.id, result: "success" } })).toBe(1);
    expect(await db.auditEvent.count({ where: { action: "project_scanner.update", projectId: project.id, result: "failure" } })).toBe(1);
  });
});

describe("the built-in adapter over HTTP, against the published Pluggable Scanner API", () => {
  it("answers metadata, scan and report as the v1.1/v1.2 documents say, and refuses a caller without its key", async () => {
    const v11 = await loadSpec("1.1");
    const v12 = await loadSpec("1.2");
    // The documents themselves: v1.1 is valid OpenAPI 3.0; the published v1.2 has one known defect
    // (an `enum` beside the sbom_media_type parameter's schema instead of inside it), nothing else.
    expect((await new Validator().validate(v11)).valid).toBe(true);
    const v12check = await new Validator().validate(v12);
    expect(v12check.errors && [...new Set((v12check.errors as { instancePath: string }[]).map((e) => e.instancePath))]).toEqual([
      "/paths/~1scan~1{scan_request_id}~1report/get/parameters/2",
    ]);

    const metadata = (await checkAgainstSpec(v11, "/metadata", "get", await adapter("/metadata"))) as { capabilities: unknown[] };
    expect(metadata.capabilities).toHaveLength(2);
    const unauthenticated = await fetch(`${EXTERNAL}/scanner/api/v1/metadata`);
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get("content-type")).toBe(ERROR_MIME);
    expect((await fetch(`${EXTERNAL}/scanner/api/v1/metadata`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);

    const { repository, digest } = await pushFixture("alpine-3.18");
    const token = (await issueScannerPullTokenForTest(repository, digest)).token;
    const accepted = await adapter("/scan", {
      method: "POST",
      headers: { "content-type": SCAN_REQUEST_MIME },
      body: JSON.stringify({ registry: { url: EXTERNAL, authorization: `Bearer ${token}` }, artifact: { repository, digest, mime_type: OCI_IMAGE_MANIFEST } }),
    });
    const { id } = (await checkAgainstSpec(v11, "/scan", "post", accepted)) as { id: string };
    // Polled until ready (302 with Refresh-After while it runs), in both report types the metadata names.
    let res = await adapter(`/scan/${id}/report`, { headers: { accept: VULN_REPORT_MIME } });
    while (res.status === 302) {
      await checkAgainstSpec(v11, "/scan/{scan_request_id}/report", "get", res);
      await new Promise((resolve) => setTimeout(resolve, 200));
      res = await adapter(`/scan/${id}/report`, { headers: { accept: VULN_REPORT_MIME } });
    }
    const report = (await checkAgainstSpec(v11, "/scan/{scan_request_id}/report", "get", res)) as { vulnerabilities: { id: string }[]; severity: string };
    expect(report.vulnerabilities.map((v) => v.id).sort()).toEqual((await expectedFor("alpine-3.18")).expected_findings.map((f) => f.id).sort());
    expect(report.vulnerabilities.length).toBeGreaterThan(0);
    const sbom = (await checkAgainstSpec(v12, "/scan/{scan_request_id}/report", "get", await adapter(`/scan/${id}/report?sbom_media_type=${encodeURIComponent(CYCLONEDX_JSON)}`, { headers: { accept: SBOM_REPORT_MIME } }))) as {
      media_type: string;
      sbom: { bomFormat: string; components: unknown[] };
    };
    expect(sbom).toMatchObject({ media_type: CYCLONEDX_JSON, sbom: { bomFormat: "CycloneDX" } });
    expect(sbom.sbom.components.length).toBeGreaterThan(10);

    // Refusals in the spec's shapes, never a bare 500.
    await checkAgainstSpec(v12, "/scan/{scan_request_id}/report", "get", await adapter(`/scan/${id}/report`, { headers: { accept: SBOM_REPORT_MIME } }));
    await checkAgainstSpec(v12, "/scan/{scan_request_id}/report", "get", await adapter(`/scan/${id}/report`, { headers: { accept: "application/vnd.scanner.adapter.vuln.report.raw" } }));
    const unknown = await adapter(`/scan/00000000-0000-4000-8000-000000000000/report`, { headers: { accept: VULN_REPORT_MIME } });
    expect(unknown.status).toBe(404);
    for (const [body, status] of [
      ["{not json", 400],
      [JSON.stringify({ registry: { url: 5 }, artifact: {} }), 400],
      [JSON.stringify({ registry: { url: "ftp://x" }, artifact: { repository: "UPPER/case", digest: "nope" } }), 422],
      [JSON.stringify({ registry: { url: EXTERNAL }, artifact: { repository: "a/b", digest: digest, mime_type: "application/vnd.oci.image.index.v1+json" } }), 501],
    ] as const) {
      const refused = await adapter("/scan", { method: "POST", headers: { "content-type": SCAN_REQUEST_MIME }, body });
      expect(refused.status, body).toBe(status);
      await checkAgainstSpec(v12, "/scan", "post", refused);
    }
    // Hostile requests: only refusals (400/422/501), nothing recorded.
    const requests = await db.scanAdapterRequest.count();
    const valid = { registry: { url: EXTERNAL, authorization: "Bearer x" }, artifact: { repository, digest, tag: "1.0", mime_type: OCI_IMAGE_MANIFEST } };
    const hostile: unknown[] = [
      null,
      [],
      "scan",
      42,
      { ...valid, artifact: { ...valid.artifact, tag: "a\u0000b" } },
      { ...valid, artifact: { ...valid.artifact, mime_type: "x\u0001" } },
      { ...valid, registry: { url: `${EXTERNAL}\u0000`, authorization: "Bearer \u0000" } },
      { ...valid, registry: { url: "http://user:pw@example.com" } },
      { ...valid, artifact: { ...valid.artifact, repository: "../../etc/passwd" } },
      { ...valid, artifact: { ...valid.artifact, repository: "a".repeat(300) } },
      { ...valid, artifact: { ...valid.artifact, digest: "sha256:" + "g".repeat(64) + "/x" } },
      { ...valid, enabled_capabilities: [{ type: "sbom", parameters: { sbom_media_types: ["application/spdx+json"] } }] },
      { ...valid, enabled_capabilities: "all" },
      { ...valid, artifact: { ...valid.artifact, tag: "t".repeat(70_000) } },
    ];
    for (const body of hostile) {
      const res = await adapter("/scan", { method: "POST", headers: { "content-type": SCAN_REQUEST_MIME }, body: JSON.stringify(body) });
      expect([400, 422, 501], JSON.stringify(body).slice(0, 100)).toContain(res.status);
      await checkAgainstSpec(v12, "/scan", "post", res);
    }
    expect(await db.scanAdapterRequest.count()).toBe(requests);
  }, 120_000);
});

/** A running scan report for a token's subject, as the scan job makes one. */
async function issueScannerPullTokenForTest(repository: string, digest: string) {
  const builtin = await db.scanner.findFirstOrThrow({ where: { builtin: true } });
  const report = await db.scanReport.upsert({
    where: { artifactDigest_scannerId_mimeType: { artifactDigest: digest, scannerId: builtin.id, mimeType: "test/token" } },
    create: { artifactDigest: digest, scannerId: builtin.id, mimeType: "test/token", repository, status: "running", startedAt: new Date(Date.now() - 2000) },
    update: { status: "running", repository },
  });
  return { ...(await issueScannerPullToken(report.id, repository)), reportId: report.id };
}

describe("the scanner grant", () => {
  it("pulls exactly the one repository while the scan runs: no push, no other repository, no catalog, nothing after", async () => {
    const { project, repository, digest } = await pushFixture("pypi-python-fixture");
    const { token, reportId } = await issueScannerPullTokenForTest(repository, digest);
    const auth = { authorization: `Bearer ${token}` };
    const manifest = await fetch(`${EXTERNAL}/v2/${repository}/manifests/${digest}`, { headers: { ...auth, accept: OCI_IMAGE_MANIFEST } });
    expect(manifest.status).toBe(200);
    const bytes = new Uint8Array(await manifest.arrayBuffer());
    await flushReadAuditEvents(); // a pull's row is queued after the answer
    expect(await db.auditEvent.count({ where: { action: "artifact.pull", actorName: `system:scanner:${reportId}`, result: "success" } })).toBe(1);

    const push = await fetch(`${EXTERNAL}/v2/${repository}/manifests/2.0`, { method: "PUT", headers: { ...auth, "content-type": OCI_IMAGE_MANIFEST }, body: bytes });
    expect(push.status).toBe(401);
    const upload = await fetch(`${EXTERNAL}/v2/${repository}/blobs/uploads/`, { method: "POST", headers: auth });
    expect(upload.status).toBe(401);
    const del = await fetch(`${EXTERNAL}/v2/${repository}/manifests/${digest}`, { method: "DELETE", headers: auth });
    expect(del.status).toBe(401);
    // Another repository of the same project, and another project.
    const sibling = await pushFixture("npm-zui");
    await skopeoCopy(`docker://${HOST}/${sibling.repository}:1.0`, `docker://${HOST}/${project.name}/other:1.0`, {
      srcCreds: `${sibling.maintainer.username}:${TEST_PASSWORD}`,
      destCreds: `${(await createMember(project.id, 4)).username}:${TEST_PASSWORD}`,
    });
    expect((await fetch(`${EXTERNAL}/v2/${project.name}/other/manifests/1.0`, { headers: { ...auth, accept: OCI_IMAGE_MANIFEST } })).status).toBe(401);
    expect((await fetch(`${EXTERNAL}/v2/${sibling.repository}/manifests/1.0`, { headers: { ...auth, accept: OCI_IMAGE_MANIFEST } })).status).toBe(401);
    expect((await fetch(`${EXTERNAL}/v2/_catalog`, { headers: auth })).status).toBe(401);
    // The token carries pull on that repository only.
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { access: unknown; exp: number; iat: number };
    expect(claims.access).toEqual([{ type: "repository", name: repository, actions: ["pull"] }]);
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(900);

    // The scan ended: the same token pulls nothing more.
    await db.scanReport.update({ where: { id: reportId }, data: { status: "succeeded" } });
    await db.$executeRaw`UPDATE registry_grant_version SET version = version + 1`;
    expect((await fetch(`${EXTERNAL}/v2/${repository}/manifests/${digest}`, { headers: { ...auth, accept: OCI_IMAGE_MANIFEST } })).status).toBe(401);
  }, 120_000);
});

describe("Wharf as a client of a scanner adapter", () => {
  let wharf: { id: number };
  beforeAll(async () => {
    wharf = await registerBuiltinOverHttp();
  });

  it.each(Object.keys(IMAGES))("%s: pushed with skopeo, scanned through the built-in adapter over HTTP, the stored report is exactly expected.json", async (name) => {
    const { repository, digest } = await pushFixture(name);
    // The image may have been scanned in an earlier test (same bytes, same digest): no pull then.
    const known = await db.scanInventory.count({ where: { artifactDigest: digest } });
    const { outcome, report } = await scan(repository, digest, wharf.id);
    expect(outcome).toMatchObject({ ok: true });
    expect(report).toMatchObject({ status: "succeeded", repository, mimeType: VULN_REPORT_MIME, error: null });
    expect(report.startedAt).not.toBeNull();
    expect(report.endedAt!.getTime()).toBeGreaterThanOrEqual(report.startedAt!.getTime());
    expect(report.log).toMatch(/Scan request [0-9a-f-]{36} accepted/);
    const vulnerabilities = (report.report as { vulnerabilities: { id: string; package: string; version: string; fix_version?: string }[] }).vulnerabilities;
    const expected = await expectedFor(name);
    expect(vulnerabilities.map((v) => `${v.id} ${v.package} ${v.version} -> ${v.fix_version ?? "-"}`).sort()).toEqual(
      expected.expected_findings.map((f) => `${f.id} ${f.package} ${f.installed_version} -> ${f.fixed_version ?? "-"}`).sort(),
    );
    // The adapter pulled through Wharf's gateway with the scanner token of this scan, unless it
    // already held the digest's inventory.
    await flushReadAuditEvents(); // a pull's row is queued after the answer
    expect(await db.auditEvent.count({ where: { action: "artifact.pull", actorName: `system:scanner:${report.id}`, result: "success" } })).toBe(known ? 0 : 1);
  }, 120_000);

  it("stores the SBOM report beside the vulnerability report: one row per (digest, scanner, MIME type)", async () => {
    const { repository, digest, maintainer } = await pushFixture("alpine-3.18");
    expect((await scan(repository, digest, wharf.id)).report.status).toBe("succeeded");
    const { report } = await scan(repository, digest, wharf.id, { scanType: "sbom" });
    expect(report).toMatchObject({ status: "succeeded", mimeType: SBOM_REPORT_MIME });
    expect(report.report).toMatchObject({ media_type: CYCLONEDX_JSON, sbom: { bomFormat: "CycloneDX" } });
    expect(await db.scanReport.count({ where: { artifactDigest: digest, scannerId: wharf.id } })).toBe(2);
    // Scanned again: the same row, reset and filled again.
    expect((await scan(repository, digest, wharf.id)).report.id).toBe((await db.scanReport.findFirstOrThrow({ where: { artifactDigest: digest, scannerId: wharf.id, mimeType: VULN_REPORT_MIME } })).id);
    expect(await db.scanReport.count({ where: { artifactDigest: digest, scannerId: wharf.id } })).toBe(2);
    // Read by who may read the project's scans; someone outside a private project is told nothing.
    const reports = await artifactScanReports({ actor: actorFor(maintainer), repository, digest });
    expect(reports.filter((r) => r.scanner.id === wharf.id).map((r) => [r.mimeType, r.status]).sort()).toEqual([[SBOM_REPORT_MIME, "succeeded"], [VULN_REPORT_MIME, "succeeded"]]);
    const outsider = await createTestUser();
    await expect(artifactScanReports({ actor: actorFor(outsider), repository, digest })).rejects.toMatchObject({ status: 404 });
  }, 120_000);

  it("a report left running by a run that ended (a dead worker) can be scanned again; one still running cannot", async () => {
    const { repository, digest } = await pushFixture("pypi-python-fixture");
    const first = await db.$transaction((tx) => queueArtifactScan(tx, { repository, digest, scannerId: wharf.id }, "test"));
    await expect(db.$transaction((tx) => queueArtifactScan(tx, { repository, digest, scannerId: wharf.id }, "test"))).rejects.toMatchObject({ status: 409 });
    // As the lease sweeper leaves it: the run failed, the report still says running.
    await db.scanReport.update({ where: { id: first.reportId }, data: { status: "running" } });
    await db.jobRun.update({ where: { id: first.runId }, data: { status: "failed", error: "worker stopped responding" } });
    const again = await db.$transaction((tx) => queueArtifactScan(tx, { repository, digest, scannerId: wharf.id }, "test"));
    expect(again.reportId).toBe(first.reportId);
    await expect(runQueuedRun(artifactScanJob, again.runId)).resolves.toMatchObject({ reportId: first.reportId });
  }, 120_000);

  it.each([
    ["garbage", (url: string) => `${url}/garbage`, /answered POST \/api\/v1\/scan with HTTP 200 instead of 202 Accepted: "<html><body>It works!/],
    ["slow", (url: string) => `${url}/slow`, /had no application\/vnd\.security\.vulnerability\.report; version=1\.1 report for scan request fake-1 within 2 s/],
    ["bad report", (url: string) => `${url}/badreport`, /report is not a HarborVulnerabilityReport: vulnerabilities:/],
    ["down", () => `http://127.0.0.1:${DEAD_PORT}`, /Cannot reach the scanner at http:\/\/127\.0\.0\.1:\d+: nothing listens there/],
  ])("an adapter that is %s ends the scan failed with a clear message", async (_label, urlOf, message) => {
    const scanner = await createScanner({ actor: actorFor(admin), input: { name: uniqueName("bad"), url: urlOf(`http://127.0.0.1:${FAKE_PORT}`) } });
    const { repository, digest } = await pushFixture("pypi-python-fixture");
    const { outcome, report, runId } = await scan(repository, digest, scanner.id, { timeoutSeconds: 2 });
    expect(outcome).toMatchObject({ ok: false, error: expect.stringMatching(message) });
    expect(report).toMatchObject({ status: "failed", error: expect.stringMatching(message), report: null });
    expect(report.endedAt).not.toBeNull();
    expect(report.log).toMatch(message);
    expect(await db.jobRun.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: "failed", error: expect.stringMatching(message) });
  }, 60_000);
});
