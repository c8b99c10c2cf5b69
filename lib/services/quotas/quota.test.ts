import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// As skopeo-distribution.test.ts: the registry's port, and Wharf's front as the external URL.
const { REGISTRY_PORT, FRONT_PORT } = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryAndFrontPorts("quota-tests-secret-key-0123456789abcdef")));

import { stopSharedBoss } from "@/lib/jobs/boss";
import { retentionRepositoryJob, retentionRunJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { ALL_REPOSITORIES, ALL_TAGS } from "@/lib/policy/selectors";
import { startFront, type WharfServer } from "@/lib/runtime/server";
import { reconcileIndex } from "@/lib/services/repositories/reconcile-index";
import { setProjectRetention } from "@/lib/services/retention/policies";
import { startRetentionRun } from "@/lib/services/retention/runs";
import { copyArtifact } from "@/lib/services/repositories/copy-artifact";
import { deleteArtifact } from "@/lib/services/repositories/delete-artifact";
import { createProject, db, TEST_PASSWORD } from "@/lib/services/registry-auth/test-fixtures";
import { actorFor } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { skopeoCopy, writeOciImageLayout, type OciImageResult } from "@/lib/testing/oci-layout";

const EXTERNAL = `http://127.0.0.1:${FRONT_PORT}`;
const HOST = `127.0.0.1:${FRONT_PORT}`;
const harness = gatewayHarness({ registryPort: REGISTRY_PORT, external: EXTERNAL, name: "quota" });

let front: WharfServer;
beforeAll(async () => {
  front = await startFront({ hostname: "127.0.0.1", port: FRONT_PORT, handleNext: async (_req, res) => void res.end() });
});
afterAll(async () => {
  await front?.close();
  await stopSharedBoss();
});

/** A layer of `bytes` that gzip cannot shrink much: hex of a hash chain, the same for the same seed. */
function bulk(seed: string, bytes: number): string {
  let out = "";
  let h = seed;
  while (out.length < bytes) {
    h = createHash("sha256").update(h).digest("hex");
    out += h;
  }
  return out.slice(0, bytes);
}

async function blobSize(dir: string, digest: string): Promise<bigint> {
  return BigInt((await stat(path.join(dir, "blobs", "sha256", digest.slice("sha256:".length)))).size);
}

/** The image's blobs as the quota counts them: manifest, config, layers. */
async function blobsOf(image: OciImageResult): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  for (const digest of [image.manifestDigest, image.configDigest, ...image.layerDigests]) out.set(digest, await blobSize(image.dir, digest));
  return out;
}

function total(...maps: Map<string, bigint>[]): bigint {
  const merged = new Map<string, bigint>();
  for (const m of maps) for (const [d, s] of m) merged.set(d, s);
  return [...merged.values()].reduce((a, b) => a + b, 0n);
}

async function usage(projectId: number): Promise<bigint> {
  return (await db.project.findUniqueOrThrow({ where: { id: projectId }, select: { storageUsed: true } })).storageUsed;
}

/** storage_used against a recount from artifact_blobs (the triggers' ledger checked against the truth). */
async function recount(projectId: number): Promise<bigint> {
  const rows = await db.$queryRaw<{ bytes: bigint | null }[]>`
    SELECT sum(size)::bigint AS bytes FROM (SELECT DISTINCT digest, size FROM artifact_blobs WHERE project_id = ${projectId}) d`;
  return rows[0]?.bytes ?? 0n;
}

let seq = 0;
async function image(shared: string, extra = 0): Promise<OciImageResult> {
  seq++;
  // Same files = same layer; the config differs (author), so the images differ.
  return writeOciImageLayout(path.join(harness.tmp, `q-${seq}`), {
    tag: "t",
    files: { "shared.txt": shared },
    author: `image ${seq}`,
    extraBytes: extra,
  });
}

describe("project storage usage and quotas", () => {
  it("counts a layer shared by two images of a project once; copies, deletes and other projects follow", async () => {
    const { project, maintainer } = await harness.setup();
    const creds = `${maintainer.username}:${TEST_PASSWORD}`;
    const shared = bulk("shared", 200_000);
    const a = await image(shared);
    const b = await image(shared);
    expect(b.layerDigests).toEqual(a.layerDigests);
    await skopeoCopy(a.ref, `docker://${HOST}/${project.name}/one:a`, { destCreds: creds });
    await skopeoCopy(b.ref, `docker://${HOST}/${project.name}/two:b`, { destCreds: creds });
    const [ba, bb] = [await blobsOf(a), await blobsOf(b)];
    expect(await usage(project.id)).toBe(total(ba, bb));
    expect(await usage(project.id)).toBeLessThan(total(ba) + total(bb));
    expect(await recount(project.id)).toBe(await usage(project.id));

    // A copy inside the project adds nothing (every blob is the project's already); into another
    // project it counts there in full.
    const admin = actorFor({ id: 0, username: "admin", isAdmin: true });
    await copyArtifact({ actor: admin, from: { repository: `${project.name}/one`, reference: "a" }, to: `${project.name}/three`, tag: "a" });
    expect(await usage(project.id)).toBe(total(ba, bb));
    const other = await createProject();
    await copyArtifact({ actor: admin, from: { repository: `${project.name}/one`, reference: "a" }, to: `${other.name}/copy`, tag: "a" });
    expect(await usage(other.id)).toBe(total(ba));

    // Deleting one of two images frees only what it alone referenced (its manifest and config).
    await deleteArtifact({ actor: admin, repository: `${project.name}/two`, digest: b.manifestDigest });
    expect(await usage(project.id)).toBe(total(ba));
    await deleteArtifact({ actor: admin, repository: `${project.name}/one`, digest: a.manifestDigest });
    expect(await usage(project.id)).toBe(total(ba)); // the copy in /three still holds every blob of a
    await deleteArtifact({ actor: admin, repository: `${project.name}/three`, digest: a.manifestDigest });
    expect(await usage(project.id)).toBe(0n);
    expect(await db.projectBlob.count({ where: { projectId: project.id } })).toBe(0);
    expect(await usage(other.id)).toBe(total(ba));
  }, 120_000);

  it("stays exact under concurrent pushes that share layers", async () => {
    const { project, maintainer } = await harness.setup();
    const creds = `${maintainer.username}:${TEST_PASSWORD}`;
    const shared = bulk("concurrent", 100_000);
    const images = await Promise.all(Array.from({ length: 6 }, () => image(shared)));
    await Promise.all(images.map((img, i) => skopeoCopy(img.ref, `docker://${HOST}/${project.name}/r${i % 3}:v${i}`, { destCreds: creds })));
    const expected = total(...(await Promise.all(images.map(blobsOf))));
    expect(await usage(project.id)).toBe(expected);
    expect(await recount(project.id)).toBe(expected);
    expect((await db.projectBlob.findFirstOrThrow({ where: { projectId: project.id, digest: images[0]!.layerDigests[0]! } })).refCount).toBe(6);
  }, 120_000);

  it("refuses through skopeo the push that would go over the limit (412 DENIED naming project, usage and limit), indexes nothing, audits it; a push within the limit works", async () => {
    const { project, maintainer } = await harness.setup();
    const creds = `${maintainer.username}:${TEST_PASSWORD}`;
    const first = await image("first", 50_000);
    await skopeoCopy(first.ref, `docker://${HOST}/${project.name}/app:1`, { destCreds: creds });
    const used = await usage(project.id);
    const big = await image("big", 100_000);
    await db.project.update({ where: { id: project.id }, data: { storageLimit: used + 50_000n } });

    await expect(skopeoCopy(big.ref, `docker://${HOST}/${project.name}/app:2`, { destCreds: creds })).rejects.toThrow(
      new RegExp(`quota exceeded: project ${project.name} uses [0-9.]+ KiB of its [0-9.]+ KiB storage limit`),
    );
    expect(await db.artifact.count({ where: { digest: big.manifestDigest } })).toBe(0);
    expect(await db.tag.count({ where: { name: "2", repository: { name: `${project.name}/app` } } })).toBe(0);
    expect(await harness.backing.headManifest(`${project.name}/app`, "2")).toBeNull();
    expect(await usage(project.id)).toBe(used);
    const refusal = await db.auditEvent.findFirstOrThrow({ where: { projectId: project.id, result: "failure", action: "artifact.push" } });
    expect(refusal.reason).toMatch(/^storage quota exceeded: usage \d+ \+ \d+ bytes > limit \d+ bytes$/);

    const small = await image("small", 1_000);
    await skopeoCopy(small.ref, `docker://${HOST}/${project.name}/app:3`, { destCreds: creds });
    expect(await usage(project.id)).toBe(total(await blobsOf(first), await blobsOf(small)));
    expect(await usage(project.id)).toBeLessThanOrEqual(used + 50_000n);

    // Once over (an administrator lowered the limit), even a blob upload is refused.
    await db.project.update({ where: { id: project.id }, data: { storageLimit: 1000n } });
    const more = await image("more", 2_000);
    await expect(skopeoCopy(more.ref, `docker://${HOST}/${project.name}/app:4`, { destCreds: creds })).rejects.toThrow(/quota exceeded: .* over its 1000 B storage limit/);
    // Unlimited again: it goes.
    await db.project.update({ where: { id: project.id }, data: { storageLimit: -1n } });
    await skopeoCopy(more.ref, `docker://${HOST}/${project.name}/app:4`, { destCreds: creds });
    expect(await recount(project.id)).toBe(await usage(project.id));
  }, 120_000);

  it("retention's deletions free exactly what the deleted artifacts alone referenced", async () => {
    const { project, maintainer } = await harness.setup();
    const creds = `${maintainer.username}:${TEST_PASSWORD}`;
    const shared = bulk("retention", 80_000);
    const [old, newer] = [await image(shared, 5_000), await image(shared, 7_000)];
    await skopeoCopy(old.ref, `docker://${HOST}/${project.name}/app:old`, { destCreds: creds });
    await skopeoCopy(newer.ref, `docker://${HOST}/${project.name}/app:new`, { destCreds: creds });
    await db.artifact.updateMany({ where: { digest: old.manifestDigest }, data: { pushedAt: new Date(Date.now() - 86_400_000) } });
    expect(await usage(project.id)).toBe(total(await blobsOf(old), await blobsOf(newer)));

    const admin = actorFor({ id: 0, username: "admin", isAdmin: true });
    await setProjectRetention({ actor: admin, projectId: project.id, input: { rules: [{ template: "latestPushedK", count: 1, repositories: ALL_REPOSITORIES, tags: ALL_TAGS }] } });
    const { runId } = await startRetentionRun({ actor: admin, projectId: project.id, dryRun: false });
    await runQueuedRun(retentionRunJob, runId);
    for (const task of await db.jobRun.findMany({ where: { parentRunId: runId }, select: { id: true } })) await runQueuedRun(retentionRepositoryJob, task.id);
    expect(await db.artifact.count({ where: { digest: old.manifestDigest } })).toBe(0);
    expect(await usage(project.id)).toBe(total(await blobsOf(newer)));
    expect(await recount(project.id)).toBe(await usage(project.id));
  }, 120_000);

  it("the reconcile job records the blobs of artifacts indexed before quotas (the migration knew only their manifests)", async () => {
    const { project, maintainer } = await harness.setup();
    const creds = `${maintainer.username}:${TEST_PASSWORD}`;
    const img = await image(bulk("backfill", 30_000), 2_000);
    await skopeoCopy(img.ref, `docker://${HOST}/${project.name}/app:1`, { destCreds: creds });
    const full = await usage(project.id);
    // What the migration leaves: the manifest's own bytes only, and the artifact marked pending.
    await db.artifactBlob.deleteMany({ where: { projectId: project.id, NOT: { digest: img.manifestDigest } } });
    await db.artifact.updateMany({ where: { digest: img.manifestDigest }, data: { blobsRecorded: false } });
    expect(await usage(project.id)).toBe((await blobsOf(img)).get(img.manifestDigest));

    const admin = actorFor({ id: 0, username: "admin", isAdmin: true });
    const counts = await reconcileIndex({ actor: admin, registry: harness.backing });
    expect(counts.blobsRecorded).toBeGreaterThanOrEqual(1);
    expect(await usage(project.id)).toBe(full);
    expect(await db.artifact.count({ where: { blobsRecorded: false, repository: { projectId: project.id } } })).toBe(0);
  }, 120_000);
});
