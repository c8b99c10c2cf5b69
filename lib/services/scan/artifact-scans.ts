import "server-only";
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
import { queueRun } from "@/lib/services/jobs/queue-run";
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
  );
  await tx.scanReport.update({ where: { id: report.id }, data: { runId }, select: { id: true } });
  return { reportId: report.id, runId };
}

async function appendReportLog(reportId: number, line: string): Promise<void> {
  const stamped = `${new Date().toISOString()} ${line}\n`;
  await db.$executeRaw`UPDATE scan_reports SET log = right(log || ${stamped}, ${LOG_MAX}), updated_at = now() WHERE id = ${reportId}`;
}

export type ArtifactScanOutcome = { status: "succeeded"; vulnerabilities: number | null } | { status: "failed"; error: string };

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
  const log = async (line: string) => {
    options.log(line);
    await appendReportLog(report.id, line);
  };
  const startedAt = new Date();
  await db.scanReport.update({ where: { id: report.id }, data: { status: "running", startedAt, endedAt: null, error: null }, select: { id: true } });
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
      signal: options.signal,
      onPending: () => {
        waits += 1;
      },
    });
    const vulnerabilities = sbom ? null : (((body as { vulnerabilities?: unknown[] | null }).vulnerabilities ?? []).length);
    await log(`Report received after ${waits} wait${waits === 1 ? "" : "s"}${vulnerabilities === null ? "" : `: ${vulnerabilities} vulnerabilities`}.`);
    // The findings' rows (security summaries, CVE search) are written with the report they come from.
    await db.$transaction(async (tx) => {
      await tx.scanReport.update({
        where: { id: report.id },
        data: { status: "succeeded", report: body as Prisma.InputJsonValue, endedAt: new Date() },
        select: { id: true },
      });
      await storeReportFindings(tx, report.id, sbom ? null : body);
    }, { timeout: 60_000 }); // a report may list many thousands of findings
    return { status: "succeeded", vulnerabilities };
  } catch (error) {
    const message = error instanceof AdapterError ? error.message : `The scan failed: ${error instanceof Error ? error.message : String(error)}`;
    await log(message).catch(() => undefined);
    await db.scanReport.update({ where: { id: report.id }, data: { status: "failed", error: message.slice(0, 4000), endedAt: new Date() }, select: { id: true } });
    return { status: "failed", error: message };
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
