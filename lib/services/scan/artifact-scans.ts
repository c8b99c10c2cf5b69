import "server-only";
import { queueScanWebhook } from "@/lib/services/webhooks/scans";
import type { Actor } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import { ConflictError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { artifactScanJob } from "@/lib/jobs/definitions";
import { getServerEnv } from "@/lib/env";
import { AdapterError, pollAdapterReport, requestAdapterScan } from "@/lib/scan/adapter/client";
import { CYCLONEDX_JSON, SBOM_REPORT_MIME, VULN_REPORT_MIME, sameMime } from "@/lib/scan/adapter/mime";
import type { ScanRequest } from "@/lib/scan/adapter/spec-schemas";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import { getBoss } from "@/lib/jobs/boss";
import { settleParentOf } from "@/lib/services/jobs/job-runs";
import { bossExecutor, queueRun } from "@/lib/services/jobs/queue-run";
import { projectNameOf } from "@/lib/services/registry-auth/grant";
import { issueScannerPullToken, SCANNER_TOKEN_TTL_SECONDS } from "@/lib/services/registry-auth/scanner-grant";
import { storeReportFindings } from "@/lib/services/scan/report-findings";
import { scannerConnection } from "@/lib/services/scan/scanners";

/**
 * Wharf as a client of any scanner adapter (its built-in one included, over HTTP like any other):
 * a scan of one artifact by one scanner in one report MIME type is a scan_reports row, filled in
 * by a `scan.artifact` run. The run hands the adapter Wharf's registry URL and a `scanner` token
 * that pulls that one repository (scanner-grant.ts), polls the report honouring Refresh-After
 * until SCAN_TIMEOUT, and stores it with status, start and end, and a log. A timeout, an answer
 * that is not the API's, an adapter down: the report fails with a message saying which.
 */

export type ScanType = "vulnerability" | "sbom";

export const REPORT_MIME_OF: Record<ScanType, string> = { vulnerability: VULN_REPORT_MIME, sbom: SBOM_REPORT_MIME };

/** How long a scan may take in all (the scanner token lives as long). */
export const SCAN_TIMEOUT_SECONDS = SCANNER_TOKEN_TTL_SECONDS;

const LOG_MAX = 8_000;

/**
 * Queues a scan in the caller's transaction: the report row (reset if the artifact was scanned
 * before by this scanner in this type) and its run. The caller is the service that authorized the
 * scan (manual scan, scan on push, scan all) and writes its audit row in the same transaction.
 */
export async function queueArtifactScan(
  tx: DbTransaction,
  scan: { repository: string; digest: string; scannerId: number; scanType?: ScanType; tag?: string; artifactMimeType?: string; timeoutSeconds?: number },
  trigger: string,
  /** A scan all's scans are its run's fan-out children: their runs are its progress and metrics. */
  options: { parentRunId?: number } = {},
): Promise<{ reportId: number; runId: number }> {
  const mimeType = REPORT_MIME_OF[scan.scanType ?? "vulnerability"];
  const key = { artifactDigest: scan.digest, scannerId: scan.scannerId, mimeType };
  const existing = await tx.scanReport.findUnique({ where: { artifactDigest_scannerId_mimeType: key }, select: { id: true, status: true, runId: true } });
  if (existing && (existing.status === "queued" || existing.status === "running")) {
    // Still being scanned, unless its run ended without finishing it (a worker that died: the
    // lease sweeper failed the run, and the report would otherwise stay "running" for ever).
    const run = existing.runId ? await tx.jobRun.findUnique({ where: { id: existing.runId }, select: { status: true } }) : null;
    if (run && (run.status === "queued" || run.status === "running")) throw new ConflictError(`${scan.repository}@${scan.digest} is already being scanned.`);
  }
  const fresh = { repository: scan.repository, status: "queued", requestId: null, report: Prisma.DbNull, error: null, log: "", startedAt: null, endedAt: null, runId: null };
  const report = existing
    ? await tx.scanReport.update({ where: { id: existing.id }, data: fresh, select: { id: true } })
    : await tx.scanReport.create({ data: { ...key, repository: scan.repository }, select: { id: true } });
  const { runId } = await queueRun(
    tx,
    artifactScanJob,
    { reportId: report.id, ...(scan.tag ? { tag: scan.tag } : {}), ...(scan.artifactMimeType ? { artifactMimeType: scan.artifactMimeType } : {}), timeoutSeconds: scan.timeoutSeconds ?? SCAN_TIMEOUT_SECONDS },
    trigger,
    options,
  );
  await tx.scanReport.update({ where: { id: report.id }, data: { runId }, select: { id: true } });
  return { reportId: report.id, runId };
}

async function appendReportLog(reportId: number, line: string): Promise<void> {
  const stamped = `${new Date().toISOString()} ${line}\n`;
  await db.$executeRaw`UPDATE scan_reports SET log = right(log || ${stamped}, ${LOG_MAX}), updated_at = now() WHERE id = ${reportId}`;
}

export type ArtifactScanOutcome = { status: "succeeded"; vulnerabilities: number | null } | { status: "failed"; error: string } | { status: "stopped" };

/** How often a running scan looks for a stop of its report (the stop is written by whichever process answered it). */
const STOP_POLL_MS = 1000;

/** Aborts `controller` once the report was marked stopped (stopScanReports). Call the result to stop watching. */
function watchForStop(reportId: number, controller: AbortController): () => void {
  const timer = setInterval(() => {
    db.scanReport
      .findUnique({ where: { id: reportId }, select: { status: true } })
      .then((row) => {
        if (row?.status === "stopped") controller.abort(new Error("the scan was stopped"));
      })
      .catch(() => undefined);
  }, STOP_POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Stops scans (a stop by hand, or a scan all's stop), in the caller's transaction with its audit
 * row: a queued one ends at once (its run failed as stopped, its pg-boss job cancelled, its report
 * `stopped`); a running one gets its report marked `stopped`, which its run sees within a second:
 * it stops polling the adapter and ends (its result says stopped). The parents of runs ended here
 * (a scan all) are settled in the same transaction. Returns how many were queued and running.
 */
export async function stopScanReports(tx: DbTransaction, reportIds: number[], by: string): Promise<{ queued: number; running: number }> {
  if (reportIds.length === 0) return { queued: 0, running: 0 };
  const reports = await tx.$queryRaw<{ id: number; status: string; run_id: number | null }[]>`
    SELECT id, status, run_id FROM scan_reports WHERE id = ANY(${reportIds}::int[]) AND status IN ('queued', 'running') FOR UPDATE`;
  const now = new Date();
  const message = `Stopped by ${by}.`;
  const queuedRuns = reports.filter((r) => r.status === "queued" && r.run_id !== null).map((r) => r.run_id!);
  const runs = queuedRuns.length
    ? await tx.jobRun.findMany({ where: { id: { in: queuedRuns }, status: "queued" }, select: { id: true, bossJobId: true, parentRunId: true } })
    : [];
  if (runs.length) {
    const boss = await getBoss();
    const bossIds = runs.flatMap((r) => (r.bossJobId ? [r.bossJobId] : []));
    if (bossIds.length) await boss.cancel(artifactScanJob.id, bossIds, { db: bossExecutor(tx) });
    await tx.jobRun.updateMany({ where: { id: { in: runs.map((r) => r.id) }, status: "queued" }, data: { status: "failed", error: message, result: { stopped: true }, finishedAt: now } });
    // Each parent once: settling counts every child of it.
    const settled = new Set<number>();
    for (const run of runs) {
      if (run.parentRunId === null || settled.has(run.parentRunId)) continue;
      settled.add(run.parentRunId);
      await settleParentOf(tx, run.id);
    }
  }
  const line = `${now.toISOString()} ${message}\n`;
  await tx.$executeRaw`
    UPDATE scan_reports SET status = 'stopped', error = ${message}, ended_at = CASE WHEN status = 'queued' THEN ${now} ELSE ended_at END,
      log = right(log || ${line}, ${LOG_MAX}), updated_at = now()
    WHERE id = ANY(${reports.map((r) => r.id)}::int[])`;
  return { queued: reports.filter((r) => r.status === "queued").length, running: reports.filter((r) => r.status === "running").length };
}

/**
 * The scan.artifact run's work. Never throws for the adapter's failures: they end the report as
 * failed with their message (the run then fails with it too, so the job's log shows it).
 */
export async function runArtifactScan(
  job: { reportId: number; tag?: string; artifactMimeType?: string; timeoutSeconds: number },
  options: { log: (line: string) => void; signal?: AbortSignal },
): Promise<ArtifactScanOutcome> {
  const report = await db.scanReport.findUnique({ where: { id: job.reportId } });
  if (!report) return { status: "failed", error: `Scan report ${job.reportId} no longer exists (its scanner was deleted).` };
  // Stopped after a worker had already taken its job (the cancel came too late): nothing to do.
  if (report.status === "stopped") return { status: "stopped" };
  const log = async (line: string) => {
    options.log(line);
    await appendReportLog(report.id, line);
  };
  const startedAt = new Date();
  await db.scanReport.update({ where: { id: report.id }, data: { status: "running", startedAt, endedAt: null, error: null }, select: { id: true } });
  const stop = new AbortController();
  const unwatch = watchForStop(report.id, stop);
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  try {
    const scanner = await scannerConnection(report.scannerId);
    if (scanner.disabled) throw new AdapterError("refused", `Scanner ${scanner.name} is disabled.`);
    const registryUrl = getServerEnv().externalUrl;
    // Issued after the report is running: the token's subject is this scan while it lives.
    const { token } = await issueScannerPullToken(report.id, report.repository);
    const sbom = sameMime(report.mimeType, SBOM_REPORT_MIME);
    const request: ScanRequest = {
      registry: { url: registryUrl, authorization: `Bearer ${token}` },
      artifact: {
        repository: report.repository,
        digest: report.artifactDigest,
        ...(job.tag ? { tag: job.tag } : {}),
        ...(job.artifactMimeType ? { mime_type: job.artifactMimeType } : {}),
      },
      enabled_capabilities: [
        sbom
          ? { type: "sbom", produces_mime_types: [SBOM_REPORT_MIME], parameters: { sbom_media_types: [CYCLONEDX_JSON] } }
          : { type: "vulnerability", produces_mime_types: [report.mimeType] },
      ],
    };
    await log(`Asking scanner ${scanner.name} (${scanner.connection.url}) to scan ${report.repository}@${report.artifactDigest} for ${report.mimeType}; it pulls from ${registryUrl}.`);
    const requestId = await requestAdapterScan(scanner.connection, request);
    await db.scanReport.update({ where: { id: report.id }, data: { requestId: requestId.slice(0, 255) }, select: { id: true } });
    await log(`Scan request ${requestId} accepted.`);
    let waits = 0;
    const body = await pollAdapterReport(scanner.connection, requestId, report.mimeType, {
      timeoutMs: job.timeoutSeconds * 1000,
      sbomMediaType: sbom ? CYCLONEDX_JSON : undefined,
      signal,
      onPending: () => {
        waits += 1;
      },
    });
    const vulnerabilities = sbom ? null : (((body as { vulnerabilities?: unknown[] | null }).vulnerabilities ?? []).length);
    await log(`Report received after ${waits} wait${waits === 1 ? "" : "s"}${vulnerabilities === null ? "" : `: ${vulnerabilities} vulnerabilities`}.`);
    // The findings' rows (security summaries, CVE search) are written with the report they come from.
    const stored = await db.$transaction(async (tx) => {
      // Guarded on the status: a stop that came while the report was fetched keeps the report stopped.
      const { count } = await tx.scanReport.updateMany({
        where: { id: report.id, status: "running" },
        data: { status: "succeeded", report: body as Prisma.InputJsonValue, endedAt: new Date() },
      });
      if (count === 1) await storeReportFindings(tx, report.id, sbom ? null : body);
      if (count === 1 && !sbom) await queueScanWebhook(tx, { reportId: report.id, outcome: "completed", tag: job.tag });
      return count === 1;
    }, { timeout: 60_000 }); // a report may list many thousands of findings
    return stored ? { status: "succeeded", vulnerabilities } : { status: "stopped" };
  } catch (error) {
    if (stop.signal.aborted) {
      // Stopped by hand or with its scan all: not a failure; the stop wrote the report's status.
      await db.scanReport.updateMany({ where: { id: report.id, status: "stopped" }, data: { endedAt: new Date() } });
      return { status: "stopped" };
    }
    const message = error instanceof AdapterError ? error.message : `The scan failed: ${error instanceof Error ? error.message : String(error)}`;
    await log(message).catch(() => undefined);
    await db.$transaction(async (tx) => {
      const { count } = await tx.scanReport.updateMany({ where: { id: report.id, status: "running" }, data: { status: "failed", error: message.slice(0, 4000), endedAt: new Date() } });
      if (count === 1 && !sameMime(report.mimeType, SBOM_REPORT_MIME)) await queueScanWebhook(tx, { reportId: report.id, outcome: "failed", tag: job.tag });
    });
    return { status: "failed", error: message };
  } finally {
    unwatch();
  }
}

const REPORT_SELECT = {
  id: true,
  uuid: true,
  artifactDigest: true,
  repository: true,
  mimeType: true,
  status: true,
  error: true,
  log: true,
  startedAt: true,
  endedAt: true,
  report: true,
  scanner: { select: { id: true, uuid: true, name: true } },
} as const satisfies Prisma.ScanReportSelect;

export type ArtifactScanReport = Prisma.ScanReportGetPayload<{ select: typeof REPORT_SELECT }>;

/** The stored reports of an artifact (every scanner, every type), for those who may read its scans. */
export async function artifactScanReports({ actor, repository, digest }: { actor: Actor; repository: string; digest: string }): Promise<ArtifactScanReport[]> {
  const project = await findProjectRef(projectNameOf(repository), { byName: true });
  await assertProjectPermission(actor, project, "scan:read");
  return db.scanReport.findMany({ where: { artifactDigest: digest, repository: { startsWith: `${project.name}/` } }, select: REPORT_SELECT, orderBy: [{ scannerId: "asc" }, { mimeType: "asc" }] });
}
