import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The backing registry's port is read once by getServerEnv(): chosen before any import.
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("replication-api-tests-secret-key-0123456789")));

import * as registryRoute from "@/app/api/v2.0/registries/[id]/route";
import * as adapterInfosRoute from "@/app/api/v2.0/replication/adapterinfos/route";
import * as executionRoute from "@/app/api/v2.0/replication/executions/[id]/route";
import * as retryRoute from "@/app/api/v2.0/replication/executions/[id]/retry/route";
import * as taskLogRoute from "@/app/api/v2.0/replication/executions/[id]/tasks/[task_id]/log/route";
import * as tasksRoute from "@/app/api/v2.0/replication/executions/[id]/tasks/route";
import * as executionsRoute from "@/app/api/v2.0/replication/executions/route";
import * as previewRoute from "@/app/api/v2.0/replication/policies/[id]/preview/route";
import * as policyRoute from "@/app/api/v2.0/replication/policies/[id]/route";
import * as policiesRoute from "@/app/api/v2.0/replication/policies/route";
import { apiRequest, auditCount, basic, call, createTestUser, db, errorOf } from "@/lib/api/test-kit";
import { stopSharedBoss } from "@/lib/jobs/boss";
import { replicationRunJob, replicationTaskJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import type { RegistryClient } from "@/lib/registry/client";
import { endpointClient } from "@/lib/registry/endpoint";
import { findFreePort, startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { createRegistry } from "@/lib/services/registries/registries";
import { createProject } from "@/lib/services/registry-auth/test-fixtures";
import { actorFor, uniqueName } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { pushGeneratedImage } from "@/lib/testing/remote-registries";

// The REST surface of replication against Wharf's backing registry and two more real Distribution
// processes with htpasswd auth (a source to pull from; a destination to push to, stopped and
// restarted for the retry). Every answer is checked against the OpenAPI document by the test kit.

gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "replication-api" });

const CREDENTIALS = { username: "repl-api-user", password: "repl-api-Passw0rd-7c1d" };
let tmp: string;
let remoteSource: LocalRegistry;
let sourceClient: RegistryClient;
let admin: Awaited<ReturnType<typeof createTestUser>>;
let adminAuth: string;
let auditorAuth: string;
let userAuth: string;
let auditor: Awaited<ReturnType<typeof createTestUser>>;
let user: Awaited<ReturnType<typeof createTestUser>>;

const clientOf = (registry: LocalRegistry) => endpointClient({ url: registry.url, auth: { kind: "basic", credentials: CREDENTIALS } });

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-replication-api-"));
  remoteSource = await startLocalRegistry({ dataDir: path.join(tmp, "source"), credentials: CREDENTIALS });
  sourceClient = clientOf(remoteSource);
  admin = await createTestUser({ isAdmin: true });
  adminAuth = basic(admin.username);
  auditor = await createTestUser({ isAuditor: true });
  auditorAuth = basic(auditor.username);
  user = await createTestUser();
  userAuth = basic(user.username);
}, 90_000);

afterAll(async () => {
  await stopSharedBoss();
  await remoteSource?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function endpointFor(registry: LocalRegistry): Promise<number> {
  const created = await createRegistry({
    actor: actorFor(admin),
    input: { name: uniqueName("remote"), type: "docker-registry", url: registry.url, credentialType: "basic", username: CREDENTIALS.username, secret: CREDENTIALS.password },
  });
  return created.id;
}

type Policy = Record<string, unknown> & { id: number; name: string };

const idOf = (res: Response) => res.headers.get("location")!.split("/").pop()!;
const createPolicy = (auth: string, body: unknown) => call(policiesRoute.POST, apiRequest("/replication/policies", { method: "POST", auth, body }), {});
const getPolicy = (auth: string, id: string) => call(policyRoute.GET, apiRequest(`/replication/policies/${id}`, { auth }), { id });
const putPolicy = (auth: string, id: string, body: unknown) => call(policyRoute.PUT, apiRequest(`/replication/policies/${id}`, { method: "PUT", auth, body }), { id });
const deletePolicy = (auth: string, id: string) => call(policyRoute.DELETE, apiRequest(`/replication/policies/${id}`, { method: "DELETE", auth }), { id });
const preview = (auth: string, id: string) => call(previewRoute.GET, apiRequest(`/replication/policies/${id}/preview`, { auth }), { id });
const start = (auth: string, policyId: unknown) => call(executionsRoute.POST, apiRequest("/replication/executions", { method: "POST", auth, body: { policy_id: policyId } }), {});
const getExecution = (auth: string, id: string) => call(executionRoute.GET, apiRequest(`/replication/executions/${id}`, { auth }), { id });
const tasksOf = (auth: string, id: string, query = "") => call(tasksRoute.GET, apiRequest(`/replication/executions/${id}/tasks${query}`, { auth }), { id });

/** Runs an execution's queued run and then each of its task runs, in this process. */
async function runExecution(executionId: string, { before }: { before?: (index: number) => Promise<void> } = {}): Promise<void> {
  const { runId } = await db.replicationExecution.findUniqueOrThrow({ where: { id: Number(executionId) }, select: { runId: true } });
  await runQueuedRun(replicationRunJob, runId!);
  const children = await db.jobRun.findMany({ where: { parentRunId: runId!, status: "queued" }, select: { id: true }, orderBy: { id: "asc" } });
  for (const [index, child] of children.entries()) {
    await before?.(index);
    await runQueuedRun(replicationTaskJob, child.id).catch(() => undefined);
  }
}

function pullPolicy(endpointId: number, project: string, overrides: Record<string, unknown> = {}) {
  return {
    name: uniqueName("pull"),
    description: "from upstream",
    src_registry: { id: endpointId },
    dest_registry: { id: 0 },
    dest_namespace: project,
    dest_namespace_replace_count: 1,
    filters: [
      { type: "name", value: "upstream/**", decoration: "matches" },
      { type: "tag", value: "1.*" },
      { type: "resource", value: "image" },
    ],
    trigger: { type: "manual", trigger_settings: { cron: "" } },
    override: true,
    deletion: false,
    enabled: true,
    speed: -1,
    ...overrides,
  };
}

describe("/replication/adapterinfos", () => {
  it("answers Harbor's provider info for every type an endpoint can have, to auditors too", async () => {
    const res = await call(adapterInfosRoute.GET, apiRequest("/replication/adapterinfos", { auth: auditorAuth }), {});
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, { endpoint_pattern: { endpoint_type: string; endpoints: { value: string }[] } }>;
    expect(Object.keys(body).sort()).toEqual(["docker-hub", "docker-registry", "harbor", "wharf"]);
    expect(body["docker-hub"]!.endpoint_pattern).toEqual({ endpoint_type: "EndpointPatternTypeFix", endpoints: [{ key: "hub.docker.com", value: "https://registry-1.docker.io" }] });
    expect(body.harbor!.endpoint_pattern.endpoint_type).toBe("EndpointPatternTypeStandard");
    expect((await call(adapterInfosRoute.GET, apiRequest("/replication/adapterinfos", { auth: userAuth }), {})).status).toBe(403);
  });
});

describe("/replication/policies", () => {
  it("creates in Harbor's shape (201, Location, one audit row), reads back with both registries, lists with q and paging, replaces, deletes", async () => {
    const endpointId = await endpointFor(remoteSource);
    const project = await createProject();
    const audits = await auditCount();
    const created = await createPolicy(adminAuth, pullPolicy(endpointId, project.name, { trigger: { type: "scheduled", trigger_settings: { cron: "0 0 3 * * *" } } }));
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toMatch(/^\/api\/v2\.0\/replication\/policies\/\d+$/);
    expect(await auditCount()).toBe(audits + 1);
    const id = idOf(created);

    const got = await getPolicy(auditorAuth, id);
    expect(got.status).toBe(200);
    const policy = (await got.json()) as Policy;
    expect(policy).toMatchObject({
      id: Number(id),
      description: "from upstream",
      src_registry: { id: endpointId, url: remoteSource.url, type: "docker-registry", credential: { type: "basic", access_key: CREDENTIALS.username, access_secret: "*****" } },
      dest_registry: { id: 0, name: "Local", type: "wharf", url: "http://wharf.test:3000" },
      dest_namespace: project.name,
      dest_namespace_replace_count: 1,
      // Harbor's default for a tag pattern that cannot match the empty tag: untagged artifacts are left out.
      filters: [
        { type: "name", value: "upstream/**", decoration: "matches", kind: "doublestar" },
        { type: "tag", value: "1.*", decoration: "matches", kind: "doublestar", untagged: false },
        { type: "resource", value: "image", decoration: "matches" },
      ],
      trigger: { type: "scheduled", trigger_settings: { cron: "0 0 3 * * *" } },
      replicate_deletion: false,
      deletion: false,
      override: true,
      enabled: true,
      speed: -1,
      copy_parallelism: 4,
      single_active_replication: true,
    });
    expect(JSON.stringify(policy)).not.toContain(CREDENTIALS.password);

    // Wharf's extensions: a regex tag filter with its own untagged choice, the copy parallelism; speed in KB/s.
    const replaced = await putPolicy(adminAuth, id, {
      ...pullPolicy(endpointId, project.name, { name: policy.name }),
      filters: [
        { type: "name", value: "upstream/.+", kind: "regex" },
        { type: "tag", value: "v[0-9]+", kind: "regex", decoration: "excludes", untagged: true },
      ],
      speed: 512,
      copy_parallelism: 2,
      replicate_deletion: true,
    });
    expect(replaced.status).toBe(200);
    const after = (await (await getPolicy(adminAuth, id)).json()) as Policy;
    expect(after).toMatchObject({
      filters: [
        { type: "name", value: "upstream/.+", kind: "regex" },
        { type: "tag", value: "v[0-9]+", kind: "regex", decoration: "excludes", untagged: true },
        { type: "resource", value: "image" },
      ],
      trigger: { type: "manual", trigger_settings: { cron: "" } },
      speed: 512,
      copy_parallelism: 2,
      replicate_deletion: true,
    });
    expect(await db.replicationPolicy.findUnique({ where: { id: Number(id) }, select: { bandwidthLimit: true } })).toEqual({ bandwidthLimit: 512 * 1024 });
    // A Harbor client that sends back what it read, without Wharf's extension: the parallelism stays.
    const harborOnly: Record<string, unknown> = { ...after };
    delete harborOnly.copy_parallelism;
    expect((await putPolicy(adminAuth, id, harborOnly)).status).toBe(200);
    expect(((await (await getPolicy(adminAuth, id)).json()) as Policy).copy_parallelism).toBe(2);

    // Listed by name with Harbor's paging headers.
    const second = await createPolicy(adminAuth, pullPolicy(endpointId, project.name, { name: `${policy.name}-b` }));
    expect(second.status).toBe(201);
    const list = await call(policiesRoute.GET, apiRequest(`/replication/policies?q=${encodeURIComponent(`name=~${policy.name}`)}&page_size=1`, { auth: auditorAuth }), {});
    expect(list.status).toBe(200);
    expect(list.headers.get("x-total-count")).toBe("2");
    expect(list.headers.get("link")).toContain('rel="next"');
    expect(((await list.json()) as Policy[]).map((p) => p.name)).toEqual([policy.name]);
    const exact = await call(policiesRoute.GET, apiRequest(`/replication/policies?q=${encodeURIComponent(`name=${policy.name}-b`)}`, { auth: adminAuth }), {});
    expect(((await exact.json()) as Policy[]).map((p) => p.id)).toEqual([Number(idOf(second))]);

    // The same name again: 409, nothing saved.
    const taken = await createPolicy(adminAuth, pullPolicy(endpointId, project.name, { name: policy.name }));
    expect(taken.status).toBe(409);

    const audits2 = await auditCount();
    expect((await deletePolicy(adminAuth, id)).status).toBe(200);
    expect(await auditCount()).toBe(audits2 + 1);
    expect((await getPolicy(adminAuth, id)).status).toBe(404);
    expect((await deletePolicy(adminAuth, id)).status).toBe(404);
    expect((await putPolicy(adminAuth, id, pullPolicy(endpointId, project.name))).status).toBe(404);
    expect((await deletePolicy(adminAuth, idOf(second))).status).toBe(200);
  });

  it("refuses bad input with a 400 naming each field in Harbor's names, and saves nothing", async () => {
    const endpointId = await endpointFor(remoteSource);
    const project = await createProject();
    const before = { policies: await db.replicationPolicy.count(), audits: await auditCount() };
    const cases: [Record<string, unknown>, string[]][] = [
      [{ dest_namespace: "Not A Namespace", speed: 0, filters: [{ type: "name", value: "(", kind: "regex" }] }, ["dest_namespace:", "filters[0].value:"]],
      [{ dest_namespace_replace_count: 7, copy_parallelism: 99 }, ["dest_namespace_replace_count:", "copy_parallelism:"]],
      [{ trigger: { type: "scheduled", trigger_settings: { cron: "every day" } } }, ["trigger.trigger_settings.cron:"]],
      [{ trigger: { type: "event_based" } }, ["trigger.type:"]],
      [{ src_registry: { id: 999_999_999 } }, ["src_registry.id:", "does not exist"]],
      [{ src_registry: { id: endpointId }, dest_registry: { id: endpointId } }, ["src_registry:"]],
      [{ src_registry: null, dest_registry: null }, ["dest_registry:"]],
      [{ filters: [{ type: "label", value: "x" }] }, ["filters[0].value: a list of label names"]],
      [{ filters: [{ type: "chart", value: "x" }] }, ["filters[0].type:"]],
      [{ filters: [{ type: "name", value: "a/**" }, { type: "name", value: "b/**" }] }, ["filters[1].type: only one name filter"]],
      [{ filters: [{ type: "resource", value: "charts" }] }, ["filters[0].value:"]],
      [{ speed: -5, enabled: "yes" }, ["enabled:"]],
      [{ speed: -5 }, ["speed:"]],
      [{ name: "" }, ["name:"]],
    ];
    for (const [overrides, expected] of cases) {
      const res = await createPolicy(adminAuth, pullPolicy(endpointId, project.name, overrides));
      const { message } = await errorOf(res);
      expect([res.status, message]).toEqual([400, expect.any(String)]);
      for (const part of expected) expect(message, JSON.stringify(overrides)).toContain(part);
    }
    expect({ policies: await db.replicationPolicy.count(), audits: await auditCount() }).toEqual(before);
  });

  it("refuses writes to auditors and users (403, one failure row each), lets auditors read, hides nothing from them", async () => {
    const endpointId = await endpointFor(remoteSource);
    const project = await createProject();
    const id = idOf(await createPolicy(adminAuth, pullPolicy(endpointId, project.name)));
    for (const auth of [auditorAuth, userAuth]) {
      const since = (await db.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0n;
      expect((await createPolicy(auth, pullPolicy(endpointId, project.name))).status).toBe(403);
      expect((await deletePolicy(auth, id)).status).toBe(403);
      expect((await start(auth, Number(id))).status).toBe(403);
      expect((await preview(auth, id)).status).toBe(403);
      // Every refusal is recorded (a preview's and a start's are the same operation, so they may share a row).
      const rows = await db.auditEvent.findMany({ where: { id: { gt: since } }, select: { action: true, result: true } });
      expect(new Set(rows.map((r) => `${r.action} ${r.result}`))).toEqual(
        new Set(["replication_policy.create failure", "replication_policy.delete failure", "replication_execution.start failure"]),
      );
    }
    for (const [auth, username] of [
      [auditorAuth, auditor.username],
      [userAuth, user.username],
    ]) {
      const since = (await db.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0n;
      expect((await putPolicy(auth!, id, pullPolicy(endpointId, project.name))).status).toBe(403);
      // The refusal is recorded under the operation refused, whoever asks.
      expect(await db.auditEvent.findMany({ where: { id: { gt: since } }, select: { action: true, result: true, actorName: true } })).toEqual([
        { action: "replication_policy.update", result: "failure", actorName: username },
      ]);
    }
    expect((await getPolicy(auditorAuth, id)).status).toBe(200);
    expect((await getPolicy(userAuth, id)).status).toBe(403);
    expect((await call(policiesRoute.GET, apiRequest("/replication/policies", { auth: userAuth }), {})).status).toBe(403);
    expect((await call(executionsRoute.GET, apiRequest("/replication/executions", { auth: auditorAuth }), {})).status).toBe(200);
    expect(await db.replicationExecution.count({ where: { policyId: Number(id) } })).toBe(0);
    expect((await deletePolicy(adminAuth, id)).status).toBe(200);
  });
});

describe("/replication/executions", () => {
  it("previews, starts (201), runs a pull from a real registry, lists executions and tasks, answers task logs; the preview then skips", async () => {
    const endpointId = await endpointFor(remoteSource);
    const project = await createProject();
    const one = await pushGeneratedImage(sourceClient, "upstream/app", { tag: "1.0" });
    const two = await pushGeneratedImage(sourceClient, "upstream/app", { tag: "1.1" });
    await pushGeneratedImage(sourceClient, "upstream/app", { tag: "2.0" });
    const id = idOf(await createPolicy(adminAuth, pullPolicy(endpointId, project.name)));

    const planned = await preview(adminAuth, id);
    expect(planned.status).toBe(200);
    const items = (await planned.json()) as { action: string; artifact: string; tags: string[]; dst_repository: string; reason: string }[];
    expect(items.map((p) => [p.action, p.dst_repository, p.artifact, p.tags]).sort()).toEqual(
      [
        ["copy", `${project.name}/app`, one.digest, ["1.0"]],
        ["copy", `${project.name}/app`, two.digest, ["1.1"]],
      ].sort(),
    );
    expect(items.every((p) => p.reason !== "")).toBe(true);

    // Bad starts: not a policy id (400), no such policy (404); nothing queued.
    expect((await start(adminAuth, "one")).status).toBe(400);
    expect((await start(adminAuth, 999_999_999)).status).toBe(404);

    const audits = await auditCount();
    const started = await start(adminAuth, Number(id));
    expect(started.status).toBe(201);
    expect(started.headers.get("location")).toMatch(/^\/api\/v2\.0\/replication\/executions\/\d+$/);
    expect(await auditCount()).toBe(audits + 1);
    const eid = idOf(started);
    // One execution of a policy at a time.
    expect((await start(adminAuth, Number(id))).status).toBe(409);
    // Nor is its policy deleted under it (412, as Harbor).
    expect((await deletePolicy(adminAuth, id)).status).toBe(412);

    await runExecution(eid);
    const execution = await getExecution(auditorAuth, eid);
    expect(await execution.json()).toMatchObject({ id: Number(eid), policy_id: Number(id), status: "Succeed", trigger: "manual", total: 2, succeed: 2, failed: 0, in_progress: 0, stopped: 0, triggered_by: admin.username });

    const list = await call(executionsRoute.GET, apiRequest(`/replication/executions?policy_id=${id}`, { auth: auditorAuth }), {});
    expect(list.headers.get("x-total-count")).toBe("1");
    expect(((await list.json()) as { id: number }[]).map((e) => e.id)).toEqual([Number(eid)]);
    const none = await call(executionsRoute.GET, apiRequest(`/replication/executions?policy_id=${id}&status=Failed`, { auth: auditorAuth }), {});
    expect(await none.json()).toEqual([]);
    expect((await call(executionsRoute.GET, apiRequest("/replication/executions?status=Exploded", { auth: auditorAuth }), {})).status).toBe(400);

    const tasks = await tasksOf(auditorAuth, eid, "?page_size=1");
    expect(tasks.headers.get("x-total-count")).toBe("2");
    expect(tasks.headers.get("link")).toContain('rel="next"');
    const [task] = (await tasks.json()) as { id: number; status: string; operation: string; src_resource: string; dst_resource: string; bytes: number; job_id: string }[];
    expect(task).toMatchObject({ status: "Succeed", operation: "copy", src_resource: expect.stringMatching(/^upstream\/app:\[1\.[01]\]$/), dst_resource: expect.stringMatching(new RegExp(`^${project.name}/app:\\[1\\.[01]\\]$`)) });
    expect(task!.bytes).toBeGreaterThan(0);
    expect(task!.job_id).toMatch(/^\d+$/);

    const taskId = String(task!.id);
    const log = await call(taskLogRoute.GET, apiRequest(`/replication/executions/${eid}/tasks/${taskId}/log`, { auth: auditorAuth }), { id: eid, task_id: taskId });
    expect(log.status).toBe(200);
    expect(log.headers.get("content-type")).toContain("text/plain");
    expect(await log.text()).toContain(`copying upstream/app@`);
    const missing = await call(taskLogRoute.GET, apiRequest(`/replication/executions/${eid}/tasks/999999999/log`, { auth: auditorAuth }), { id: eid, task_id: "999999999" });
    expect(missing.status).toBe(404);

    // What arrived is in Wharf's index; planned again, everything is skipped.
    const indexed = await db.tag.findMany({ where: { repository: { name: `${project.name}/app` } }, select: { name: true, artifact: { select: { digest: true } } }, orderBy: { name: "asc" } });
    expect(indexed.map((t) => [t.name, t.artifact.digest])).toEqual([
      ["1.0", one.digest],
      ["1.1", two.digest],
    ]);
    const again = (await (await preview(adminAuth, id)).json()) as { action: string }[];
    expect(again.map((p) => p.action)).toEqual(["skip", "skip"]);

    // Nothing left to stop or retry.
    expect((await call(executionRoute.PUT, apiRequest(`/replication/executions/${eid}`, { method: "PUT", auth: adminAuth }), { id: eid })).status).toBe(409);
    expect((await call(retryRoute.POST, apiRequest(`/replication/executions/${eid}/retry`, { method: "POST", auth: adminAuth }), { id: eid })).status).toBe(409);
  });

  it("a preview whose remote cannot be reached is a 409 naming the endpoint and the cause", async () => {
    const port = await findFreePort();
    const endpoint = await createRegistry({ actor: actorFor(admin), input: { name: uniqueName("down"), type: "docker-registry", url: `http://127.0.0.1:${port}`, credentialType: "none" } });
    const project = await createProject();
    const id = idOf(await createPolicy(adminAuth, pullPolicy(endpoint.id, project.name)));
    const res = await preview(adminAuth, id);
    expect(res.status).toBe(409);
    expect((await errorOf(res)).message).toMatch(new RegExp(`${endpoint.name}.*127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
    expect((await deletePolicy(adminAuth, id)).status).toBe(200);
  });

  it("stops an execution (PUT): its tasks do not run; auditors may not stop", async () => {
    const endpointId = await endpointFor(remoteSource);
    const project = await createProject();
    await pushGeneratedImage(sourceClient, "upstream/stop", { tag: "1.0" });
    const id = idOf(await createPolicy(adminAuth, pullPolicy(endpointId, project.name, { filters: [{ type: "name", value: "upstream/stop" }] })));
    const eid = idOf(await start(adminAuth, Number(id)));
    const stop = (auth: string) => call(executionRoute.PUT, apiRequest(`/replication/executions/${eid}`, { method: "PUT", auth }), { id: eid });
    expect((await stop(auditorAuth)).status).toBe(403);
    const audits = await auditCount();
    expect((await stop(adminAuth)).status).toBe(200);
    expect(await auditCount()).toBe(audits + 1);
    await runExecution(eid);
    expect(await (await getExecution(adminAuth, eid)).json()).toMatchObject({ status: "Stopped", succeed: 0 });
    expect(await db.repository.count({ where: { name: `${project.name}/stop` } })).toBe(0);
    expect((await deletePolicy(adminAuth, id)).status).toBe(200);
  });

  it("a push whose destination went down: the failed task is the only one retry runs (Wharf's extension), and it arrives", async () => {
    const dir = path.join(tmp, "flaky");
    let flaky = await startLocalRegistry({ dataDir: dir, credentials: CREDENTIALS, port: 0 });
    const port = flaky.port;
    try {
      const project = await createProject();
      await pushGeneratedImage(sourceClient, "flaky/one", { tag: "a" });
      await pushGeneratedImage(sourceClient, "flaky/two", { tag: "b" });
      const pull = idOf(await createPolicy(adminAuth, pullPolicy(await endpointFor(remoteSource), project.name, { filters: [{ type: "name", value: "flaky/**" }] })));
      await runExecution(idOf(await start(adminAuth, Number(pull))));

      const push = idOf(
        await createPolicy(adminAuth, {
          name: uniqueName("push"),
          dest_registry: { id: await endpointFor(flaky) },
          filters: [{ type: "name", value: `${project.name}/**` }],
          trigger: { type: "manual" },
        }),
      );
      const eid = idOf(await start(adminAuth, Number(push)));
      await runExecution(eid, {
        before: async (index) => {
          if (index === 1) await flaky.stop();
        },
      });
      expect(await (await getExecution(adminAuth, eid)).json()).toMatchObject({ status: "Failed", succeed: 1, failed: 1 });
      const failed = (await (await tasksOf(adminAuth, eid, "?status=Failed")).json()) as { id: number; attempts: number }[];
      expect(failed).toHaveLength(1);

      const retry = (auth: string) => call(retryRoute.POST, apiRequest(`/replication/executions/${eid}/retry`, { method: "POST", auth }), { id: eid });
      expect((await retry(auditorAuth)).status).toBe(403);
      flaky = await startLocalRegistry({ dataDir: dir, credentials: CREDENTIALS, port });
      const audits = await auditCount();
      const retried = await retry(adminAuth);
      expect(retried.status).toBe(200);
      expect(await retried.json()).toEqual({ execution_id: Number(eid), tasks: 1 });
      expect(await auditCount()).toBe(audits + 1);
      await runExecution(eid);

      const tasks = (await (await tasksOf(adminAuth, eid)).json()) as { id: number; status: string; attempts: number; dst_resource: string; digest: string; tags: string[] }[];
      expect(tasks.map((t) => [t.status, t.attempts])).toEqual([
        ["Succeed", 1],
        ["Succeed", 2],
      ]);
      expect(tasks.find((t) => t.attempts === 2)?.id).toBe(failed[0]!.id);
      expect(await (await getExecution(adminAuth, eid)).json()).toMatchObject({ status: "Succeed", succeed: 2, failed: 0 });
      const destination = clientOf(flaky);
      for (const t of tasks) expect((await destination.headManifest(t.dst_resource.replace(/:\[.*$/, ""), t.tags[0]!))?.digest).toBe(t.digest);
    } finally {
      await flaky.stop();
    }
  });
});

describe("DELETE /registries/{id} of an endpoint a policy uses", () => {
  it("is refused with 409 naming the policy, one failure audit row, nothing deleted; once the policy is gone it is deleted", async () => {
    const endpointId = await endpointFor(remoteSource);
    const project = await createProject();
    const name = uniqueName("uses-endpoint");
    const id = idOf(await createPolicy(adminAuth, pullPolicy(endpointId, project.name, { name })));
    const since = (await db.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0n;

    const res = await call(registryRoute.DELETE, apiRequest(`/registries/${endpointId}`, { method: "DELETE", auth: adminAuth }), { id: String(endpointId) });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).message).toContain(`"${name}"`);
    const rows = await db.auditEvent.findMany({ where: { id: { gt: since } }, select: { action: true, result: true, reason: true, resourceId: true } });
    expect(rows).toEqual([{ action: "registry_endpoint.delete", result: "failure", reason: expect.stringContaining(name), resourceId: String(endpointId) }]);
    expect(await db.registryEndpoint.count({ where: { id: endpointId } })).toBe(1);
    expect(await db.replicationPolicy.count({ where: { id: Number(id) } })).toBe(1);

    expect((await deletePolicy(adminAuth, id)).status).toBe(200);
    const deleted = await call(registryRoute.DELETE, apiRequest(`/registries/${endpointId}`, { method: "DELETE", auth: adminAuth }), { id: String(endpointId) });
    expect(deleted.status).toBe(200);
    expect(await db.registryEndpoint.count({ where: { id: endpointId } })).toBe(0);
  });
});
