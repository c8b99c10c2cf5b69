import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The registry's port and Wharf's external URL are read once by getServerEnv(), before any test
// code runs; the registry itself starts in beforeAll on the port picked here.
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("registry-auth-tests-secret-key-0123456789")));

import { backingRegistryCredentials } from "@/lib/registry/backing-registry";
import { startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import {
  callGateway,
  callTokenService,
  manifestFor,
  pushThroughGateway,
  tokenFor,
  type GatewayCall,
} from "@/lib/gateway/gateway-test-client";
import { basic, createMember, createProject, db, uniqueProjectName } from "@/lib/services/registry-auth/test-fixtures";
import { createTestUser } from "@/lib/testing/factories";

let tmp: string;
let registry: LocalRegistry;
// The registry accepts only the credentials Wharf sends (set for every test file by setup-env.ts).
const credentials = backingRegistryCredentials()!;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-gateway-answers-test-"));
  registry = await startLocalRegistry({ dataDir: path.join(tmp, "data"), port: REGISTRY_PORT, credentials });
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const DIGEST = `sha256:${"a".repeat(64)}`;

/** Every kind of repository request, as (path under the repository, call options). */
function requestsFor(repository: string): [string, string, Omit<GatewayCall, "token" | "authorization">][] {
  return [
    ["manifest GET", `/v2/${repository}/manifests/1.0`, {}],
    ["manifest HEAD", `/v2/${repository}/manifests/1.0`, { method: "HEAD" }],
    ["manifest PUT", `/v2/${repository}/manifests/1.0`, { method: "PUT", body: manifestFor(Buffer.from("{}")), headers: { "content-type": OCI_IMAGE_MANIFEST } }],
    ["manifest DELETE", `/v2/${repository}/manifests/${DIGEST}`, { method: "DELETE" }],
    ["blob GET", `/v2/${repository}/blobs/${DIGEST}`, {}],
    ["blob HEAD", `/v2/${repository}/blobs/${DIGEST}`, { method: "HEAD" }],
    ["upload POST", `/v2/${repository}/blobs/uploads/`, { method: "POST" }],
    ["tags GET", `/v2/${repository}/tags/list`, {}],
  ];
}

/** What a client can observe of an answer, with the repository's name taken out. */
async function observed(res: Response, name: string) {
  const strip = (text: string | null) => text?.split(name).join("<repo>") ?? null;
  return {
    status: res.status,
    challenge: strip(res.headers.get("www-authenticate")),
    contentType: res.headers.get("content-type"),
    body: strip(await res.text()),
  };
}

describe("a caller without a grant", () => {
  it("gets the same answer for a missing project as for a private one, whoever it is", async () => {
    const priv = await createProject();
    const privRepo = `${priv.name}/app`;
    // Same length as the private project's name, so nothing (Content-Length included) differs.
    const missingRepo = `${uniqueProjectName()}/app`;
    expect(missingRepo.length).toBe(privRepo.length);
    const stranger = await createTestUser();

    const callers: [string, (repository: string, scope: string) => Promise<Pick<GatewayCall, "token" | "authorization">>][] = [
      ["no credentials", async () => ({})],
      ["an anonymous token", async (repository, actions) => ({ token: await tokenFor(null, `repository:${repository}:${actions}`) })],
      ["a non-member's token", async (repository, actions) => ({ token: await tokenFor(basic(stranger.username), `repository:${repository}:${actions}`) })],
      ["a non-member's Basic credentials", async () => ({ authorization: basic(stranger.username) })],
    ];
    for (const [who, credentialsFor] of callers) {
      for (const [what, , options] of requestsFor(privRepo)) {
        const actions = options.method === "DELETE" ? "delete" : options.method && options.method !== "HEAD" ? "pull,push" : "pull";
        const answers = [];
        for (const repository of [privRepo, missingRepo]) {
          const [, target] = requestsFor(repository).find(([label]) => label === what)!;
          const res = await callGateway(target, { ...options, ...(await credentialsFor(repository, actions)) });
          answers.push(await observed(res, repository));
        }
        expect.soft(answers[1], `${who}, ${what}`).toEqual(answers[0]);
        expect.soft(answers[0]!.status, `${who}, ${what}`).toBe(401);
      }
    }
    // Refused attempts with credentials are recorded alike: one failure row per push, pull
    // (manifest GET) and delete attempt, whether or not the project exists.
    const rowsFor = async (repository: string) =>
      (await db.auditEvent.findMany({ where: { resourceName: { startsWith: repository } }, orderBy: { id: "asc" } })).map((r) => [
        r.action,
        r.result,
        r.principalKind,
        r.resourceName?.replace(repository, "<repo>"),
      ]);
    const privateRows = await rowsFor(privRepo);
    expect(privateRows.length).toBeGreaterThan(0);
    expect(await rowsFor(missingRepo)).toEqual(privateRows);
  });

  it("with a grant elsewhere still gets the same answer (a member of another project)", async () => {
    const own = await createProject();
    const dev = await createMember(own.id, 2);
    const priv = await createProject();
    const privRepo = `${priv.name}/app`;
    const missingRepo = `${uniqueProjectName()}/app`;
    const answers = [];
    for (const repository of [privRepo, missingRepo]) {
      const token = await tokenFor(basic(dev.username), `repository:${repository}:pull,push`, `repository:${own.name}/app:pull,push`);
      answers.push(await observed(await callGateway(`/v2/${repository}/blobs/uploads/`, { method: "POST", token }), repository));
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ status: 401, body: expect.stringContaining("requires pull and push permission") });
  });
});

describe("X-Content-Type-Options: nosniff", () => {
  it("is on every /v2 answer: success, challenge, refusal, validation error, forwarded blob", async () => {
    const project = await createProject();
    const dev = await createMember(project.id, 2);
    const admin = await createTestUser({ isAdmin: true });
    const repository = `${project.name}/app`;
    const token = await tokenFor(basic(dev.username), `repository:${repository}:pull,push`);
    const { configDigest } = await pushThroughGateway(token, repository, "1.0");
    const adminToken = await tokenFor(basic(admin.username), "repository:gone-project/app:pull,push");

    const answers: [string, Response][] = [
      ["ping, no credentials (401)", await callGateway("/v2/")],
      ["ping with a token (200)", await callGateway("/v2/", { token })],
      ["manifest GET (200)", await callGateway(`/v2/${repository}/manifests/1.0`, { token, headers: { accept: OCI_IMAGE_MANIFEST } })],
      ["blob GET (200, forwarded)", await callGateway(`/v2/${repository}/blobs/${configDigest}`, { token })],
      ["blob HEAD (200)", await callGateway(`/v2/${repository}/blobs/${configDigest}`, { method: "HEAD", token })],
      ["upload POST (202)", await callGateway(`/v2/${repository}/blobs/uploads/`, { method: "POST", token })],
      ["tags GET (200)", await callGateway(`/v2/${repository}/tags/list`, { token })],
      ["manifest GET of a missing tag (404 from the registry)", await callGateway(`/v2/${repository}/manifests/nope`, { token })],
      ["insufficient scope (401)", await callGateway(`/v2/${repository}/manifests/${DIGEST}`, { method: "DELETE", token })],
      ["bad token (401)", await callGateway(`/v2/${repository}/tags/list`, { token: "e30.e30.e30" })],
      ["bad path (400)", await callGateway("/v2/solo/manifests/1")],
      ["bad method (405)", await callGateway(`/v2/${repository}/manifests/1.0`, { method: "POST" })],
      ["missing project, administrator (404)", await callGateway("/v2/gone-project/app/manifests/1", { token: adminToken })],
      ["catalog (200)", await callGateway("/v2/_catalog", { token: await tokenFor(basic(dev.username), "registry:catalog:*") })],
    ];
    for (const [what, res] of answers) {
      await res.body?.cancel();
      expect.soft(res.headers.get("x-content-type-options"), what).toBe("nosniff");
    }
    expect(answers.map(([, res]) => res.status)).toEqual([401, 200, 200, 200, 200, 202, 200, 404, 401, 401, 400, 405, 404, 200]);
  });

  it("is on every /service/token answer, errors included", async () => {
    const user = await createTestUser();
    const answers: [string, Response][] = [
      ["token (200)", await callTokenService("?service=wharf-registry&scope=repository:x/y:pull", { authorization: basic(user.username) })],
      ["anonymous without scope (401)", await callTokenService("?service=wharf-registry")],
      ["wrong password (401)", await callTokenService("?service=wharf-registry", { authorization: basic(user.username, "Wrong-passw0rd") })],
      ["wrong service (400)", await callTokenService("?service=elsewhere")],
      ["malformed scope (400)", await callTokenService("?service=wharf-registry&scope=nonsense")],
      ["POST (405)", await callTokenService("", { method: "POST" })],
    ];
    for (const [what, res] of answers) {
      await res.body?.cancel();
      expect.soft(res.headers.get("x-content-type-options"), what).toBe("nosniff");
    }
    expect(answers.map(([, res]) => res.status)).toEqual([200, 401, 401, 400, 400, 405]);
  });

  // Last: it stops the registry.
  it("is on the gateway's answer while the registry is down (503)", async () => {
    const project = await createProject();
    const dev = await createMember(project.id, 2);
    const repository = `${project.name}/app`;
    const token = await tokenFor(basic(dev.username), `repository:${repository}:pull`);
    await registry.stop();
    const res = await callGateway(`/v2/${repository}/tags/list`, { token });
    expect(res.status).toBe(503);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
