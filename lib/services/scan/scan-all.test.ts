import { createHash, randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as logRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/scan/[report_id]/log/route";
import * as artifactStopRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/scan/stop/route";
import * as allMetricsRoute from "@/app/api/v2.0/scans/all/metrics/route";
import * as scheduleMetricsRoute from "@/app/api/v2.0/scans/schedule/metrics/route";
import * as scheduleRoute from "@/app/api/v2.0/system/scanAll/schedule/route";
import * as stopRoute from "@/app/api/v2.0/system/scanAll/stop/route";
import { apiRequest, basic, call, errorOf } from "@/lib/api/test-kit";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";
import { runAttempt } from "@/lib/jobs/attempt";
import { ensureQueues, getBoss, stopSharedBoss } from "@/lib/jobs/boss";
import { artifactScanJob, scanAllJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { DOCKER_CONTAINER_CONFIG, OCI_IMAGE_CONFIG, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { VULN_REPORT_MIME } from "@/lib/scan/adapter/mime";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { startArtifactScan } from "@/lib/services/scan/manual-scan";
import { getScanAllMetrics, SCAN_ALL_BATCH, SCAN_ALL_SCHEDULE_KEY, startScanAll, stopScanAll, updateScanAllSchedule } from "@/lib/services/scan/scan-all";
import { stopArtifactScan } from "@/lib/services/scan/stop-scan";

/*
 * Scan all and stopping a scan over real Postgres and pg-boss, through the REST routes and the
 * services. The index is written straight (test setup): more image artifacts than one batch, an
 * index with two children, an image also in a second repository, a signature, an SBOM and a Helm
 * chart, and a project without a scanner. The scans go to a registration of this file's own that
 * nothing answers (one is run to show an Error); the default registrations are switched off while
 * this file runs, so other files' artifacts are left out (no scanner), and put back at the end.
 */

const newDigest = () => `sha256:${createHash("sha256").update(randomBytes(16)).digest("hex")}`;
const IMAGES = SCAN_ALL_BATCH * 2 + 30;

let scannerId: number;
let disabledDefaults: number[] = [];
let project: Awaited<ReturnType<typeof createProject>>;
let admin: Awaited<ReturnType<typeof createTestUser>>;
let auditor: Awaited<ReturnType<typeof createTestUser>>;
let someone: Awaited<ReturnType<typeof createTestUser>>;
/** Digests scan all must queue (each once), and those it must not. */
const expected: string[] = [];
const notScanned: string[] = [];
let twice: string;

async function addArtifact(repositoryId: number, data: { digest?: string; mediaType?: string; artifactType?: string | null; accessoryType?: "signature" | "sbom" | null; tag?: string }) {
  const artifact = await db.artifact.create({
    data: { repositoryId, digest: data.digest ?? newDigest(), mediaType: data.mediaType ?? OCI_IMAGE_MANIFEST, artifactType: data.artifactType === undefined ? OCI_IMAGE_CONFIG : data.artifactType, accessoryType: data.accessoryType ?? null, manifestSize: 10, totalSize: 10n, pushedAt: new Date() },
  });
  if (data.tag) await db.tag.create({ data: { repositoryId, artifactId: artifact.id, name: data.tag, pushedAt: new Date() } });
  return artifact;
}

beforeAll(async () => {
  await ensureQueues(await getBoss(), [artifactScanJob, scanAllJob]);
  scannerId = (await db.scanner.create({ data: { name: uniqueName("scan-all"), url: "http://127.0.0.1:9/scanner" } })).id;
  // Scan all covers every project: the registrations earlier files on the one database left enabled
  // (a default, or one a fixture project chose) would add their projects' images. Disabled for this
  // file, enabled again after.
  disabledDefaults = (await db.scanner.findMany({ where: { disabled: false, id: { not: scannerId } }, select: { id: true } })).map((s) => s.id);
  await db.scanner.updateMany({ where: { id: { in: disabledDefaults } }, data: { disabled: true } });
  admin = await createTestUser({ isAdmin: true });
  // Earlier files on the one database (the fuzz's Scan now) may leave a scan all queued with no
  // worker to run it: stopped here, or every start below would be a 409.
  await stopScanAll({ actor: actorFor(admin) }).catch(() => undefined);
  auditor = await createTestUser({ isAuditor: true });
  someone = await createTestUser();

  project = await createProject();
  await db.projectScanner.create({ data: { projectId: project.id, scannerId } });
  const app = await db.repository.create({ data: { projectId: project.id, name: `${project.name}/app` } });
  const rows = Array.from({ length: IMAGES }, () => ({ repositoryId: app.id, digest: newDigest(), mediaType: OCI_IMAGE_MANIFEST, artifactType: OCI_IMAGE_CONFIG, manifestSize: 10, totalSize: 10n, pushedAt: new Date() }));
  await db.artifact.createMany({ data: rows });
  expected.push(...rows.map((r) => r.digest));
  // A Docker image too, and one image in a second repository as well (scanned once).
  expected.push((await addArtifact(app.id, { mediaType: "application/vnd.docker.distribution.manifest.v2+json", artifactType: DOCKER_CONTAINER_CONFIG, tag: "docker" })).digest);
  twice = expected[0]!;
  const other = await db.repository.create({ data: { projectId: project.id, name: `${project.name}/other` } });
  await addArtifact(other.id, { digest: twice });
  // An index: its two children are scanned, the index itself is not.
  const multi = await db.repository.create({ data: { projectId: project.id, name: `${project.name}/multi` } });
  const [amd, arm] = [await addArtifact(multi.id, {}), await addArtifact(multi.id, {})];
  const index = await addArtifact(multi.id, { mediaType: OCI_IMAGE_INDEX, artifactType: null, tag: "2.0" });
  await db.artifactReference.createMany({
    data: [
      { parentId: index.id, childId: amd.id, childDigest: amd.digest, position: 0, os: "linux", architecture: "amd64" },
      { parentId: index.id, childId: arm.id, childDigest: arm.digest, position: 1, os: "linux", architecture: "arm64" },
    ],
  });
  expected.push(amd.digest, arm.digest);
  notScanned.push(index.digest);
  // Not images: a signature, an SBOM, a Helm chart.
  notScanned.push((await addArtifact(app.id, { accessoryType: "signature", artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json" })).digest);
  notScanned.push((await addArtifact(app.id, { accessoryType: "sbom", artifactType: "application/spdx+json" })).digest);
  notScanned.push((await addArtifact(app.id, { artifactType: "application/vnd.cncf.helm.config.v1+json" })).digest);
  // A project with no scanner (and no default): its image is left out.
  const bare = await createProject();
  const bareRepo = await db.repository.create({ data: { projectId: bare.id, name: `${bare.name}/app` } });
  notScanned.push((await addArtifact(bareRepo.id, {})).digest);
}, 120_000);

afterAll(async () => {
  await db.systemSetting.deleteMany({ where: { key: SCAN_ALL_SCHEDULE_KEY } });
  await (await getBoss()).unschedule(scanAllJob.id).catch(() => undefined);
  await db.scanner.updateMany({ where: { id: { in: disabledDefaults } }, data: { disabled: false } });
  await db.scanner.deleteMany({ where: { id: scannerId } });
  await stopSharedBoss();
});

const rowsOf = (action: string) => db.auditEvent.findMany({ where: { action }, orderBy: { id: "asc" } });
const post = (handler: typeof scheduleRoute.POST | typeof stopRoute.POST, path: string, auth: string, body?: unknown) => call(handler, apiRequest(path, { method: "POST", auth, body }), {});
const metrics = async (auth: string, handler = allMetricsRoute.GET) => {
  const res = await call(handler, apiRequest("/scans/all/metrics", { auth }), {});
  expect(res.status).toBe(200);
  return (await res.json()) as { total: number; completed: number; metrics: Record<string, number>; ongoing: boolean; trigger?: string };
};

describe("scan all", () => {
  let runId: number;

  it("refuses whoever is not an administrator (403, one failure row each) and starts nothing", async () => {
    const before = { rows: (await rowsOf("scan_all.start")).length, executions: await db.scanAllExecution.count() };
    for (const user of [auditor, someone]) {
      const res = await post(scheduleRoute.POST, "/system/scanAll/schedule", basic(user.username), { schedule: { type: "Manual" } });
      expect(res.status).toBe(403);
      await expect(startScanAll({ actor: actorFor(user) })).rejects.toMatchObject({ status: 403 });
    }
    const rows = await rowsOf("scan_all.start");
    expect(rows.length).toBe(before.rows + 4);
    expect(rows.slice(-4).every((r) => r.result === "failure")).toBe(true);
    expect(await db.scanAllExecution.count()).toBe(before.executions);
    expect((await post(stopRoute.POST, "/system/scanAll/stop", basic(auditor.username))).status).toBe(403);
    // The metrics are the auditor's to read.
    expect((await call(allMetricsRoute.GET, apiRequest("/scans/all/metrics", { auth: basic(someone.username) }), {})).status).toBe(403);
  });

  it("Scan now (POST Manual): 201, one audit row and one queued run; a second start while it runs is a 409 writing nothing", async () => {
    const res = await post(scheduleRoute.POST, "/system/scanAll/schedule", basic(admin.username), { schedule: { type: "Manual" } });
    expect(res.status).toBe(201);
    const execution = await db.scanAllExecution.findFirstOrThrow({ orderBy: { id: "desc" } });
    runId = execution.runId;
    expect(execution).toMatchObject({ trigger: "Manual", triggeredBy: admin.username });
    expect(await db.jobRun.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ jobName: scanAllJob.id, status: "queued" });
    const rows = await rowsOf("scan_all.start");
    expect(rows.at(-1)).toMatchObject({ result: "success", actorName: admin.username, detail: { executionId: execution.id, runId, trigger: "Manual" } });
    // Nothing was queued in the request: the run does that.
    expect(await db.jobRun.count({ where: { parentRunId: runId } })).toBe(0);

    const again = await post(scheduleRoute.POST, "/system/scanAll/schedule", basic(admin.username), { schedule: { type: "Manual" } });
    expect(again.status).toBe(409);
    expect((await rowsOf("scan_all.start")).length).toBe(rows.length);
    expect(await metrics(basic(auditor.username))).toMatchObject({ total: 0, completed: 0, ongoing: true, trigger: "Manual" });
  });

  it("the run queues one scan of every image artifact, in batches, as its children; nothing else", async () => {
    const outcome = await runQueuedRun(scanAllJob, runId);
    expect(outcome).toEqual({ awaitingChildren: expected.length });
    const reports = await db.scanReport.findMany({ where: { scannerId }, select: { artifactDigest: true, status: true, mimeType: true, runId: true } });
    expect(reports.map((r) => r.artifactDigest).sort()).toEqual([...expected].sort());
    expect(reports.every((r) => r.status === "queued" && r.mimeType === VULN_REPORT_MIME)).toBe(true);
    const children = await db.jobRun.findMany({ where: { parentRunId: runId }, select: { id: true, jobName: true, trigger: true } });
    expect(children).toHaveLength(expected.length);
    expect(new Set(reports.map((r) => r.runId))).toEqual(new Set(children.map((c) => c.id)));
    expect(children.every((c) => c.jobName === artifactScanJob.id)).toBe(true);
    expect(await db.scanReport.count({ where: { artifactDigest: { in: notScanned } } })).toBe(0);
    const run = await db.jobRun.findUniqueOrThrow({ where: { id: runId } });
    // Three batches, each its own step with the checkpoint (the last artifact id).
    expect(run.log.match(/scan\(s\) queued/g)!.length).toBeGreaterThanOrEqual(3);
    expect(run).toMatchObject({ status: "running", leaseExpiresAt: null });
    expect(await metrics(basic(auditor.username))).toEqual({ total: expected.length, completed: 0, metrics: { Success: 0, Error: 0, Running: 0, Pending: expected.length, Stopped: 0 }, ongoing: true, trigger: "Manual" });
  }, 120_000);

  it("counts a scan that ended (Error: its scanner does not answer) in the progress", async () => {
    const report = await db.scanReport.findFirstOrThrow({ where: { scannerId, artifactDigest: expected[5] } });
    await expect(runQueuedRun(artifactScanJob, report.runId!)).rejects.toThrow(/Cannot reach the scanner/);
    expect(await metrics(basic(admin.username))).toMatchObject({ total: expected.length, completed: 1, metrics: { Error: 1, Pending: expected.length - 1 }, ongoing: true });
    const view = await getScanAllMetrics({ actor: actorFor(auditor) });
    expect(view).toMatchObject({ executionId: expect.any(Number), queueing: false });
  }, 60_000);

  it("Stop: the queued scans end Stopped at once (their pg-boss jobs cancelled), one audit row; then nothing is running (409)", async () => {
    const rowsBefore = (await rowsOf("scan_all.stop")).length;
    const res = await post(stopRoute.POST, "/system/scanAll/stop", basic(admin.username));
    expect(res.status).toBe(202);
    expect(await metrics(basic(auditor.username))).toEqual({
      total: expected.length,
      completed: expected.length,
      metrics: { Success: 0, Error: 1, Running: 0, Pending: 0, Stopped: expected.length - 1 },
      ongoing: false,
      trigger: "Manual",
    });
    const stopped = await db.scanReport.findFirstOrThrow({ where: { scannerId, artifactDigest: expected[7] } });
    expect(stopped).toMatchObject({ status: "stopped", error: `Stopped by ${admin.username}.` });
    const child = await db.jobRun.findUniqueOrThrow({ where: { id: stopped.runId! } });
    expect(child).toMatchObject({ status: "failed", result: { stopped: true } });
    expect((await (await getBoss()).getJobById(artifactScanJob.id, child.bossJobId!))?.state).toBe("cancelled");
    expect(await db.jobRun.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: "failed", progressDone: expected.length });
    const rows = await rowsOf("scan_all.stop");
    expect(rows.length).toBe(rowsBefore + 1);
    expect(rows.at(-1)).toMatchObject({ result: "success", actorName: admin.username, detail: { stopped: expected.length - 1, running: 0 } });

    expect((await post(stopRoute.POST, "/system/scanAll/stop", basic(admin.username))).status).toBe(409);
    expect((await rowsOf("scan_all.stop")).length).toBe(rowsBefore + 1);
    // A new scan all may start now (and is stopped before it runs: it then never queues anything).
    const next = await startScanAll({ actor: actorFor(admin) });
    await stopScanAll({ actor: actorFor(admin) });
    expect(await db.jobRun.findUniqueOrThrow({ where: { id: next.runId } })).toMatchObject({ status: "failed", result: { stopped: true } });
    expect(await db.jobRun.count({ where: { parentRunId: next.runId } })).toBe(0);
  }, 60_000);
});

describe("scan all's schedule", () => {
  const put = (auth: string, body: unknown) => call(scheduleRoute.PUT, apiRequest("/system/scanAll/schedule", { method: "PUT", auth, body }), {});
  const get = async (auth: string) => {
    const res = await call(scheduleRoute.GET, apiRequest("/system/scanAll/schedule", { auth }), {});
    expect(res.status).toBe(200);
    return (await res.json()) as { schedule: { type: string; cron: string; next_scheduled_time?: string } };
  };

  it("refuses a bad cron or type with a 400 naming the field, and a non-administrator with a 403; nothing changes", async () => {
    const before = (await rowsOf("scan_all.schedule.update")).length;
    // Earlier files on the one database (the audit walk, the fuzz) may have saved a schedule: what
    // must hold is that these requests leave whatever is stored as it was.
    const stored = await db.systemSetting.findUnique({ where: { key: SCAN_ALL_SCHEDULE_KEY } });
    const answered = await get(basic(auditor.username));
    for (const [body, field] of [
      [{ schedule: { type: "Custom", cron: "0 61 * * * *" } }, "schedule.cron"],
      [{ schedule: { type: "Custom", cron: "5 0 * * * *" } }, "schedule.cron"],
      [{ schedule: { type: "Custom" } }, "schedule.cron"],
      [{ schedule: { type: "Monthly" } }, "schedule.type"],
      [{ schedule: { type: "Manual" } }, "schedule.type"],
    ] as const) {
      const res = await put(basic(admin.username), body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(res)).message).toContain(field);
    }
    await expect(updateScanAllSchedule({ actor: actorFor(admin), input: { cron: "not a cron" } })).rejects.toMatchObject({ status: 400, fieldErrors: { cron: expect.any(Array) } });
    expect((await put(basic(auditor.username), { schedule: { type: "Daily" } })).status).toBe(403);
    expect(await db.systemSetting.findUnique({ where: { key: SCAN_ALL_SCHEDULE_KEY } })).toEqual(stored);
    const rows = await rowsOf("scan_all.schedule.update");
    // The refusal of the auditor is the only row: a failure.
    expect(rows.length).toBe(before + 1);
    expect(rows.at(-1)).toMatchObject({ result: "failure", actorName: auditor.username });
    expect(await get(basic(auditor.username))).toEqual(answered);
  });

  it("saves Daily and Custom (Harbor's 6 fields), with one audit row each and pg-boss's schedule following; None removes it", async () => {
    const before = (await rowsOf("scan_all.schedule.update")).length;
    expect((await put(basic(admin.username), { schedule: { type: "Daily" } })).status).toBe(200);
    expect(await get(basic(auditor.username))).toMatchObject({ schedule: { type: "Daily", cron: "0 0 0 * * *", next_scheduled_time: expect.any(String) } });
    expect((await post(scheduleRoute.POST, "/system/scanAll/schedule", basic(admin.username), { schedule: { type: "Custom", cron: "0 15 3 * * 1" } })).status).toBe(201);
    expect(await get(basic(admin.username))).toMatchObject({ schedule: { type: "Custom", cron: "0 15 3 * * 1" } });
    const boss = await getBoss();
    expect((await boss.getSchedules()).find((s) => s.name === scanAllJob.id)).toMatchObject({ cron: "15 3 * * 1" });
    const rows = await rowsOf("scan_all.schedule.update");
    expect(rows.length).toBe(before + 2);
    expect(rows.at(-1)).toMatchObject({ result: "success", detail: { before: { cron: "0 0 * * *" }, after: { cron: "15 3 * * 1" } } });
    expect((await put(basic(admin.username), { schedule: { type: "None" } })).status).toBe(200);
    expect((await boss.getSchedules()).find((s) => s.name === scanAllJob.id)).toBeUndefined();
  });

  it("a run the schedule starts creates its own execution (trigger Schedule, one audit row by the system) and shows in /scans/schedule/metrics", async () => {
    // As pg-boss's cron sends it: no run row, no execution yet.
    await runAttempt(scanAllJob, { id: randomUUID(), data: { version: scanAllJob.version }, retryCount: 0, retryLimit: 0 });
    const execution = await db.scanAllExecution.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(execution).toMatchObject({ trigger: "Schedule", triggeredBy: "schedule" });
    expect((await rowsOf("scan_all.start")).at(-1)).toMatchObject({ actorName: "system:scan-all-schedule", detail: { executionId: execution.id, trigger: "Schedule" } });
    const scheduled = await metrics(basic(auditor.username), scheduleMetricsRoute.GET);
    expect(scheduled).toMatchObject({ trigger: "Schedule", ongoing: true });
    // Every image was scanned before (stopped reports can be scanned again): queued once more, then stopped.
    expect(scheduled.total).toBe(expected.length);
    // Another tick while it goes on does nothing.
    const skipped = await runAttempt(scanAllJob, { id: randomUUID(), data: { version: scanAllJob.version }, retryCount: 0, retryLimit: 0 });
    expect(skipped).toMatchObject({ skipped: expect.stringContaining("still running") });
    await stopScanAll({ actor: actorFor(admin) });
    expect(await metrics(basic(auditor.username), scheduleMetricsRoute.GET)).toMatchObject({ ongoing: false, metrics: { Stopped: expected.length } });
  }, 120_000);
});

describe("stopping one artifact's scan, and its log", () => {
  let maintainer: Awaited<ReturnType<typeof createMember>>;
  let guest: Awaited<ReturnType<typeof createMember>>;
  const params = (reference: string, extra: Record<string, string> = {}) => ({ project_name_or_id: project.name, repository_name: "app", reference, ...extra });
  const stop = (auth: string, reference: string, body?: unknown) =>
    call(artifactStopRoute.POST, apiRequest(`/projects/${project.name}/repositories/app/artifacts/${reference}/scan/stop`, { method: "POST", auth, body }), params(reference));

  beforeAll(async () => {
    maintainer = await createMember(project.id, 4);
    guest = await createMember(project.id, 3);
  });

  it("stops a queued scan (202, one audit row), 409 once nothing runs, 404 for an artifact never scanned, 403 for a guest", async () => {
    const started = await startArtifactScan({ actor: actorFor(maintainer), repository: `${project.name}/app`, reference: "docker" });
    const reportId = started.scans[0]!.reportId;
    const before = (await rowsOf("artifact.scan.stop")).length;
    expect((await stop(basic(guest.username), "docker")).status).toBe(403);
    expect((await stop(basic(maintainer.username), "docker", { scan_type: "virus" })).status).toBe(400);
    expect(await db.scanReport.findUniqueOrThrow({ where: { id: reportId } })).toMatchObject({ status: "queued" });

    const res = await stop(basic(maintainer.username), "docker", { scan_type: "vulnerability" });
    expect(res.status).toBe(202);
    const report = await db.scanReport.findUniqueOrThrow({ where: { id: reportId } });
    expect(report).toMatchObject({ status: "stopped", error: `Stopped by ${maintainer.username}.` });
    expect(await db.jobRun.findUniqueOrThrow({ where: { id: started.scans[0]!.runId } })).toMatchObject({ status: "failed", result: { stopped: true } });
    const rows = await rowsOf("artifact.scan.stop");
    expect(rows.length).toBe(before + 2);
    expect(rows.at(-2)).toMatchObject({ result: "failure", actorName: guest.username });
    expect(rows.at(-1)).toMatchObject({ result: "success", actorName: maintainer.username, projectId: project.id, detail: { scanType: "vulnerability", queued: 1, running: 0 } });

    expect((await stop(basic(maintainer.username), "docker")).status).toBe(409);
    expect((await stop(basic(maintainer.username), "docker", { scan_type: "sbom" })).status).toBe(404);
    expect((await stop(basic(maintainer.username), "no-such-tag")).status).toBe(404);
    expect((await rowsOf("artifact.scan.stop")).length).toBe(before + 2);

    // The log: text/plain, for who may read the project's scans; another report id is a 404.
    const log = await call(logRoute.GET, apiRequest(`/projects/${project.name}/repositories/app/artifacts/docker/scan/${report.uuid}/log`, { auth: basic(guest.username) }), ({ ...params("docker"), report_id: report.uuid }));
    expect(log.status).toBe(200);
    expect(log.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await log.text()).toContain(`Stopped by ${maintainer.username}.`);
    const other = await call(logRoute.GET, apiRequest(`/projects/${project.name}/repositories/app/artifacts/docker/scan/${randomUUID()}/log`, { auth: basic(guest.username) }), ({ ...params("docker"), report_id: randomUUID() }));
    expect(other.status).toBe(404);
    const outsider = await createTestUser();
    expect((await call(logRoute.GET, apiRequest(`/projects/${project.name}/repositories/app/artifacts/docker/scan/${report.uuid}/log`, { auth: basic(outsider.username) }), ({ ...params("docker"), report_id: report.uuid }))).status).toBe(404);
  });

  it("marks a running scan stopped: its run sees the stop and ends (the service's answer counts it as running)", async () => {
    const started = await startArtifactScan({ actor: actorFor(maintainer), repository: `${project.name}/app`, reference: "docker" });
    const reportId = started.scans[0]!.reportId;
    await db.scanReport.update({ where: { id: reportId }, data: { status: "running" } });
    await db.jobRun.update({ where: { id: started.scans[0]!.runId }, data: { status: "running" } });
    await expect(stopArtifactScan({ actor: actorFor(admin), repository: `${project.name}/app`, reference: "docker" })).resolves.toMatchObject({ stopped: 0, running: 1 });
    expect(await db.scanReport.findUniqueOrThrow({ where: { id: reportId } })).toMatchObject({ status: "stopped" });
    await db.jobRun.update({ where: { id: started.scans[0]!.runId }, data: { status: "failed" } });
  });
});
