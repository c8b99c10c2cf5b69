import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The registry's port and Wharf's external URL are read once by getServerEnv(), before any test
// code runs; the registry itself starts in beforeAll on the port picked here.
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("registry-auth-tests-secret-key-0123456789")));

import { RegistryClient } from "@/lib/registry/client";
import { backingRegistryCredentials } from "@/lib/registry/backing-registry";
import { startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { removeProjectMember, updateProjectMember } from "@/lib/services/members/members";
import { updateProject } from "@/lib/services/projects/update-project";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";
import {
  callGateway,
  manifestFor,
  pushThroughGateway,
  registryErrorOf,
  tokenFor,
} from "@/lib/gateway/gateway-test-client";
import { basic, createMember, createProject, createRobot, db } from "@/lib/services/registry-auth/test-fixtures";
import { signRegistryToken } from "@/lib/services/registry-auth/token";
import { refreshRobotSecret, setRobotDisabled } from "@/lib/services/robots/robots";
import { resetUserPassword } from "@/lib/services/users/reset-user-password";
import { setUserSystemRole } from "@/lib/services/users/set-user-system-role";
import { actorFor, createTestUser } from "@/lib/testing/factories";

/**
 * Access revoked while a token is still valid (tokens live five minutes): the gateway checks the
 * subject's current grant on every repository request, so the revocation holds at the next one.
 * Every test first uses the token successfully, so the grant is in the gateway's cache when the
 * change is made: what is proved is the invalidation, not a first lookup.
 */

let tmp: string;
let registry: LocalRegistry;
// The registry accepts only the credentials Wharf sends (set for every test file by setup-env.ts).
const credentials = backingRegistryCredentials()!;
let backing: RegistryClient;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-revocation-test-"));
  registry = await startLocalRegistry({ dataDir: path.join(tmp, "data"), port: REGISTRY_PORT, credentials });
  backing = new RegistryClient({ baseUrl: registry.url, credentials });
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function projectAdmin(projectId: number) {
  const admin = await createMember(projectId, 1);
  return actorFor(admin);
}

function memberId(projectId: number, userId: number) {
  return db.projectMember.findUniqueOrThrow({ where: { projectId_userId: { projectId, userId } }, select: { id: true } }).then((m) => m.id);
}

/** A manifest PUT of a fresh config blob's manifest (the blob itself need not exist to be refused). */
function putManifest(token: string, repository: string, tag: string) {
  return callGateway(`/v2/${repository}/manifests/${tag}`, {
    method: "PUT",
    token,
    body: manifestFor(Buffer.from(JSON.stringify({ tag }))),
    headers: { "content-type": OCI_IMAGE_MANIFEST },
  });
}

describe("a member removed from the project", () => {
  it("is refused with the token obtained before: manifest PUT, blob GET and upload POST, with failure rows", async () => {
    const project = await createProject();
    const owner = await projectAdmin(project.id);
    const dev = await createMember(project.id, 2);
    const repository = `${project.name}/app`;
    const token = await tokenFor(basic(dev.username), `repository:${repository}:pull,push`);
    const { configDigest } = await pushThroughGateway(token, repository, "1.0");
    expect((await callGateway(`/v2/${repository}/blobs/${configDigest}`, { token })).status).toBe(200);

    await removeProjectMember({ actor: owner, input: { projectId: project.id, memberId: await memberId(project.id, dev.id) } });

    const put = await putManifest(token, repository, "2.0");
    expect(put.status).toBe(401);
    expect(put.headers.get("www-authenticate")).toContain(`scope="repository:${repository}:pull,push",error="insufficient_scope"`);
    expect(await registryErrorOf(put)).toMatchObject({ code: "UNAUTHORIZED", message: `Access to ${repository} requires pull and push permission.` });
    const blob = await callGateway(`/v2/${repository}/blobs/${configDigest}`, { token });
    expect(blob.status).toBe(401);
    expect((await registryErrorOf(blob)).code).toBe("UNAUTHORIZED");
    const upload = await callGateway(`/v2/${repository}/blobs/uploads/`, { method: "POST", token });
    expect(upload.status).toBe(401);
    expect((await registryErrorOf(upload)).code).toBe("UNAUTHORIZED");

    // Nothing reached the registry or the index.
    expect(await backing.headManifest(repository, "2.0")).toBeNull();
    expect(await db.artifact.count({ where: { repository: { name: repository } } })).toBe(1);
    // The push attempts are failure rows naming the removed member and why (blob reads are never recorded).
    const refusals = await db.auditEvent.findMany({ where: { projectId: project.id, result: "failure" }, orderBy: { id: "asc" } });
    expect(refusals.map((r) => [r.action, r.actorName, r.resourceName])).toEqual([
      ["artifact.push", dev.username, `${repository}:2.0`],
      ["artifact.push", dev.username, repository],
    ]);
    expect(refusals[0]?.reason).toMatch(/no longer holds pull and push/);
  });
});

describe("a robot disabled", () => {
  it("reads no blob and starts no upload with its earlier token; enabled again, a new token works", async () => {
    const project = await createProject();
    const owner = await projectAdmin(project.id);
    const robot = await createRobot(project, ["repository:pull", "repository:push"]);
    const repository = `${project.name}/ci`;
    const token = await tokenFor(basic(robot.name, robot.secret), `repository:${repository}:pull,push`);
    const { configDigest } = await pushThroughGateway(token, repository, "1");
    expect((await callGateway(`/v2/${repository}/blobs/${configDigest}`, { token })).status).toBe(200);

    await setRobotDisabled({ actor: owner, robotId: robot.id, disabled: true });

    for (const res of [
      await callGateway(`/v2/${repository}/blobs/${configDigest}`, { token }),
      await callGateway(`/v2/${repository}/blobs/uploads/`, { method: "POST", token }),
      await callGateway(`/v2/${repository}/manifests/1`, { token }),
    ]) {
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
      expect(await registryErrorOf(res)).toMatchObject({ code: "UNAUTHORIZED", message: expect.stringMatching(/no longer exists or is disabled/) });
    }

    await setRobotDisabled({ actor: owner, robotId: robot.id, disabled: false });
    const fresh = await tokenFor(basic(robot.name, robot.secret), `repository:${repository}:pull`);
    expect((await callGateway(`/v2/${repository}/blobs/${configDigest}`, { token: fresh })).status).toBe(200);
  });

  it("ends the tokens the old secret obtained when the secret is refreshed", async () => {
    const project = await createProject();
    const owner = await projectAdmin(project.id);
    const robot = await createRobot(project, ["repository:pull", "repository:push"]);
    // Tokens carry whole seconds: the project and robot made, and a token issued, seconds before the refresh.
    await db.project.update({ where: { id: project.id }, data: { createdAt: new Date(Date.now() - 10_000) } });
    await db.robot.update({ where: { id: robot.id }, data: { updatedAt: new Date(Date.now() - 10_000) } });
    const repository = `${project.name}/ci`;
    const { configDigest } = await pushThroughGateway(await tokenFor(basic(robot.name, robot.secret), `repository:${repository}:pull,push`), repository, "1");
    const old = await signRegistryToken(
      { subject: robot.name, access: [{ type: "repository", name: repository, actions: ["pull"] }] },
      { now: Date.now() - 5_000 },
    );
    expect((await callGateway(`/v2/${repository}/blobs/${configDigest}`, { token: old.token })).status).toBe(200);

    const { secret } = await refreshRobotSecret({ actor: owner, robotId: robot.id });

    const refused = await callGateway(`/v2/${repository}/blobs/${configDigest}`, { token: old.token });
    expect(refused.status).toBe(401);
    expect(await registryErrorOf(refused)).toMatchObject({ message: expect.stringMatching(/issued before this account's credentials last changed/) });
    const fresh = await tokenFor(basic(robot.name, secret), `repository:${repository}:pull`);
    expect((await callGateway(`/v2/${repository}/blobs/${configDigest}`, { token: fresh })).status).toBe(200);
  });
});

describe("a user's password reset by an administrator", () => {
  it("ends the registry tokens the old password obtained; a token for the new one works", async () => {
    const project = await createProject();
    const dev = await createMember(project.id, 2);
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    // Tokens carry whole seconds: the project and the password made, and a token issued, seconds before the reset.
    await db.project.update({ where: { id: project.id }, data: { createdAt: new Date(Date.now() - 10_000) } });
    await db.user.update({ where: { id: dev.id }, data: { passwordChangedAt: new Date(Date.now() - 10_000) } });
    const repository = `${project.name}/app`;
    const { configDigest } = await pushThroughGateway(await tokenFor(basic(dev.username), `repository:${repository}:pull,push`), repository, "1");
    const old = await signRegistryToken(
      { subject: dev.username, access: [{ type: "repository", name: repository, actions: ["pull", "push"] }] },
      { now: Date.now() - 5_000 },
    );
    expect((await callGateway(`/v2/${repository}/blobs/${configDigest}`, { token: old.token })).status).toBe(200);

    const newPassword = "Reset-by-admin-Passw0rd";
    await resetUserPassword({ actor: admin, input: { userId: dev.id, password: newPassword } });

    const refused = await callGateway(`/v2/${repository}/blobs/${configDigest}`, { token: old.token });
    expect(refused.status).toBe(401);
    expect(await registryErrorOf(refused)).toMatchObject({ message: expect.stringMatching(/issued before this account's credentials last changed/) });
    expect((await callGateway(`/v2/${repository}/blobs/uploads/`, { method: "POST", token: old.token })).status).toBe(401);
    const fresh = await tokenFor(basic(dev.username, newPassword), `repository:${repository}:pull`);
    expect((await callGateway(`/v2/${repository}/blobs/${configDigest}`, { token: fresh })).status).toBe(200);
  });
});

describe("a role lowered from Developer to Guest", () => {
  it("refuses the earlier token's push and still lets it pull", async () => {
    const project = await createProject();
    const owner = await projectAdmin(project.id);
    const dev = await createMember(project.id, 2);
    const repository = `${project.name}/app`;
    const token = await tokenFor(basic(dev.username), `repository:${repository}:pull,push`);
    const { configDigest, manifest } = await pushThroughGateway(token, repository, "1.0");

    await updateProjectMember({ actor: owner, input: { projectId: project.id, memberId: await memberId(project.id, dev.id), roleId: 3 } });

    const upload = await callGateway(`/v2/${repository}/blobs/uploads/`, { method: "POST", token });
    expect(upload.status).toBe(401);
    expect(upload.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    expect((await putManifest(token, repository, "2.0")).status).toBe(401);
    expect(await backing.headManifest(repository, "2.0")).toBeNull();

    const pulled = await callGateway(`/v2/${repository}/manifests/1.0`, { token, headers: { accept: OCI_IMAGE_MANIFEST } });
    expect(pulled.status).toBe(200);
    expect(Buffer.from(await pulled.arrayBuffer()).equals(manifest)).toBe(true);
    expect((await callGateway(`/v2/${repository}/blobs/${configDigest}`, { token })).status).toBe(200);
    const refusals = await db.auditEvent.findMany({ where: { projectId: project.id, result: "failure" }, select: { reason: true } });
    expect(refusals.map((r) => r.reason)).toEqual([
      `no longer holds push on ${repository} (revoked after the token was issued)`,
      `no longer holds push on ${repository} (revoked after the token was issued)`,
    ]);
  });
});

describe("other grant changes", () => {
  it("a project made private stops anonymous pulls with tokens issued while it was public", async () => {
    const project = await createProject({ isPublic: true });
    const owner = await projectAdmin(project.id);
    const repository = `${project.name}/pub`;
    const { configDigest } = await pushThroughGateway(await tokenFor(basic((await createMember(project.id, 2)).username), `repository:${repository}:pull,push`), repository, "1");
    const anonymous = await tokenFor(null, `repository:${repository}:pull`);
    expect((await callGateway(`/v2/${repository}/blobs/${configDigest}`, { token: anonymous })).status).toBe(200);

    await updateProject({ actor: owner, input: { projectId: project.id, isPublic: false } });

    const res = await callGateway(`/v2/${repository}/blobs/${configDigest}`, { token: anonymous });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
  });

  it("an administrator made auditor can no longer push with an earlier token", async () => {
    const project = await createProject();
    const root = await createTestUser({ isAdmin: true });
    const admin = await createTestUser({ isAdmin: true });
    const repository = `${project.name}/app`;
    const token = await tokenFor(basic(admin.username), `repository:${repository}:pull,push`);
    await pushThroughGateway(token, repository, "1");

    await setUserSystemRole({ actor: actorFor(root), input: { userId: admin.id, role: "auditor" } });

    expect((await callGateway(`/v2/${repository}/blobs/uploads/`, { method: "POST", token })).status).toBe(401);
  });
});

describe("the grant cache across Wharf processes", () => {
  it("is used until the grant version moves, which is what another instance's change does", async () => {
    const project = await createProject();
    const dev = await createMember(project.id, 2);
    const repository = `${project.name}/app`;
    const token = await tokenFor(basic(dev.username), `repository:${repository}:pull,push`);
    const { configDigest } = await pushThroughGateway(token, repository, "1");
    const blob = () => callGateway(`/v2/${repository}/blobs/${configDigest}`, { token });

    // Removed behind the services' back, version untouched: the cached grant still answers
    // (no membership query on this path).
    expect((await blob()).status).toBe(200);
    await db.projectMember.deleteMany({ where: { projectId: project.id, userId: dev.id } });
    expect((await blob()).status).toBe(200);
    // Another instance's service bumps the version in the transaction of its change: this process,
    // which made no change itself, refuses at the next request.
    await db.$transaction((tx) => bumpGrantVersion(tx));
    expect((await blob()).status).toBe(401);
  });
});
