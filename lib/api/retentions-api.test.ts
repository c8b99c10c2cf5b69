import { afterAll, describe, expect, it } from "vitest";
import * as executionRoute from "@/app/api/v2.0/retentions/[id]/executions/[eid]/route";
import * as executionsRoute from "@/app/api/v2.0/retentions/[id]/executions/route";
import * as tasksRoute from "@/app/api/v2.0/retentions/[id]/executions/[eid]/tasks/route";
import * as taskLogRoute from "@/app/api/v2.0/retentions/[id]/executions/[eid]/tasks/[tid]/route";
import * as policyRoute from "@/app/api/v2.0/retentions/[id]/route";
import * as metadatasRoute from "@/app/api/v2.0/retentions/metadatas/route";
import * as retentionsRoute from "@/app/api/v2.0/retentions/route";
import * as systemDefaultRoute from "@/app/api/v2.0/retentions/system-default/route";
import * as projectRoute from "@/app/api/v2.0/projects/[project_name_or_id]/route";
import { apiRequest, basic, call, createTestUser, db } from "@/lib/api/test-kit";
import { retentionRepositoryJob, retentionRunJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { syncRetentionSchedule } from "@/lib/services/retention/schedule";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";

const policy = (projectId: number, rule: Record<string, unknown> = {}) => ({
  algorithm: "or",
  rules: [
    {
      template: "latestPushedK",
      params: { latestPushedK: 3 },
      tag_selectors: [{ kind: "doublestar", decoration: "matches", pattern: "release-*", extras: '{"untagged":false}' }],
      scope_selectors: { repository: [{ kind: "regex", decoration: "repoMatches", pattern: "app|web" }] },
      ...rule,
    },
  ],
  trigger: { kind: "Schedule", settings: { cron: "0 0 3 * * *" } },
  scope: { level: "project", ref: projectId },
});

// The policies here carry crons: leave no retention tick behind for the files sharing the database.
afterAll(async () => {
  await db.retentionPolicy.updateMany({ where: { schedule: "0 3 * * *" }, data: { schedule: null } });
  await syncRetentionSchedule();
});

describe("/retentions", () => {
  it("create, read back in Harbor's shape, refuse bad input with field names, run dry, list executions and tasks, stop", async () => {
    const project = await createProject();
    const maintainer = await createMember(project.id, 4);
    const auth = basic(maintainer.username);

    const meta = await call(metadatasRoute.GET, apiRequest("/retentions/metadatas", { auth }), {});
    expect(((await meta.json()) as { templates: { rule_template: string }[] }).templates.map((t) => t.rule_template)).toContain("nDaysSinceLastPull");

    const bad = await call(retentionsRoute.POST, apiRequest("/retentions", { method: "POST", auth, body: policy(project.id, { params: { latestPushedK: 99999 } }) }), {});
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("rules[0].params");

    const created = await call(retentionsRoute.POST, apiRequest("/retentions", { method: "POST", auth, body: policy(project.id) }), {});
    expect(created.status).toBe(201);
    const id = created.headers.get("location")!.split("/").pop()!;
    const again = await call(retentionsRoute.POST, apiRequest("/retentions", { method: "POST", auth, body: policy(project.id) }), {});
    expect(again.status).toBe(409);

    // Harbor's project metadata names the policy; a client may send it back on PUT unchanged.
    const shown = await call(projectRoute.GET, apiRequest(`/projects/${project.id}`, { auth }), { project_name_or_id: String(project.id) });
    const shownBody = (await shown.json()) as { metadata: Record<string, string> };
    expect(shownBody.metadata).toEqual({
      public: "false",
      auto_scan: "false",
      prevent_vul: "false",
      severity: "low",
      refuse_unscanned: "false",
      enable_content_trust_cosign: "false",
      reuse_sys_cve_allowlist: "true",
      retention_id: id,
    });
    const echoed = await call(projectRoute.PUT, apiRequest(`/projects/${project.id}`, { method: "PUT", auth: basic((await createTestUser({ isAdmin: true })).username), body: { metadata: shownBody.metadata } }), {
      project_name_or_id: String(project.id),
    });
    expect(echoed.status).toBe(200);

    const got = await call(policyRoute.GET, apiRequest(`/retentions/${id}`, { auth }), { id });
    expect(await got.json()).toMatchObject({
      id: Number(id),
      algorithm: "or",
      rules: [{ template: "latestPushedK", params: { latestPushedK: 3 }, tag_selectors: [{ decoration: "matches", pattern: "release-*", extras: '{"untagged":false}' }], scope_selectors: { repository: [{ kind: "regex", decoration: "repoMatches", pattern: "app|web" }] } }],
      trigger: { settings: { cron: "0 0 3 * * *" } },
      scope: { level: "project", ref: project.id },
    });

    const run = await call(executionsRoute.POST, apiRequest(`/retentions/${id}/executions`, { method: "POST", auth, body: { dry_run: true } }), { id });
    expect(run.status).toBe(201);
    const eid = run.headers.get("location")!.split("/").pop()!;
    const list = await call(executionsRoute.GET, apiRequest(`/retentions/${id}/executions`, { auth }), { id });
    expect(await list.json()).toMatchObject([{ id: Number(eid), policy_id: Number(id), dry_run: true, trigger: "MANUAL" }]);
    const tasks = await call(tasksRoute.GET, apiRequest(`/retentions/${id}/executions/${eid}/tasks`, { auth }), { id, eid });
    expect(tasks.status).toBe(200);
    const stopped = await call(executionRoute.PATCH, apiRequest(`/retentions/${id}/executions/${eid}`, { method: "PATCH", auth, body: { action: "stop" } }), { id, eid });
    expect(stopped.status).toBe(200);
    const after = await call(executionsRoute.GET, apiRequest(`/retentions/${id}/executions`, { auth }), { id });
    expect(await after.json()).toMatchObject([{ status: "Stopped" }]);

    // A guest of the project may not change it; a stranger does not even see it.
    const guest = await createMember(project.id, 3);
    const refused = await call(policyRoute.PUT, apiRequest(`/retentions/${id}`, { method: "PUT", auth: basic(guest.username), body: policy(project.id) }), { id });
    expect(refused.status).toBe(403);
    const stranger = await createTestUser();
    const hidden = await call(policyRoute.GET, apiRequest(`/retentions/${id}`, { auth: basic(stranger.username) }), { id });
    expect(hidden.status).toBe(404);
  });

  it("the system default (Wharf's extension): an administrator sets it in Harbor's shape with scope system; bad input is 400 with nothing saved; others may not", async () => {
    const adminUser = await createTestUser({ isAdmin: true });
    const admin = basic(adminUser.username);
    // Keeps everything and has no schedule, as every test sharing this database sets it.
    const keepAll = {
      algorithm: "or",
      rules: [{ template: "always", params: {}, tag_selectors: [{ kind: "doublestar", decoration: "matches", pattern: "**", extras: '{"untagged":true}' }], scope_selectors: { repository: [{ kind: "doublestar", decoration: "repoMatches", pattern: "**" }] } }],
      trigger: { kind: "Schedule", settings: { cron: "" } },
      scope: { level: "system", ref: 0 },
    };
    const put = (auth: string, body: unknown) => call(systemDefaultRoute.PUT, apiRequest("/retentions/system-default", { method: "PUT", auth, body }), {});
    expect((await put(admin, keepAll)).status).toBe(200);
    const got = await call(systemDefaultRoute.GET, apiRequest("/retentions/system-default", { auth: admin }), {});
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ algorithm: "or", rules: [{ template: "always" }], scope: { level: "system", ref: 0 } });

    const bad = await put(admin, { ...keepAll, rules: [{ ...keepAll.rules[0], template: "latestPushedK", params: { latestPushedK: -1 } }] });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("rules[0].params");
    const projectScoped = await put(admin, { ...keepAll, scope: { level: "project", ref: 1 } });
    expect(projectScoped.status).toBe(400);
    expect(await projectScoped.text()).toContain("scope.level");
    // A project's administrator is no system administrator.
    const project = await createProject();
    const owner = await createMember(project.id, 1);
    expect((await put(basic(owner.username), keepAll)).status).toBe(403);
    // Only the first PUT saved (other files may set the default meanwhile: their rows are not counted).
    const rows = await db.auditEvent.findMany({ where: { action: "retention_policy.default_update", actorName: { in: [adminUser.username, owner.username] } }, select: { actorName: true, result: true } });
    expect(rows.map((r) => `${r.actorName === owner.username ? "owner" : "admin"} ${r.result}`).sort()).toEqual(["admin success", "owner failure"]);
  });

  it("a task's log (text/plain) lists every artifact of its repository with its decision and reason; tasks answer their start and end", async () => {
    const project = await createProject();
    const maintainer = await createMember(project.id, 4);
    const auth = basic(maintainer.username);
    const repo = await db.repository.create({ data: { projectId: project.id, name: `${project.name}/app` }, select: { id: true } });
    const digests: string[] = [];
    for (const [i, tag] of ["old", "new"].entries()) {
      const digest = `sha256:${String(project.id).padStart(8, "0")}${String(i).repeat(56)}`;
      const pushedAt = new Date(Date.now() - (2 - i) * 86_400_000);
      const { id } = await db.artifact.create({ data: { repositoryId: repo.id, digest, mediaType: OCI_IMAGE_MANIFEST, manifestSize: 1, totalSize: 1n, pushedAt }, select: { id: true } });
      await db.tag.create({ data: { repositoryId: repo.id, artifactId: id, name: tag, pushedAt } });
      digests.push(digest);
    }
    const body = policy(project.id, { params: { latestPushedK: 1 }, tag_selectors: [{ kind: "doublestar", decoration: "matches", pattern: "**", extras: '{"untagged":true}' }], scope_selectors: { repository: [{ kind: "doublestar", decoration: "repoMatches", pattern: "**" }] } });
    const created = await call(retentionsRoute.POST, apiRequest("/retentions", { method: "POST", auth, body: { ...body, trigger: { kind: "Schedule", settings: { cron: "" } } } }), {});
    const id = created.headers.get("location")!.split("/").pop()!;
    const run = await call(executionsRoute.POST, apiRequest(`/retentions/${id}/executions`, { method: "POST", auth, body: { dry_run: true } }), { id });
    const eid = run.headers.get("location")!.split("/").pop()!;
    const { runId } = await db.retentionExecution.findUniqueOrThrow({ where: { id: Number(eid) }, select: { runId: true } });
    await runQueuedRun(retentionRunJob, runId);
    for (const task of await db.jobRun.findMany({ where: { parentRunId: runId }, select: { id: true } })) await runQueuedRun(retentionRepositoryJob, task.id);

    const tasks = await call(tasksRoute.GET, apiRequest(`/retentions/${id}/executions/${eid}/tasks`, { auth }), { id, eid });
    const [task] = (await tasks.json()) as { id: number; repository: string; start_time: string; end_time: string; total: number; retained: number }[];
    expect(task).toMatchObject({ repository: `${project.name}/app`, total: 2, retained: 1, start_time: expect.stringMatching(/^\d{4}-/), end_time: expect.stringMatching(/^\d{4}-/) });

    const tid = String(task!.id);
    const log = await call(taskLogRoute.GET, apiRequest(`/retentions/${id}/executions/${eid}/tasks/${tid}`, { auth }), { id, eid, tid });
    expect(log.status).toBe(200);
    expect(log.headers.get("content-type")).toContain("text/plain");
    const text = await log.text();
    expect(text).toContain(`${project.name}/app: 2 artifact(s) (dry run: nothing deleted)`);
    expect(text).toContain(`WOULD DELETE\t${digests[0]}\told\t`);
    expect(text).toContain(`RETAIN\t${digests[1]}\tnew\tkept by rule 1`);

    // Another execution's task, or one that is no task at all: 404.
    const missing = await call(taskLogRoute.GET, apiRequest(`/retentions/${id}/executions/${eid}/tasks/${runId}`, { auth }), { id, eid, tid: String(runId) });
    expect(missing.status).toBe(404);
    const stranger = await createTestUser();
    const hidden = await call(taskLogRoute.GET, apiRequest(`/retentions/${id}/executions/${eid}/tasks/${tid}`, { auth: basic(stranger.username) }), { id, eid, tid });
    expect(hidden.status).toBe(404);
  });
});
