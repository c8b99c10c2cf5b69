import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as candidatesRoute from "@/app/api/v2.0/projects/[project_name_or_id]/scanner/candidates/route";
import * as projectScannerRoute from "@/app/api/v2.0/projects/[project_name_or_id]/scanner/route";
import * as metadataRoute from "@/app/api/v2.0/scanners/[registration_id]/metadata/route";
import * as scannerRoute from "@/app/api/v2.0/scanners/[registration_id]/route";
import * as pingRoute from "@/app/api/v2.0/scanners/ping/route";
import * as scannersRoute from "@/app/api/v2.0/scanners/route";
import { apiRequest, auditCount, basic, call, createTestUser, db, errorOf } from "@/lib/api/test-kit";
import { findFreePort } from "@/lib/registry/local-registry";
import { handleMetadata } from "@/lib/scan/adapter/http";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { builtinAdapterKey } from "@/lib/services/scan/builtin-adapter-key";
import { clearProjectScanner, getProjectScanner, setScannerDisabled } from "@/lib/services/scan/scanners";
import { actorFor, uniqueName } from "@/lib/testing/factories";
import { ZChooseProjectScanner } from "@/lib/validation/scanners";

/*
 * The scanner registrations' REST surface in Harbor's shapes, against Postgres and a real adapter
 * over HTTP: Wharf's built-in adapter's metadata handler behind a local server (Bearer key from
 * WHARF_SECRET_KEY, as Wharf registers it). Every answer is checked against the OpenAPI document
 * by the test kit.
 */

type Registration = {
  uuid: string;
  name: string;
  description: string;
  url: string;
  disabled: boolean;
  is_default: boolean;
  auth: string;
  access_credential: string;
  skip_certVerify: boolean;
  use_internal_addr: boolean;
  health: string;
  adapter?: string;
  vendor?: string;
  version?: string;
  capabilities: { support_vulnerability: boolean; support_sbom: boolean };
};

let adapter: Server;
let adapterUrl: string;
let deadUrl: string;
let key: string;
let adminAuth: string;
let auditorAuth: string;
let userAuth: string;
/** The default before this file ran (another file's, or none), put back afterwards. */
let previousDefault: number | null;

/** GET /scanner/api/v1/metadata through the built-in adapter's own handler; anything else 404. */
async function serveAdapter(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
  const url = new URL(req.url ?? "/", adapterUrl);
  const response = url.pathname === "/scanner/api/v1/metadata" ? await handleMetadata(new Request(url, { headers })) : new Response("no such route", { status: 404 });
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => (out[name] = value));
  res.writeHead(response.status, out).end(Buffer.from(await response.arrayBuffer()));
}

beforeAll(async () => {
  adapter = createServer((req, res) => void serveAdapter(req, res));
  adapter.listen(0, "127.0.0.1");
  await once(adapter, "listening");
  adapterUrl = `http://127.0.0.1:${(adapter.address() as AddressInfo).port}/scanner`;
  // A port nothing listens on: the adapter is unreachable.
  deadUrl = `http://127.0.0.1:${await findFreePort()}/scanner`;
  key = builtinAdapterKey();
  adminAuth = basic((await createTestUser({ isAdmin: true })).username);
  auditorAuth = basic((await createTestUser({ isAuditor: true })).username);
  userAuth = basic((await createTestUser()).username);
  previousDefault = (await db.scanner.findFirst({ where: { isDefault: true }, select: { id: true } }))?.id ?? null;
});

afterAll(async () => {
  // Setup, not an audited action: the default as it was, so later files see the one they expect.
  await db.scanner.updateMany({ where: { isDefault: true }, data: { isDefault: false } });
  if (previousDefault !== null) await db.scanner.update({ where: { id: previousDefault }, data: { isDefault: true } });
  adapter?.close();
});

const create = (auth: string | undefined, body: unknown) => call(scannersRoute.POST, apiRequest("/scanners", { method: "POST", auth, body }), {});
const get = (auth: string | undefined, uuid: string) => call(scannerRoute.GET, apiRequest(`/scanners/${uuid}`, { auth }), { registration_id: uuid });
const put = (auth: string | undefined, uuid: string, body: unknown) => call(scannerRoute.PUT, apiRequest(`/scanners/${uuid}`, { method: "PUT", auth, body }), { registration_id: uuid });
const patch = (auth: string | undefined, uuid: string, body: unknown) => call(scannerRoute.PATCH, apiRequest(`/scanners/${uuid}`, { method: "PATCH", auth, body }), { registration_id: uuid });
const del = (auth: string | undefined, uuid: string) => call(scannerRoute.DELETE, apiRequest(`/scanners/${uuid}`, { method: "DELETE", auth }), { registration_id: uuid });
const metadata = (auth: string | undefined, uuid: string) => call(metadataRoute.GET, apiRequest(`/scanners/${uuid}/metadata`, { auth }), { registration_id: uuid });
const ping = (auth: string | undefined, body: unknown) => call(pingRoute.POST, apiRequest("/scanners/ping", { method: "POST", auth, body }), {});
const list = (auth: string | undefined, query = "") => call(scannersRoute.GET, apiRequest(`/scanners${query}`, { auth }), {});

function body(overrides: Record<string, unknown> = {}) {
  return { name: uniqueName("scanner"), url: adapterUrl, description: "the built-in adapter", auth: "Bearer", access_credential: key, skip_certVerify: false, ...overrides };
}

async function created(overrides: Record<string, unknown> = {}): Promise<Registration> {
  const res = await create(adminAuth, body(overrides));
  expect(res.status, JSON.stringify(await res.clone().text())).toBe(201);
  const uuid = res.headers.get("location")!.split("/").pop()!;
  return (await (await get(adminAuth, uuid)).json()) as Registration;
}

/** Everything about a registration a refused or bad call must leave as it was. */
const snapshot = (uuid: string) => db.scanner.findUniqueOrThrow({ where: { uuid } });
/** Rows written since `before` (an audit count). */
const auditRowsSince = async (before: number) => (await auditCount()) - before;

describe("/scanners", () => {
  it("POST creates (201, Location with the uuid, one scanner.create row); GET answers Harbor's ScannerRegistration without the credential", async () => {
    const audits = await auditCount();
    const name = uniqueName("scanner");
    const res = await create(adminAuth, body({ name }));
    expect(res.status).toBe(201);
    expect(await auditRowsSince(audits)).toBe(1);
    expect(await db.auditEvent.count({ where: { action: "scanner.create", resourceName: name, result: "success" } })).toBe(1);
    const location = res.headers.get("location")!;
    expect(location).toMatch(/^\/api\/v2\.0\/scanners\/[0-9a-f-]{36}$/);
    const uuid = location.split("/").pop()!;
    const answer = await get(auditorAuth, uuid);
    expect(answer.status).toBe(200);
    const text = await answer.text();
    expect(text).not.toContain(key);
    expect(JSON.parse(text)).toMatchObject({
      uuid,
      name,
      url: adapterUrl,
      auth: "Bearer",
      access_credential: "*****",
      skip_certVerify: false,
      use_internal_addr: false,
      disabled: false,
      is_default: false,
      health: "unknown",
      capabilities: { support_vulnerability: false, support_sbom: false },
    });
  });

  it("GET lists with paging headers and name and url filters; bad paging or terms are 400s", async () => {
    const prefix = uniqueName("listed");
    const one = await created({ name: `${prefix}-a` });
    await created({ name: `${prefix}-b`, url: `${adapterUrl}/other` });
    const exact = await list(adminAuth, `?q=${encodeURIComponent(`name=${one.name}`)}`);
    expect(exact.status).toBe(200);
    expect(exact.headers.get("x-total-count")).toBe("1");
    expect(((await exact.json()) as Registration[]).map((r) => r.uuid)).toEqual([one.uuid]);
    const fuzzy = await list(auditorAuth, `?q=${encodeURIComponent(`name=~${prefix}`)}&page_size=1`);
    expect(fuzzy.headers.get("x-total-count")).toBe("2");
    expect(fuzzy.headers.get("link")).toContain('rel="next"');
    expect(((await fuzzy.json()) as Registration[]).map((r) => r.name)).toEqual([`${prefix}-a`]);
    const byUrl = await list(adminAuth, `?q=${encodeURIComponent(`name=~${prefix},url=~/other`)}`);
    expect(((await byUrl.json()) as Registration[]).map((r) => r.name)).toEqual([`${prefix}-b`]);
    const badSize = await list(adminAuth, "?page_size=0");
    expect(badSize.status).toBe(400);
    expect((await errorOf(badSize)).message).toContain("page_size");
    const badKey = await list(adminAuth, "?q=vendor%3Dx");
    expect(badKey.status).toBe(400);
    expect((await errorOf(badKey)).message).toContain('unsupported key "vendor"');
  });

  it("bad bodies are 400s naming Harbor's fields, and write nothing (no registration, no audit row)", async () => {
    const registrations = await db.scanner.count();
    const audits = await auditCount();
    const types = await create(adminAuth, { name: 5, url: adapterUrl, skip_certVerify: "yes", use_internal_addr: true });
    expect(types.status).toBe(400);
    const typeMessage = (await errorOf(types)).message;
    for (const field of ["name:", "skip_certVerify:", "use_internal_addr:"]) expect(typeMessage).toContain(field);

    const rules = await create(adminAuth, { name: "", url: "ftp://adapter.example", auth: "Digest" });
    expect(rules.status).toBe(400);
    const ruleMessage = (await errorOf(rules)).message;
    for (const field of ["name:", "url:", "auth:"]) expect(ruleMessage).toContain(field);

    const basicWithoutColon = await create(adminAuth, body({ auth: "Basic", access_credential: "no-colon" }));
    expect(basicWithoutColon.status).toBe(400);
    expect((await errorOf(basicWithoutColon)).message).toBe("access_credential: Basic credentials are written username:password");
    const noCredential = await create(adminAuth, body({ auth: "Bearer", access_credential: "" }));
    expect(noCredential.status).toBe(400);
    expect((await errorOf(noCredential)).message).toContain("access_credential: A credential is required for Bearer authorization");
    const notJson = await create(adminAuth, "{name:");
    expect(notJson.status).toBe(400);

    expect(await db.scanner.count()).toBe(registrations);
    expect(await auditRowsSince(audits)).toBe(0);
  });

  it("a taken name is 409 and creates nothing", async () => {
    const one = await created();
    const before = await db.scanner.count();
    const res = await create(adminAuth, body({ name: one.name }));
    expect(res.status).toBe(409);
    expect((await errorOf(res)).message).toContain("already exists");
    expect(await db.scanner.count()).toBe(before);
  });

  it("auditors read and change nothing (403 with one failure row each); other users 403; anonymous callers 401", async () => {
    const one = await created();
    const before = await snapshot(one.uuid);
    expect((await list(auditorAuth)).status).toBe(200);
    expect((await get(auditorAuth, one.uuid)).status).toBe(200);
    expect((await metadata(auditorAuth, one.uuid)).status).toBe(200);
    const registrations = await db.scanner.count();
    const refused: [string, () => Promise<Response>][] = [
      ["scanner.create", () => create(auditorAuth, body())],
      ["scanner.update", () => put(auditorAuth, one.uuid, { description: "changed" })],
      ["scanner.set_default", () => patch(auditorAuth, one.uuid, { is_default: true })],
      ["scanner.delete", () => del(auditorAuth, one.uuid)],
      ["scanner.ping", () => ping(auditorAuth, { url: adapterUrl, auth: "Bearer", access_credential: key })],
    ];
    for (const [action, run] of refused) {
      const failures = await db.auditEvent.count({ where: { action, result: "failure" } });
      const res = await run();
      expect(res.status, action).toBe(403);
      expect(await db.auditEvent.count({ where: { action, result: "failure" } }), action).toBeGreaterThan(failures);
    }
    for (const run of [() => list(userAuth), () => get(userAuth, one.uuid), () => metadata(userAuth, one.uuid), () => create(userAuth, body()), () => del(userAuth, one.uuid)]) {
      expect((await run()).status).toBe(403);
    }
    for (const run of [() => list(undefined), () => get(undefined, one.uuid), () => create(undefined, body()), () => put(undefined, one.uuid, { description: "x" }), () => del(undefined, one.uuid)]) {
      expect((await run()).status).toBe(401);
    }
    expect(await snapshot(one.uuid)).toEqual(before);
    expect(await db.scanner.count()).toBe(registrations);
  });
});

describe("/scanners/{registration_id}", () => {
  it("PUT changes what is sent (one scanner.update row) and keeps the credential when it is absent or the mask", async () => {
    const one = await created();
    const sealed = (await snapshot(one.uuid)).credentialSealed;
    const audits = await auditCount();
    expect((await put(adminAuth, one.uuid, { description: "changed", access_credential: "*****" })).status).toBe(200);
    expect(await auditRowsSince(audits)).toBe(1);
    const after = (await (await get(adminAuth, one.uuid)).json()) as Registration;
    expect(after).toMatchObject({ name: one.name, description: "changed", auth: "Bearer", access_credential: "*****", url: adapterUrl });
    expect((await snapshot(one.uuid)).credentialSealed).toBe(sealed);
    // The credential still opens: the stored registration answers the adapter's metadata.
    expect((await metadata(adminAuth, one.uuid)).status).toBe(200);
    // auth "" drops the credential.
    expect((await put(adminAuth, one.uuid, { auth: "" })).status).toBe(200);
    expect(((await (await get(adminAuth, one.uuid)).json()) as Registration).access_credential).toBe("");
    expect((await snapshot(one.uuid)).credentialSealed).toBeNull();
  });

  it("a bad PUT is a 400 naming the field with nothing changed; an unknown uuid 404; the default cannot be disabled (409)", async () => {
    const one = await created();
    const before = await snapshot(one.uuid);
    const audits = await auditCount();
    const bad = await put(adminAuth, one.uuid, { url: "not a url", description: "should not be saved" });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toMatch(/^url: /);
    const noCredential = await put(adminAuth, one.uuid, { auth: "Basic" });
    expect(noCredential.status).toBe(400);
    expect((await errorOf(noCredential)).message).toContain("access_credential:");
    expect(await snapshot(one.uuid)).toEqual(before);
    expect(await auditRowsSince(audits)).toBe(0);
    expect((await put(adminAuth, "00000000-0000-4000-8000-000000000000", { description: "x" })).status).toBe(404);
    expect((await get(adminAuth, "not-a-uuid")).status).toBe(404);

    expect((await patch(adminAuth, one.uuid, { is_default: true })).status).toBe(200);
    const disable = await put(adminAuth, one.uuid, { disabled: true });
    expect(disable.status).toBe(409);
    expect((await snapshot(one.uuid)).disabled).toBe(false);
  });

  it("PATCH {is_default: true} moves the default (exactly one, one scanner.set_default row); false and disabled ones are refused", async () => {
    const a = await created();
    const b = await created();
    const audits = await auditCount();
    expect((await patch(adminAuth, a.uuid, { is_default: true })).status).toBe(200);
    expect(await auditRowsSince(audits)).toBe(1);
    expect((await patch(adminAuth, b.uuid, { is_default: true })).status).toBe(200);
    expect((await db.scanner.findMany({ where: { isDefault: true }, select: { uuid: true } })).map((s) => s.uuid)).toEqual([b.uuid]);
    expect(((await (await get(adminAuth, b.uuid)).json()) as Registration).is_default).toBe(true);

    const no = await patch(adminAuth, a.uuid, { is_default: false });
    expect(no.status).toBe(400);
    expect((await errorOf(no)).message).toContain("is_default:");
    const disabled = await created({ disabled: true });
    expect((await patch(adminAuth, disabled.uuid, { is_default: true })).status).toBe(409);
    expect((await db.scanner.findMany({ where: { isDefault: true }, select: { uuid: true } })).map((s) => s.uuid)).toEqual([b.uuid]);
  });

  it("DELETE answers the deleted registration (one scanner.delete row), then 404; the default is refused (409) and stays", async () => {
    const one = await created();
    const keep = await created();
    expect((await patch(adminAuth, keep.uuid, { is_default: true })).status).toBe(200);
    const refused = await del(adminAuth, keep.uuid);
    expect(refused.status).toBe(409);
    expect(await db.scanner.count({ where: { uuid: keep.uuid } })).toBe(1);
    const audits = await auditCount();
    const res = await del(adminAuth, one.uuid);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ uuid: one.uuid, name: one.name, access_credential: "*****" });
    expect(await auditRowsSince(audits)).toBe(1);
    expect((await get(adminAuth, one.uuid)).status).toBe(404);
    expect((await del(adminAuth, one.uuid)).status).toBe(404);
  });

  it("GET /metadata reads the adapter now, stores nothing and writes no row; an adapter that is down is a 400 naming it", async () => {
    const one = await created();
    const before = await snapshot(one.uuid);
    const audits = await auditCount();
    const res = await metadata(adminAuth, one.uuid);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { scanner: { name: string; vendor: string }; capabilities: { consumes_mime_types: string[]; produces_mime_types: string[] }[] };
    expect(answer.scanner).toMatchObject({ name: expect.any(String), vendor: expect.any(String) });
    expect(answer.capabilities.flatMap((c) => c.produces_mime_types)).toContain("application/vnd.security.vulnerability.report; version=1.1");
    expect(await snapshot(one.uuid)).toEqual(before);
    expect(await auditRowsSince(audits)).toBe(0);

    const dead = await created({ url: deadUrl });
    const down = await metadata(adminAuth, dead.uuid);
    expect(down.status).toBe(400);
    expect((await errorOf(down)).message).toContain(dead.name);
  });
});

describe("/scanners/ping", () => {
  it("200 when the adapter answers with the settings sent, 400 naming the cause otherwise; one scanner.ping row each", async () => {
    const registrations = await db.scanner.count();
    let audits = await auditCount();
    expect((await ping(adminAuth, { name: "probe", url: adapterUrl, auth: "Bearer", access_credential: key })).status).toBe(200);
    expect(await auditRowsSince(audits)).toBe(1);

    audits = await auditCount();
    const wrongKey = await ping(adminAuth, { url: adapterUrl, auth: "Bearer", access_credential: "wrong" });
    expect(wrongKey.status).toBe(400);
    expect((await errorOf(wrongKey)).message).toMatch(/401|refused|credential|authoriz/i);
    expect(await auditRowsSince(audits)).toBe(1);

    const unreachable = await ping(adminAuth, { url: deadUrl });
    expect(unreachable.status).toBe(400);
    expect((await errorOf(unreachable)).message).toContain(`Cannot reach the scanner at ${new URL(deadUrl).origin}`);

    audits = await auditCount();
    const badUrl = await ping(adminAuth, { url: "nope", auth: "Bearer" });
    expect(badUrl.status).toBe(400);
    const message = (await errorOf(badUrl)).message;
    expect(message).toContain("url:");
    expect(message).toContain("access_credential:");
    expect(await auditRowsSince(audits)).toBe(0);
    expect(await db.scanner.count()).toBe(registrations);
  });
});

describe("/projects/{project_name_or_id}/scanner", () => {
  const getFor = (auth: string | undefined, project: string) => call(projectScannerRoute.GET, apiRequest(`/projects/${project}/scanner`, { auth }), { project_name_or_id: project });
  const putFor = (auth: string | undefined, project: string, payload: unknown) =>
    call(projectScannerRoute.PUT, apiRequest(`/projects/${project}/scanner`, { method: "PUT", auth, body: payload }), { project_name_or_id: project });
  const candidatesFor = (auth: string | undefined, project: string, query = "") =>
    call(candidatesRoute.GET, apiRequest(`/projects/${project}/scanner/candidates${query}`, { auth }), { project_name_or_id: project });

  it("members read the default until the project chooses; Project Admins choose by uuid (one project_scanner.update row); others are refused", async () => {
    const fallback = await created();
    expect((await patch(adminAuth, fallback.uuid, { is_default: true })).status).toBe(200);
    const own = await created();
    const project = await createProject();
    const owner = basic((await createMember(project.id, 1)).username);
    const guest = basic((await createMember(project.id, 3)).username);

    const initial = await getFor(guest, project.name);
    expect(initial.status).toBe(200);
    expect(await initial.json()).toMatchObject({ uuid: fallback.uuid, is_default: true, access_credential: "*****" });

    const audits = await auditCount();
    expect((await putFor(owner, project.name, { uuid: own.uuid })).status).toBe(200);
    expect(await auditRowsSince(audits)).toBe(1);
    expect(await db.auditEvent.count({ where: { action: "project_scanner.update", projectId: project.id, result: "success" } })).toBe(1);
    expect(await (await getFor(guest, String(project.id))).json()).toMatchObject({ uuid: own.uuid });

    // Refused: the guest (403, one failure row), the auditor (403), a non-member of the private project (404), anonymous (401).
    const failures = await db.auditEvent.count({ where: { action: "project_scanner.update", projectId: project.id, result: "failure" } });
    expect((await putFor(guest, project.name, { uuid: fallback.uuid })).status).toBe(403);
    expect(await db.auditEvent.count({ where: { action: "project_scanner.update", projectId: project.id, result: "failure" } })).toBe(failures + 1);
    expect((await putFor(auditorAuth, project.name, { uuid: fallback.uuid })).status).toBe(403);
    expect((await putFor(userAuth, project.name, { uuid: fallback.uuid })).status).toBe(404);
    expect((await getFor(userAuth, project.name)).status).toBe(404);
    expect((await putFor(undefined, project.name, { uuid: fallback.uuid })).status).toBe(401);
    expect(await db.projectScanner.findUnique({ where: { projectId: project.id }, select: { scanner: { select: { uuid: true } } } })).toEqual({ scanner: { uuid: own.uuid } });
  });

  it("an unknown, malformed or disabled scanner is a 400 at uuid, and the choice stays", async () => {
    const own = await created();
    const disabled = await created({ disabled: true });
    const project = await createProject();
    const owner = basic((await createMember(project.id, 1)).username);
    expect((await putFor(owner, project.name, { uuid: own.uuid })).status).toBe(200);
    const audits = await auditCount();
    for (const [payload, message] of [
      [{ uuid: "00000000-0000-4000-8000-000000000000" }, "uuid: No such scanner"],
      [{ uuid: "x" }, "uuid: Must be a scanner registration id"],
      [{}, "uuid: Must be a scanner registration id"],
      [{ uuid: disabled.uuid }, `uuid: Scanner ${disabled.name} is disabled`],
    ] as const) {
      const res = await putFor(owner, project.name, payload);
      expect(res.status, JSON.stringify(payload)).toBe(400);
      expect((await errorOf(res)).message).toBe(message);
    }
    expect(await auditRowsSince(audits)).toBe(0);
    expect((await db.projectScanner.findUniqueOrThrow({ where: { projectId: project.id } })).scannerId).toBe((await snapshot(own.uuid)).id);
  });

  it("candidates: the enabled registrations, paged, for Project Admins, administrators and auditors", async () => {
    const prefix = uniqueName("cand");
    const enabled = await created({ name: `${prefix}-on` });
    await created({ name: `${prefix}-off`, disabled: true });
    const project = await createProject();
    const owner = basic((await createMember(project.id, 1)).username);
    const guest = basic((await createMember(project.id, 3)).username);
    for (const auth of [owner, adminAuth, auditorAuth]) {
      const res = await candidatesFor(auth, project.name, `?q=${encodeURIComponent(`name=~${prefix}`)}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-total-count")).toBe("1");
      expect(((await res.json()) as Registration[]).map((r) => r.uuid)).toEqual([enabled.uuid]);
    }
    expect((await candidatesFor(guest, project.name)).status).toBe(403);
    expect((await candidatesFor(userAuth, project.name)).status).toBe(404);
    expect((await candidatesFor(owner, project.name, "?page=0")).status).toBe(400);
  });
});

describe("what only the console calls", () => {
  it("setScannerDisabled changes only `disabled` (one scanner.update row); the default is refused (409) and auditors 403, nothing changed", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const auditor = await createTestUser({ isAuditor: true });
    const one = await created();
    const { id } = await snapshot(one.uuid);
    const audits = await auditCount();
    await setScannerDisabled({ actor: actorFor(admin), scannerId: id, disabled: true });
    expect(await auditRowsSince(audits)).toBe(1);
    const after = await snapshot(one.uuid);
    expect(after).toMatchObject({ disabled: true, url: adapterUrl, name: one.name });
    await expect(setScannerDisabled({ actor: actorFor(auditor), scannerId: id, disabled: false })).rejects.toMatchObject({ status: 403 });
    expect((await snapshot(one.uuid)).disabled).toBe(true);
    await setScannerDisabled({ actor: actorFor(admin), scannerId: id, disabled: false });
    expect((await patch(adminAuth, one.uuid, { is_default: true })).status).toBe(200);
    await expect(setScannerDisabled({ actor: actorFor(admin), scannerId: id, disabled: true })).rejects.toMatchObject({ status: 409 });
    expect((await snapshot(one.uuid)).disabled).toBe(false);
  });

  it("clearProjectScanner: the project scans with the default again (one project_scanner.update row, after: null); a guest is refused", async () => {
    const fallback = await created();
    expect((await patch(adminAuth, fallback.uuid, { is_default: true })).status).toBe(200);
    const own = await created();
    const project = await createProject();
    const owner = await createMember(project.id, 1);
    const guest = await createMember(project.id, 3);
    expect((await call(projectScannerRoute.PUT, apiRequest(`/projects/${project.name}/scanner`, { method: "PUT", auth: basic(owner.username), body: { uuid: own.uuid } }), { project_name_or_id: project.name })).status).toBe(200);
    await expect(clearProjectScanner({ actor: actorFor(guest), projectId: project.id })).rejects.toMatchObject({ status: 403 });
    expect(await getProjectScanner({ actor: actorFor(guest), projectId: project.id })).toMatchObject({ own: true, scanner: { uuid: own.uuid } });
    const audits = await auditCount();
    expect(await clearProjectScanner({ actor: actorFor(owner), projectId: project.id })).toMatchObject({ own: false, scanner: { uuid: fallback.uuid } });
    expect(await auditRowsSince(audits)).toBe(1);
    const row = await db.auditEvent.findFirstOrThrow({ where: { action: "project_scanner.update", projectId: project.id, result: "success" }, orderBy: { id: "desc" } });
    expect(row.detail).toMatchObject({ before: own.name, after: null });
    expect(await db.projectScanner.count({ where: { projectId: project.id } })).toBe(0);
  });

  it("the Configuration form's choice: a scanner id, or empty for the system default; anything else is a field error", () => {
    expect(ZChooseProjectScanner.parse({ projectId: "3", scannerId: "" })).toEqual({ projectId: 3, scannerId: null });
    expect(ZChooseProjectScanner.parse({ projectId: "3", scannerId: "7" })).toEqual({ projectId: 3, scannerId: 7 });
    const bad = ZChooseProjectScanner.safeParse({ projectId: "3", scannerId: "seven" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join("."))).toEqual(["scannerId"]);
  });
});
