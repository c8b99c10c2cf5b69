import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserActor } from "@/lib/auth/actor";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "@/lib/errors";
import { endpointClient } from "@/lib/registry/endpoint";
import { findFreePort, type LocalRegistry } from "@/lib/registry/local-registry";
import {
  createRegistry,
  deleteRegistry,
  endpointConnection,
  getRegistry,
  listRegistries,
  testRegistryConnection,
  updateRegistry,
} from "@/lib/services/registries/registries";
import { startBasicRegistry, startOpenRegistry, startTokenRegistry, type TokenRegistry } from "@/lib/testing/remote-registries";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";

// Real Distribution registries (htpasswd, token, none), a plain HTTP server that is not a
// registry, an https server with a self-signed certificate, and a closed port; nothing mocked.

const run = promisify(execFile);
const CREDENTIALS = { username: "remote-user", password: "remote-Passw0rd-9f3k" };

let tmp: string;
let basicRegistry: LocalRegistry;
let openRegistry: LocalRegistry;
let token: TokenRegistry;
let notRegistry: Server;
let notRegistryUrl: string;
let tlsServer: Server;
let tlsUrl: string;
let closedUrl: string;
let admin: UserActor;
let auditor: UserActor;
let plainUser: UserActor;

async function listen(server: Server): Promise<number> {
  const port = await findFreePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return port;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-registries-test-"));
  [basicRegistry, openRegistry, token] = await Promise.all([startBasicRegistry(tmp, CREDENTIALS), startOpenRegistry(tmp), startTokenRegistry(tmp, CREDENTIALS)]);
  notRegistry = createHttpServer((_req, res) => res.writeHead(404, { "content-type": "text/html" }).end("<h1>Not Found</h1>"));
  notRegistryUrl = `http://127.0.0.1:${await listen(notRegistry)}`;
  const key = path.join(tmp, "tls-key.pem");
  const cert = path.join(tmp, "tls-cert.pem");
  await run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"]);
  tlsServer = createHttpsServer({ key: await readFile(key), cert: await readFile(cert) }, (_req, res) => res.writeHead(200).end("{}"));
  tlsUrl = `https://127.0.0.1:${await listen(tlsServer)}`;
  closedUrl = `http://127.0.0.1:${await findFreePort()}`;
  admin = actorFor(await createTestUser({ isAdmin: true }));
  auditor = actorFor(await createTestUser({ isAuditor: true }));
  plainUser = actorFor(await createTestUser());
}, 90_000);

afterAll(async () => {
  await Promise.all([basicRegistry?.stop(), openRegistry?.stop(), token?.registry.stop(), token?.issuer.stop()]);
  await Promise.all([notRegistry, tlsServer].map((s) => s && new Promise<void>((resolve) => s.close(() => resolve()))));
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

const basicInput = (overrides: Record<string, unknown> = {}) => ({
  name: uniqueName("reg"),
  type: "docker-registry",
  url: basicRegistry.url,
  credentialType: "basic",
  username: CREDENTIALS.username,
  secret: CREDENTIALS.password,
  description: "remote",
  ...overrides,
});

const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
const rowsFor = (id: number) => db.auditEvent.findMany({ where: { resourceType: "registry_endpoint", resourceId: String(id) }, orderBy: { id: "asc" } });

describe("registry endpoints: create, read, update, delete", () => {
  it("creates with one audit row; the password is sealed at rest and never in the answer, the list or the row", async () => {
    const created = await createRegistry({ actor: admin, input: basicInput({ url: `${basicRegistry.url}/` }) });
    expect(created).toMatchObject({ type: "docker-registry", url: basicRegistry.url, credentialType: "basic", username: "remote-user", hasSecret: true, status: "unknown" });
    const stored = await db.registryEndpoint.findUniqueOrThrow({ where: { id: created.id } });
    expect(stored.secretSealed).toMatch(/^v1\./);
    expect(stored.secretSealed).not.toContain(CREDENTIALS.password);
    const page = await listRegistries({ actor: auditor, query: { name: { op: "exact", value: created.name }, page: 1, pageSize: 10 } });
    const rows = await rowsFor(created.id);
    expect(rows.map((r) => [r.action, r.result])).toEqual([["registry_endpoint.create", "success"]]);
    const text = json([created, page, await getRegistry({ actor: auditor, registryId: created.id }), rows]);
    expect(page.rows.map((r) => r.id)).toEqual([created.id]);
    expect(text).not.toContain(CREDENTIALS.password);
    expect(text).not.toContain(stored.secretSealed!);
  });

  it("the sealed password opens only for its own row", async () => {
    const a = await createRegistry({ actor: admin, input: basicInput() });
    const b = await createRegistry({ actor: admin, input: basicInput({ secret: "another-Passw0rd" }) });
    const sealedA = (await db.registryEndpoint.findUniqueOrThrow({ where: { id: a.id } })).secretSealed;
    await db.registryEndpoint.update({ where: { id: b.id }, data: { secretSealed: sealedA } });
    await expect(endpointConnection({ actor: admin, registryId: b.id })).rejects.toThrow(/cannot be decrypted/);
    const endpoint = await endpointConnection({ actor: admin, registryId: a.id });
    expect(endpoint.auth).toEqual({ kind: "basic", credentials: CREDENTIALS });
  });

  it("bad input: field errors and nothing written", async () => {
    const before = await db.registryEndpoint.count();
    const audits = await db.auditEvent.count();
    const error = await rejection(createRegistry({ actor: admin, input: { name: " ", type: "quay", url: "ftp://x" } }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(Object.keys((error as ValidationError).fieldErrors).sort()).toEqual(["name", "type", "url"]);
    const noCredentials = await rejection(createRegistry({ actor: admin, input: basicInput({ username: "", secret: "" }) }));
    expect(Object.keys((noCredentials as ValidationError).fieldErrors).sort()).toEqual(["secret", "username"]);
    const withUserInUrl = await rejection(createRegistry({ actor: admin, input: basicInput({ url: "https://u:p@example.com" }) }));
    expect((withUserInUrl as ValidationError).fieldErrors.url).toEqual(["Put the credentials in their own fields, not in the URL"]);
    expect(await db.registryEndpoint.count()).toBe(before);
    expect(await db.auditEvent.count()).toBe(audits);
  });

  it("a taken name is a 409 on the name field", async () => {
    const first = await createRegistry({ actor: admin, input: basicInput() });
    const error = await rejection(createRegistry({ actor: admin, input: basicInput({ name: first.name }) }));
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).fieldErrors.name).toBeDefined();
  });

  it("update keeps the password when none is sent, replaces it when one is, and drops it with no credentials", async () => {
    const created = await createRegistry({ actor: admin, input: basicInput() });
    const sealed = (await db.registryEndpoint.findUniqueOrThrow({ where: { id: created.id } })).secretSealed;
    const renamed = await updateRegistry({ actor: admin, input: { ...basicInput({ name: `${created.name}-x`, description: "renamed" }), registryId: created.id, secret: undefined } });
    expect(renamed).toMatchObject({ name: `${created.name}-x`, description: "renamed", hasSecret: true });
    expect((await db.registryEndpoint.findUniqueOrThrow({ where: { id: created.id } })).secretSealed).toBe(sealed);
    expect((await testRegistryConnection({ actor: admin, input: { registryId: created.id } })).ok).toBe(true);

    await updateRegistry({ actor: admin, input: { ...basicInput({ name: renamed.name }), registryId: created.id, secret: "not-the-password" } });
    expect((await testRegistryConnection({ actor: admin, input: { registryId: created.id } })).ok).toBe(false);

    const none = await updateRegistry({ actor: admin, input: { ...basicInput({ name: renamed.name, url: openRegistry.url }), registryId: created.id, credentialType: "none" } });
    expect(none).toMatchObject({ credentialType: "none", username: "", hasSecret: false, status: "unknown" });
    const rows = await rowsFor(created.id);
    expect(rows.filter((r) => r.action === "registry_endpoint.update")).toHaveLength(3);
    expect(json(rows)).not.toContain("not-the-password");
    expect(json(rows)).not.toContain(CREDENTIALS.password);
  });

  it("delete removes the endpoint with one audit row; a missing one is a 404", async () => {
    const created = await createRegistry({ actor: admin, input: basicInput() });
    await deleteRegistry({ actor: admin, registryId: created.id });
    expect(await db.registryEndpoint.count({ where: { id: created.id } })).toBe(0);
    expect((await rowsFor(created.id)).map((r) => r.action)).toEqual(["registry_endpoint.create", "registry_endpoint.delete"]);
    await expect(deleteRegistry({ actor: admin, registryId: created.id })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("who may", () => {
  it("refuses every change and Test connection to non-administrators, with one failure row each and nothing written", async () => {
    const created = await createRegistry({ actor: admin, input: basicInput() });
    for (const actor of [auditor, plainUser]) {
      const before = await db.auditEvent.count({ where: { actorId: actor.id, result: "failure" } });
      await expect(createRegistry({ actor, input: basicInput() })).rejects.toBeInstanceOf(ForbiddenError);
      await expect(updateRegistry({ actor, input: { ...basicInput(), registryId: created.id } })).rejects.toBeInstanceOf(ForbiddenError);
      await expect(deleteRegistry({ actor, registryId: created.id })).rejects.toBeInstanceOf(ForbiddenError);
      await expect(testRegistryConnection({ actor, input: { registryId: created.id } })).rejects.toBeInstanceOf(ForbiddenError);
      await expect(endpointConnection({ actor, registryId: created.id })).rejects.toBeInstanceOf(ForbiddenError);
      const failures = await db.auditEvent.findMany({ where: { actorId: actor.id, result: "failure" }, orderBy: { id: "asc" }, skip: before });
      // The two identical ping refusals within a minute are one row counting both (see recordRefusal).
      expect(failures.flatMap((r) => Array<string>(r.repeatCount).fill(r.action)).sort()).toEqual([
        "registry_endpoint.create",
        "registry_endpoint.delete",
        "registry_endpoint.ping",
        "registry_endpoint.ping",
        "registry_endpoint.update",
      ]);
    }
    expect(await getRegistry({ actor: admin, registryId: created.id })).toMatchObject({ name: created.name, status: "unknown" });
  });

  it("lets auditors read and refuses reads to other users", async () => {
    const created = await createRegistry({ actor: admin, input: basicInput() });
    expect((await getRegistry({ actor: auditor, registryId: created.id })).id).toBe(created.id);
    await expect(getRegistry({ actor: plainUser, registryId: created.id })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listRegistries({ actor: plainUser, query: { page: 1, pageSize: 10 } })).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("Test connection", () => {
  const ping = (input: Record<string, unknown>) => testRegistryConnection({ actor: admin, input: { type: "docker-registry", credentialType: "none", ...input } });

  it("htpasswd registry: the right password connects (Basic), the wrong one says so", async () => {
    expect(await ping({ url: basicRegistry.url, credentialType: "basic", username: CREDENTIALS.username, secret: CREDENTIALS.password })).toMatchObject({ ok: true, status: "healthy" });
    const wrong = await ping({ url: basicRegistry.url, credentialType: "basic", username: CREDENTIALS.username, secret: "wrong-password" });
    expect(wrong).toMatchObject({ ok: false, kind: "credentials", status: "unhealthy" });
    expect(wrong.message).toMatch(/^Wrong username or password/);
    expect(wrong.message).toContain('"remote-user"');
    expect(wrong.message).not.toContain("wrong-password");
    expect((await ping({ url: basicRegistry.url })).ok).toBe(false);
  });

  it("token registry: the challenge is followed to the realm with the same credentials", async () => {
    expect(await ping({ url: token.registry.url, credentialType: "basic", username: CREDENTIALS.username, secret: CREDENTIALS.password })).toMatchObject({ ok: true });
    expect(await ping({ url: token.registry.url, credentialType: "basic", username: CREDENTIALS.username, secret: "wrong-password" })).toMatchObject({ ok: false, kind: "credentials" });
    expect(token.issuer.requests.some((r) => r.account === "remote-user" && r.granted)).toBe(true);
  });

  it("an open registry connects without credentials", async () => {
    expect(await ping({ url: openRegistry.url })).toMatchObject({ ok: true, status: "healthy" });
  });

  it("a web server that is not a registry, a closed port and a TLS error each say what is wrong", async () => {
    const notReg = await ping({ url: notRegistryUrl });
    expect(notReg).toMatchObject({ ok: false, kind: "not_registry" });
    expect(notReg.message).toContain("is not a container registry");
    const closed = await ping({ url: closedUrl });
    expect(closed).toMatchObject({ ok: false, kind: "unreachable" });
    expect(closed.message).toContain("connection refused");
    const tls = await ping({ url: tlsUrl });
    expect(tls).toMatchObject({ ok: false, kind: "tls" });
    expect(tls.message).toMatch(/^TLS error/);
  });

  it("a stored endpoint's outcome becomes its health, with one ping row each; unsaved settings change no endpoint", async () => {
    const created = await createRegistry({ actor: admin, input: basicInput({ url: token.registry.url }) });
    const healthy = await testRegistryConnection({ actor: admin, input: { registryId: created.id } });
    expect(healthy.ok).toBe(true);
    let row = await db.registryEndpoint.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.status).toBe("healthy");
    expect(row.statusCheckedAt).not.toBeNull();
    // The edit form tests changed settings with the stored password: the endpoint stays as it was.
    const other = await testRegistryConnection({ actor: admin, input: { registryId: created.id, type: "docker-registry", url: closedUrl, credentialType: "basic", username: CREDENTIALS.username } });
    expect(other).toMatchObject({ ok: false, kind: "unreachable" });
    row = await db.registryEndpoint.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.status).toBe("healthy");
    const rows = await rowsFor(created.id);
    expect(rows.map((r) => [r.action, (r.detail as { status?: string }).status])).toEqual([
      ["registry_endpoint.create", undefined],
      ["registry_endpoint.ping", "healthy"],
      ["registry_endpoint.ping", "unhealthy"],
    ]);
    // The stored endpoint connects as the copy engine will: the token flow, with the stored password.
    const endpoint = await endpointConnection({ actor: admin, registryId: created.id });
    expect(endpoint.auth).toEqual({ kind: "token", credentials: CREDENTIALS });
    await endpointClient(endpoint).listCatalogPage();
  });
});
