import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  process.env.WHARF_EXTERNAL_URL = "http://wharf.test:3000";
  process.env.WHARF_SECRET_KEY ??= "webhooks-api-tests-secret-key-0123456789ab";
});

import { createClient, type HarborClient } from "@hapic/harbor";
import * as eventsRoute from "@/app/api/v2.0/projects/[project_name_or_id]/webhook/events/route";
import * as jobsRoute from "@/app/api/v2.0/projects/[project_name_or_id]/webhook/jobs/route";
import * as lastTriggerRoute from "@/app/api/v2.0/projects/[project_name_or_id]/webhook/lasttrigger/route";
import * as tasksRoute from "@/app/api/v2.0/projects/[project_name_or_id]/webhook/policies/[webhook_policy_id]/executions/[execution_id]/tasks/route";
import * as taskLogRoute from "@/app/api/v2.0/projects/[project_name_or_id]/webhook/policies/[webhook_policy_id]/executions/[execution_id]/tasks/[task_id]/log/route";
import * as executionsRoute from "@/app/api/v2.0/projects/[project_name_or_id]/webhook/policies/[webhook_policy_id]/executions/route";
import * as policyRoute from "@/app/api/v2.0/projects/[project_name_or_id]/webhook/policies/[webhook_policy_id]/route";
import * as testRoute from "@/app/api/v2.0/projects/[project_name_or_id]/webhook/policies/[webhook_policy_id]/test/route";
import * as policiesRoute from "@/app/api/v2.0/projects/[project_name_or_id]/webhook/policies/route";
import { apiRequest, basic, call } from "@/lib/api/test-kit";
import { stopSharedBoss } from "@/lib/jobs/boss";
import { webhookDeliverJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { serveApiRoutes, type ApiHttpServer } from "@/lib/testing/api-http-server";
import { createTestUser, db, TEST_PASSWORD } from "@/lib/testing/factories";

/*
 * The webhook REST routes in Harbor's shapes, each answer checked against Wharf's OpenAPI document
 * (lib/api/test-kit), and @hapic/harbor's webhook policy methods against them over real HTTP.
 */

let server: ApiHttpServer;
let receiver: Server;
let receiverUrl = "";
const received: { authorization?: string; body: { type: string } }[] = [];
let admin: Awaited<ReturnType<typeof createTestUser>>;
let harbor: HarborClient;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ authorization: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as { type: string } });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  server = await serveApiRoutes({
    "/projects/{project_name_or_id}/webhook/policies": policiesRoute,
    "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}": policyRoute,
  });
  admin = await createTestUser({ isAdmin: true });
  harbor = createClient({ connectionString: `${admin.username}:${TEST_PASSWORD}@${server.url}` });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await new Promise((resolve) => receiver.close(resolve));
  await stopSharedBoss();
});

const P = (project: string) => ({ project_name_or_id: project });

function harborPolicy(over: Record<string, unknown> = {}) {
  return { name: "ci", description: "to CI", enabled: true, event_types: ["PUSH_ARTIFACT", "SCANNING_FAILED"], targets: [{ type: "http", address: receiverUrl, auth_header: "Bearer rest-secret", skip_cert_verify: false }], ...over };
}

describe("webhook REST routes", () => {
  it("create, list, get, update, test event, executions, tasks, log, last trigger, events, jobs, delete; in Harbor's shapes", async () => {
    const project = await createProject();
    const auth = basic(admin.username);
    const base = `/projects/${project.name}/webhook`;
    const createdRes = await call(policiesRoute.POST, apiRequest(`${base}/policies`, { method: "POST", auth, body: harborPolicy() }), P(project.name));
    expect(createdRes.status).toBe(201);
    const id = Number(createdRes.headers.get("location")!.split("/").pop());

    const listRes = await call(policiesRoute.GET, apiRequest(`${base}/policies?q=name%3Dci`, { auth }), P(project.name));
    expect(listRes.headers.get("x-total-count")).toBe("1");
    const [listed] = (await listRes.json()) as Record<string, unknown>[];
    expect(listed).toMatchObject({ id, name: "ci", project_id: project.id, enabled: true, targets: [{ type: "http", address: receiverUrl, auth_header: "*****", skip_cert_verify: false }] });
    expect((listed as { event_types: string[] }).event_types).toEqual(["PUSH_ARTIFACT", "SCANNING_FAILED"]);

    // PUT with the masked header keeps it; the test event carries it.
    const got = (await (await call(policyRoute.GET, apiRequest(`${base}/policies/${id}`, { auth }), { ...P(project.name), webhook_policy_id: String(id) })).json()) as Record<string, unknown>;
    const put = await call(policyRoute.PUT, apiRequest(`${base}/policies/${id}`, { method: "PUT", auth, body: { ...got, description: "changed" } }), { ...P(project.name), webhook_policy_id: String(id) });
    expect(put.status).toBe(200);
    const tested = await call(testRoute.POST, apiRequest(`${base}/policies/${id}/test`, { method: "POST", auth }), { ...P(project.name), webhook_policy_id: String(id) });
    expect(tested.status).toBe(202);
    const { id: deliveryId } = (await tested.json()) as { id: number };
    const delivery = await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
    await runQueuedRun(webhookDeliverJob, delivery.runId!);
    expect(received.at(-1)).toMatchObject({ authorization: "Bearer rest-secret", body: { type: "PUSH_ARTIFACT" } });

    const params = { ...P(project.name), webhook_policy_id: String(id) };
    const executions = (await (await call(executionsRoute.GET, apiRequest(`${base}/policies/${id}/executions`, { auth }), params)).json()) as Record<string, unknown>[];
    expect(executions).toHaveLength(1);
    expect(executions[0]).toMatchObject({ id: deliveryId, vendor_type: "WEBHOOK", vendor_id: id, status: "Success", trigger: "MANUAL", extra_attrs: { event_type: "PUSH_ARTIFACT", response_code: 200, attempts: 1 } });
    const tasks = (await (await call(tasksRoute.GET, apiRequest(`${base}/policies/${id}/executions/${deliveryId}/tasks`, { auth }), { ...params, execution_id: String(deliveryId) })).json()) as Record<string, unknown>[];
    expect(tasks).toMatchObject([{ id: deliveryId, execution_id: deliveryId, status: "Success", run_count: 1 }]);
    const log = await call(taskLogRoute.GET, apiRequest(`${base}/policies/${id}/executions/${deliveryId}/tasks/${deliveryId}/log`, { auth }), { ...params, execution_id: String(deliveryId), task_id: String(deliveryId) });
    expect(await log.text()).toContain("answered 200");

    const last = (await (await call(lastTriggerRoute.GET, apiRequest(`${base}/lasttrigger`, { auth }), P(project.name))).json()) as Record<string, unknown>[];
    expect(last.map((l) => l.event_type)).toEqual(["PUSH_ARTIFACT", "SCANNING_FAILED"]);
    const events = (await (await call(eventsRoute.GET, apiRequest(`${base}/events`, { auth }), P(project.name))).json()) as { event_type: string[]; notify_type: string[] };
    expect(events.event_type).toContain("QUOTA_EXCEED");
    expect(events.notify_type).toEqual(["http", "slack"]);
    const jobs = (await (await call(jobsRoute.GET, apiRequest(`${base}/jobs?policy_id=${id}`, { auth }), P(project.name))).json()) as Record<string, unknown>[];
    expect(jobs).toMatchObject([{ id: deliveryId, policy_id: id, event_type: "PUSH_ARTIFACT", notify_type: "http", status: "Success" }]);

    const removed = await call(policyRoute.DELETE, apiRequest(`${base}/policies/${id}`, { method: "DELETE", auth }), params);
    expect(removed.status).toBe(200);
    expect(await db.webhookPolicy.count({ where: { projectId: project.id } })).toBe(0);
  });

  it("refuses bad input (400 naming Harbor's field, nothing saved) and non-admins (403)", async () => {
    const project = await createProject();
    const auth = basic(admin.username);
    const base = `/projects/${project.name}/webhook/policies`;
    for (const [body, field] of [
      [harborPolicy({ targets: [{ type: "http", address: "file:///etc/passwd" }] }), "targets[0].address"],
      [harborPolicy({ targets: [{ type: "http", address: "http://wharf.test:3000/api/v2.0/ping" }] }), "targets[0].address"],
      [harborPolicy({ event_types: ["NOT_A_TYPE"] }), "event_types"],
      [harborPolicy({ targets: [] }), "targets"],
    ] as const) {
      const res = await call(policiesRoute.POST, apiRequest(base, { method: "POST", auth, body }), P(project.name));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { errors: { message: string }[] }).errors[0]!.message).toContain(field);
    }
    expect(await db.webhookPolicy.count({ where: { projectId: project.id } })).toBe(0);
    const maintainer = await createMember(project.id, 4);
    const refused = await call(policiesRoute.POST, apiRequest(base, { method: "POST", auth: basic(maintainer.username), body: harborPolicy() }), P(project.name));
    expect(refused.status).toBe(403);
    const read = await call(policiesRoute.GET, apiRequest(base, { auth: basic(maintainer.username) }), P(project.name));
    expect(read.status).toBe(200);
    const developer = await createMember(project.id, 2);
    expect((await call(policiesRoute.GET, apiRequest(base, { auth: basic(developer.username) }), P(project.name))).status).toBe(403);
  });

  it("@hapic/harbor's webhook policy methods work against Wharf over HTTP", async () => {
    const project = await createProject();
    const { id } = await harbor.projectWebhookPolicy.create({
      projectIdOrName: project.name,
      isProjectName: true,
      data: { name: "hapic-hook", event_types: ["PULL_ARTIFACT"], targets: [{ type: "http", address: receiverUrl, skip_cert_verify: false }] },
    });
    expect(id).toBeGreaterThan(0);
    const many = await harbor.projectWebhookPolicy.getMany({ projectIdOrName: project.id });
    expect(many.data.map((p) => p.name)).toEqual(["hapic-hook"]);
    expect(many.data[0]!.event_types).toEqual(["PUSH_ARTIFACT", "PULL_ARTIFACT"]);
    const one = await harbor.projectWebhookPolicy.getOne({ projectIdOrName: project.id, id: id! });
    expect(one).toMatchObject({ id, name: "hapic-hook", project_id: project.id, targets: [{ address: receiverUrl }] });
    expect(await harbor.projectWebhookPolicy.findOne({ projectIdOrName: project.id, name: "hapic-hook" })).toMatchObject({ id });
    await harbor.projectWebhookPolicy.update({ projectIdOrName: project.id, id: id!, data: { ...one, description: "from hapic" } });
    expect((await harbor.projectWebhookPolicy.getOne({ projectIdOrName: project.id, id: id! })).description).toBe("from hapic");
    await harbor.projectWebhookPolicy.deleteByName({ projectIdOrName: project.id, name: "hapic-hook" });
    expect(await harbor.projectWebhookPolicy.findOne({ projectIdOrName: project.id, name: "hapic-hook" })).toBeUndefined();
    const second = await harbor.projectWebhookPolicy.create({ projectIdOrName: project.id, data: { name: "second", targets: [{ type: "http", address: receiverUrl, skip_cert_verify: true }] } });
    await harbor.projectWebhookPolicy.delete({ projectIdOrName: project.id, id: second.id! });
    expect(await db.webhookPolicy.count({ where: { projectId: project.id } })).toBe(0);
    expect(server.requests.filter((r) => r.status >= 500)).toEqual([]);
  });
});
