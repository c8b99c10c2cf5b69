import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { readFile, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The registry's data dir is chosen before anything reads the environment: Wharf must know its
// config and storage (WHARF_REGISTRY_CONFIG, WHARF_REGISTRY_STORAGE_DIR) to collect its garbage.
const { REGISTRY_PORT, FRONT_PORT, DATA_DIR } = await vi.hoisted(async () => {
  const { findFreePort } = await import("@/lib/registry/local-registry");
  const { mkdtempSync: mk } = await import("node:fs");
  const { tmpdir: td } = await import("node:os");
  const p = await import("node:path");
  const registryPort = await findFreePort();
  let frontPort = await findFreePort();
  while (frontPort === registryPort) frontPort = await findFreePort();
  const dataDir = mk(p.join(td(), "wharf-gc-data-"));
  process.env.WHARF_REGISTRY_URL = `http://127.0.0.1:${registryPort}`;
  process.env.WHARF_EXTERNAL_URL = `http://127.0.0.1:${frontPort}`;
  process.env.WHARF_REGISTRY_CONFIG = p.join(dataDir, "registry", "config.yml");
  process.env.WHARF_REGISTRY_STORAGE_DIR = p.join(dataDir, "registry", "storage");
  process.env.WHARF_SECRET_KEY ??= "registry-gc-tests-secret-key-0123456789";
  return { REGISTRY_PORT: registryPort, FRONT_PORT: frontPort, DATA_DIR: dataDir };
});

import * as oneRoute from "@/app/api/v2.0/system/gc/[gc_id]/route";
import * as logRoute from "@/app/api/v2.0/system/gc/[gc_id]/log/route";
import * as scheduleRoute from "@/app/api/v2.0/system/gc/schedule/route";
import { apiRequest, basic, call } from "@/lib/api/test-kit";
import { ForbiddenError, ValidationError, ConflictError } from "@/lib/errors";
import { stopSharedBoss } from "@/lib/jobs/boss";
import { registryGcJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { blobDataPath, DEFAULT_GC_BINARY, gcTargetFrom, listStoredBlobs, parseGcOutput, runGarbageCollect } from "@/lib/registry/garbage-collect";
import { startFront, type WharfServer } from "@/lib/runtime/server";
import { GC_TIMING, gcTestHooks, getGcExecution, getGcLog, listGcExecutions, startGc, stopGc } from "@/lib/services/gc/gc";
import { currentGcWindow } from "@/lib/services/gc/window";
import { createMember, createProject, db, TEST_PASSWORD } from "@/lib/services/registry-auth/test-fixtures";
import { deleteArtifact } from "@/lib/services/repositories/delete-artifact";
import { actorFor, createTestUser } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { skopeoCopy, writeOciAccessoryLayout, writeOciImageLayout, writeOciIndexLayout } from "@/lib/testing/oci-layout";

const EXTERNAL = `http://127.0.0.1:${FRONT_PORT}`;
const HOST = `127.0.0.1:${FRONT_PORT}`;
const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: EXTERNAL, name: "registry-gc", dataDir: DATA_DIR });
const STORAGE = path.join(DATA_DIR, "registry", "storage");

let front: WharfServer;
beforeAll(async () => {
  front = await startFront({ hostname: "127.0.0.1", port: FRONT_PORT, handleNext: async (_req, res) => void res.end() });
  GC_TIMING.graceMs = 300;
});
afterAll(async () => {
  await front?.close();
  await stopSharedBoss();
});

function skopeo(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("skopeo", args, { timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(String(stderr).trim() || "skopeo failed")) : resolve(String(stdout))));
  });
}

/** Every blob on disk three hours old: older than the keep-recent window (2 h by default). */
async function ageEveryBlob(): Promise<void> {
  const old = new Date(Date.now() - 3 * 3_600_000);
  for (const d of await listStoredBlobs(STORAGE)) await utimes(blobDataPath(STORAGE, d), old, old);
}

/** skopeo inspect --raw through Wharf, and the digest of what came back. */
async function rawDigest(creds: string, ref: string): Promise<string> {
  const raw = await skopeo(["inspect", "--raw", "--tls-verify=false", "--creds", creds, `docker://${HOST}/${ref}`]);
  return `sha256:${createHash("sha256").update(raw).digest("hex")}`;
}

async function runGc(admin: Awaited<ReturnType<typeof createTestUser>>, dryRun: boolean) {
  const { id, runId } = await startGc({ actor: actorFor(admin), input: { dryRun } });
  await runQueuedRun(registryGcJob, runId);
  return getGcExecution({ actor: actorFor(admin), id });
}

describe("registry garbage collection (real Distribution, skopeo through Wharf)", () => {
  it("parses garbage-collect's output and knows when it cannot collect; an empty registry has nothing to collect", async () => {
    const empty = mkdtempSync(path.join(tmpdir(), "wharf-gc-empty-"));
    const configPath = path.join(empty, "config.yml");
    await writeFile(configPath, JSON.stringify({ version: "0.1", storage: { filesystem: { rootdirectory: path.join(empty, "storage") } } }));
    expect(await runGarbageCollect({ binary: DEFAULT_GC_BINARY, configPath, storageDir: path.join(empty, "storage") }, { dryRun: true })).toEqual({ marked: 0, eligible: [], manifestsEligible: 0 });
    expect(parseGcOutput("a/b\n\n3 blobs marked, 2 blobs and 0 manifests eligible for deletion\nblob eligible for deletion: sha256:" + "a".repeat(64) + "\n")).toEqual({
      marked: 3,
      eligible: [`sha256:${"a".repeat(64)}`],
      manifestsEligible: 0,
    });
    expect(() => parseGcOutput("panic: oops")).toThrow(/no summary/);
    expect(gcTargetFrom({ WHARF_REGISTRY_STORAGE_DIR: "/x" })).toMatchObject({ unavailable: expect.stringMatching(/WHARF_REGISTRY_CONFIG/) });
    expect(gcTargetFrom({ WHARF_REGISTRY_CONFIG: "/c", WHARF_REGISTRY_STORAGE_DIR: "/x", WHARF_REGISTRY_GC_BINARY: "/nonexistent" })).toMatchObject({ unavailable: expect.stringMatching(/missing/) });
  });

  it("frees exactly the blobs of deleted images, keeps shared layers, index children, accessories and young blobs; pushes wait for the window", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const auditor = await createTestUser({ isAuditor: true });
    const p1 = await createProject();
    const p2 = await createProject();
    const user = await createMember(p1.id, 4);
    await db.projectMember.create({ data: { projectId: p2.id, userId: user.id, roleId: 4 } });
    const creds = `${user.username}:${TEST_PASSWORD}`;
    const repoA = `${p1.name}/app`;
    const repoB = `${p2.name}/app`;
    const dir = (n: string) => path.join(h.tmp, n);

    const SHARED = Array.from({ length: 4000 }, (_, i) => `shared line ${i}`).join("\n");
    // Two images with the same layer (different configs) in two projects, one unique image in B.
    const one = await writeOciImageLayout(dir("one"), { tag: "1", files: { "shared.txt": SHARED }, author: "one" });
    const two = await writeOciImageLayout(dir("two"), { tag: "1", files: { "shared.txt": SHARED }, author: "two" });
    const uniq = await writeOciImageLayout(dir("uniq"), { tag: "2", files: { "b.txt": "only in B" }, extraBytes: 30_000 });
    expect(two.layerDigests).toEqual(one.layerDigests);
    await skopeoCopy(one.ref, `docker://${HOST}/${repoA}:1`, { destCreds: creds });
    await skopeoCopy(two.ref, `docker://${HOST}/${repoB}:1`, { destCreds: creds });
    await skopeoCopy(uniq.ref, `docker://${HOST}/${repoB}:2`, { destCreds: creds });
    // A multi-arch index (untagged children), a cosign signature and an untagged OCI 1.1 referrer, in A.
    const multi = await writeOciIndexLayout(dir("multi"), { tag: "m", platforms: [{ architecture: "amd64", os: "linux" }, { architecture: "arm64", os: "linux" }] });
    await skopeoCopy(multi.ref, `docker://${HOST}/${repoA}:m`, { destCreds: creds, all: true });
    const sig = await writeOciAccessoryLayout(dir("sig"), { tag: "s", config: "cosign", layer: { mediaType: "application/vnd.dev.cosign.simplesigning.v1+json", content: `{"critical":{"image":{"docker-manifest-digest":"${one.manifestDigest}"}}}` } });
    await skopeoCopy(sig.ref, `docker://${HOST}/${repoA}:sha256-${one.manifestDigest.slice(7)}.sig`, { destCreds: creds });
    const sbom = await writeOciAccessoryLayout(dir("sbom"), {
      tag: "r",
      config: "empty",
      artifactType: "application/spdx+json",
      subject: { mediaType: OCI_IMAGE_MANIFEST, digest: one.manifestDigest, size: one.manifestSize },
      layer: { mediaType: "application/spdx+json", content: '{"spdxVersion":"SPDX-2.3"}' },
    });
    await h.stage(sbom.ref, repoA, sbom.manifestDigest);
    await h.putManifest(await h.tokenFor(user.username, repoA), repoA, sbom.manifestDigest, await h.blobBytes(dir("sbom"), sbom.manifestDigest), OCI_IMAGE_MANIFEST);

    // One more image in A, whose delete from the console is tried during the window.
    const extra = await writeOciImageLayout(dir("extra"), { tag: "x", files: { "extra.txt": "extra" } });
    await skopeoCopy(extra.ref, `docker://${HOST}/${repoA}:x`, { destCreds: creds });

    // Delete B's two images through Wharf.
    for (const d of [two.manifestDigest, uniq.manifestDigest]) await deleteArtifact({ actor: actorFor(user), repository: repoB, digest: d });
    const unshared = [two.manifestDigest, two.configDigest, uniq.manifestDigest, uniq.configDigest, ...uniq.layerDigests].sort();
    const sizeOf = async (d: string) => (await readFile(blobDataPath(STORAGE, d))).length;
    const unsharedBytes = (await Promise.all(unshared.map(sizeOf))).reduce((a, b) => a + b, 0);
    await ageEveryBlob();

    // Dry run: exactly the unshared blobs, nothing deleted.
    const before = (await listStoredBlobs(STORAGE)).sort();
    const dry = await runGc(admin, true);
    expect(dry).toMatchObject({ status: "Success", dryRun: true, blobsEligible: unshared.length, bytesEligible: unsharedBytes, pinnedBlobs: 0, blobsDeleted: null });
    const dryLog = await getGcLog({ actor: actorFor(auditor), id: dry.id });
    expect([...dryLog.matchAll(/eligible: (sha256:[a-f0-9]{64})/g)].map((m) => m[1]).sort()).toEqual(unshared);
    expect((await listStoredBlobs(STORAGE)).sort()).toEqual(before);

    // A blob uploaded just before the collection (young, unreferenced): its manifest comes after.
    const late = await writeOciImageLayout(dir("late"), { tag: "l", files: { "late.txt": "late layer" } });
    const lateToken = await h.tokenFor(user.username, repoA);
    for (const d of [late.configDigest, ...late.layerDigests]) {
      const bytes = await h.blobBytes(dir("late"), d);
      const started = await h.call(`/v2/${repoA}/blobs/uploads/`, { method: "POST", token: lateToken });
      expect(started.status).toBe(202);
      const location = new URL(started.headers.get("location")!);
      const put = await h.call(`${location.pathname}?${location.searchParams}&digest=${d}`, { method: "PUT", token: lateToken, body: bytes, headers: { "content-type": "application/octet-stream" } });
      expect(put.status).toBe(201);
    }
    // An upload begun before the collection, finished after it.
    const pending = await writeOciImageLayout(dir("pending"), { tag: "p", files: { "pending.txt": "pending layer" }, extraBytes: 20_000 });
    const pendingLayer = pending.layerDigests[0]!;
    const pendingBytes = await h.blobBytes(dir("pending"), pendingLayer);
    const begun = await h.call(`/v2/${repoA}/blobs/uploads/`, { method: "POST", token: lateToken });
    const half = Math.floor(pendingBytes.length / 2);
    let at = new URL(begun.headers.get("location")!);
    const patched = await h.call(`${at.pathname}?${at.searchParams}`, { method: "PATCH", token: lateToken, body: pendingBytes.subarray(0, half), headers: { "content-type": "application/octet-stream", "content-range": `0-${half - 1}` } });
    expect(patched.status).toBe(202);
    at = new URL(patched.headers.get("location")!);

    // Real run. Inside the window: the gateway refuses writes, serves reads.
    const duringWindow: Record<string, unknown> = {};
    gcTestHooks.beforeSweep = async (id) => {
      duringWindow.window = await currentGcWindow();
      const refused = await h.call(`${at.pathname}?${at.searchParams}&digest=${pendingLayer}`, { method: "PUT", token: lateToken, body: pendingBytes.subarray(half), headers: { "content-type": "application/octet-stream", "content-range": `${half}-${pendingBytes.length - 1}` } });
      duringWindow.putStatus = refused.status;
      duringWindow.retryAfter = refused.headers.get("retry-after");
      duringWindow.putBody = await refused.text();
      duringWindow.skopeoPush = await skopeoCopy(late.ref, `docker://${HOST}/${repoA}:late`, { destCreds: creds }).then(() => "pushed", (e: Error) => e.message);
      duringWindow.pull = await rawDigest(creds, `${repoA}:1`);
      // Wharf's own writes to the registry (a console delete here; copies, replication, retention) wait too.
      duringWindow.consoleDelete = await deleteArtifact({ actor: actorFor(user), repository: repoA, digest: extra.manifestDigest }).then(() => "deleted", (e: Error) => `${e.name}: ${e.message}`);
      duringWindow.id = id;
    };
    let real;
    const runStarted = Date.now();
    let runTook = 0;
    try {
      real = await runGc(admin, false);
      runTook = Date.now() - runStarted;
    } finally {
      gcTestHooks.beforeSweep = undefined;
    }
    expect(duringWindow.window).toMatchObject({ executionId: real.id });
    expect(duringWindow.putStatus).toBe(503);
    expect(duringWindow.retryAfter).toBe("60");
    expect(JSON.parse(duringWindow.putBody as string)).toMatchObject({ errors: [{ code: "UNAVAILABLE", message: expect.stringContaining("read-only for garbage collection") }] });
    expect(duringWindow.skopeoPush).toMatch(/read-only for garbage collection|503/);
    expect(duringWindow.pull).toBe(one.manifestDigest);
    expect(duringWindow.consoleDelete).toMatch(/^ConflictError: The registry is read-only for garbage collection/);
    expect(await rawDigest(creds, `${repoA}:x`)).toBe(extra.manifestDigest);
    expect(real).toMatchObject({ status: "Success", dryRun: false, blobsEligible: unshared.length, bytesEligible: unsharedBytes, blobsDeleted: unshared.length, freedBytes: unsharedBytes });
    expect(real.pinnedBlobs).toBeGreaterThanOrEqual(2);
    expect(await currentGcWindow()).toBeNull();

    // On disk: exactly the unshared blobs went (the young ones stayed; the pin is gone).
    const after = await listStoredBlobs(STORAGE);
    const young = [late.configDigest, ...late.layerDigests];
    expect(before.filter((d) => !after.includes(d)).sort()).toEqual(unshared);
    expect(after.filter((d) => !before.includes(d)).sort()).toEqual([...young].sort());

    // The upload begun before the window finishes now, intact.
    const finished = await h.call(`${at.pathname}?${at.searchParams}&digest=${pendingLayer}`, { method: "PUT", token: lateToken, body: pendingBytes.subarray(half), headers: { "content-type": "application/octet-stream", "content-range": `${half}-${pendingBytes.length - 1}` } });
    expect(finished.status).toBe(201);
    const onDisk = await readFile(blobDataPath(STORAGE, pendingLayer));
    expect(`sha256:${createHash("sha256").update(onDisk).digest("hex")}`).toBe(pendingLayer);

    // The young blobs' manifest is pushed after the window, and the push refused during it works now.
    await skopeoCopy(late.ref, `docker://${HOST}/${repoA}:late`, { destCreds: creds });
    expect(await rawDigest(creds, `${repoA}:late`)).toBe(late.manifestDigest);

    // Every remaining image still pulls, digests unchanged (skopeo checks every blob it copies).
    for (const [ref, digest] of [
      [`${repoA}:1`, one.manifestDigest],
      [`${repoA}:m`, multi.indexDigest],
      [`${repoA}:sha256-${one.manifestDigest.slice(7)}.sig`, sig.manifestDigest],
      [`${repoA}@${sbom.manifestDigest}`, sbom.manifestDigest],
      ...multi.childDigests.map((d) => [`${repoA}@${d}`, d]),
    ] as const) {
      expect(await rawDigest(creds, ref)).toBe(digest);
      const out = mkdtempSync(path.join(tmpdir(), "wharf-gc-pull-"));
      await skopeoCopy(`docker://${HOST}/${ref}`, `oci:${out}:x`, { srcCreds: creds, all: true });
    }
    // The console delete refused during the window works after it.
    await deleteArtifact({ actor: actorFor(user), repository: repoA, digest: extra.manifestDigest });
    // A deleted image pushed again works too (the registry caches no blob descriptors).
    await skopeoCopy(uniq.ref, `docker://${HOST}/${repoB}:2`, { destCreds: creds });
    const out = mkdtempSync(path.join(tmpdir(), "wharf-gc-pull-"));
    await skopeoCopy(`docker://${HOST}/${repoB}:2`, `oci:${out}:x`, { srcCreds: creds });

    // History, as an auditor reads it; audit rows of the starts.
    const history = await listGcExecutions({ actor: actorFor(auditor) });
    expect(history.rows.slice(0, 2).map((e) => [e.id, e.status, e.dryRun])).toEqual([
      [real.id, "Success", false],
      [dry.id, "Success", true],
    ]);
    // The run's recorded duration spans the work done inside its window (several skopeo calls),
    // so it is not 0, and it cannot exceed the time the test waited for it.
    expect(real.durationMs).toBeGreaterThan(0);
    expect(real.durationMs).toBeLessThanOrEqual(runTook + 1_000);
    const starts = await db.auditEvent.findMany({ where: { action: "gc.start", resourceId: { in: [String(dry.id), String(real.id)] } } });
    expect(starts).toHaveLength(2);
  }, 240_000);

  it("refuses non-administrators, delete_untagged, a second run and a stop of nothing", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const auditor = await createTestUser({ isAuditor: true });
    const plain = await createTestUser();
    await expect(startGc({ actor: actorFor(auditor), input: { dryRun: true } })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(startGc({ actor: actorFor(plain), input: { dryRun: true } })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listGcExecutions({ actor: actorFor(plain) })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(startGc({ actor: actorFor(admin), input: { dryRun: true, deleteUntagged: true } })).rejects.toThrow(ValidationError);
    await expect(startGc({ actor: actorFor(admin), input: { workers: 9 } })).rejects.toThrow(ValidationError);
    const refusals = await db.auditEvent.count({ where: { action: "gc.start", actorName: { in: [auditor.username, plain.username] } } });
    expect(refusals).toBe(2);

    // A queued run: a second start is a 409; a stop ends it Stopped; a second stop is a 409.
    const { id } = await startGc({ actor: actorFor(admin), input: { dryRun: true } });
    await expect(startGc({ actor: actorFor(admin), input: { dryRun: true } })).rejects.toBeInstanceOf(ConflictError);
    await expect(stopGc({ actor: actorFor(auditor), id })).rejects.toBeInstanceOf(ForbiddenError);
    await stopGc({ actor: actorFor(admin), id });
    expect(await getGcExecution({ actor: actorFor(admin), id })).toMatchObject({ status: "Stopped", stoppedBy: admin.username });
    await expect(stopGc({ actor: actorFor(admin), id })).rejects.toBeInstanceOf(ConflictError);
  });

  it("REST: an administrator's dry run in Harbor's shapes (POST Manual, GET the collection and its log)", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const read = await call(scheduleRoute.GET, apiRequest("/system/gc/schedule", { auth: basic(admin.username) }), {});
    expect(await read.json()).toMatchObject({ available: true });
    const started = await call(scheduleRoute.POST, apiRequest("/system/gc/schedule", { method: "POST", auth: basic(admin.username), body: { schedule: { type: "Manual" }, parameters: { dry_run: true, delete_untagged: false, workers: 1 } } }), {});
    expect(started.status).toBe(201);
    const id = started.headers.get("location")!.split("/").at(-1)!;
    expect(started.headers.get("location")).toBe(`/api/v2.0/system/gc/${id}`);
    const execution = await db.gcExecution.findUniqueOrThrow({ where: { id: Number(id) } });
    await runQueuedRun(registryGcJob, execution.runId);
    const one = await call(oneRoute.GET, apiRequest(`/system/gc/${id}`, { auth: basic(admin.username) }), { gc_id: id });
    expect(await one.json()).toMatchObject({ id: Number(id), job_name: "GARBAGE_COLLECTION", job_kind: "MANUAL", job_status: "Success", dry_run: true, blobs_eligible: expect.any(Number), schedule: { type: "Manual" } });
    const log = await call(logRoute.GET, apiRequest(`/system/gc/${id}/log`, { auth: basic(admin.username) }), { gc_id: id });
    expect(log.headers.get("content-type")).toContain("text/plain");
    expect(await log.text()).toMatch(/dry run/);
    // A stop of an ended collection is a 409.
    expect((await call(oneRoute.PUT, apiRequest(`/system/gc/${id}`, { method: "PUT", auth: basic(admin.username) }), { gc_id: id })).status).toBe(409);
  }, 60_000);

  it("a running real collection stopped during its window ends Stopped, deletes nothing and reopens pushes", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const before = (await listStoredBlobs(STORAGE)).sort();
    const grace = GC_TIMING.graceMs;
    GC_TIMING.graceMs = 5_000;
    try {
      const { id, runId } = await startGc({ actor: actorFor(admin), input: { dryRun: false } });
      const running = runQueuedRun(registryGcJob, runId);
      await expect.poll(async () => (await currentGcWindow())?.executionId ?? null, { timeout: 10_000, interval: 100 }).toBe(id);
      await stopGc({ actor: actorFor(admin), id });
      await running;
      expect(await getGcExecution({ actor: actorFor(admin), id })).toMatchObject({ status: "Stopped", stoppedBy: admin.username, blobsDeleted: null });
      expect(await getGcLog({ actor: actorFor(admin), id })).toMatch(/Stopped by .*\n.*accepts pushes again/s);
      expect(await currentGcWindow()).toBeNull();
      expect((await listStoredBlobs(STORAGE)).sort()).toEqual(before);
      const stops = await db.auditEvent.count({ where: { action: "gc.stop", resourceId: String(id), result: "success" } });
      expect(stops).toBe(1);
    } finally {
      GC_TIMING.graceMs = grace;
    }
  }, 60_000);
});
