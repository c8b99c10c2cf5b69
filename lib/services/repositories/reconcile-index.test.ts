import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The registry port is read once by getServerEnv() (getBackingRegistry), so it is fixed first.
const REGISTRY_PORT = await vi.hoisted(async () => {
  const { findFreePort } = await import("@/lib/registry/local-registry");
  const port = await findFreePort();
  process.env.WHARF_REGISTRY_URL = `http://127.0.0.1:${port}`;
  // The worker test must not leave an hourly schedule in the shared test database.
  process.env.WHARF_RECONCILE_CRON = "off";
  return port;
});

import { systemActor } from "@/lib/auth/actor";
import { ConflictError, ForbiddenError } from "@/lib/errors";
import { reconcileIndexJob } from "@/lib/jobs/definitions";
import { runAttempt } from "@/lib/jobs/attempt";
import { startJobWorker } from "@/lib/jobs/worker";
import { backingRegistryCredentials } from "@/lib/registry/backing-registry";
import { RegistryClient } from "@/lib/registry/client";
import { basicAuthorization } from "@/lib/registry/credentials";
import { startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { createProject } from "@/lib/services/registry-auth/test-fixtures";
import { createJobRun, listJobRuns } from "@/lib/services/jobs/job-runs";
import { retryReconcile, startReconcile } from "@/lib/services/jobs/start-reconcile";
import { listArtifacts } from "@/lib/services/repositories/list-artifacts";
import { reconcileIndex } from "@/lib/services/repositories/reconcile-index";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";
import { skopeoCopy, writeOciImageLayout, writeOciIndexLayout } from "@/lib/testing/oci-layout";

let tmp: string;
let registry: LocalRegistry;
let backing: RegistryClient;
// The registry accepts only the credentials Wharf sends (set for every test file by setup-env.ts).
const credentials = backingRegistryCredentials()!;
const registryCreds = `${credentials.username}:${credentials.password}`;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-reconcile-test-"));
  registry = await startLocalRegistry({ dataDir: path.join(tmp, "data"), port: REGISTRY_PORT, credentials });
  backing = new RegistryClient({ baseUrl: registry.url, credentials });
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Pushes straight to the backing registry: Wharf's gateway (and so its index) never sees it. */
async function pushBehindTheBack(ref: string, repository: string, tag: string): Promise<void> {
  await skopeoCopy(ref, `docker://127.0.0.1:${REGISTRY_PORT}/${repository}:${tag}`, { all: true, destCreds: registryCreds });
}

let counter = 0;
async function image(architecture = "amd64") {
  counter += 1;
  return writeOciImageLayout(path.join(tmp, `img-${counter}`), { tag: "t", architecture, files: { "n.txt": String(counter) } });
}

/** One reconcile run as the worker runs it (a run row, the handler, the outcome), without pg-boss. */
async function runHandler() {
  const runId = await createJobRun({ jobName: reconcileIndexJob.id, jobVersion: 1, trigger: "test" });
  await runAttempt(reconcileIndexJob, { id: `test-${runId}`, data: { version: 1, runId } });
  return db.jobRun.findUniqueOrThrow({ where: { id: runId } });
}

type Snapshot = Record<string, { tags: Record<string, string>; artifacts: string[]; children: Record<string, string[]> }>;

/** What the registry holds, read through its API: tags → digests, and every manifest they reach. */
async function registrySnapshot(): Promise<Snapshot> {
  const out: Snapshot = {};
  for await (const name of backing.listAllRepositories()) {
    const slash = name.indexOf("/");
    if (slash < 0 || !(await db.project.findUnique({ where: { name: name.slice(0, slash) } }))) continue;
    const tags = await backing.listTags(name);
    if (tags.length === 0) continue;
    const entry: Snapshot[string] = { tags: {}, artifacts: [], children: {} };
    const artifacts = new Set<string>();
    for (const tag of tags) {
      const m = await backing.getManifest(name, tag);
      entry.tags[tag] = m.digest;
      artifacts.add(m.digest);
      const manifests = (m.json as { manifests?: { digest: string }[] }).manifests;
      if (manifests) {
        entry.children[m.digest] = manifests.map((c) => c.digest);
        for (const c of manifests) artifacts.add(c.digest);
      }
    }
    entry.artifacts = [...artifacts].sort();
    out[name] = entry;
  }
  return out;
}

async function indexSnapshot(): Promise<Snapshot> {
  const out: Snapshot = {};
  const repositories = await db.repository.findMany({
    include: {
      tags: { include: { artifact: { select: { digest: true } } } },
      artifacts: { include: { children: { orderBy: { position: "asc" } } } },
    },
  });
  for (const r of repositories) {
    out[r.name] = {
      tags: Object.fromEntries(r.tags.map((t) => [t.name, t.artifact.digest])),
      artifacts: r.artifacts.map((a) => a.digest).sort(),
      children: Object.fromEntries(r.artifacts.filter((a) => a.children.length > 0).map((a) => [a.digest, a.children.map((c) => c.childDigest)])),
    };
  }
  return out;
}

describe("reconcile the index with the registry", () => {
  it("adds what was pushed behind Wharf's back, follows moved and deleted tags, and is idempotent", async () => {
    const project = await createProject();
    const app = `${project.name}/app`;
    const multi = `${project.name}/multi`;
    const empty = `${project.name}/empty`;
    const orphan = `no-such-project-${Date.now()}/thing`;

    // Earlier files on the one database leave repositories this registry never held: a first
    // reconcile removes them, so the run below logs only this test's changes (its log is bounded).
    await runHandler();
    const one = await image();
    await pushBehindTheBack(one.ref, app, "1.0");
    await pushBehindTheBack(one.ref, app, "latest");
    const index = await writeOciIndexLayout(path.join(tmp, "multi"), {
      tag: "multi",
      platforms: [
        { os: "linux", architecture: "amd64" },
        { os: "linux", architecture: "arm64", variant: "v8" },
      ],
    });
    await pushBehindTheBack(index.ref, multi, "2.0");
    const gone = await image();
    await pushBehindTheBack(gone.ref, empty, "x");
    await backing.deleteManifest(empty, gone.manifestDigest); // Distribution keeps `empty`, with tags: null
    await pushBehindTheBack((await image()).ref, orphan, "1");

    const first = await runHandler();
    expect(first).toMatchObject({ status: "succeeded", error: null, attempts: 1 });
    expect(first.progressTotal).toBe(first.progressDone);
    // artifacts: the image, and the index with its two children.
    expect(first.result).toMatchObject({ repositoriesSkipped: 1, repositoriesAdded: 2, tagsAdded: 3, artifactsAdded: 4 });
    expect(first.log).toContain(`skipped ${orphan}`);
    const afterFirst = await indexSnapshot();
    expect(afterFirst).toEqual(await registrySnapshot());
    expect(afterFirst[multi]?.children[index.indexDigest]).toEqual(index.childDigests);
    expect(afterFirst[empty]).toBeUndefined();
    // Platforms and config attributes come from the same prepareManifest as a gateway push.
    const refs = await db.artifactReference.findMany({ where: { parent: { digest: index.indexDigest } }, orderBy: { position: "asc" }, include: { child: true } });
    expect(refs.map((r) => [r.architecture, r.child?.architecture])).toEqual([
      ["amd64", "amd64"],
      ["arm64", "arm64"],
    ]);
    expect(await db.repository.findUniqueOrThrow({ where: { name: app } })).toMatchObject({ artifactCount: 1 });

    // Behind its back again: move `latest` to a new image, delete the old image's manifest
    // (and with it 1.0), and delete the index (its repository is left with no tags).
    const two = await image("arm64");
    await pushBehindTheBack(two.ref, app, "latest");
    await backing.deleteManifest(app, one.manifestDigest);
    await backing.deleteManifest(multi, index.indexDigest);

    const second = await runHandler();
    expect(second).toMatchObject({ status: "succeeded" });
    expect(second.result).toMatchObject({ tagsMoved: 1, tagsRemoved: 1, repositoriesRemoved: 1, artifactsRemoved: 1 });
    const afterSecond = await indexSnapshot();
    expect(afterSecond).toEqual(await registrySnapshot());
    expect(afterSecond[app]?.tags).toEqual({ latest: two.manifestDigest });
    expect(afterSecond[multi]).toBeUndefined();

    // A third run over an unchanged registry changes nothing: same rows, same timestamps.
    const before = await db.tag.findMany({ orderBy: { id: "asc" } });
    const artifactsBefore = await db.artifact.findMany({ orderBy: { id: "asc" } });
    const third = await runHandler();
    expect(third.result).toMatchObject({
      repositoriesAdded: 0,
      repositoriesRemoved: 0,
      artifactsAdded: 0,
      artifactsRemoved: 0,
      tagsAdded: 0,
      tagsMoved: 0,
      tagsRemoved: 0,
    });
    expect(await db.tag.findMany({ orderBy: { id: "asc" } })).toEqual(before);
    expect(await db.artifact.findMany({ orderBy: { id: "asc" } })).toEqual(artifactsBefore);
    // What each run changed is in the artifact events, in order; the third run added none.
    const events = await db.artifactEvent.findMany({ where: { repository: app }, orderBy: { id: "asc" } });
    expect(events.map((e) => [e.kind, e.tag, e.digest, e.previousDigest])).toEqual([
      ["artifact_pushed", "1.0", one.manifestDigest, null],
      ["tag_created", "latest", one.manifestDigest, null],
      ["artifact_pushed", "latest", two.manifestDigest, one.manifestDigest],
      ["tag_deleted", "1.0", one.manifestDigest, null],
      ["artifact_deleted", null, one.manifestDigest, null],
    ]);
    expect(new Set(events.map((e) => e.actorName))).toEqual(new Set(["system:index.reconcile"]));
    // One audit row per run, with its counts.
    const audits = await db.auditEvent.findMany({ where: { action: "index.reconcile" }, orderBy: { id: "desc" }, take: 1 });
    expect(audits[0]).toMatchObject({ actorName: "system:index.reconcile", principalKind: "system", detail: expect.objectContaining({ tagsMoved: 0 }) });
  }, 120_000);

  it("resumes after the checkpoint: repositories up to it are not walked again", async () => {
    const project = await createProject();
    const a = `${project.name}/a`;
    const b = `${project.name}/b`;
    await pushBehindTheBack((await image()).ref, a, "1");
    await pushBehindTheBack((await image()).ref, b, "1");
    await db.repository.deleteMany({ where: { name: { in: [a, b] } } });
    const seen: string[] = [];
    await reconcileIndex({ actor: systemActor("test"), registry: backing, resumeAfter: a, onRepositoryDone: async (p) => void seen.push(p.lastRepository) });
    expect(seen).not.toContain(a);
    // Repositories are walked several at a time, but progress (the checkpoint) advances in catalog order.
    expect(seen).toEqual([...seen].sort());
    expect(seen).toContain(b);
    expect(await db.repository.findUnique({ where: { name: b } })).not.toBeNull();
    // `a` sits before the checkpoint: a resumed run does not revisit it.
    expect(await db.repository.findUnique({ where: { name: a } })).toBeNull();

    // One repository per catalog page: an indexed repository the catalog skips over between two
    // pages (`aa` sorts between `a` and `b`) is removed, and the walk still reaches everything.
    const ghost = await db.repository.create({ data: { projectId: project.id, name: `${project.name}/aa` } });
    const counts = await reconcileIndex({ actor: systemActor("test"), registry: backing, catalogPageSize: 1 });
    expect(await db.repository.findUnique({ where: { id: ghost.id } })).toBeNull();
    expect(await db.repository.findUnique({ where: { name: a } })).not.toBeNull();
    expect(counts.repositoriesRemoved).toBeGreaterThanOrEqual(1);
    expect(await indexSnapshot()).toEqual(await registrySnapshot());
  }, 60_000);

  it("cleans up in batches: tags and artifacts across several batches are all compared and removed", async () => {
    const project = await createProject();
    const repo = `${project.name}/batched`;
    const images = [];
    for (const tag of ["a", "b", "c", "d", "e"]) {
      const img = await image();
      images.push(img);
      await pushBehindTheBack(img.ref, repo, tag);
    }
    const [imgA, imgB, imgC, imgD, imgE] = images as [typeof images[number], typeof images[number], typeof images[number], typeof images[number], typeof images[number]];
    // Two rows per batch: five tags and five artifacts span three batches.
    await reconcileIndex({ actor: systemActor("test"), registry: backing, batchSize: 2 });
    expect((await indexSnapshot())[repo]).toEqual((await registrySnapshot())[repo]);

    // Behind Wharf's back: `a` moves to a new image (A stays in the registry, untagged), B and C
    // are deleted (and with them b and c); the index also holds three tags the registry never had.
    const moved = await image();
    await pushBehindTheBack(moved.ref, repo, "a");
    await backing.deleteManifest(repo, imgB.manifestDigest);
    await backing.deleteManifest(repo, imgC.manifestDigest);
    const repository = await db.repository.findUniqueOrThrow({ where: { name: repo } });
    const d = await db.artifact.findUniqueOrThrow({ where: { repositoryId_digest: { repositoryId: repository.id, digest: imgD.manifestDigest } } });
    await db.tag.createMany({ data: ["ghost1", "ghost2", "ghost3"].map((name) => ({ repositoryId: repository.id, artifactId: d.id, name, pushedAt: new Date() })) });

    const counts = await reconcileIndex({ actor: systemActor("test"), registry: backing, batchSize: 2 });
    expect(counts).toMatchObject({ tagsMoved: 1, artifactsAdded: 1, artifactsRemoved: 2 });
    // b, c (cascaded with their artifacts or removed by name) and the three ghosts are gone.
    const tags = await db.tag.findMany({ where: { repositoryId: repository.id }, include: { artifact: { select: { digest: true } } }, orderBy: { name: "asc" } });
    expect(tags.map((t) => [t.name, t.artifact.digest])).toEqual([
      ["a", moved.manifestDigest],
      ["d", imgD.manifestDigest],
      ["e", imgE.manifestDigest],
    ]);
    // A is untagged but still in the registry: kept. B and C are gone.
    const digests = (await db.artifact.findMany({ where: { repositoryId: repository.id }, select: { digest: true } })).map((a) => a.digest).sort();
    expect(digests).toEqual([imgA.manifestDigest, imgD.manifestDigest, imgE.manifestDigest, moved.manifestDigest].sort());
    expect(await db.repository.findUniqueOrThrow({ where: { id: repository.id } })).toMatchObject({ artifactCount: 4 });
  }, 120_000);

  it("a child of an index also tagged on its own, read ahead in one window, is indexed once", async () => {
    const project = await createProject();
    const repo = `${project.name}/mixed`;
    const index = await writeOciIndexLayout(path.join(tmp, "mixed"), {
      tag: "mixed",
      platforms: [
        { os: "linux", architecture: "amd64" },
        { os: "linux", architecture: "arm64" },
      ],
    });
    // Tag-list order: the index (a-…) is written before the tag on its child (b-…).
    await pushBehindTheBack(index.ref, repo, "a-index");
    const child = index.childDigests[0]!;
    await skopeoCopy(`docker://127.0.0.1:${REGISTRY_PORT}/${repo}@${child}`, `docker://127.0.0.1:${REGISTRY_PORT}/${repo}:b-child`, { srcCreds: registryCreds, destCreds: registryCreds });
    const counts = await reconcileIndex({ actor: systemActor("test"), registry: backing });
    expect(counts).toMatchObject({ artifactsAdded: 3, tagsAdded: 2 });
    expect((await indexSnapshot())[repo]).toEqual((await registrySnapshot())[repo]);
    const tagged = await db.tag.findFirstOrThrow({ where: { repository: { name: repo }, name: "b-child" }, include: { artifact: true } });
    expect(tagged.artifact.digest).toBe(child);
    // The child is listed on its own now that it carries a tag: the index and the tagged child.
    expect(await db.repository.findUniqueOrThrow({ where: { name: repo } })).toMatchObject({ artifactCount: 2 });
  }, 60_000);

  it("the Artifacts list shows what reconcile indexed: tag counts and the signed badge of a cosign signature", async () => {
    const project = await createProject();
    const repo = `${project.name}/signed`;
    const img = await image();
    await pushBehindTheBack(img.ref, repo, "1.0");
    await pushBehindTheBack(img.ref, repo, "latest");
    await pushBehindTheBack((await image()).ref, repo, "unsigned");
    // A cosign-style signature: a manifest under the tag sha256-<hex>.sig, its config the image's.
    const configBytes = Buffer.from(await (await fetch(`${registry.url}/v2/${repo}/blobs/${img.configDigest}`, { headers: { authorization: basicAuthorization(credentials) } })).arrayBuffer());
    const signature = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: img.configDigest, size: configBytes.length },
      layers: [],
    });
    const sigTag = `sha256-${img.manifestDigest.slice("sha256:".length)}.sig`;
    const put = await fetch(`${registry.url}/v2/${repo}/manifests/${sigTag}`, {
      method: "PUT",
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json", authorization: basicAuthorization(credentials) },
      body: signature,
    });
    expect(put.status).toBe(201);
    await reconcileIndex({ actor: systemActor("test"), registry: backing });

    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const list = await listArtifacts({ actor: admin, repository: repo, page: 1, pageSize: 10 });
    const byDigest = new Map(list.rows.map((r) => [r.digest, r]));
    expect(list.total).toBe(2);
    expect(byDigest.get(img.manifestDigest)).toMatchObject({ tagCount: 2, signed: true });
    expect([...byDigest.values()].filter((r) => r.digest !== img.manifestDigest)).toMatchObject([{ tagCount: 1, signed: false }]);
  }, 60_000);

  it("a failing checkpoint write stops the walk: no later progress is reported", async () => {
    const project = await createProject();
    for (const name of ["x1", "x2", "x3"]) await pushBehindTheBack((await image()).ref, `${project.name}/${name}`, "1");
    let calls = 0;
    const run = reconcileIndex({
      actor: systemActor("test"),
      registry: backing,
      onRepositoryDone: async () => {
        calls += 1;
        if (calls === 2) throw new Error("checkpoint write failed");
      },
    });
    await expect(run).rejects.toThrow("checkpoint write failed");
    expect(calls).toBe(2);
  }, 60_000);

  it("a scheduled run (cron payload, no run id) gets its own run row, keyed by pg-boss's job id", async () => {
    const bossJobId = `sched-${Date.now()}`;
    await runAttempt(reconcileIndexJob, { id: bossJobId, data: { version: 1 } });
    const run = await db.jobRun.findUniqueOrThrow({ where: { bossJobId } });
    expect(run).toMatchObject({ status: "succeeded", trigger: "schedule", attempts: 1 });
    expect(run.progressTotal).toBe(run.progressDone);
    // A payload of another version is refused before anything runs.
    await expect(runAttempt(reconcileIndexJob, { id: `${bossJobId}-v2`, data: { version: 2 } })).rejects.toThrow(/another version/);
  }, 60_000);

  it("only an administrator may start a run", async () => {
    const user = await createTestUser();
    await expect(startReconcile({ actor: actorFor(user) })).rejects.toBeInstanceOf(ForbiddenError);
    const auditor = await createTestUser({ isAuditor: true });
    await expect(startReconcile({ actor: actorFor({ ...auditor, isAuditor: true }) })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("the pg-boss worker runs a queued reconcile end to end", async () => {
    const worker = await startJobWorker({ log: () => undefined });
    try {
      const admin = await createTestUser({ isAdmin: true });
      const actor = actorFor(admin);
      const { runId } = await startReconcile({ actor });
      let status = "queued";
      for (let i = 0; i < 100 && (status === "queued" || status === "running"); i++) {
        await new Promise((r) => setTimeout(r, 300));
        status = (await db.jobRun.findUniqueOrThrow({ where: { id: runId } })).status;
      }
      expect(status).toBe("succeeded");
      const runs = await listJobRuns({ actor, jobName: reconcileIndexJob.id });
      expect(runs[0]).toMatchObject({ id: runId, status: "succeeded", trigger: admin.username });
      expect(runs[0]?.progressDone).toBe(runs[0]?.progressTotal);
      expect(await db.auditEvent.count({ where: { action: "index.reconcile.start", resourceId: String(runId) } })).toBe(1);

      // A failed run is retried from its checkpoint: "~" sorts after every repository name, so
      // nothing is left to walk, and the counts of the earlier attempt are kept.
      await expect(retryReconcile({ actor, runId })).rejects.toBeInstanceOf(ConflictError);
      const failed = await db.jobRun.create({
        data: { jobName: reconcileIndexJob.id, jobVersion: 1, trigger: "test", status: "failed", error: "registry down", checkpoint: "~", progressDone: 7, attempts: 3, result: { tagsAdded: 5 } },
      });
      await expect(retryReconcile({ actor: actorFor(await createTestUser()), runId: failed.id })).rejects.toBeInstanceOf(ForbiddenError);
      await retryReconcile({ actor, runId: failed.id });
      let retried = await db.jobRun.findUniqueOrThrow({ where: { id: failed.id } });
      for (let i = 0; i < 100 && retried.status !== "succeeded" && retried.status !== "failed"; i++) {
        await new Promise((r) => setTimeout(r, 300));
        retried = await db.jobRun.findUniqueOrThrow({ where: { id: failed.id } });
      }
      expect(retried).toMatchObject({ status: "succeeded", error: null, attempts: 4, progressDone: 7 });
      expect(retried.result).toMatchObject({ tagsAdded: 5 });
    } finally {
      await worker.stop();
    }
  }, 60_000);
});
