import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as projectsRoute from "@/app/api/v2.0/projects/route";
import * as remoteProjectsRoute from "@/app/api/v2.0/registries/[id]/projects/route";
import * as registriesRoute from "@/app/api/v2.0/registries/route";
import { apiRequest, basic, call, errorOf } from "@/lib/api/test-kit";
import type { UserActor } from "@/lib/auth/actor";
import { ConflictError, ForbiddenError } from "@/lib/errors";
import { OCI_IMAGE_CONFIG, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { endpointClient } from "@/lib/registry/endpoint";
import { findFreePort, startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { createRegistry, endpointConnection, listRemoteProjects, testRegistryConnection } from "@/lib/services/registries/registries";
import { actorFor, createTestUser, db, TEST_PASSWORD, uniqueName } from "@/lib/testing/factories";

// A real Distribution registry serving https with a certificate signed by a test CA made here with
// openssl (SAN IP:127.0.0.1), and a second CA that signed nothing; and this app's own REST handler
// for GET /api/v2.0/projects served over loopback HTTP as a real Wharf remote. Nothing mocked.

const run = promisify(execFile);
const CREDENTIALS = { username: "tls-remote", password: "tls-remote-Passw0rd" };

let tmp: string;
let registry: LocalRegistry;
let caPem: string;
let wrongCaPem: string;
let admin: UserActor;
let auditor: UserActor;
let plainUser: UserActor;
let wharf: Server;
let wharfUrl: string;
let adminUsername: string;

async function makeCa(dir: string, name: string): Promise<{ key: string; cert: string }> {
  const key = path.join(dir, `${name}-key.pem`);
  const cert = path.join(dir, `${name}-cert.pem`);
  await run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", `/CN=${name}`]);
  return { key, cert };
}

/** This app's GET /api/v2.0/projects handler on a loopback port: a real Wharf REST API to list projects from. */
async function serveProjectsApi(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (req.method !== "GET" || url.pathname !== "/api/v2.0/projects") {
        res.writeHead(404).end();
        return;
      }
      const headers: Record<string, string> = { "x-wharf-client-ip": "127.0.0.1" };
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      const answer = await projectsRoute.GET(new NextRequest(new URL(`${url.pathname}${url.search}`, "http://127.0.0.1:3000"), { headers }), { params: Promise.resolve({}) });
      const out: Record<string, string> = {};
      answer.headers.forEach((v, k) => (out[k] = v));
      res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
    })().catch(() => res.writeHead(500).end());
  });
  const port = await findFreePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${port}` };
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-registry-tls-"));
  const ca = await makeCa(tmp, "wharf-test-ca");
  const wrong = await makeCa(tmp, "wharf-other-ca");
  const key = path.join(tmp, "server-key.pem");
  const csr = path.join(tmp, "server.csr");
  const cert = path.join(tmp, "server-cert.pem");
  await run("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]);
  await run("openssl", ["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-out", cert, "-days", "2", "-copy_extensions", "copy"]);
  caPem = await readFile(ca.cert, "utf8");
  wrongCaPem = await readFile(wrong.cert, "utf8");
  registry = await startLocalRegistry({ dataDir: path.join(tmp, "tls-registry"), credentials: CREDENTIALS, tls: { certificateFile: cert, keyFile: key } });
  const adminUser = await createTestUser({ isAdmin: true });
  adminUsername = adminUser.username;
  admin = actorFor(adminUser);
  auditor = actorFor(await createTestUser({ isAuditor: true }));
  plainUser = actorFor(await createTestUser());
  ({ server: wharf, url: wharfUrl } = await serveProjectsApi());
}, 90_000);

afterAll(async () => {
  await registry?.stop();
  if (wharf) await new Promise<void>((resolve) => wharf.close(() => resolve()));
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const settings = (overrides: Record<string, unknown> = {}) => ({
  type: "docker-registry",
  url: registry.url,
  credentialType: "basic",
  username: CREDENTIALS.username,
  secret: CREDENTIALS.password,
  ...overrides,
});

describe("registry endpoints over TLS", () => {
  it("serves https on 127.0.0.1", () => {
    expect(registry.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("Test connection: no CA and not insecure is a TLS error; the CA or insecure connects; a wrong CA is a TLS error", async () => {
    const plain = await testRegistryConnection({ actor: admin, input: settings() });
    expect(plain).toMatchObject({ ok: false, kind: "tls" });
    expect(plain.message).toMatch(/^TLS error talking to https:\/\/127\.0\.0\.1/);
    const withCa = await testRegistryConnection({ actor: admin, input: settings({ caCertificate: caPem }) });
    expect(withCa).toMatchObject({ ok: true, status: "healthy" });
    const insecure = await testRegistryConnection({ actor: admin, input: settings({ insecure: true }) });
    expect(insecure).toMatchObject({ ok: true });
    const wrongCa = await testRegistryConnection({ actor: admin, input: settings({ caCertificate: wrongCaPem }) });
    expect(wrongCa).toMatchObject({ ok: false, kind: "tls" });
    expect(wrongCa.message).toContain("signed by the CA certificate given");
  });

  it("a stored endpoint with the CA: Test connection, and the client (replication's) pushes, lists and pulls over TLS", async () => {
    const created = await createRegistry({ actor: admin, input: { ...settings({ caCertificate: caPem }), name: uniqueName("tls") } });
    expect(created.caCertificate).toBe(caPem.trim() + "\n");
    const audit = await db.auditEvent.findFirstOrThrow({ where: { resourceType: "registry_endpoint", resourceId: String(created.id), action: "registry_endpoint.create" } });
    expect(audit.detail).toMatchObject({ caCertificate: true, insecure: false });
    expect(JSON.stringify(audit.detail)).not.toContain("BEGIN CERTIFICATE");
    expect(await testRegistryConnection({ actor: admin, input: { registryId: created.id } })).toMatchObject({ ok: true });

    const endpoint = await endpointConnection({ actor: admin, registryId: created.id });
    expect(endpoint.tls).toEqual({ ca: created.caCertificate });
    const client = endpointClient(endpoint);
    const repository = `tls/${uniqueName("app")}`;
    const layer = randomBytes(4096);
    const config = new TextEncoder().encode(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }));
    const digest = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
    for (const blob of [layer, config]) {
      const { uploadUrl } = await client.startBlobUpload(repository);
      await client.uploadBlob(uploadUrl, digest(blob), new Blob([blob]).stream(), { size: blob.length });
    }
    const manifest = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_IMAGE_MANIFEST,
        config: { mediaType: OCI_IMAGE_CONFIG, digest: digest(config), size: config.length },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: digest(layer), size: layer.length }],
      }),
    );
    const pushed = await client.putManifest(repository, "1.0", OCI_IMAGE_MANIFEST, manifest);
    expect(await client.headManifest(repository, "1.0")).toMatchObject({ digest: pushed.digest });
    expect((await client.listCatalogPage()).repositories).toContain(repository);
    const pulled = await client.getBlob(repository, digest(layer));
    expect(Buffer.from(await new Response(pulled.stream).arrayBuffer()).equals(layer)).toBe(true);

    // The same endpoint without the CA cannot even be reached for its auth probe.
    await db.registryEndpoint.update({ where: { id: created.id }, data: { caCertificate: null } });
    await expect(endpointConnection({ actor: admin, registryId: created.id })).rejects.toThrow(/certificate/i);
  });

  it("a CA that is not PEM certificates is a 400 naming ca_certificate over REST, and nothing is written", async () => {
    const before = await db.registryEndpoint.count();
    const audits = await db.auditEvent.count({ where: { action: "registry_endpoint.create" } });
    const bodyWith = (ca: string) => ({
      name: uniqueName("badca"),
      url: registry.url,
      type: "docker-registry",
      credential: { type: "basic", access_key: CREDENTIALS.username, access_secret: CREDENTIALS.password },
      ca_certificate: ca,
    });
    const cases: [string, RegExp][] = [
      ["not a certificate", /PEM certificates/],
      ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", /not a valid PEM X\.509 certificate/],
      [`${caPem}\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----`, /Only certificates/],
    ];
    for (const [ca, message] of cases) {
      const res = await call(registriesRoute.POST, apiRequest("/registries", { method: "POST", auth: basic(adminUsername), body: bodyWith(ca) }), {});
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error.message).toContain("ca_certificate");
      expect(error.message).toMatch(message);
    }
    expect(await db.registryEndpoint.count()).toBe(before);
    expect(await db.auditEvent.count({ where: { action: "registry_endpoint.create" } })).toBe(audits);
  });
});

describe("a Harbor or Wharf endpoint's projects", () => {
  it("lists every project of a real Wharf REST API over more than one page, for administrators and auditors", async () => {
    const prefix = uniqueName("rp");
    await db.project.createMany({ data: Array.from({ length: 105 }, (_, i) => ({ name: `${prefix}-${String(i).padStart(3, "0")}` })) });
    const endpoint = await createRegistry({
      actor: admin,
      input: { name: uniqueName("wharf"), type: "wharf", url: wharfUrl, credentialType: "basic", username: adminUsername, secret: TEST_PASSWORD },
    });
    const listed = await listRemoteProjects({ actor: auditor, registryId: endpoint.id });
    const names = listed.projects.map((p) => p.name);
    const expected = Array.from({ length: 105 }, (_, i) => `${prefix}-${String(i).padStart(3, "0")}`);
    expect(names.filter((n) => n.startsWith(`${prefix}-`)).sort()).toEqual(expected);
    expect(new Set(names).size).toBe(names.length);
    expect(listed.projects.length).toBeGreaterThan(100);
    expect(listed).toMatchObject({ total: listed.projects.length, truncated: false });

    const res = await call(remoteProjectsRoute.GET, apiRequest(`/registries/${endpoint.id}/projects`, { auth: basic(adminUsername) }), { id: String(endpoint.id) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { name: string; project_id: number | null; public: boolean | null }[];
    expect(body.map((p) => p.name)).toEqual(expect.arrayContaining(expected));
    expect(res.headers.get("x-total-count")).toBe(String(body.length));
  });

  it("wrong credentials are a 400 saying so; a Docker Registry endpoint has no projects (409); others are refused with one failure row", async () => {
    const wrong = await createRegistry({
      actor: admin,
      input: { name: uniqueName("wharf"), type: "wharf", url: wharfUrl, credentialType: "basic", username: adminUsername, secret: "Not-the-Passw0rd" },
    });
    const res = await call(remoteProjectsRoute.GET, apiRequest(`/registries/${wrong.id}/projects`, { auth: basic(adminUsername) }), { id: String(wrong.id) });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toMatch(/^Wrong username or password: .* answered HTTP 401/);

    const plainRegistry = await createRegistry({ actor: admin, input: { ...settings({ caCertificate: caPem }), name: uniqueName("dr") } });
    await expect(listRemoteProjects({ actor: admin, registryId: plainRegistry.id })).rejects.toThrow(ConflictError);
    const conflict = await call(remoteProjectsRoute.GET, apiRequest(`/registries/${plainRegistry.id}/projects`, { auth: basic(adminUsername) }), { id: String(plainRegistry.id) });
    expect(conflict.status).toBe(409);
    expect((await errorOf(conflict)).message).toContain("a Docker Registry endpoint has no projects");

    const failures = () => db.auditEvent.count({ where: { action: "registry_endpoint.read", result: "failure", resourceId: String(wrong.id) } });
    const before = await failures();
    await expect(listRemoteProjects({ actor: plainUser, registryId: wrong.id })).rejects.toThrow(ForbiddenError);
    expect(await failures()).toBe(before + 1);
  });
});
