import { createReadStream } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("operation-events-secret-key-0123456789abcdef")));

import { stopSharedBoss } from "@/lib/jobs/boss";
import { retentionRepositoryJob, retentionRunJob, webhookDeliverJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { ALL_REPOSITORIES, ALL_TAGS } from "@/lib/policy/selectors";
import { importArchive } from "@/lib/services/repositories/import-archive";
import { setProjectRetention } from "@/lib/services/retention/policies";
import { startRetentionRun } from "@/lib/services/retention/runs";
import { createWebhookPolicy } from "@/lib/services/webhooks/policies";
import type { HarborWebhookPayload } from "@/lib/services/webhooks/payload";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { skopeoCopy, writeOciImageLayout } from "@/lib/testing/oci-layout";
import { closeWebhookReceivers, startWebhookReceiver } from "@/lib/testing/webhook-receiver";

/*
 * The webhook events of operations rather than of one artifact: QUOTA_EXCEED (a push through the
 * gateway and a tar import refused by the quota), TAG_RETENTION (a real retention run that
 * deleted something; a dry run sends nothing). Real Postgres, the real registry behind the
 * gateway handler, the real retention and delivery jobs, and a real HTTP receiver.
 * REPLICATION is tested with the replication engine (lib/services/replication/execute.test.ts).
 */

const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "operation-events" });

let admin: Awaited<ReturnType<typeof createTestUser>>;
beforeAll(async () => {
  admin = await createTestUser({ isAdmin: true });
});
afterAll(async () => {
  await closeWebhookReceivers();
  await stopSharedBoss();
});

const deliveriesOf = (policyId: number) => db.webhookDelivery.findMany({ where: { policyId }, orderBy: { id: "asc" } });

async function hookFor(projectId: number, eventTypes: string[]) {
  const receiver = await startWebhookReceiver("ok");
  const policy = await createWebhookPolicy({
    actor: actorFor(admin),
    project: projectId,
    input: { name: `hook-${Math.random().toString(36).slice(2, 8)}`, eventTypes, targetType: "http", address: receiver.url },
  });
  return { receiver, policy };
}

async function deliverAll(policyId: number): Promise<void> {
  for (const d of await deliveriesOf(policyId)) if (d.status === "pending" && d.runId) await runQueuedRun(webhookDeliverJob, d.runId);
}

describe("QUOTA_EXCEED", () => {
  it("a manifest push refused by the quota queues one delivery however often the client retries it, with Harbor's payload; the receiver gets it once", async () => {
    const { project, repository, token } = await h.setup();
    const { receiver, policy } = await hookFor(project.id, ["QUOTA_EXCEED"]);
    const dir = path.join(h.tmp, "over");
    const image = await writeOciImageLayout(dir, { tag: "t", extraBytes: 20_000 });
    await h.stage(image.ref, repository, image.manifestDigest);
    await db.project.update({ where: { id: project.id }, data: { storageLimit: 1_000n } });
    const bytes = await h.blobBytes(dir, image.manifestDigest);

    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await h.call(`/v2/${repository}/manifests/2.0`, { method: "PUT", token, body: bytes, headers: { "content-type": OCI_IMAGE_MANIFEST } });
      expect(res.status).toBe(412);
    }
    const queued = await deliveriesOf(policy.id);
    expect(queued).toHaveLength(1);
    const payload = queued[0]!.payload as unknown as HarborWebhookPayload;
    expect(payload).toMatchObject({
      type: "QUOTA_EXCEED",
      event_data: {
        resources: [{ digest: image.manifestDigest, tag: "2.0" }],
        repository: { name: "app", namespace: project.name, repo_full_name: repository, repo_type: "private" },
      },
    });
    expect(payload.event_data.custom_attributes?.Details).toMatch(new RegExp(`^quota exceeded: project ${project.name} uses .* storage limit; this push adds`));
    expect(await db.artifact.count({ where: { digest: image.manifestDigest } })).toBe(0);

    await deliverAll(policy.id);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.body).toEqual(payload);
  }, 120_000);

  it("a tar import over the quota is refused with 412, indexes nothing, writes one failure row and queues one QUOTA_EXCEED", async () => {
    const { project, maintainer } = await h.setup();
    const { policy } = await hookFor(project.id, ["QUOTA_EXCEED", "PUSH_ARTIFACT"]);
    const image = await writeOciImageLayout(path.join(h.tmp, "import-src"), { tag: "t", extraBytes: 30_000 });
    const tar = path.join(h.tmp, "import.tar");
    await skopeoCopy(image.ref, `docker-archive:${tar}:example/app:1`);
    await db.project.update({ where: { id: project.id }, data: { storageLimit: 10_000n } });
    const repository = `${project.name}/imported`;

    const body = () => Readable.toWeb(createReadStream(tar)) as unknown as ReadableStream<Uint8Array>;
    const refused = await importArchive({ actor: actorFor(maintainer), repository, tag: "1.0", body: body() }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 412 });
    expect((refused as Error).message).toMatch(new RegExp(`^quota exceeded: project ${project.name} uses 0 B of its [0-9.]+ KiB storage limit; this push adds [0-9.]+ KiB$`));
    expect(await db.repository.count({ where: { name: repository } })).toBe(0);
    expect(await db.auditEvent.count({ where: { projectId: project.id, action: "artifact.import", result: "failure" } })).toBe(1);
    expect(await db.auditEvent.count({ where: { projectId: project.id, action: "artifact.import", result: "success" } })).toBe(0);
    const queued = await deliveriesOf(policy.id);
    expect(queued.map((d) => d.eventType)).toEqual(["QUOTA_EXCEED"]);
    expect(queued[0]!.payload).toMatchObject({ type: "QUOTA_EXCEED", event_data: { repository: { repo_full_name: repository }, resources: [{ tag: "1.0" }] } });

    // Room again: the same tar imports.
    await db.project.update({ where: { id: project.id }, data: { storageLimit: -1n } });
    const imported = await importArchive({ actor: actorFor(maintainer), repository, tag: "1.0", body: body() });
    expect(await db.artifact.count({ where: { digest: imported.digest, repository: { name: repository } } })).toBe(1);
  }, 120_000);
});

describe("TAG_RETENTION", () => {
  async function runExecution(runId: number): Promise<void> {
    await runQueuedRun(retentionRunJob, runId);
    for (const task of await db.jobRun.findMany({ where: { parentRunId: runId }, select: { id: true } })) await runQueuedRun(retentionRepositoryJob, task.id);
  }

  it("a real run that deleted artifacts sends one event with Harbor's retention payload; a dry run and a run that deletes nothing send none", async () => {
    const { project, repository, token } = await h.setup();
    const { receiver, policy } = await hookFor(project.id, ["TAG_RETENTION"]);
    const pushed: string[] = [];
    for (const tag of ["old", "mid", "new"]) {
      const dir = path.join(h.tmp, `ret-${tag}`);
      const image = await writeOciImageLayout(dir, { tag: "t", author: `retention ${tag}` });
      await h.stage(image.ref, repository, image.manifestDigest);
      await h.putManifest(token, repository, tag, await h.blobBytes(dir, image.manifestDigest), OCI_IMAGE_MANIFEST);
      pushed.push(image.manifestDigest);
    }
    // Pushed an hour apart, oldest first.
    for (const [i, digest] of pushed.entries()) await db.artifact.updateMany({ where: { digest }, data: { pushedAt: new Date(Date.now() - (3 - i) * 3_600_000) } });
    const actor = actorFor(admin);
    await setProjectRetention({ actor, projectId: project.id, input: { rules: [{ template: "latestPushedK", count: 1, repositories: ALL_REPOSITORIES, tags: ALL_TAGS }] } });

    const dry = await startRetentionRun({ actor, projectId: project.id, dryRun: true });
    await runExecution(dry.runId);
    expect(await db.jobRun.findUniqueOrThrow({ where: { id: dry.runId } })).toMatchObject({ status: "succeeded" });
    expect(await deliveriesOf(policy.id)).toHaveLength(0);

    const real = await startRetentionRun({ actor, projectId: project.id, dryRun: false });
    await runExecution(real.runId);
    expect(await db.jobRun.findUniqueOrThrow({ where: { id: real.runId } })).toMatchObject({ status: "succeeded" });
    const queued = await deliveriesOf(policy.id);
    expect(queued).toHaveLength(1);
    expect(queued[0]!.payload).toMatchObject({
      type: "TAG_RETENTION",
      operator: admin.username,
      event_data: {
        retention: {
          total: 3,
          retained: 1,
          harbor_hostname: "wharf.test",
          project_name: project.name,
          retention_policy_id: expect.any(Number),
          result: "SUCCESS",
          retention_rule: [{ template: "latestPushedK", params: { latestPushedK: 1 }, scope_selectors: { repository: [{ decoration: "repoMatches", pattern: "**" }] } }],
          deleted_artifact: [
            { type: "image", status: "SUCCESS", name_tag: "app:old" },
            { type: "image", status: "SUCCESS", name_tag: "app:mid" },
          ],
        },
      },
    });

    // Nothing left to delete: no event.
    const again = await startRetentionRun({ actor, projectId: project.id, dryRun: false });
    await runExecution(again.runId);
    expect(await deliveriesOf(policy.id)).toHaveLength(1);

    await deliverAll(policy.id);
    expect(receiver.received.map((r) => (r.body as HarborWebhookPayload).type)).toEqual(["TAG_RETENTION"]);
  }, 120_000);
});
