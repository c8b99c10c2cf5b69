import { beforeAll, describe, expect, it, vi } from "vitest";

/*
 * The auditor reads everything: as a system auditor who is a member of nothing, every read
 * service answers for a PRIVATE project and for the system pages, writes no refusal row, and
 * never hands out a secret. (That every mutation refuses the auditor, with one failure row each,
 * is the walk in lib/services/audit/audit-coverage.test.ts.)
 */

const REGISTRY_PORT = await vi.hoisted(async () => {
  const { findFreePort } = await import("@/lib/registry/local-registry");
  const port = await findFreePort();
  process.env.WHARF_REGISTRY_URL = `http://127.0.0.1:${port}`;
  process.env.WHARF_EXTERNAL_URL = "http://wharf.test:3000";
  process.env.WHARF_SECRET_KEY ??= "auditor-reads-tests-secret-key-0123456789";
  return port;
});

import { randomBytes } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { apiRequest, basic } from "@/lib/api/test-kit";
import type { UserActor } from "@/lib/auth/actor";
import { listAuditEvents } from "@/lib/services/audit/list-audit-events";
import { listProjectAuditEvents } from "@/lib/services/audit/list-project-audit-events";
import { listOwnProjectPermissions } from "@/lib/services/authz/current-permissions";
import { listJobRuns } from "@/lib/services/jobs/job-runs";
import { listProjectMembers, getProjectMember } from "@/lib/services/members/members";
import { canCreateProjects } from "@/lib/services/projects/can-create-projects";
import { getProject } from "@/lib/services/projects/get-project";
import { listProjects } from "@/lib/services/projects/list-projects";
import { createMember, createProject, createRobot } from "@/lib/services/registry-auth/test-fixtures";
import { getArtifact, getBuildHistory, listArtifactTags } from "@/lib/services/repositories/get-artifact";
import { getRepository } from "@/lib/services/repositories/get-repository";
import { listArtifacts } from "@/lib/services/repositories/list-artifacts";
import { listRepositories } from "@/lib/services/repositories/list-repositories";
import { getRobot, listRobots } from "@/lib/services/robots/robots";
import { search } from "@/lib/services/search/search";
import { getSystemSettings } from "@/lib/services/settings/system-settings";
import { getSystemHealthDetails } from "@/lib/services/system/get-system-health";
import { getUser } from "@/lib/services/users/get-user";
import { listUsers } from "@/lib/services/users/list-users";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { reconcileIndexJob } from "@/lib/jobs/definitions";

const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "auditor-reads" });

let auditor: UserActor;
let fx: {
  project: { id: number; name: string };
  repository: string;
  digest: string;
  memberId: number;
  robotId: number;
  robotSecret: string;
  systemRobotId: number;
  reconcileRunId: number;
  userId: number;
  ownerName: string;
};
/** What getSystemSettings must report: the stored setting, or its default. */
let storedCreationRestriction: unknown;

beforeAll(async () => {
  auditor = actorFor(await createTestUser({ isAuditor: true }));
  const project = await createProject({ isPublic: false });
  const owner = await createMember(project.id, 1);
  const repository = `${project.name}/app`;
  const token = await h.tokenFor(owner.username, repository);
  const { image } = await h.pushImage(token, repository, ["1.0"]);
  const member = await db.projectMember.findFirstOrThrow({ where: { projectId: project.id, userId: owner.id }, select: { id: true } });
  const robot = await createRobot(project, ["repository:pull"]);
  // The system robot list and the job list are empty on a fresh database: one row each, so the
  // reads below have something to show.
  const systemRobot = await db.robot.create({
    data: { name: `robot$auditor-reads-${randomBytes(3).toString("hex")}`, level: "system", projectId: null, secretHash: "unused", creatorName: "test" },
  });
  const reconcileRun = await db.jobRun.create({
    data: { jobName: reconcileIndexJob.id, jobVersion: 1, trigger: "auditor-reads", status: "succeeded", finishedAt: new Date() },
  });
  const stored = await db.systemSetting.findUnique({ where: { key: "project_creation_restriction" } });
  storedCreationRestriction = stored?.value ?? "everyone";
  fx = {
    project,
    repository,
    digest: image.manifestDigest,
    memberId: member.id,
    robotId: robot.id,
    robotSecret: robot.secret,
    systemRobotId: systemRobot.id,
    reconcileRunId: reconcileRun.id,
    userId: owner.id,
    ownerName: owner.username,
  };
}, 120_000);

/** A read and what it must return: the run fails when either throws. */
function read<T>(name: string, call: () => Promise<T>, check: (value: T) => void): [string, () => Promise<void>] {
  return [name, async () => check(await call())];
}

/** Every read the console and the REST API make, as the auditor, each checked for the private project's content. */
const READS: [string, () => Promise<void>][] = [
  read("listProjects (private ones included)", () => listProjects({ actor: auditor, query: { q: fx.project.name, visibility: "private", page: 1, pageSize: 10 } }), (page) =>
    expect(page.rows.map((p) => p.name)).toEqual([fx.project.name]),
  ),
  read("getProject", () => getProject({ actor: auditor, project: fx.project.id }), (project) => expect(project).toMatchObject({ id: fx.project.id, name: fx.project.name, isPublic: false })),
  read("listOwnProjectPermissions", () => listOwnProjectPermissions({ actor: auditor, projectId: fx.project.id }), (perms) =>
    expect(perms).toEqual(expect.arrayContaining(["project:read", "repository:list", "artifact:read", "member:list", "robot:list", "log:list"])),
  ),
  read("listRepositories", () => listRepositories({ actor: auditor, projectId: fx.project.id, page: 1, pageSize: 10 }), (page) =>
    expect(page.rows.map((r) => r.name)).toEqual([fx.repository]),
  ),
  read("getRepository", () => getRepository({ actor: auditor, repository: fx.repository }), (repo) => expect(repo).toMatchObject({ name: fx.repository, projectId: fx.project.id, artifactCount: 1 })),
  read("listArtifacts", () => listArtifacts({ actor: auditor, repository: fx.repository, page: 1, pageSize: 10 }), (page) =>
    expect(page.rows.map((a) => [a.digest, a.tags.map((t) => t.name)])).toEqual([[fx.digest, ["1.0"]]]),
  ),
  read("getArtifact", () => getArtifact({ actor: auditor, repository: fx.repository, reference: "1.0" }), (artifact) => expect(artifact).toMatchObject({ repository: fx.repository, digest: fx.digest })),
  read("listArtifactTags", () => listArtifactTags({ actor: auditor, repository: fx.repository, reference: fx.digest, page: 1 }), (result) =>
    expect(result.tags.rows.map((t) => t.name)).toEqual(["1.0"]),
  ),
  read("getBuildHistory", () => getBuildHistory({ actor: auditor, repository: fx.repository, reference: fx.digest }), (history) =>
    expect(history?.map((h) => h.createdBy)).toEqual(["wharf test fixture: COPY files /"]),
  ),
  read("listProjectMembers", () => listProjectMembers({ actor: auditor, projectId: fx.project.id, query: { q: undefined, page: 1, pageSize: 10 } }), (page) =>
    expect(page.rows.map((m) => [m.username, m.roleId])).toEqual([[fx.ownerName, 1]]),
  ),
  read("getProjectMember", () => getProjectMember({ actor: auditor, projectId: fx.project.id, memberId: fx.memberId }), (member) =>
    expect(member).toMatchObject({ id: fx.memberId, userId: fx.userId, roleId: 1 }),
  ),
  read("listRobots (project)", () => listRobots({ actor: auditor, projectId: fx.project.id, page: 1, pageSize: 10 }), (page) =>
    expect(page.rows.map((r) => r.id)).toEqual([fx.robotId]),
  ),
  read("listRobots (system)", () => listRobots({ actor: auditor, projectId: null, page: 1, pageSize: 100 }), (page) =>
    expect(page.rows.map((r) => r.id)).toContain(fx.systemRobotId),
  ),
  read("getRobot", () => getRobot({ actor: auditor, robotId: fx.robotId }), (robot) => expect(robot).toMatchObject({ id: fx.robotId, projectId: fx.project.id })),
  read("search", () => search({ actor: auditor, q: fx.project.name }), (found) => {
    expect(found.projects.map((p) => p.name)).toEqual([fx.project.name]);
    expect(found.repositories.map((r) => r.name)).toEqual([fx.repository]);
  }),
  read("listProjectAuditEvents", () => listProjectAuditEvents({ actor: auditor, project: fx.project.id, filter: {}, pageSize: 10 }), (page) =>
    expect(page.rows.map((r) => [r.action, r.resourceName])).toEqual([["artifact.push", `${fx.repository}:1.0`]]),
  ),
  read("listAuditEvents", () => listAuditEvents({ actor: auditor, filter: { resourceIs: `${fx.repository}:1.0` }, pageSize: 10 }), (page) =>
    expect(page.rows.map((r) => [r.action, r.projectName])).toEqual([["artifact.push", fx.project.name]]),
  ),
  read("getSystemSettings", () => getSystemSettings({ actor: auditor }), (settings) => expect(settings.projectCreationRestriction).toBe(storedCreationRestriction)),
  read("getSystemHealthDetails", () => getSystemHealthDetails({ actor: auditor }), (health) =>
    expect(health.components.find((c) => c.name === "database")?.status).toBe("healthy"),
  ),
  read("listJobRuns", () => listJobRuns({ actor: auditor, jobName: reconcileIndexJob.id }), (runs) =>
    expect(runs.map((r) => [r.id, r.status])).toContainEqual([fx.reconcileRunId, "succeeded"]),
  ),
  read("listUsers", () => listUsers({ actor: auditor, query: { q: fx.ownerName, page: 1, pageSize: 10 } }), (page) =>
    expect(page.rows.map((u) => u.username)).toEqual([fx.ownerName]),
  ),
  read("getUser", () => getUser({ actor: auditor, userId: fx.userId }), (user) => expect(user).toMatchObject({ id: fx.userId, username: fx.ownerName })),
];

async function failureRowsOf(actor: UserActor): Promise<number> {
  return db.auditEvent.count({ where: { actorId: actor.id, result: "failure" } });
}

describe("a system auditor who is a member of no project", () => {
  it.each(READS)("%s answers with the private project's content and records no refusal", async (_name, readAndCheck) => {
    const before = await failureRowsOf(auditor);
    await readAndCheck();
    expect(await failureRowsOf(auditor)).toBe(before);
  });

  it("sees the private project in the list, with what it holds, and no member role", async () => {
    const page = await listProjects({ actor: auditor, query: { q: fx.project.name, visibility: "all", page: 1, pageSize: 10 } });
    expect(page.rows.map((p) => p.name)).toEqual([fx.project.name]);
    const repos = await listRepositories({ actor: auditor, projectId: fx.project.id, page: 1, pageSize: 10 });
    expect(repos.rows.map((r) => r.name)).toEqual([fx.repository]);
    const artifact = await getArtifact({ actor: auditor, repository: fx.repository, reference: "1.0" });
    expect(artifact.digest).toBe(fx.digest);
    const members = await listProjectMembers({ actor: auditor, projectId: fx.project.id, query: { q: undefined, page: 1, pageSize: 10 } });
    expect(members.total).toBe(1);
  });

  it("holds every read and list permission of the project and no write", async () => {
    const perms = await listOwnProjectPermissions({ actor: auditor, projectId: fx.project.id });
    expect(perms).toContain("log:list");
    expect(perms).toContain("robot:list");
    expect(perms.filter((p) => !/:(read|list)$/.test(p))).toEqual([]);
  });

  it("never receives a robot's secret or its hash", async () => {
    const robots = await listRobots({ actor: auditor, projectId: fx.project.id, page: 1, pageSize: 10 });
    const text = JSON.stringify([robots, await getRobot({ actor: auditor, robotId: fx.robotId })]);
    expect(text).toContain(`"id":${fx.robotId}`);
    expect(text).not.toContain(fx.robotSecret);
    expect(text).not.toMatch(/secret/i);
  });

  it("is not offered project creation", async () => {
    expect(await canCreateProjects(auditor)).toBe(false);
  });
});

// ---- REST: every GET endpoint answers the auditor ----------------------------------------------

const API_DIR = path.resolve(__dirname, "../../../app/api/v2.0");
function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? routeFiles(full) : entry === "route.ts" ? [full] : [];
  });
}
/** app/api/v2.0/projects/[project_name_or_id]/route.ts -> /projects/{project_name_or_id} */
const apiPathOf = (file: string) => `/${path.relative(API_DIR, path.dirname(file)).split(path.sep).join("/")}`.replace(/\[([^\]]+)\]/g, "{$1}");

/** The request each GET endpoint gets: a path (under /api/v2.0) and its decoded dynamic segments. */
function restReads(): Record<string, { url: string; params: Record<string, string> }> {
  const p = { project_name_or_id: fx.project.name };
  const r = { ...p, repository_name: "app" };
  const a = { ...r, reference: "1.0" };
  const base = `/projects/${fx.project.name}`;
  return {
    "/audit-logs": { url: "/audit-logs", params: {} },
    "/health": { url: "/health", params: {} },
    "/health/ready": { url: "/health/ready", params: {} },
    "/openapi.json": { url: "/openapi.json", params: {} },
    "/ping": { url: "/ping", params: {} },
    "/projects": { url: "/projects?public=false", params: {} },
    "/projects/{project_name_or_id}": { url: base, params: p },
    "/projects/{project_name_or_id}/logs": { url: `${base}/logs`, params: p },
    "/projects/{project_name_or_id}/members": { url: `${base}/members`, params: p },
    "/projects/{project_name_or_id}/members/{mid}": { url: `${base}/members/${fx.memberId}`, params: { ...p, mid: String(fx.memberId) } },
    "/projects/{project_name_or_id}/repositories": { url: `${base}/repositories`, params: p },
    "/projects/{project_name_or_id}/repositories/{repository_name}": { url: `${base}/repositories/app`, params: r },
    "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts": { url: `${base}/repositories/app/artifacts`, params: r },
    "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}": { url: `${base}/repositories/app/artifacts/1.0`, params: a },
    "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/tags": { url: `${base}/repositories/app/artifacts/1.0/tags`, params: a },
    "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/additions/build_history": {
      url: `${base}/repositories/app/artifacts/1.0/additions/build_history`,
      params: a,
    },
    "/robots": { url: `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${fx.project.id}`)}`, params: {} },
    "/robots/{robot_id}": { url: `/robots/${fx.robotId}`, params: { robot_id: String(fx.robotId) } },
    "/search": { url: `/search?q=${fx.project.name}`, params: {} },
    "/system/purgeaudit/schedule": { url: "/system/purgeaudit/schedule", params: {} },
    "/users": { url: "/users", params: {} },
    "/users/{user_id}": { url: `/users/${fx.userId}`, params: { user_id: String(fx.userId) } },
    "/users/current": { url: "/users/current", params: {} },
    "/users/current/permissions": { url: `/users/current/permissions?scope=/project/${fx.project.id}`, params: {} },
    "/users/search": { url: `/users/search?username=${auditor.username}`, params: {} },
  };
}

describe("the REST API, as the auditor (Basic auth)", () => {
  const files = routeFiles(API_DIR).filter((f) => !f.includes("[..."));

  it("has a request for every GET endpoint (a new one needs an entry here)", async () => {
    const gets: string[] = [];
    for (const file of files) if ("GET" in ((await import(file)) as object)) gets.push(apiPathOf(file));
    expect(gets.sort()).toEqual(Object.keys(restReads()).sort());
  });

  it("answers every GET endpoint with 200, with the private project's content", async () => {
    const failures: string[] = [];
    for (const file of files) {
      const mod = (await import(file)) as { GET?: (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response> };
      if (!mod.GET) continue;
      const read = restReads()[apiPathOf(file)];
      if (!read) continue;
      const res = await mod.GET(apiRequest(read.url, { auth: basic(auditor.username) }), { params: Promise.resolve(read.params) });
      const text = await res.text();
      if (res.status !== 200) failures.push(`${read.url}: ${res.status} ${text.slice(0, 200)}`);
      if (text.includes(fx.robotSecret)) failures.push(`${read.url}: a robot secret`);
    }
    expect(failures).toEqual([]);
  });
});
