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
let fx: { project: { id: number; name: string }; repository: string; digest: string; memberId: number; robotId: number; robotSecret: string; userId: number };

beforeAll(async () => {
  auditor = actorFor(await createTestUser({ isAuditor: true }));
  const project = await createProject({ isPublic: false });
  const owner = await createMember(project.id, 1);
  const repository = `${project.name}/app`;
  const token = await h.tokenFor(owner.username, repository);
  const { image } = await h.pushImage(token, repository, ["1.0"]);
  const member = await db.projectMember.findFirstOrThrow({ where: { projectId: project.id, userId: owner.id }, select: { id: true } });
  const robot = await createRobot(project, ["repository:pull"]);
  fx = { project, repository, digest: image.manifestDigest, memberId: member.id, robotId: robot.id, robotSecret: robot.secret, userId: owner.id };
}, 120_000);

/** Every read the console and the REST API make, as the auditor. */
const READS: [string, () => Promise<unknown>][] = [
  ["listProjects (private ones included)", () => listProjects({ actor: auditor, query: { q: fx.project.name, visibility: "private", page: 1, pageSize: 10 } })],
  ["getProject", () => getProject({ actor: auditor, project: fx.project.id })],
  ["listOwnProjectPermissions", () => listOwnProjectPermissions({ actor: auditor, projectId: fx.project.id })],
  ["listRepositories", () => listRepositories({ actor: auditor, projectId: fx.project.id, page: 1, pageSize: 10 })],
  ["getRepository", () => getRepository({ actor: auditor, repository: fx.repository })],
  ["listArtifacts", () => listArtifacts({ actor: auditor, repository: fx.repository, page: 1, pageSize: 10 })],
  ["getArtifact", () => getArtifact({ actor: auditor, repository: fx.repository, reference: "1.0" })],
  ["listArtifactTags", () => listArtifactTags({ actor: auditor, repository: fx.repository, reference: fx.digest, page: 1 })],
  ["getBuildHistory", () => getBuildHistory({ actor: auditor, repository: fx.repository, reference: fx.digest })],
  ["listProjectMembers", () => listProjectMembers({ actor: auditor, projectId: fx.project.id, query: { q: undefined, page: 1, pageSize: 10 } })],
  ["getProjectMember", () => getProjectMember({ actor: auditor, projectId: fx.project.id, memberId: fx.memberId })],
  ["listRobots (project)", () => listRobots({ actor: auditor, projectId: fx.project.id, page: 1, pageSize: 10 })],
  ["listRobots (system)", () => listRobots({ actor: auditor, projectId: null, page: 1, pageSize: 10 })],
  ["getRobot", () => getRobot({ actor: auditor, robotId: fx.robotId })],
  ["search", () => search({ actor: auditor, q: fx.project.name })],
  ["listProjectAuditEvents", () => listProjectAuditEvents({ actor: auditor, project: fx.project.id, filter: {}, pageSize: 10 })],
  ["listAuditEvents", () => listAuditEvents({ actor: auditor, filter: {}, pageSize: 10 })],
  ["getSystemSettings", () => getSystemSettings({ actor: auditor })],
  ["getSystemHealthDetails", () => getSystemHealthDetails({ actor: auditor })],
  ["listJobRuns", () => listJobRuns({ actor: auditor, jobName: reconcileIndexJob.id })],
  ["listUsers", () => listUsers({ actor: auditor, query: { q: undefined, page: 1, pageSize: 10 } })],
  ["getUser", () => getUser({ actor: auditor, userId: fx.userId })],
];

async function failureRowsOf(actor: UserActor): Promise<number> {
  return db.auditEvent.count({ where: { actorId: actor.id, result: "failure" } });
}

describe("a system auditor who is a member of no project", () => {
  it.each(READS)("%s answers and records no refusal", async (_name, read) => {
    const before = await failureRowsOf(auditor);
    await expect(read()).resolves.toBeDefined();
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
