import { mkdtemp, rm } from "node:fs/promises";
import { createServer as createTcpServer, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The backing registry's port is read once by getServerEnv(): chosen before any import.
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("replication-tests-secret-key-0123456789abcdef")));

import type { UserActor } from "@/lib/auth/actor";
import { ConflictError, ForbiddenError } from "@/lib/errors";
import { getBoss, stopSharedBoss } from "@/lib/jobs/boss";
import { drainArtifactEventsJob, replicationRunJob, replicationTaskJob, webhookDeliverJob } from "@/lib/jobs/definitions";
import { queueRun } from "@/lib/services/jobs/queue-run";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import type { RegistryClient } from "@/lib/registry/client";
import { endpointClient } from "@/lib/registry/endpoint";
import { startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { createRegistry } from "@/lib/services/registries/registries";
import { createReplicationPolicy, deleteReplicationPolicy } from "@/lib/services/replication/policies";
import { previewReplicationPolicy } from "@/lib/services/replication/preview";
import { fireReplicationSchedules } from "@/lib/services/replication/schedule";
import { getReplicationExecution, listReplicationTasks, retryFailedReplicationTasks, startReplication, stopReplication } from "@/lib/services/replication/runs";
import { createProject, db } from "@/lib/services/registry-auth/test-fixtures";
import { actorFor, createTestUser, uniqueName } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { closeWebhookReceivers, startWebhookReceiver } from "@/lib/testing/webhook-receiver";
import { createWebhookPolicy } from "@/lib/services/webhooks/policies";
import type { HarborWebhookPayload } from "@/lib/services/webhooks/payload";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { pushBlob, pushGeneratedImage, pushGeneratedIndex, sha256 } from "@/lib/testing/remote-registries";

// Wharf's backing registry plus two more real Distribution processes with htpasswd auth: a source
// to pull from and a destination to push to (stopped and restarted for the retry test).

gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "replication" });

const CREDENTIALS = { username: "repl-user", password: "repl-Passw0rd-4b8e" };
let tmp: string;
let remoteSource: LocalRegistry;
let remoteDestination: LocalRegistry;
let sourceClient: RegistryClient;
let admin: UserActor;
let auditor: UserActor;

const clientOf = (registry: LocalRegistry) => endpointClient({ url: registry.url, auth: { kind: "basic", credentials: CREDENTIALS } });

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-replication-"));
  [remoteSource, remoteDestination] = await Promise.all([
    startLocalRegistry({ dataDir: path.join(tmp, "source"), credentials: CREDENTIALS }),
    startLocalRegistry({ dataDir: path.join(tmp, "destination"), credentials: CREDENTIALS }),
  ]);
  sourceClient = clientOf(remoteSource);
  admin = actorFor(await createTestUser({ isAdmin: true }));
  auditor = actorFor(await createTestUser({ isAuditor: true }));
}, 90_000);

afterAll(async () => {
  await closeWebhookReceivers();
  await stopSharedBoss();
  await Promise.all([remoteSource?.stop(), remoteDestination?.stop()]);
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function endpointFor(registry: { url: string }): Promise<number> {
  const created = await createRegistry({
    actor: admin,
    input: { name: uniqueName("remote"), type: "docker-registry", url: registry.url, credentialType: "basic", username: CREDENTIALS.username, secret: CREDENTIALS.password },
  });
  return created.id;
}

/** Runs an execution's queued run and then each of its task runs, in this process. */
async function runExecution(runId: number, { only }: { only?: (taskRunId: number, index: number) => boolean | Promise<boolean> } = {}): Promise<void> {
  await runQueuedRun(replicationRunJob, runId);
  const children = await db.jobRun.findMany({ where: { parentRunId: runId }, select: { id: true }, orderBy: { id: "asc" } });
  for (const [index, child] of children.entries()) {
    if (only && !(await only(child.id, index))) continue;
    await runQueuedRun(replicationTaskJob, child.id).catch(() => undefined);
  }
}

/**
 * A TCP proxy in front of a registry that passes its answers until `allowBytes` have gone through,
 * then holds the rest back (the connection stays open, no byte moves): a copy through it is
 * caught mid-layer for as long as the test likes, with no clock involved.
 */
async function stallingProxy(target: string, allowBytes: number): Promise<{ url: string; stalled: Promise<void>; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  let forwarded = 0;
  let markStalled: () => void = () => undefined;
  const stalled = new Promise<void>((resolve) => (markStalled = resolve));
  const sockets = new Set<Socket>();
  const server = createTcpServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => sockets.delete(socket));
    }
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      client.write(chunk);
      forwarded += chunk.byteLength;
      if (forwarded >= allowBytes) {
        upstream.pause();
        markStalled();
      }
    });
    upstream.on("end", () => client.end());
    client.on("close", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    stalled,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("replication runs against real registries", () => {
  it("pulls into Wharf's index and pushes out again with the same digests; the preview is what the run copies", async () => {
    const project = await createProject();
    const image = await pushGeneratedImage(sourceClient, "upstream/app", { tag: "1.0" });
    const index = await pushGeneratedIndex(sourceClient, "upstream/app", { tag: "2.0" });

    const pull = await createReplicationPolicy({
      actor: admin,
      input: { name: uniqueName("pull"), direction: "pull", endpointId: await endpointFor(remoteSource), filters: { name: { decoration: "matches", kind: "doublestar", pattern: "upstream/**" }, tag: null, resource: "image" }, destNamespace: project.name, flattening: 1 },
    });
    const preview = await previewReplicationPolicy({ actor: admin, policyId: pull.id });
    expect(preview.map((p) => [p.operation, p.dstRepository, p.digest, p.tags]).sort()).toEqual(
      [
        ["copy", `${project.name}/app`, image.digest, ["1.0"]],
        ["copy", `${project.name}/app`, index.digest, ["2.0"]],
      ].sort(),
    );

    const { executionId, runId } = await startReplication({ actor: admin, policyId: pull.id });
    await runExecution(runId);
    const execution = await getReplicationExecution({ actor: auditor, executionId });
    expect(execution).toMatchObject({ status: "Succeed", total: 2, succeed: 2, failed: 0 });
    const tasks = await listReplicationTasks({ actor: auditor, executionId, query: { page: 1, pageSize: 10 } });
    expect(tasks.rows.map((t) => [t.digest, t.tags, t.status]).sort()).toEqual(preview.map((p) => [p.digest, p.tags, "Succeed"]).sort());
    expect(tasks.rows.every((t) => t.bytes > 0n)).toBe(true);
    const indexed = await db.tag.findMany({ where: { repository: { name: `${project.name}/app` } }, select: { name: true, artifact: { select: { digest: true } } }, orderBy: { name: "asc" } });
    expect(indexed.map((t) => [t.name, t.artifact.digest])).toEqual([
      ["1.0", image.digest],
      ["2.0", index.digest],
    ]);

    const push = await createReplicationPolicy({
      actor: admin,
      input: { name: uniqueName("push"), direction: "push", endpointId: await endpointFor(remoteDestination), filters: { name: { decoration: "matches", kind: "doublestar", pattern: `${project.name}/**` }, tag: null, resource: "image" }, destNamespace: "mirror", flattening: 1 },
    });
    const pushPreview = await previewReplicationPolicy({ actor: admin, policyId: push.id });
    const pushed = await startReplication({ actor: admin, policyId: push.id });
    await runExecution(pushed.runId);
    expect(await getReplicationExecution({ actor: admin, executionId: pushed.executionId })).toMatchObject({ status: "Succeed", succeed: 2 });
    const pushTasks = await listReplicationTasks({ actor: admin, executionId: pushed.executionId, query: { page: 1, pageSize: 10 } });
    expect(pushTasks.rows.map((t) => [t.operation, t.dstRepository, t.digest, t.tags]).sort()).toEqual(pushPreview.map((p) => [p.operation, p.dstRepository, p.digest, p.tags]).sort());
    const destination = clientOf(remoteDestination);
    expect((await destination.headManifest("mirror/app", "1.0"))?.digest).toBe(image.digest);
    expect((await destination.headManifest("mirror/app", "2.0"))?.digest).toBe(index.digest);

    // Planned again, everything is already there.
    expect((await previewReplicationPolicy({ actor: admin, policyId: push.id })).map((p) => p.operation)).toEqual(["skip", "skip"]);
  });

  it("a pull whose repositories land in a proxy-cache project fails its tasks before copying, naming why", async () => {
    const upstream = await db.registryEndpoint.create({ data: { name: uniqueName("hub"), type: "docker-registry", url: "http://127.0.0.1:9", credentialType: "none" }, select: { id: true } });
    const proxy = await db.project.create({ data: { name: uniqueName("proxy"), proxyRegistryId: upstream.id }, select: { name: true } });
    await pushGeneratedImage(sourceClient, `${proxy.name}/app`, { tag: "1.0" });
    // No destination namespace: the source's own path names the proxy project.
    const pull = await createReplicationPolicy({
      actor: admin,
      input: { name: uniqueName("pull"), direction: "pull", endpointId: await endpointFor(remoteSource), filters: { name: { decoration: "matches", kind: "doublestar", pattern: `${proxy.name}/**` }, tag: null, resource: "image" } },
    });
    const { executionId, runId } = await startReplication({ actor: admin, policyId: pull.id });
    await runExecution(runId);
    expect(await getReplicationExecution({ actor: admin, executionId })).toMatchObject({ status: "Failed", failed: 1 });
    const [task] = (await listReplicationTasks({ actor: admin, executionId, query: { page: 1, pageSize: 10 } })).rows;
    expect(task).toMatchObject({ status: "Failed", bytes: 0n });
    expect(await db.replicationTask.findUniqueOrThrow({ where: { id: task!.id }, select: { log: true } })).toMatchObject({ log: expect.stringContaining("This project is a proxy cache") });
    expect(await db.tag.count({ where: { repository: { name: `${proxy.name}/app` } } })).toBe(0);
  });

  it("a task that failed because the destination was down is the only one a retry runs", async () => {
    const dir = path.join(tmp, "flaky");
    let flaky = await startLocalRegistry({ dataDir: dir, credentials: CREDENTIALS, port: 0 });
    const project = await createProject();
    const backing = endpointClient({ url: `http://127.0.0.1:${REGISTRY_PORT}`, auth: { kind: "basic", credentials: { username: process.env.WHARF_REGISTRY_USERNAME!, password: process.env.WHARF_REGISTRY_PASSWORD! } } });
    // Into Wharf through a pull, so the index has them.
    await pushGeneratedImage(sourceClient, "flaky/one", { tag: "a" });
    await pushGeneratedImage(sourceClient, "flaky/two", { tag: "b" });
    const pull = await createReplicationPolicy({
      actor: admin,
      input: { name: uniqueName("pull"), direction: "pull", endpointId: await endpointFor(remoteSource), filters: { name: { decoration: "matches", kind: "doublestar", pattern: "flaky/**" }, tag: null, resource: "image" }, destNamespace: project.name, flattening: 1 },
    });
    await runExecution((await startReplication({ actor: admin, policyId: pull.id })).runId);
    expect((await backing.headManifest(`${project.name}/one`, "a"))?.digest).toBeTruthy();

    const push = await createReplicationPolicy({
      actor: admin,
      input: { name: uniqueName("push"), direction: "push", endpointId: await endpointFor(flaky), filters: { name: { decoration: "matches", kind: "doublestar", pattern: `${project.name}/**` }, tag: null, resource: "image" } },
    });
    // The project's REPLICATION webhook: one event each time the execution settles.
    const receiver = await startWebhookReceiver("ok");
    const hook = await createWebhookPolicy({ actor: admin, project: project.id, input: { name: uniqueName("hook"), eventTypes: ["REPLICATION"], targetType: "http", address: receiver.url } });
    const replicationEvents = async () => (await db.webhookDelivery.findMany({ where: { policyId: hook.id }, orderBy: { id: "asc" } })).map((d) => d.payload as unknown as HarborWebhookPayload);
    expect(await replicationEvents()).toHaveLength(0);

    const { executionId, runId } = await startReplication({ actor: admin, policyId: push.id });
    const port = flaky.port;
    // The first task copies; then the destination goes down and the second fails.
    await runExecution(runId, {
      only: async (_id, index) => {
        if (index === 1) await flaky.stop();
        return true;
      },
    });
    const failedRun = await getReplicationExecution({ actor: admin, executionId });
    expect(failedRun).toMatchObject({ status: "Failed", succeed: 1, failed: 1 });
    const failedTask = (await listReplicationTasks({ actor: admin, executionId, query: { status: "Failed", page: 1, pageSize: 10 } })).rows[0]!;
    expect(await db.replicationTask.findUnique({ where: { id: failedTask.id }, select: { log: true } })).toMatchObject({ log: expect.stringContaining("failed:") });
    const [failedEvent] = await replicationEvents();
    expect(failedEvent).toMatchObject({
      type: "REPLICATION",
      operator: admin.username,
      event_data: {
        replication: {
          harbor_hostname: "wharf.test",
          job_status: "Error",
          trigger_type: "MANUAL",
          override_mode: true,
          authentication_type: "basic",
          src_resource: { registry_type: "harbor", endpoint: "http://wharf.test:3000", namespace: project.name },
          dest_resource: { registry_type: "docker-registry", endpoint: flaky.url, namespace: project.name },
          successful_artifact: [{ type: "image", status: "Succeed", name_tag: "one:a" }],
          failed_artifact: [{ type: "image", status: "Failed", name_tag: "two:b", fail_reason: expect.stringMatching(/^failed: /) }],
        },
      },
    });

    expect(await retryFailedReplicationTasks({ actor: auditor, executionId }).catch((e: unknown) => e)).toBeInstanceOf(ForbiddenError);
    flaky = await startLocalRegistry({ dataDir: dir, credentials: CREDENTIALS, port });
    const retry = await retryFailedReplicationTasks({ actor: admin, executionId });
    expect(retry.tasks).toBe(1);
    await runExecution(retry.runId);
    const tasks = await listReplicationTasks({ actor: admin, executionId, query: { page: 1, pageSize: 10 } });
    expect(tasks.rows.map((t) => [t.status, t.attempts])).toEqual([
      ["Succeed", 1],
      ["Succeed", 2],
    ]);
    expect(await getReplicationExecution({ actor: admin, executionId })).toMatchObject({ status: "Succeed", succeed: 2, failed: 0 });
    // Settled again by the retry: a second event, everything succeeded now.
    const events = await replicationEvents();
    expect(events).toHaveLength(2);
    expect(events[1]!.event_data.replication).toMatchObject({ job_status: "Success", successful_artifact: [{ name_tag: "one:a" }, { name_tag: "two:b" }] });
    expect(events[1]!.event_data.replication).not.toHaveProperty("failed_artifact");
    for (const d of await db.webhookDelivery.findMany({ where: { policyId: hook.id }, orderBy: { id: "asc" } })) await runQueuedRun(webhookDeliverJob, d.runId!);
    expect(receiver.received.map((r) => (r.body as HarborWebhookPayload).event_data.replication?.job_status)).toEqual(["Error", "Success"]);
    const destination = clientOf(flaky);
    for (const t of tasks.rows) expect((await destination.headManifest(t.dstRepository, t.tags[0]!))?.digest).toBe(t.digest);
    expect(await retryFailedReplicationTasks({ actor: admin, executionId }).catch((e: unknown) => e)).toBeInstanceOf(ConflictError);
    await flaky.stop();
  });

  it("an event-based push policy copies what arrives in Wharf, from the artifact events outbox", async () => {
    const project = await createProject();
    const pushPolicy = await createReplicationPolicy({
      actor: admin,
      input: {
        name: uniqueName("event"),
        direction: "push",
        endpointId: await endpointFor(remoteDestination),
        trigger: "event_based",
        filters: { name: { decoration: "matches", kind: "doublestar", pattern: `${project.name}/**` }, tag: null, resource: "image" },
        destNamespace: "evt",
        flattening: 1,
      },
    });
    // An arrival in Wharf's index: a pull writes it through writeArtifact, which records the event.
    const image = await pushGeneratedImage(sourceClient, "events/app", { tag: "v1" });
    const pull = await createReplicationPolicy({
      actor: admin,
      input: { name: uniqueName("pull"), direction: "pull", endpointId: await endpointFor(remoteSource), filters: { name: { decoration: "matches", kind: "doublestar", pattern: "events/**" }, tag: null, resource: "image" }, destNamespace: project.name, flattening: 1 },
    });
    await runExecution((await startReplication({ actor: admin, policyId: pull.id })).runId);

    // Drive the drain rather than wait for it.
    const drain = await db.$transaction((tx) => queueRun(tx, drainArtifactEventsJob, {}, "test"));
    await runQueuedRun(drainArtifactEventsJob, drain.runId);
    const executions = await db.replicationExecution.findMany({ where: { policyId: pushPolicy.id }, select: { id: true, runId: true, trigger: true } });
    expect(executions).toHaveLength(1);
    expect(executions[0]!.trigger).toBe("event_based");
    await runExecution(executions[0]!.runId!);
    expect(await getReplicationExecution({ actor: admin, executionId: executions[0]!.id })).toMatchObject({ status: "Succeed", succeed: 1 });
    expect((await clientOf(remoteDestination).headManifest("evt/app", "v1"))?.digest).toBe(image.digest);

    // Drained again, the same events are not handed over twice.
    const again = await db.$transaction((tx) => queueRun(tx, drainArtifactEventsJob, {}, "test"));
    await runQueuedRun(drainArtifactEventsJob, again.runId);
    expect(await db.replicationExecution.count({ where: { policyId: pushPolicy.id } })).toBe(1);
  });

  it("a scheduled policy is started once per fire time by the schedule tick", async () => {
    const policy = await createReplicationPolicy({
      actor: admin,
      input: { name: uniqueName("cron"), direction: "push", endpointId: await endpointFor(remoteDestination), trigger: "scheduled", cron: "* * * * *", filters: { name: { decoration: "matches", kind: "doublestar", pattern: "nothing-matches/**" }, tag: null, resource: "image" } },
    });
    const first = await fireReplicationSchedules();
    expect(first.started.filter((s) => s.policyId === policy.id)).toHaveLength(1);
    const execution = await getReplicationExecution({ actor: auditor, executionId: first.started.find((s) => s.policyId === policy.id)!.executionId });
    expect(execution).toMatchObject({ trigger: "scheduled", triggeredBy: "system:replication-schedule" });
    await runExecution((await db.replicationExecution.findUniqueOrThrow({ where: { id: execution.id }, select: { runId: true } })).runId!);
    expect(await getReplicationExecution({ actor: auditor, executionId: execution.id })).toMatchObject({ status: "Succeed", total: 0 });
    // The same fire time again (a second instance's tick): nothing new.
    const second = await fireReplicationSchedules();
    expect(second.started.filter((s) => s.policyId === policy.id)).toEqual([]);
    expect(await db.replicationExecution.count({ where: { policyId: policy.id } })).toBe(1);
    // Deleting the last scheduled policy takes pg-boss's tick away again: no tick is left behind.
    await deleteReplicationPolicy({ actor: admin, policyId: policy.id });
    expect((await (await getBoss()).getSchedules()).filter((s) => s.name === "replication.schedule")).toEqual([]);
  });

  it("a policy for every kind of artifact carries signatures and SBOMs with their subject, both ways; an images-only policy leaves them", async () => {
    const upstream = `acc${Date.now().toString(36)}/app`;
    const subject = await pushGeneratedImage(sourceClient, upstream, { tag: "1.0" });
    const hex = subject.digest.replace("sha256:", "");
    const signature = await pushGeneratedImage(sourceClient, upstream, { tag: `sha256-${hex}.sig`, layers: 1, layerBytes: 64 });
    // An OCI 1.1 referrer under a tag of its own: linked to the subject by its `subject` field only.
    const spdx = await pushBlob(sourceClient, upstream, new TextEncoder().encode(JSON.stringify({ spdxVersion: "SPDX-2.3" })));
    const empty = await pushBlob(sourceClient, upstream, new TextEncoder().encode("{}"));
    const sbomBytes = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_IMAGE_MANIFEST,
        artifactType: "application/spdx+json",
        config: { mediaType: "application/vnd.oci.empty.v1+json", ...empty },
        layers: [{ mediaType: "application/spdx+json", ...spdx }],
        subject: { mediaType: OCI_IMAGE_MANIFEST, digest: subject.digest, size: subject.size },
      }),
    );
    const sbomDigest = sha256(sbomBytes);
    await sourceClient.putManifest(upstream, "sbom-1", OCI_IMAGE_MANIFEST, sbomBytes);
    const name = { decoration: "matches", kind: "doublestar", pattern: upstream } as const;

    // Pull, every kind: the subject and the SBOM are tasks, the signature travels with its subject.
    const all = await createProject();
    const pull = await createReplicationPolicy({
      actor: admin,
      input: { name: uniqueName("pull-all"), direction: "pull", endpointId: await endpointFor(remoteSource), filters: { name, tag: null, resource: "artifact" }, destNamespace: all.name, flattening: 1 },
    });
    expect((await previewReplicationPolicy({ actor: admin, policyId: pull.id })).map((p) => [p.digest, p.tags]).sort()).toEqual(
      [
        [sbomDigest, ["sbom-1"]],
        [subject.digest, ["1.0"]],
      ].sort(),
    );
    const pulled = await startReplication({ actor: admin, policyId: pull.id });
    await runExecution(pulled.runId);
    expect(await getReplicationExecution({ actor: admin, executionId: pulled.executionId })).toMatchObject({ status: "Succeed", succeed: 2 });
    const local = `${all.name}/app`;
    const indexed = await db.artifact.findFirstOrThrow({
      where: { repository: { name: local }, digest: subject.digest },
      select: { accessories: { select: { digest: true, accessoryType: true }, orderBy: { digest: "asc" } } },
    });
    expect(indexed.accessories).toEqual(
      [
        { digest: signature.digest, accessoryType: "signature" },
        { digest: sbomDigest, accessoryType: "sbom" },
      ].sort((a, b) => a.digest.localeCompare(b.digest)),
    );
    const subjectTask = await db.replicationTask.findFirstOrThrow({ where: { executionId: pulled.executionId, digest: subject.digest }, select: { log: true } });
    expect(subjectTask.log).toContain(`accessory sha256-${hex}.sig: copied with its subject`);

    // Push, every kind, out of Wharf's index: the subject is the one task; both accessories come along under their tags.
    const push = await createReplicationPolicy({
      actor: admin,
      input: { name: uniqueName("push-all"), direction: "push", endpointId: await endpointFor(remoteDestination), filters: { name: { ...name, pattern: local }, tag: null, resource: "artifact" }, destNamespace: "signed", flattening: 1 },
    });
    expect((await previewReplicationPolicy({ actor: admin, policyId: push.id })).map((p) => p.digest)).toEqual([subject.digest]);
    const pushed = await startReplication({ actor: admin, policyId: push.id });
    await runExecution(pushed.runId);
    expect(await getReplicationExecution({ actor: admin, executionId: pushed.executionId })).toMatchObject({ status: "Succeed", succeed: 1 });
    const destination = clientOf(remoteDestination);
    expect((await destination.listTags("signed/app")).sort()).toEqual(["1.0", "sbom-1", `sha256-${hex}.sig`]);
    expect((await destination.headManifest("signed/app", `sha256-${hex}.sig`))?.digest).toBe(signature.digest);
    expect((await destination.headManifest("signed/app", "sbom-1"))?.digest).toBe(sbomDigest);

    // Images only: the subject alone, in both directions.
    const images = await createProject();
    const pullImages = await createReplicationPolicy({
      actor: admin,
      input: { name: uniqueName("pull-img"), direction: "pull", endpointId: await endpointFor(remoteSource), filters: { name, tag: null, resource: "image" }, destNamespace: images.name, flattening: 1 },
    });
    const imagesOnly = await startReplication({ actor: admin, policyId: pullImages.id });
    await runExecution(imagesOnly.runId);
    expect(await getReplicationExecution({ actor: admin, executionId: imagesOnly.executionId })).toMatchObject({ status: "Succeed", total: 1, succeed: 1 });
    expect(await db.artifact.findMany({ where: { repository: { name: `${images.name}/app` } }, select: { digest: true } })).toEqual([{ digest: subject.digest }]);
    const pushImages = await createReplicationPolicy({
      actor: admin,
      input: { name: uniqueName("push-img"), direction: "push", endpointId: await endpointFor(remoteDestination), filters: { name: { ...name, pattern: local }, tag: null, resource: "image" }, destNamespace: "unsigned", flattening: 1 },
    });
    const pushedImages = await startReplication({ actor: admin, policyId: pushImages.id });
    await runExecution(pushedImages.runId);
    expect(await destination.listTags("unsigned/app")).toEqual(["1.0"]);
  }, 120_000);

  it("copies with the policy's bandwidth limit and copy parallelism, and mounts blobs from a repository it copied into before", async () => {
    const project = await createProject();
    const image = await pushGeneratedImage(sourceClient, "limits/one", { tag: "1.0", layers: 4, layerBytes: 256 * 1024 });
    // The same image in a second repository: its copy should link the blobs from the first one's copy.
    for (const blob of image.blobs) {
      const { stream } = await sourceClient.getBlob("limits/one", blob.digest);
      const { uploadUrl } = await sourceClient.startBlobUpload("limits/two");
      await sourceClient.uploadBlob(uploadUrl, blob.digest, stream, { size: blob.size });
    }
    await sourceClient.putManifest("limits/two", "1.0", "application/vnd.oci.image.manifest.v1+json", image.bytes);

    const limit = 1024 * 1024;
    const pull = await createReplicationPolicy({
      actor: admin,
      input: {
        name: uniqueName("limits"),
        direction: "pull",
        endpointId: await endpointFor(remoteSource),
        filters: { name: { decoration: "matches", kind: "doublestar", pattern: "limits/**" }, tag: null, resource: "image" },
        destNamespace: project.name,
        flattening: 1,
        bandwidthLimit: limit,
        copyParallelism: 2,
      },
    });
    const { executionId, runId } = await startReplication({ actor: admin, policyId: pull.id });
    await runExecution(runId);
    expect(await getReplicationExecution({ actor: admin, executionId })).toMatchObject({ status: "Succeed", succeed: 2 });
    const tasks = await db.replicationTask.findMany({ where: { executionId }, select: { dstRepository: true, log: true, bytes: true }, orderBy: { id: "asc" } });
    expect(tasks.map((t) => t.dstRepository)).toEqual([`${project.name}/one`, `${project.name}/two`]);
    const [first, second] = tasks as [(typeof tasks)[number], (typeof tasks)[number]];

    // Every byte the first copy streamed went through a limiter at the policy's rate (its pacing
    // is lib/registry/rate-limit.test.ts's business), two blobs at a time.
    const bytes = image.blobs.reduce((n, b) => n + b.size, 0);
    expect(first.bytes).toBe(BigInt(bytes));
    expect(first.log).toContain(`at most 2 of 2 blob(s) at a time; bandwidth limit ${limit} B/s: ${bytes} bytes paced`);
    // The second copy found every blob in the first one's repository: mounted, no byte sent.
    expect(second.bytes).toBe(0n);
    expect(second.log).toContain(`0 blob(s) streamed (0 bytes), 0 already there, ${image.blobs.length} mounted from ${project.name}/one`);
  });

  it("stopping an execution aborts the copy under way mid-layer: the task ends Stopped and no tag reaches the destination", async () => {
    const project = await createProject();
    const image = await pushGeneratedImage(sourceClient, "stopme/app", { tag: "1.0", layers: 1, layerBytes: 64 * 1024 * 1024 });
    const layer = image.blobs.find((b) => b.size === 64 * 1024 * 1024)!;
    // The source answers 8 MiB, then nothing more until the test ends.
    const proxy = await stallingProxy(remoteSource.url, 8 * 1024 * 1024);
    try {
      const pull = await createReplicationPolicy({
        actor: admin,
        input: {
          name: uniqueName("stop"),
          direction: "pull",
          endpointId: await endpointFor({ url: proxy.url }),
          filters: { name: { decoration: "matches", kind: "doublestar", pattern: "stopme/**" }, tag: null, resource: "image" },
          destNamespace: project.name,
          flattening: 1,
        },
      });
      const { executionId, runId } = await startReplication({ actor: admin, policyId: pull.id });
      await runQueuedRun(replicationRunJob, runId);
      const [child] = await db.jobRun.findMany({ where: { parentRunId: runId }, select: { id: true } });
      const task = runQueuedRun(replicationTaskJob, child!.id);
      // The layer is part-way through: 8 MiB of 64 came out of the source, and no more will.
      await proxy.stalled;
      await stopReplication({ actor: admin, executionId });
      await task;

      const [row] = await db.replicationTask.findMany({ where: { executionId }, select: { status: true, log: true } });
      expect(row).toMatchObject({ status: "Stopped", log: expect.stringContaining("stopped during the copy") });
      expect(await getReplicationExecution({ actor: admin, executionId })).toMatchObject({ status: "Stopped", stopped: 1, failed: 0 });
      const backing = endpointClient({ url: `http://127.0.0.1:${REGISTRY_PORT}`, auth: { kind: "basic", credentials: { username: process.env.WHARF_REGISTRY_USERNAME!, password: process.env.WHARF_REGISTRY_PASSWORD! } } });
      expect(await backing.headManifest(`${project.name}/app`, "1.0")).toBeNull();
      expect(await backing.headManifest(`${project.name}/app`, image.digest)).toBeNull();
      expect(await backing.headBlob(`${project.name}/app`, layer.digest)).toBeNull();
      expect(await db.tag.count({ where: { repository: { name: `${project.name}/app` } } })).toBe(0);
      // Nothing failed, so there is nothing for retry-failed to run.
      expect(await retryFailedReplicationTasks({ actor: admin, executionId }).catch((e: unknown) => e)).toBeInstanceOf(ConflictError);
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it("refuses runs and previews to non-administrators", async () => {
    const policy = await createReplicationPolicy({ actor: admin, input: { name: uniqueName("refused"), direction: "push", endpointId: await endpointFor(remoteDestination) } });
    const plain = actorFor(await createTestUser());
    for (const actor of [auditor, plain]) {
      expect(await startReplication({ actor, policyId: policy.id }).catch((e: unknown) => e)).toBeInstanceOf(ForbiddenError);
      expect(await previewReplicationPolicy({ actor, policyId: policy.id }).catch((e: unknown) => e)).toBeInstanceOf(ForbiddenError);
    }
    expect(await db.replicationExecution.count({ where: { policyId: policy.id } })).toBe(0);
  });
});
