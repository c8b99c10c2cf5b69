import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as infoRoute from "@/app/api/v2.0/registries/[id]/info/route";
import * as registryRoute from "@/app/api/v2.0/registries/[id]/route";
import * as pingRoute from "@/app/api/v2.0/registries/ping/route";
import * as registriesRoute from "@/app/api/v2.0/registries/route";
import * as adaptersRoute from "@/app/api/v2.0/replication/adapters/route";
import { apiRequest, auditCount, basic, call, createTestUser, db, errorOf } from "@/lib/api/test-kit";
import { findFreePort, type LocalRegistry } from "@/lib/registry/local-registry";
import { uniqueName } from "@/lib/testing/factories";
import { startBasicRegistry } from "@/lib/testing/remote-registries";

// The REST surface against a real htpasswd Distribution registry; every answer is checked against
// the OpenAPI document by the test kit.

const CREDENTIALS = { username: "api-remote", password: "api-remote-Passw0rd" };
let tmp: string;
let remote: LocalRegistry;
let adminAuth: string;
let auditorAuth: string;
let userAuth: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-registries-api-"));
  remote = await startBasicRegistry(tmp, CREDENTIALS);
  adminAuth = basic((await createTestUser({ isAdmin: true })).username);
  auditorAuth = basic((await createTestUser({ isAuditor: true })).username);
  userAuth = basic((await createTestUser()).username);
}, 60_000);

afterAll(async () => {
  await remote?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

type Registry = { id: number; name: string; url: string; type: string; credential: { type: string; access_key: string; access_secret: string }; status: string; description: string };

const create = (auth: string, body: unknown) => call(registriesRoute.POST, apiRequest("/registries", { method: "POST", auth, body }), {});
const get = (auth: string, id: number) => call(registryRoute.GET, apiRequest(`/registries/${id}`, { auth }), { id: String(id) });
const put = (auth: string, id: number, body: unknown) => call(registryRoute.PUT, apiRequest(`/registries/${id}`, { method: "PUT", auth, body }), { id: String(id) });
const ping = (auth: string, body: unknown) => call(pingRoute.POST, apiRequest("/registries/ping", { method: "POST", auth, body }), {});

function body(overrides: Record<string, unknown> = {}) {
  return {
    name: uniqueName("remote"),
    url: remote.url,
    type: "docker-registry",
    description: "the remote",
    insecure: false,
    credential: { type: "basic", access_key: CREDENTIALS.username, access_secret: CREDENTIALS.password },
    ...overrides,
  };
}

async function created(overrides: Record<string, unknown> = {}): Promise<Registry> {
  const res = await create(adminAuth, body(overrides));
  expect(res.status).toBe(201);
  const id = Number(res.headers.get("location")?.split("/").pop());
  return (await (await get(adminAuth, id)).json()) as Registry;
}

describe("/registries", () => {
  it("POST creates (201, Location, one audit row); GET answers Harbor's Registry with the password masked", async () => {
    const audits = await auditCount();
    const res = await create(adminAuth, body());
    expect(res.status).toBe(201);
    expect(await auditCount()).toBe(audits + 1);
    const location = res.headers.get("location")!;
    expect(location).toMatch(/^\/api\/v2\.0\/registries\/\d+$/);
    const id = Number(location.split("/").pop());
    const answer = await get(auditorAuth, id);
    expect(answer.status).toBe(200);
    const text = await answer.text();
    expect(text).not.toContain(CREDENTIALS.password);
    expect(JSON.parse(text)).toMatchObject({ id, url: remote.url, type: "docker-registry", status: "unknown", credential: { type: "basic", access_key: CREDENTIALS.username, access_secret: "*****" } });
  });

  it("GET lists with paging headers and a name filter", async () => {
    const one = await created();
    const res = await call(registriesRoute.GET, apiRequest(`/registries?q=name%3D${one.name}&page_size=5`, { auth: adminAuth }), {});
    expect(res.status).toBe(200);
    expect(res.headers.get("x-total-count")).toBe("1");
    expect(((await res.json()) as Registry[]).map((r) => r.id)).toEqual([one.id]);
    const bad = await call(registriesRoute.GET, apiRequest("/registries?page_size=0", { auth: adminAuth }), {});
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toContain("page_size");
  });

  it("bad bodies are 400s naming Harbor's fields, and write nothing", async () => {
    const before = await db.registryEndpoint.count();
    const res = await create(adminAuth, { name: "", url: "not a url", type: "quay", credential: { type: "oauth" }, ca_certificate: "-----BEGIN" });
    expect(res.status).toBe(400);
    const { message } = await errorOf(res);
    for (const field of ["credential.type", "ca_certificate"]) expect(message).toContain(field);
    const res2 = await create(adminAuth, body({ url: "ftp://x", credential: { type: "basic", access_key: "" } }));
    expect(res2.status).toBe(400);
    const message2 = (await errorOf(res2)).message;
    for (const field of ["url", "credential.access_key", "credential.access_secret"]) expect(message2).toContain(`${field}:`);
    expect(await db.registryEndpoint.count()).toBe(before);
  });

  it("a taken name is 409", async () => {
    const one = await created();
    expect((await create(adminAuth, body({ name: one.name }))).status).toBe(409);
  });

  it("refuses writes to auditors and everything to other users (403)", async () => {
    const one = await created();
    expect((await create(auditorAuth, body())).status).toBe(403);
    expect((await put(auditorAuth, one.id, { description: "x" })).status).toBe(403);
    expect((await ping(auditorAuth, { id: one.id })).status).toBe(403);
    expect((await call(registryRoute.DELETE, apiRequest(`/registries/${one.id}`, { method: "DELETE", auth: auditorAuth }), { id: String(one.id) })).status).toBe(403);
    expect((await get(userAuth, one.id)).status).toBe(403);
    expect((await call(adaptersRoute.GET, apiRequest("/replication/adapters", { auth: userAuth }), {})).status).toBe(403);
  });
});

describe("/registries/{id}", () => {
  it("PUT changes what is sent and keeps the password when it is absent or the mask", async () => {
    const one = await created();
    expect((await put(adminAuth, one.id, { description: "changed", access_secret: "*****" })).status).toBe(200);
    const after = (await (await get(adminAuth, one.id)).json()) as Registry;
    expect(after).toMatchObject({ name: one.name, description: "changed", credential: { access_secret: "*****" } });
    expect((await ping(adminAuth, { id: one.id })).status).toBe(200);
    expect(((await (await get(adminAuth, one.id)).json()) as Registry).status).toBe("healthy");
    expect((await put(adminAuth, one.id, { name: "" })).status).toBe(400);
    expect((await put(adminAuth, 2_000_000_000, { description: "x" })).status).toBe(404);
  });

  it("DELETE removes it; then 404", async () => {
    const one = await created();
    const del = () => call(registryRoute.DELETE, apiRequest(`/registries/${one.id}`, { method: "DELETE", auth: adminAuth }), { id: String(one.id) });
    expect((await del()).status).toBe(200);
    expect((await get(adminAuth, one.id)).status).toBe(404);
    expect((await del()).status).toBe(404);
  });

  it("GET /info answers Harbor's RegistryInfo", async () => {
    const one = await created();
    const res = await call(infoRoute.GET, apiRequest(`/registries/${one.id}/info`, { auth: auditorAuth }), { id: String(one.id) });
    expect(res.status).toBe(200);
    const info = (await res.json()) as { type: string; supported_resource_filters: { type: string }[] };
    expect(info.type).toBe("docker-registry");
    expect(info.supported_resource_filters.map((f) => f.type)).toEqual(["name", "tag", "resource"]);
  });
});

describe("/registries/ping and /replication/adapters", () => {
  it("200 for working settings; 400 with the cause for a wrong password and a closed port", async () => {
    const settings = { type: "docker-registry", url: remote.url, credential_type: "basic", access_key: CREDENTIALS.username };
    expect((await ping(adminAuth, { ...settings, access_secret: CREDENTIALS.password })).status).toBe(200);
    const wrong = await ping(adminAuth, { ...settings, access_secret: "wrong-Passw0rd" });
    expect(wrong.status).toBe(400);
    const wrongText = (await errorOf(wrong)).message;
    expect(wrongText).toMatch(/^Wrong username or password/);
    expect(wrongText).not.toContain("wrong-Passw0rd");
    const closed = await ping(adminAuth, { type: "docker-registry", url: `http://127.0.0.1:${await findFreePort()}` });
    expect(closed.status).toBe(400);
    expect((await errorOf(closed)).message).toMatch(/^Cannot reach .*connection refused/);
    expect((await ping(adminAuth, { id: 2_000_000_000 })).status).toBe(404);
  });

  it("lists the registry types", async () => {
    const res = await call(adaptersRoute.GET, apiRequest("/replication/adapters", { auth: auditorAuth }), {});
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(["docker-hub", "docker-registry", "harbor", "wharf"]);
  });
});
