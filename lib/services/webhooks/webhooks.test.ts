import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("webhooks-tests-secret-key-0123456789abcdef")));

import { runAttempt } from "@/lib/jobs/attempt";
import { getBoss, stopSharedBoss } from "@/lib/jobs/boss";
import { artifactScanJob, drainArtifactEventsJob, webhookDeliverJob } from "@/lib/jobs/definitions";
import { startArtifactScan } from "@/lib/services/scan/manual-scan";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { ForbiddenError, NotFoundError, ValidationError } from "@/lib/errors";
import { getServerEnv } from "@/lib/env";
import { queueRun } from "@/lib/services/jobs/queue-run";
import { createMember } from "@/lib/services/registry-auth/test-fixtures";
import { attemptWebhookDelivery } from "@/lib/services/webhooks/deliver";
import { WEBHOOK_EVENTS_CONSUMER } from "@/lib/services/webhooks/artifact-events";
import {
  createWebhookPolicy,
  deleteWebhookPolicy,
  listWebhookDeliveries,
  listWebhookPolicies,
  sendWebhookTestEvent,
  setWebhookPolicyEnabled,
  updateWebhookPolicy,
} from "@/lib/services/webhooks/policies";
import type { HarborWebhookPayload } from "@/lib/services/webhooks/payload";
import { flushWebhookPulls } from "@/lib/services/webhooks/pulls";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { closeWebhookReceivers, startWebhookReceiver } from "@/lib/testing/webhook-receiver";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";

/*
 * Real Postgres, the real Distribution registry behind Wharf's gateway handler, the real drain and
 * delivery jobs, and real HTTP receivers (node:http on loopback ports started here): a push
 * through the gateway reaches each receiver exactly once with Harbor's payload.
 */

const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "webhooks" });

let admin: Awaited<ReturnType<typeof createTestUser>>;

beforeAll(async () => {
  admin = await createTestUser({ isAdmin: true });
});

afterAll(async () => {
  await closeWebhookReceivers();
  await stopSharedBoss();
});

const newReceiver = startWebhookReceiver;

/** Drain runs until the webhooks consumer's cursor has passed every event of `repository`. */
async function drain(repository: string): Promise<void> {
  for (let round = 0; ; round++) {
    const { runId } = await db.$transaction((tx) => queueRun(tx, drainArtifactEventsJob, {}, "test"));
    await runQueuedRun(drainArtifactEventsJob, runId);
    const [left] = await db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM artifact_events e
      WHERE e.repository = ${repository}
        AND NOT EXISTS (SELECT 1 FROM artifact_event_consumers c WHERE c.name = ${WEBHOOK_EVENTS_CONSUMER.name} AND (c.last_txid, c.last_id) >= (e.txid, e.id))`;
    if (left?.n === 0) return;
    if (round > 200) throw new Error("the events never reached the webhooks consumer");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const deliveriesOf = (policyId: number) => db.webhookDelivery.findMany({ where: { policyId }, orderBy: { id: "asc" } });

/** Runs every queued delivery of the policy once, as the worker would (a failure is final here). */
async function deliverAll(policyId: number): Promise<void> {
  for (const d of await deliveriesOf(policyId)) {
    if (d.status !== "pending" || !d.runId) continue;
    await runQueuedRun(webhookDeliverJob, d.runId).catch(() => undefined);
  }
}

function policyInput(address: string, over: Record<string, unknown> = {}) {
  return { name: `hook-${Math.random().toString(36).slice(2, 8)}`, eventTypes: ["PUSH_ARTIFACT", "DELETE_ARTIFACT", "PULL_ARTIFACT"], targetType: "http", address, ...over };
}

describe("project webhooks", () => {
  it("a push through the gateway reaches an http and a Slack receiver exactly once each, with Harbor's payload and the auth header, queued not awaited", async () => {
    const { project, repository, token, maintainer } = await h.setup();
    const http = await newReceiver("ok");
    const slack = await newReceiver("ok");
    const hanging = await newReceiver("hang");
    const actor = actorFor(admin);
    const httpPolicy = await createWebhookPolicy({ actor, project: project.id, input: policyInput(http.url, { authHeader: "Bearer s3cret-hook" }) });
    const slackPolicy = await createWebhookPolicy({ actor, project: project.id, input: policyInput(slack.url, { targetType: "slack", eventTypes: ["PUSH_ARTIFACT"] }) });
    const hangPolicy = await createWebhookPolicy({ actor, project: project.id, input: policyInput(hanging.url, { eventTypes: ["PUSH_ARTIFACT"] }) });
    expect(httpPolicy.hasAuthHeader).toBe(true);
    expect(JSON.stringify(await db.webhookPolicy.findUnique({ where: { id: httpPolicy.id } }))).not.toContain("s3cret-hook");

    // The push answers with nothing queued yet: deliveries come from the events outbox, after it.
    const { image } = await h.pushImage(token, repository, ["1.0"]);
    expect(await db.webhookDelivery.count({ where: { policyId: { in: [httpPolicy.id, slackPolicy.id, hangPolicy.id] } } })).toBe(0);
    expect(hanging.received).toHaveLength(0);

    await drain(repository);
    const queued = await deliveriesOf(httpPolicy.id);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ status: "pending", attempts: 0, eventType: "PUSH_ARTIFACT" });
    const run = await db.jobRun.findUniqueOrThrow({ where: { id: queued[0]!.runId! } });
    expect(run).toMatchObject({ jobName: webhookDeliverJob.id, status: "queued" });
    expect(http.received).toHaveLength(0);

    // A second drain queues nothing again.
    await drain(repository);
    expect(await deliveriesOf(httpPolicy.id)).toHaveLength(1);

    await deliverAll(httpPolicy.id);
    await deliverAll(slackPolicy.id);
    expect(http.received).toHaveLength(1);
    expect(slack.received).toHaveLength(1);
    const [got] = http.received;
    expect(got!.headers.authorization).toBe("Bearer s3cret-hook");
    expect(got!.headers["content-type"]).toBe("application/json");
    const payload = got!.body as HarborWebhookPayload;
    expect(payload).toMatchObject({
      type: "PUSH_ARTIFACT",
      operator: maintainer.username,
      event_data: {
        resources: [{ digest: image.manifestDigest, tag: "1.0", resource_url: `wharf.test:3000/${repository}:1.0` }],
        repository: { name: "app", namespace: project.name, repo_full_name: repository, repo_type: "private" },
      },
    });
    expect(Number.isInteger(payload.occur_at)).toBe(true);
    expect(Math.abs(payload.occur_at - Date.now() / 1000)).toBeLessThan(120);
    expect(Number.isInteger(payload.event_data.repository?.date_created)).toBe(true);
    const slackBody = slack.received[0]!.body as { text: string; blocks: unknown[] };
    expect(slackBody.text).toContain("PUSH_ARTIFACT");
    expect(slackBody.text).toContain(`${repository}:1.0`);
    expect(slack.received[0]!.headers.authorization).toBeUndefined();

    const [done] = await deliveriesOf(httpPolicy.id);
    expect(done).toMatchObject({ status: "success", attempts: 1, responseCode: 200, lastError: null });
    // Measured, and within the attempt's 10 s timeout (the receiver answered at once).
    expect(Number.isInteger(done!.durationMs)).toBe(true);
    expect(done!.durationMs).toBeGreaterThanOrEqual(0);
    expect(done!.durationMs).toBeLessThan(10_000);

    // The hanging receiver: the attempt gives up at its timeout and is logged; the push was never held.
    const [hung] = await deliveriesOf(hangPolicy.id);
    const outcome = await attemptWebhookDelivery({ deliveryId: hung!.id, final: false, timeoutMs: 300 });
    expect(outcome.ok).toBe(false);
    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { id: hung!.id } })).toMatchObject({ status: "pending", attempts: 1, responseCode: null, lastError: "no answer within 0.3 s" });

    // Delete and pull through the gateway: DELETE_ARTIFACT (outbox) and PULL_ARTIFACT (noted by the gateway).
    const pull = await h.call(`/v2/${repository}/manifests/1.0`, { token, headers: { accept: OCI_IMAGE_MANIFEST } });
    expect(pull.status).toBe(200);
    await flushWebhookPulls();
    const del = await h.call(`/v2/${repository}/manifests/${image.manifestDigest}`, { method: "DELETE", token });
    expect(del.status).toBe(202);
    await drain(repository);
    await deliverAll(httpPolicy.id);
    expect(http.received.map((r) => (r.body as { type: string }).type)).toEqual(["PUSH_ARTIFACT", "PULL_ARTIFACT", "DELETE_ARTIFACT"]);
    expect((http.received[1]!.body as HarborWebhookPayload).event_data.resources?.[0]).toMatchObject({ digest: image.manifestDigest, tag: "1.0" });
    expect((http.received[2]!.body as HarborWebhookPayload).event_data.resources?.[0]).toMatchObject({ digest: image.manifestDigest });
    // The Slack policy asked for pushes only.
    expect(slack.received).toHaveLength(1);
  }, 120_000);

  it("retries a receiver that answers 500 with pg-boss's backoff and logs every attempt; the last marks it failed", async () => {
    const { project } = await h.setup();
    const broken = await newReceiver("fail");
    const policy = await createWebhookPolicy({ actor: actorFor(admin), project: project.id, input: policyInput(broken.url) });
    const { deliveryId } = await sendWebhookTestEvent({ actor: actorFor(admin), project: project.id, policyId: policy.id });
    const delivery = await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
    const run = await db.jobRun.findUniqueOrThrow({ where: { id: delivery.runId! } });
    const boss = await getBoss();
    const job = await boss.getJobById(webhookDeliverJob.id, run.bossJobId!);
    expect(job).toMatchObject({ retryLimit: webhookDeliverJob.retryLimit, retryBackoff: true, retryDelay: webhookDeliverJob.retryDelaySeconds });
    await boss.cancel(webhookDeliverJob.id, job!.id);
    // pg-boss's attempts, one after the other (its delays are not waited for here).
    for (let retry = 0; retry <= webhookDeliverJob.retryLimit; retry++) {
      await expect(runAttempt(webhookDeliverJob, { id: job!.id, data: job!.data, retryCount: retry, retryLimit: webhookDeliverJob.retryLimit })).rejects.toThrow("answered 500");
      const now = await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
      expect(now).toMatchObject({ attempts: retry + 1, responseCode: 500, lastError: "the receiver answered 500", status: retry < webhookDeliverJob.retryLimit ? "pending" : "error" });
    }
    expect(broken.received).toHaveLength(webhookDeliverJob.retryLimit + 1);
    expect((broken.received[0]!.body as { type: string }).type).toBe("PUSH_ARTIFACT");
    expect(await db.jobRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ status: "failed" });
    const log = await listWebhookDeliveries({ actor: actorFor(admin), project: project.id, policyId: policy.id });
    expect(log.rows).toHaveLength(1);
    expect(log.rows[0]).toMatchObject({ trigger: "test", status: "error", attempts: 4, responseCode: 500 });
  }, 60_000);

  it("a dead receiver (nothing listening) is logged with the connection error", async () => {
    const { project } = await h.setup();
    const dead = await newReceiver("ok");
    const url = dead.url;
    await new Promise((resolve) => dead.server.close(resolve));
    const policy = await createWebhookPolicy({ actor: actorFor(admin), project: project.id, input: policyInput(url) });
    const { deliveryId } = await sendWebhookTestEvent({ actor: actorFor(admin), project: project.id, policyId: policy.id });
    const outcome = await attemptWebhookDelivery({ deliveryId, final: true });
    expect(outcome.ok).toBe(false);
    const row = await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
    expect(row).toMatchObject({ status: "error", attempts: 1, responseCode: null });
    expect(row.lastError).toMatch(/^request failed: .*ECONNREFUSED/);
  });

  it("refuses bad input with field errors and saves nothing: not http(s), Wharf's own address or listen port, no event type, a name taken", async () => {
    const { project } = await h.setup();
    const actor = actorFor(admin);
    const port = getServerEnv().PORT;
    const bad: [Record<string, unknown>, string][] = [
      [policyInput("ftp://example.com/hook"), "address"],
      [policyInput("not a url"), "address"],
      [policyInput("http://wharf.test:3000/api/v2.0/projects"), "address"],
      [policyInput("HTTP://WHARF.TEST:3000/x"), "address"],
      [policyInput(`http://127.0.0.1:${port}/x`), "address"],
      [policyInput(`http://localhost:${port}/x`), "address"],
      [policyInput(`http://[::1]:${port}/x`), "address"],
      [policyInput("https://ci.example.com/hook", { eventTypes: [] }), "eventTypes"],
      [policyInput("https://ci.example.com/hook", { eventTypes: ["NOPE"] }), "eventTypes"],
      [policyInput("https://ci.example.com/hook", { targetType: "email" }), "targetType"],
    ];
    for (const [input, field] of bad) {
      const error = await createWebhookPolicy({ actor, project: project.id, input }).catch((e: unknown) => e);
      expect(error, JSON.stringify(input)).toBeInstanceOf(ValidationError);
      expect(Object.keys((error as ValidationError).fieldErrors)).toContain(field);
    }
    expect(await db.webhookPolicy.count({ where: { projectId: project.id } })).toBe(0);
    expect(await db.auditEvent.count({ where: { projectId: project.id, action: "webhook_policy.create" } })).toBe(0);

    const ok = await createWebhookPolicy({ actor, project: project.id, input: policyInput("https://ci.example.com/hook", { name: "ci" }) });
    const clash = await createWebhookPolicy({ actor, project: project.id, input: policyInput("https://ci.example.com/other", { name: "ci" }) }).catch((e: unknown) => e);
    expect((clash as ValidationError).fieldErrors).toHaveProperty("name");
    const selfUpdate = await updateWebhookPolicy({ actor, project: project.id, policyId: ok.id, input: policyInput("http://wharf.test:3000/", { name: "ci" }) }).catch((e: unknown) => e);
    expect((selfUpdate as ValidationError).fieldErrors).toHaveProperty("address");
    expect((await db.webhookPolicy.findUniqueOrThrow({ where: { id: ok.id } })).address).toBe("https://ci.example.com/hook");
  });

  it("lets Project Admins manage policies, Maintainers read them, and refuses (audited) everyone else; every change is one audit row", async () => {
    const { project } = await h.setup();
    const projectAdmin = actorFor(await createMember(project.id, 1));
    const maintainer = actorFor(await createMember(project.id, 4));
    const developer = actorFor(await createMember(project.id, 2));
    const outsider = actorFor(await createTestUser());

    const policy = await createWebhookPolicy({ actor: projectAdmin, project: project.id, input: policyInput("https://ci.example.com/hook", { authHeader: "Bearer x-secret" }) });
    await updateWebhookPolicy({ actor: projectAdmin, project: project.id, policyId: policy.id, input: policyInput("https://ci.example.com/hook2", { name: policy.name }) });
    expect((await db.webhookPolicy.findUniqueOrThrow({ where: { id: policy.id } })).authHeaderSealed).not.toBeNull();
    await setWebhookPolicyEnabled({ actor: projectAdmin, project: project.id, policyId: policy.id, enabled: false });
    expect((await listWebhookPolicies({ actor: maintainer, project: project.id })).rows.map((p) => [p.name, p.enabled])).toEqual([[policy.name, false]]);

    await expect(createWebhookPolicy({ actor: maintainer, project: project.id, input: policyInput("https://x.example.com/") })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(updateWebhookPolicy({ actor: maintainer, project: project.id, policyId: policy.id, input: policyInput("https://x.example.com/") })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(deleteWebhookPolicy({ actor: developer, project: project.id, policyId: policy.id })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(sendWebhookTestEvent({ actor: maintainer, project: project.id, policyId: policy.id })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listWebhookPolicies({ actor: developer, project: project.id })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listWebhookPolicies({ actor: outsider, project: project.id })).rejects.toBeInstanceOf(NotFoundError);

    await deleteWebhookPolicy({ actor: projectAdmin, project: project.id, policyId: policy.id });
    const rows = await db.auditEvent.findMany({ where: { projectId: project.id, action: { startsWith: "webhook_policy." } }, orderBy: { id: "asc" } });
    expect(rows.filter((r) => r.result === "success").map((r) => r.action)).toEqual(["webhook_policy.create", "webhook_policy.update", "webhook_policy.update", "webhook_policy.delete"]);
    expect(rows.filter((r) => r.result === "failure").map((r) => r.action)).toEqual(["webhook_policy.create", "webhook_policy.update", "webhook_policy.delete", "webhook_policy.test"]);
    expect(JSON.stringify(rows.map((r) => r.detail))).not.toContain("x-secret");
  });

  it("a scan that fails at the end of its scan.artifact run queues SCANNING_FAILED in that run's own transaction", async () => {
    const { project, repository, token } = await h.setup();
    const { image } = await h.pushImage(token, repository, ["1.0"]);
    // A scanner nothing listens at: the run ends the report as failed.
    const scanner = await db.scanner.create({ data: { name: `webhook-scan-${project.id}`, url: "http://127.0.0.1:9/scanner" } });
    await db.projectScanner.create({ data: { projectId: project.id, scannerId: scanner.id } });
    const hook = await newReceiver("ok");
    const policy = await createWebhookPolicy({ actor: actorFor(admin), project: project.id, input: policyInput(hook.url, { eventTypes: ["SCANNING_FAILED", "SCANNING_COMPLETED"] }) });
    const started = await startArtifactScan({ actor: actorFor(admin), repository, reference: "1.0" });
    expect(await deliveriesOf(policy.id)).toHaveLength(0);
    for (const scan of started.scans) await runQueuedRun(artifactScanJob, scan.runId).catch(() => undefined);
    const queued = await deliveriesOf(policy.id);
    expect(queued.map((d) => d.eventType)).toEqual(["SCANNING_FAILED"]);
    await deliverAll(policy.id);
    const body = hook.received[0]!.body as HarborWebhookPayload;
    expect(body).toMatchObject({ type: "SCANNING_FAILED", event_data: { resources: [{ digest: image.manifestDigest, tag: "1.0" }], repository: { repo_full_name: repository } } });
    expect(Object.values(body.event_data.resources![0]!.scan_overview!)[0]).toMatchObject({ scan_status: "Error", scanner: { name: scanner.name } });
    await db.scanner.delete({ where: { id: scanner.id } });
  }, 60_000);
});
