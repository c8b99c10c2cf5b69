import { beforeAll, describe, expect, it, vi } from "vitest";
import { ALL_REPOSITORIES, ALL_TAGS } from "@/lib/policy/selectors";

/*
 * The auditor reads everything: as a system auditor who is a member of nothing, every read
 * service answers for a PRIVATE project and for the system pages, writes no refusal row, and
 * never hands out a secret. (That every mutation refuses the auditor, with one failure row each,
 * is the walk in lib/services/audit/audit-coverage.test.ts.)
 */

const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("auditor-reads-tests-secret-key-0123456789")));

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
import { getRegistry, listRegistries } from "@/lib/services/registries/registries";
import { getReplicationPolicy, listReplicationPolicies } from "@/lib/services/replication/policies";
import { getReplicationExecution, getReplicationTaskLog, latestReplicationExecutions, listReplicationExecutions, listReplicationTasks } from "@/lib/services/replication/runs";
import { getRobot, listRobots } from "@/lib/services/robots/robots";
import { getVulnDbImport, getVulnDbStatus, listVulnDbImports } from "@/lib/services/scan/vuln-db-admin";
import { getProjectScanner, getScanner, getScannerByUuid, listProjectScannerCandidates, listScannerPage } from "@/lib/services/scan/scanners";
import { SBOM_REPORT_MIME } from "@/lib/scan/adapter/mime";
import { listReevaluationRuns } from "@/lib/services/scan/reevaluate";
import { getScanAllMetrics, getScanAllSchedule, listScanAllExecutions } from "@/lib/services/scan/scan-all";
import { artifactScanLog, artifactScansInProgress } from "@/lib/services/scan/stop-scan";
import { artifactScanOverviews, projectSecuritySummary, searchVulnerabilities, systemSecuritySummary } from "@/lib/services/scan/security";
import { search } from "@/lib/services/search/search";
import { getSystemSettings } from "@/lib/services/settings/system-settings";
import { getSystemHealthDetails } from "@/lib/services/system/get-system-health";
import { getUser } from "@/lib/services/users/get-user";
import { listUsers } from "@/lib/services/users/list-users";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { artifactScanJob, reconcileIndexJob, scanAllJob, vulnReevaluateJob } from "@/lib/jobs/definitions";

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
  registryId: number;
  replication: { policyId: number; policyName: string; executionId: number; taskId: number };
  reconcileRunId: number;
  retentionId: number;
  retentionExecutionId: number;
  retentionTaskId: number;
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
  const registry = await db.registryEndpoint.create({
    data: { name: `auditor-reads-${randomBytes(3).toString("hex")}`, type: "docker-registry", url: "https://registry.example.test", credentialType: "none" },
  });
  // A replication policy with one ended execution and its task (the console's Replications pages).
  const replicationPolicy = await db.replicationPolicy.create({
    data: { name: `auditor-reads-${randomBytes(3).toString("hex")}`, direction: "push", endpointId: registry.id, filters: { name: null, tag: null, resource: "image" } },
  });
  const replicationExecution = await db.replicationExecution.create({ data: { policyId: replicationPolicy.id, trigger: "manual", triggeredBy: "auditor-reads", status: "Succeed", endedAt: new Date() } });
  const replicationTask = await db.replicationTask.create({
    data: { executionId: replicationExecution.id, operation: "copy", resourceType: "image", srcRepository: repository, dstRepository: repository, digest: image.manifestDigest, tags: ["1.0"], status: "Succeed", log: "copied\n" },
  });
  // A retention policy with one (finished, dry) execution, and an immutability rule: written
  // directly, as the policy services' own tests cover writing them.
  const retention = await db.retentionPolicy.create({ data: { projectId: project.id, rules: [] } });
  const retentionRun = await db.jobRun.create({
    data: { jobName: "retention.run", jobVersion: 1, trigger: "auditor-reads", status: "succeeded", finishedAt: new Date() },
  });
  const execution = await db.retentionExecution.create({
    data: { policyId: retention.id, projectId: project.id, runId: retentionRun.id, dryRun: true, trigger: "auditor-reads", rules: [], startedAt: new Date() },
  });
  const retentionTask = await db.jobRun.create({
    data: { jobName: "retention.repository", jobVersion: 1, trigger: "auditor-reads", status: "succeeded", parentRunId: retentionRun.id, payload: { executionId: execution.id, repositoryId: 1, repository }, log: "task log line\n", finishedAt: new Date() },
  });
  // The system default (keep everything, no schedule, as the retention tests set it), so its read answers 200.
  await db.retentionPolicy.upsert({
    where: { systemDefault: true },
    create: { systemDefault: true, rules: [{ template: "always", repositories: ALL_REPOSITORIES, tags: ALL_TAGS }] },
    update: {},
  });
  // Disabled: shown to the auditor, enforced on no push of the other cases.
  await db.tagNamingPolicy.create({ data: { projectId: project.id, pattern: "v[0-9.]+", enabled: false } });
  await db.immutableTagRule.create({
    data: { projectId: project.id, position: 0, repositories: { decoration: "matches", kind: "doublestar", pattern: "**" }, tags: { decoration: "matches", kind: "doublestar", pattern: "v*", untagged: false } },
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
    registryId: registry.id,
    replication: { policyId: replicationPolicy.id, policyName: replicationPolicy.name, executionId: replicationExecution.id, taskId: replicationTask.id },
    reconcileRunId: reconcileRun.id,
    retentionId: retention.id,
    retentionExecutionId: execution.id,
    retentionTaskId: retentionTask.id,
    userId: owner.id,
    ownerName: owner.username,
  };
}, 120_000);

/** A webhook policy of the private project with one failed delivery (written directly; lib/services/webhooks' tests deliver real ones). */
let webhookFx: { policyId: number; deliveryId: number };
/** A label of the private project (written directly). */
let labelFx: number;
let groupFx: number;
beforeAll(async () => {
  const policy = await db.webhookPolicy.create({ data: { projectId: fx.project.id, name: "auditor-reads", eventTypes: ["PUSH_ARTIFACT"], targetType: "http", address: "http://127.0.0.1:9/hook", creator: "auditor-reads" } });
  const delivery = await db.webhookDelivery.create({ data: { policyId: policy.id, eventType: "PUSH_ARTIFACT", payload: {}, status: "error", attempts: 1, lastError: "connection refused" } });
  webhookFx = { policyId: policy.id, deliveryId: delivery.id };
  labelFx = (await db.label.create({ data: { projectId: fx.project.id, name: "auditor-reads-label", color: "#000000" }, select: { id: true } })).id;
  groupFx = (await db.userGroup.create({ data: { groupType: "ldap", externalKey: `cn=auditor-reads-${labelFx},ou=groups,dc=wharf,dc=test`, name: `auditor-reads-group-${labelFx}` }, select: { id: true } })).id;
});

/** A finished garbage collection dry run (written directly; lib/services/gc's tests run real ones). */
let gcExecutionId: number;
beforeAll(async () => {
  const run = await db.jobRun.create({ data: { jobName: "registry.gc", jobVersion: 1, trigger: "auditor-reads", status: "succeeded", log: "gc log line\n", finishedAt: new Date() } });
  const row = await db.gcExecution.create({ data: { trigger: "Manual", triggeredBy: "auditor-reads", runId: run.id, dryRun: true, blobsEligible: 0, bytesEligible: 0n }, select: { id: true } });
  gcExecutionId = row.id;
});

/** A finished import of the vulnerability DB (written directly; the admin services' own tests import real zips). */
let vulnDbImportId: number;
beforeAll(async () => {
  const row = await db.vulnDbImport.create({ data: { source: "auditor-reads.zip", status: "succeeded", finishedAt: new Date(), recordsSeen: 1, recordsAdded: 1 }, select: { id: true } });
  vulnDbImportId = row.id;
});

/**
 * A scanner registration the private project chose (written directly), at an address nothing
 * answers: its metadata read is let through and fails at the adapter (400 naming it), not at a permission.
 */
let scannerFx: { id: number; uuid: string; name: string };
beforeAll(async () => {
  scannerFx = await db.scanner.create({ data: { name: `auditor-reads-${randomBytes(3).toString("hex")}`, url: "http://127.0.0.1:9/scanner" }, select: { id: true, uuid: true, name: true } });
  await db.projectScanner.create({ data: { projectId: fx.project.id, scannerId: scannerFx.id } });
});

/**
 * A finished scan all with one succeeded scan, and a finished
 * re-evaluation after an import (written directly; lib/services/scan's own tests run real ones):
 * the lists below are empty on a fresh database, so each read must show these rows.
 */
let scanAllFx: { executionId: number; runId: number };
let reevaluationRunId: number;
beforeAll(async () => {
  const finishedAt = new Date();
  const run = await db.jobRun.create({ data: { jobName: scanAllJob.id, jobVersion: 1, trigger: "auditor-reads", status: "succeeded", finishedAt }, select: { id: true } });
  await db.jobRun.create({ data: { jobName: artifactScanJob.id, jobVersion: 1, trigger: "auditor-reads", status: "succeeded", parentRunId: run.id, finishedAt } });
  const execution = await db.scanAllExecution.create({ data: { trigger: "Manual", triggeredBy: "auditor-reads", runId: run.id, queued: 1 }, select: { id: true } });
  scanAllFx = { executionId: execution.id, runId: run.id };
  const reevaluation = await db.jobRun.create({
    data: { jobName: vulnReevaluateJob.id, jobVersion: 1, trigger: "auditor-reads", status: "succeeded", payload: { importId: vulnDbImportId }, progressDone: 1, progressTotal: 1, result: { changed: 0, unchanged: 1, reports: 1 }, finishedAt },
    select: { id: true },
  });
  reevaluationRunId = reevaluation.id;
});

/** A scan report of the private project's artifact with a log (written directly), for the report log's read. */
let scanReportFx: { uuid: string };
beforeAll(async () => {
  scanReportFx = await db.scanReport.create({
    data: { artifactDigest: fx.digest, repository: fx.repository, scannerId: scannerFx.id, mimeType: SBOM_REPORT_MIME, status: "failed", error: "auditor-reads fixture", log: "scan log line\n" },
    select: { uuid: true },
  });
});

/** A read and what it must return: the run fails when either throws. */
function read<T>(name: string, call: () => Promise<T>, check: (value: T) => void): [string, () => Promise<void>] {
  return [name, async () => check(await call())];
}

/** Every read the console and the REST API make, as the auditor, each checked for the private project's content. */
const READS: [string, () => Promise<void>][] = [
  read("listScannerPage", () => listScannerPage({ actor: auditor, query: { name: { op: "exact", value: scannerFx.name }, page: 1, pageSize: 10 } }), (page) =>
    expect(page.rows.map((s) => s.id)).toEqual([scannerFx.id]),
  ),
  read("getScanner", () => getScanner({ actor: auditor, scannerId: scannerFx.id }), (s) => expect(s).toMatchObject({ uuid: scannerFx.uuid, hasCredential: false })),
  read("getScannerByUuid", () => getScannerByUuid({ actor: auditor, uuid: scannerFx.uuid }), (s) => expect(s.id).toBe(scannerFx.id)),
  read("getProjectScanner", () => getProjectScanner({ actor: auditor, projectId: fx.project.id }), (choice) => expect(choice).toMatchObject({ own: true, scanner: { id: scannerFx.id } })),
  read("listProjectScannerCandidates", () => listProjectScannerCandidates({ actor: auditor, projectId: fx.project.id, query: { name: { op: "exact", value: scannerFx.name }, page: 1, pageSize: 10 } }), (page) =>
    expect(page.rows.map((s) => s.id)).toEqual([scannerFx.id]),
  ),
  read("getScanAllMetrics", () => getScanAllMetrics({ actor: auditor }), (stats) =>
    expect(stats).toMatchObject({ executionId: scanAllFx.executionId, ongoing: false, total: 1, completed: 1, metrics: { Success: 1, Error: 0 } }),
  ),
  read("listScanAllExecutions", () => listScanAllExecutions({ actor: auditor }), (rows) =>
    expect(rows.map((e) => [e.executionId, e.runId, e.triggeredBy, e.total, e.metrics.Success])).toContainEqual([scanAllFx.executionId, scanAllFx.runId, "auditor-reads", 1, 1]),
  ),
  read("getScanAllSchedule", () => getScanAllSchedule({ actor: auditor }), (schedule) => expect(schedule).toHaveProperty("cron")),
  read("listReevaluationRuns", () => listReevaluationRuns({ actor: auditor }), (runs) =>
    expect(runs.map((r) => [r.id, r.status, r.result])).toContainEqual([reevaluationRunId, "succeeded", { changed: 0, unchanged: 1, reports: 1 }]),
  ),
  read("artifactScanLog", () => artifactScanLog({ actor: auditor, repository: fx.repository, reference: "1.0", reportId: scanReportFx.uuid }), (log) => expect(log).toBe("scan log line\n")),
  read("artifactScansInProgress", () => artifactScansInProgress({ actor: auditor, repository: fx.repository, digest: fx.digest }), (types) => expect(types).toEqual([])),
  read("systemSecuritySummary", () => systemSecuritySummary({ actor: auditor }), (s) => expect(s.totalArtifacts).toBeGreaterThanOrEqual(1)),
  read("searchVulnerabilities", () => searchVulnerabilities({ actor: auditor, query: { digest: fx.digest } }), (page) => expect(page.total).toBe(0)),
  read("projectSecuritySummary", () => projectSecuritySummary({ actor: auditor, project: { ...fx.project, isPublic: false } }), (s) => expect(s).toMatchObject({ totalArtifacts: 1, scannedArtifacts: 0 })),
  read("artifactScanOverviews", () => artifactScanOverviews({ actor: auditor, project: { ...fx.project, isPublic: false }, artifacts: [] }), (o) => expect(o.size).toBe(0)),
  read("getVulnDbStatus", () => getVulnDbStatus({ actor: auditor }), (status) => expect(status.current?.version).toBeGreaterThanOrEqual(vulnDbImportId)),
  read("listVulnDbImports", () => listVulnDbImports({ actor: auditor, page: 1, pageSize: 100 }), (page) => expect(page.rows.map((r) => r.id)).toContain(vulnDbImportId)),
  read("getVulnDbImport", () => getVulnDbImport({ actor: auditor, importId: vulnDbImportId }), (row) => expect(row).toMatchObject({ id: vulnDbImportId, status: "succeeded" })),
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
  read("listRegistries", () => listRegistries({ actor: auditor, query: { page: 1, pageSize: 100 } }), (page) => expect(page.rows.map((r) => r.id)).toContain(fx.registryId)),
  read("getRegistry", () => getRegistry({ actor: auditor, registryId: fx.registryId }), (r) => expect(r.id).toBe(fx.registryId)),
  read("listReplicationPolicies", () => listReplicationPolicies({ actor: auditor, query: { name: { op: "exact", value: fx.replication.policyName }, page: 1, pageSize: 10 } }), (page) =>
    expect(page.rows.map((p) => p.id)).toEqual([fx.replication.policyId]),
  ),
  read("getReplicationPolicy", () => getReplicationPolicy({ actor: auditor, policyId: fx.replication.policyId }), (p) => expect(p.endpoint.id).toBe(fx.registryId)),
  read("latestReplicationExecutions", () => latestReplicationExecutions({ actor: auditor, policyIds: [fx.replication.policyId] }), (latest) =>
    expect(latest.get(fx.replication.policyId)).toMatchObject({ id: fx.replication.executionId, status: "Succeed" }),
  ),
  read("listReplicationExecutions", () => listReplicationExecutions({ actor: auditor, query: { policyId: fx.replication.policyId, page: 1, pageSize: 10 } }), (page) =>
    expect(page.rows.map((e) => [e.id, e.total, e.succeed])).toEqual([[fx.replication.executionId, 1, 1]]),
  ),
  read("getReplicationExecution", () => getReplicationExecution({ actor: auditor, executionId: fx.replication.executionId }), (e) => expect(e.policyId).toBe(fx.replication.policyId)),
  read("listReplicationTasks", () => listReplicationTasks({ actor: auditor, executionId: fx.replication.executionId, query: { page: 1, pageSize: 10 } }), (page) =>
    expect(page.rows.map((t) => t.id)).toEqual([fx.replication.taskId]),
  ),
  read("getReplicationTaskLog", () => getReplicationTaskLog({ actor: auditor, executionId: fx.replication.executionId, taskId: fx.replication.taskId }), (log) => expect(log).toBe("copied\n")),
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
/** `status`: an answer other than 200 that still shows the read was allowed (its body must contain `shows`). */
function restReads(): Record<string, { url: string; params: Record<string, string>; status?: number; shows?: string }> {
  const p = { project_name_or_id: fx.project.name };
  const r = { ...p, repository_name: "app" };
  const a = { ...r, reference: "1.0" };
  const base = `/projects/${fx.project.name}`;
  const A = "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}";
  const W = "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}";
  return {
    "/audit-logs": { url: "/audit-logs", params: {} },
    "/health": { url: "/health", params: {} },
    "/health/ready": { url: "/health/ready", params: {} },
    "/openapi.json": { url: "/openapi.json", params: {} },
    "/ping": { url: "/ping", params: {} },
    "/projects": { url: "/projects?public=false", params: {} },
    "/projects/{project_name_or_id}": { url: base, params: p },
    "/projects/{project_name_or_id}/immutabletagrules": { url: `${base}/immutabletagrules`, params: p, shows: '"pattern":"v*"' },
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
    // Never scanned: Harbor's empty report map, read like any scan result.
    "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/additions/vulnerabilities": {
      url: `${base}/repositories/app/artifacts/1.0/additions/vulnerabilities`,
      params: a,
      shows: "{}",
    },
    "/projects/{project_name_or_id}/tagnamingpolicy": { url: `${base}/tagnamingpolicy`, params: p, shows: '"pattern":"v[0-9.]+"' },
    "/projects/{project_name_or_id}/summary": { url: `${base}/summary`, params: p, shows: '"quota":{"hard":{"storage":' },
    "/quotas": { url: `/quotas?reference_id=${fx.project.id}`, params: {}, shows: `"name":"${fx.project.name}"` },
    "/quotas/{id}": { url: `/quotas/${fx.project.id}`, params: { id: String(fx.project.id) }, shows: '"used":{"storage":' },
    "/projects/{project_name_or_id}/scanner": { url: `${base}/scanner`, params: p, shows: `"uuid":"${scannerFx.uuid}"` },
    "/projects/{project_name_or_id}/scanner/candidates": { url: `${base}/scanner/candidates?q=${encodeURIComponent(`name=${scannerFx.name}`)}`, params: p, shows: `"uuid":"${scannerFx.uuid}"` },
    "/scanners": { url: `/scanners?q=${encodeURIComponent(`name=${scannerFx.name}`)}`, params: {}, shows: `"uuid":"${scannerFx.uuid}"` },
    "/scanners/{registration_id}": { url: `/scanners/${scannerFx.uuid}`, params: { registration_id: scannerFx.uuid }, shows: `"name":"${scannerFx.name}"` },
    // Let through (not 403): nothing answers at the fixture's address, so the adapter's failure is the answer.
    "/scanners/{registration_id}/metadata": { url: `/scanners/${scannerFx.uuid}/metadata`, params: { registration_id: scannerFx.uuid }, status: 400, shows: `Scanner ${scannerFx.name}: ` },
    "/retentions/metadatas": { url: "/retentions/metadatas", params: {} },
    "/retentions/system-default": { url: "/retentions/system-default", params: {}, shows: '"scope":{"level":"system","ref":0}' },
    "/retentions/{id}": { url: `/retentions/${fx.retentionId}`, params: { id: String(fx.retentionId) }, shows: `"scope":{"level":"project","ref":${fx.project.id}}` },
    "/retentions/{id}/executions": {
      url: `/retentions/${fx.retentionId}/executions`,
      params: { id: String(fx.retentionId) },
      shows: `"id":${fx.retentionExecutionId}`,
    },
    "/retentions/{id}/executions/{eid}/tasks": {
      url: `/retentions/${fx.retentionId}/executions/${fx.retentionExecutionId}/tasks`,
      params: { id: String(fx.retentionId), eid: String(fx.retentionExecutionId) },
      shows: `"id":${fx.retentionTaskId},"execution_id":${fx.retentionExecutionId}`,
    },
    "/retentions/{id}/executions/{eid}/tasks/{tid}": {
      url: `/retentions/${fx.retentionId}/executions/${fx.retentionExecutionId}/tasks/${fx.retentionTaskId}`,
      params: { id: String(fx.retentionId), eid: String(fx.retentionExecutionId), tid: String(fx.retentionTaskId) },
      shows: "task log line",
    },
    "/robots": { url: `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${fx.project.id}`)}`, params: {} },
    "/robots/{robot_id}": { url: `/robots/${fx.robotId}`, params: { robot_id: String(fx.robotId) } },
    "/registries": { url: "/registries", params: {} },
    "/registries/{id}": { url: `/registries/${fx.registryId}`, params: { id: String(fx.registryId) } },
    "/registries/{id}/info": { url: `/registries/${fx.registryId}/info`, params: { id: String(fx.registryId) } },
    // The fixture is a Docker Registry endpoint: the auditor is let through (not 403) and told it has no projects.
    "/registries/{id}/projects": { url: `/registries/${fx.registryId}/projects`, params: { id: String(fx.registryId) }, status: 409, shows: "has no projects" },
    "/replication/adapters": { url: "/replication/adapters", params: {} },
    "/replication/adapterinfos": { url: "/replication/adapterinfos", params: {}, shows: '"docker-hub"' },
    "/replication/policies": { url: `/replication/policies?q=${encodeURIComponent(`name=${fx.replication.policyName}`)}`, params: {}, shows: `"id":${fx.replication.policyId}` },
    "/replication/policies/{id}": { url: `/replication/policies/${fx.replication.policyId}`, params: { id: String(fx.replication.policyId) }, shows: `"name":"${fx.replication.policyName}"` },
    // Administrators only, as the service decides: the dry run reads the remote registry with the
    // endpoint's stored credentials (lib/services/replication/preview.ts); the auditor reads the plan's
    // outcome in the executions and tasks below.
    "/replication/policies/{id}/preview": { url: `/replication/policies/${fx.replication.policyId}/preview`, params: { id: String(fx.replication.policyId) }, status: 403, shows: "FORBIDDEN" },
    "/replication/executions": { url: `/replication/executions?policy_id=${fx.replication.policyId}`, params: {}, shows: `"id":${fx.replication.executionId}` },
    "/replication/executions/{id}": { url: `/replication/executions/${fx.replication.executionId}`, params: { id: String(fx.replication.executionId) }, shows: `"policy_id":${fx.replication.policyId}` },
    "/replication/executions/{id}/tasks": { url: `/replication/executions/${fx.replication.executionId}/tasks`, params: { id: String(fx.replication.executionId) }, shows: `"id":${fx.replication.taskId}` },
    "/replication/executions/{id}/tasks/{task_id}/log": {
      url: `/replication/executions/${fx.replication.executionId}/tasks/${fx.replication.taskId}/log`,
      params: { id: String(fx.replication.executionId), task_id: String(fx.replication.taskId) },
      shows: "copied",
    },
    "/search": { url: `/search?q=${fx.project.name}`, params: {} },
    "/security/summary": { url: "/security/summary?with_dangerous_cve=true&with_dangerous_artifact=true", params: {}, shows: '"total_artifact":' },
    // Never scanned: no finding of the private project's image, and no refusal.
    "/security/vul": { url: `/security/vul?q=${encodeURIComponent(`digest=${fx.digest}`)}`, params: {}, shows: "[]" },
    "/system/purgeaudit/schedule": { url: "/system/purgeaudit/schedule", params: {} },
    "/system/scanAll/schedule": { url: "/system/scanAll/schedule", params: {}, shows: '"schedule":' },
    // The image's content, not a record about it: a pull, which an auditor may not make (as at /v2).
    [`${A}/download`]: { url: `${base}/repositories/app/artifacts/1.0/download?format=oci-layout`, params: a, status: 403 },
    "/labels": { url: `/labels?scope=p&project_id=${fx.project.id}`, params: {}, shows: "auditor-reads-label" },
    "/labels/{id}": { url: `/labels/${labelFx}`, params: { id: String(labelFx) }, shows: "auditor-reads-label" },
    "/projects/{project_name_or_id}/webhook/events": { url: `${base}/webhook/events`, params: p, shows: "PUSH_ARTIFACT" },
    "/projects/{project_name_or_id}/webhook/jobs": { url: `${base}/webhook/jobs?policy_id=${webhookFx.policyId}`, params: p },
    "/projects/{project_name_or_id}/webhook/lasttrigger": { url: `${base}/webhook/lasttrigger`, params: p },
    "/projects/{project_name_or_id}/webhook/policies": { url: `${base}/webhook/policies`, params: p, shows: "auditor-reads" },
    [W]: { url: `${base}/webhook/policies/${webhookFx.policyId}`, params: { ...p, webhook_policy_id: String(webhookFx.policyId) }, shows: "auditor-reads" },
    [`${W}/executions`]: { url: `${base}/webhook/policies/${webhookFx.policyId}/executions`, params: { ...p, webhook_policy_id: String(webhookFx.policyId) } },
    [`${W}/executions/{execution_id}/tasks`]: {
      url: `${base}/webhook/policies/${webhookFx.policyId}/executions/${webhookFx.deliveryId}/tasks`,
      params: { ...p, webhook_policy_id: String(webhookFx.policyId), execution_id: String(webhookFx.deliveryId) },
    },
    [`${W}/executions/{execution_id}/tasks/{task_id}/log`]: {
      url: `${base}/webhook/policies/${webhookFx.policyId}/executions/${webhookFx.deliveryId}/tasks/${webhookFx.deliveryId}/log`,
      params: { ...p, webhook_policy_id: String(webhookFx.policyId), execution_id: String(webhookFx.deliveryId), task_id: String(webhookFx.deliveryId) },
    },
    "/system/gc": { url: "/system/gc", params: {}, shows: `"id":${gcExecutionId}` },
    "/system/gc/{gc_id}": { url: `/system/gc/${gcExecutionId}`, params: { gc_id: String(gcExecutionId) }, shows: `"id":${gcExecutionId}` },
    "/system/gc/{gc_id}/log": { url: `/system/gc/${gcExecutionId}/log`, params: { gc_id: String(gcExecutionId) }, shows: "gc log line" },
    "/system/gc/schedule": { url: "/system/gc/schedule", params: {}, shows: '"schedule":' },
    "/scans/all/metrics": { url: "/scans/all/metrics", params: {}, shows: '"ongoing":' },
    "/scans/schedule/metrics": { url: "/scans/schedule/metrics", params: {}, shows: '"ongoing":' },
    "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/scan/{report_id}/log": {
      url: `${base}/repositories/app/artifacts/1.0/scan/${scanReportFx.uuid}/log`,
      params: { ...a, report_id: scanReportFx.uuid },
      shows: "scan log line",
    },
    "/system/CVEAllowlist": { url: "/system/CVEAllowlist", params: {} },
    "/system/ip-allowlist": { url: "/system/ip-allowlist", params: {}, shows: '"entries":' },
    "/users": { url: "/users", params: {} },
    "/users/{user_id}": { url: `/users/${fx.userId}`, params: { user_id: String(fx.userId) } },
    "/users/current": { url: "/users/current", params: {} },
    "/users/current/permissions": { url: `/users/current/permissions?scope=/project/${fx.project.id}`, params: {} },
    "/users/search": { url: `/users/search?username=${auditor.username}`, params: {} },
    "/usergroups": { url: `/usergroups?group_name=auditor-reads-group-${labelFx}`, params: {}, shows: `"id":${groupFx}` },
    "/usergroups/search": { url: `/usergroups/search?groupname=auditor-reads-group-${labelFx}`, params: {}, shows: `"id":${groupFx}` },
    "/usergroups/{group_id}": { url: `/usergroups/${groupFx}`, params: { group_id: String(groupFx) }, shows: "auditor-reads-group" },
    // Passwords and secrets are write-only (lib/api/configurations-api.test.ts checks none is answered).
    "/configurations": { url: "/configurations", params: {}, shows: '"auth_mode":{"value":' },
    // Administrators only, as the service decides (user.create): a directory search is part of creating users.
    "/ldap/users/search": { url: "/ldap/users/search?username=a", params: {}, status: 403, shows: "FORBIDDEN" },
    "/vulnerability-db": { url: "/vulnerability-db", params: {}, shows: '"advisory_count":' },
    "/vulnerability-db/imports": { url: "/vulnerability-db/imports?page_size=100", params: {}, shows: `"id":${vulnDbImportId}` },
    "/vulnerability-db/imports/{id}": { url: `/vulnerability-db/imports/${vulnDbImportId}`, params: { id: String(vulnDbImportId) }, shows: '"source":"auditor-reads.zip"' },
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
      if (res.status !== (read.status ?? 200) || (read.shows !== undefined && !text.includes(read.shows))) failures.push(`${read.url}: ${res.status} ${text.slice(0, 200)}`);
      if (text.includes(fx.robotSecret)) failures.push(`${read.url}: a robot secret`);
    }
    expect(failures).toEqual([]);
  });
});
