import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "@/lib/auth/actor";
import { stopSharedBoss } from "@/lib/jobs/boss";
import { artifactScanJob, drainArtifactEventsJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { OCI_IMAGE_CONFIG, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { VULN_REPORT_MIME } from "@/lib/scan/adapter/mime";
import { queueRun } from "@/lib/services/jobs/queue-run";
import { createProject } from "@/lib/services/registry-auth/test-fixtures";
import { type PreparedManifest, writeArtifact } from "@/lib/services/repositories/index-manifest";
import { SCAN_ON_PUSH_CONSUMER } from "@/lib/services/scan/scan-on-push";
import { db, uniqueName } from "@/lib/testing/factories";

/*
 * Real Postgres and the real drain job: artifacts are written into the index as a push writes them
 * (writeArtifact, with its artifact_pushed event), then `artifact-events.drain` runs through the job
 * framework with its registered consumers, scan on push among them. The queued scan.artifact runs
 * are not carried out (scanners.test.ts scans over HTTP); what is checked is what scan on push queues.
 */

let scannerId: number;
const PUSHER = systemActor("scan-on-push-test");

beforeAll(async () => {
  scannerId = (await db.scanner.create({ data: { name: uniqueName("scan-on-push"), url: "http://127.0.0.1:9/scanner" } })).id;
});

afterAll(async () => {
  await db.scanner.deleteMany({ where: { id: scannerId } });
  await stopSharedBoss();
});

const newDigest = () => `sha256:${createHash("sha256").update(randomBytes(16)).digest("hex")}`;

function image(digest = newDigest(), artifactType: string | null = OCI_IMAGE_CONFIG): PreparedManifest {
  return { digest, mediaType: OCI_IMAGE_MANIFEST, manifestSize: 10, artifactType, totalSize: 10n, os: "linux", architecture: "amd64", variant: null, created: null, author: null, annotations: {}, subjectDigest: null, accessoryType: null, children: [] };
}

function index(children: PreparedManifest[]): PreparedManifest {
  return {
    ...image(newDigest(), null),
    mediaType: OCI_IMAGE_INDEX,
    children: children.map((c, position) => ({ digest: c.digest, position, platform: { os: "linux", architecture: `arch${position}`, variant: null, osVersion: null }, prepared: c, totalSize: 10n })),
  };
}

async function projectWithScanner(autoScan: boolean) {
  const project = await createProject();
  await db.project.update({ where: { id: project.id }, data: { autoScan } });
  await db.projectScanner.create({ data: { projectId: project.id, scannerId } });
  return project;
}

/** Drain runs (bounded) until scan on push's cursor has passed every event of `repositories`. */
async function drainUntilRead(repositories: string[]): Promise<void> {
  for (let round = 0; ; round++) {
    const { runId } = await db.$transaction((tx) => queueRun(tx, drainArtifactEventsJob, {}, "test"));
    await runQueuedRun(drainArtifactEventsJob, runId);
    const [left] = await db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM artifact_events e
      WHERE e.repository = ANY(${repositories}::text[])
        AND NOT EXISTS (SELECT 1 FROM artifact_event_consumers c WHERE c.name = ${SCAN_ON_PUSH_CONSUMER.name} AND (c.last_txid, c.last_id) >= (e.txid, e.id))`;
    if (left?.n === 0) return;
    // An event is readable once no older transaction in the cluster is still open.
    if (round > 200) throw new Error("the events never reached scan on push");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const reportsOf = (repository: string) => db.scanReport.findMany({ where: { repository }, orderBy: { id: "asc" } });
const scanRows = (projectId: number) => db.auditEvent.findMany({ where: { action: "artifact.scan", projectId }, orderBy: { id: "asc" } });

describe("scan on push (project auto_scan)", () => {
  it("queues one vulnerability scan by the project's scanner for an image pushed with auto scan on, none with it off", async () => {
    const on = await projectWithScanner(true);
    const off = await projectWithScanner(false);
    const pushed = image();
    const onRepo = `${on.name}/app`;
    const offRepo = `${off.name}/app`;
    await writeArtifact({ actor: PUSHER, projectId: on.id, repository: onRepo, tag: "1.0", prepared: pushed });
    await writeArtifact({ actor: PUSHER, projectId: off.id, repository: offRepo, tag: "1.0", prepared: image() });
    // Not an image (a Helm chart): never scanned.
    await writeArtifact({ actor: PUSHER, projectId: on.id, repository: `${on.name}/chart`, tag: "0.1.0", prepared: image(newDigest(), "application/vnd.cncf.helm.config.v1+json") });
    await drainUntilRead([onRepo, offRepo, `${on.name}/chart`]);

    const reports = await reportsOf(onRepo);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ artifactDigest: pushed.digest, scannerId, mimeType: VULN_REPORT_MIME, status: "queued" });
    const run = await db.jobRun.findUniqueOrThrow({ where: { id: reports[0]!.runId! } });
    expect(run).toMatchObject({ jobName: artifactScanJob.id, status: "queued", trigger: "push" });
    expect(run.payload).toMatchObject({ reportId: reports[0]!.id, tag: "1.0", artifactMimeType: OCI_IMAGE_MANIFEST });
    const rows = await scanRows(on.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      result: "success",
      actorName: "system:scan-on-push",
      resourceName: `${onRepo}:1.0`,
      detail: { digest: pushed.digest, trigger: "push", scans: [{ digest: pushed.digest, reportId: reports[0]!.id, runId: run.id }] },
    });

    expect(await reportsOf(offRepo)).toHaveLength(0);
    expect(await reportsOf(`${on.name}/chart`)).toHaveLength(0);
    expect(await scanRows(off.id)).toHaveLength(0);

    // The same manifest pushed again under another tag while its scan is queued: not queued twice.
    await writeArtifact({ actor: PUSHER, projectId: on.id, repository: onRepo, tag: "latest", prepared: { ...pushed } });
    await drainUntilRead([onRepo]);
    expect((await reportsOf(onRepo)).map((r) => [r.id, r.runId])).toEqual([[reports[0]!.id, run.id]]);
    expect(await db.jobRun.count({ where: { jobName: artifactScanJob.id, payload: { path: ["reportId"], equals: reports[0]!.id } } })).toBe(1);
    expect(await scanRows(on.id)).toHaveLength(1);
  });

  it("scans an image index child by child, with one audit row naming them", async () => {
    const on = await projectWithScanner(true);
    const repository = `${on.name}/multi`;
    const [amd, arm] = [image(), image()];
    const pushed = index([amd, arm]);
    await writeArtifact({ actor: PUSHER, projectId: on.id, repository, tag: "2.0", prepared: pushed });
    await drainUntilRead([repository]);

    const reports = await reportsOf(repository);
    expect(reports.map((r) => r.artifactDigest).sort()).toEqual([amd.digest, arm.digest].sort());
    expect(reports.every((r) => r.status === "queued" && r.scannerId === scannerId)).toBe(true);
    expect(reports.some((r) => r.artifactDigest === pushed.digest)).toBe(false);
    const rows = await scanRows(on.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actorName: "system:scan-on-push", resourceName: `${repository}:2.0`, detail: { digest: pushed.digest } });
    expect((rows[0]!.detail as { scans: unknown[] }).scans).toHaveLength(2);
  });

  it("queues nothing when the project has no enabled scanner", async () => {
    const on = await projectWithScanner(true);
    await db.projectScanner.deleteMany({ where: { projectId: on.id } });
    const defaults = await db.scanner.findMany({ where: { isDefault: true, disabled: false }, select: { id: true } });
    // This database's default registration (if any) would otherwise take over.
    await db.scanner.updateMany({ where: { id: { in: defaults.map((d) => d.id) } }, data: { disabled: true } });
    try {
      const repository = `${on.name}/app`;
      await writeArtifact({ actor: PUSHER, projectId: on.id, repository, tag: "1.0", prepared: image() });
      await drainUntilRead([repository]);
      expect(await reportsOf(repository)).toHaveLength(0);
      expect(await scanRows(on.id)).toHaveLength(0);
    } finally {
      await db.scanner.updateMany({ where: { id: { in: defaults.map((d) => d.id) } }, data: { disabled: false } });
    }
  });
});
