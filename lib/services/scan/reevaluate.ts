import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import type { JobContext } from "@/lib/jobs/define-job";
import { vulnReevaluateJob, type VulnReevaluatePayload } from "@/lib/jobs/definitions";
import { harborVulnerabilityReport, type ReportArtifact, type ReportScanner } from "@/lib/scan/adapter/harbor-report";
import { VULNERABILITY_REPORT_MIMES } from "@/lib/scan/adapter/mime";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { listJobRuns, type JobRunView } from "@/lib/services/jobs/job-runs";
import { queueRun } from "@/lib/services/jobs/queue-run";
import { BUILTIN_SCANNER_INFO } from "@/lib/services/scan/adapter-requests";
import { findingsForArtifact, newFindingsMemo } from "@/lib/services/scan/findings";
import { storeReportFindings } from "@/lib/services/scan/report-findings";

/**
 * Re-evaluation after a vulnerability DB import (issue 9, item 3): the built-in scanner keeps every
 * image's package inventory in Postgres, so a new or changed advisory needs no layer pulled again.
 * The stored vulnerability reports of the built-in scanner for the given digests are computed
 * again from the stored inventory, with the same findings query and the same Harbor report builder
 * the adapter answers GET /scan/{id}/report with, and written back only where the findings changed
 * (an unchanged report keeps its row, so readers and the pull policy see exactly what moved).
 *
 * Only succeeded reports are rewritten: a queued or running scan reads the DB as it is when its
 * report is fetched, and a failed one has nothing to correct. A report is written with a guard on
 * its status, so a scan queued again meanwhile (which resets the row) is never overwritten.
 */

export type ReevaluationCounts = {
  /** Distinct digests asked for. */
  artifacts: number;
  /** Succeeded built-in vulnerability reports found for them. */
  reports: number;
  /** Reports whose findings changed, and were written. */
  changed: number;
  unchanged: number;
  /** Digests with a report but no stored inventory any more (nothing to evaluate; left as they are). */
  withoutInventory: number;
};

export const emptyReevaluationCounts = (): ReevaluationCounts => ({ artifacts: 0, reports: 0, changed: 0, unchanged: 0, withoutInventory: 0 });

export function addReevaluationCounts(a: ReevaluationCounts, b: ReevaluationCounts): ReevaluationCounts {
  return {
    artifacts: a.artifacts + b.artifacts,
    reports: a.reports + b.reports,
    changed: a.changed + b.changed,
    unchanged: a.unchanged + b.unchanged,
    withoutInventory: a.withoutInventory + b.withoutInventory,
  };
}

const LOG_MAX = 8_000;

function stringField(value: unknown, key: string): string | undefined {
  const v = value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  return typeof v === "string" ? v : undefined;
}

/** The artifact block the adapter wrote into the report (tag and MIME type of the request), kept as it was. */
function artifactOf(stored: unknown, fallback: { repository: string; digest: string }): ReportArtifact {
  const a = stored && typeof stored === "object" ? (stored as Record<string, unknown>).artifact : undefined;
  const tag = stringField(a, "tag");
  const mime = stringField(a, "mime_type");
  return { repository: stringField(a, "repository") ?? fallback.repository, digest: stringField(a, "digest") ?? fallback.digest, ...(tag ? { tag } : {}), ...(mime ? { mime_type: mime } : {}) };
}

function scannerOf(stored: unknown): ReportScanner {
  const s = stored && typeof stored === "object" ? (stored as Record<string, unknown>).scanner : undefined;
  return { name: stringField(s, "name") ?? BUILTIN_SCANNER_INFO.name, vendor: stringField(s, "vendor") ?? BUILTIN_SCANNER_INFO.vendor, version: stringField(s, "version") ?? BUILTIN_SCANNER_INFO.version };
}

/** JSON with object keys sorted: a stored report comes back from jsonb with its keys reordered. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** What decides whether a report changed: its findings, not when it was generated. */
function findingsKey(report: unknown): string {
  const vulnerabilities = report && typeof report === "object" ? (report as Record<string, unknown>).vulnerabilities : undefined;
  return canonical(vulnerabilities ?? []);
}

function vulnerabilityCount(report: unknown): number {
  const v = report && typeof report === "object" ? (report as Record<string, unknown>).vulnerabilities : undefined;
  return Array.isArray(v) ? v.length : 0;
}

/**
 * Re-evaluates the built-in scanner's stored vulnerability reports of `digests` from their stored
 * inventories (no registry request). Returns what it found and changed.
 */
export async function reevaluateArtifacts(digests: string[], options: { log?: (line: string) => void } = {}): Promise<ReevaluationCounts> {
  const unique = [...new Set(digests)];
  const counts = { ...emptyReevaluationCounts(), artifacts: unique.length };
  if (unique.length === 0) return counts;
  const builtin = await db.scanner.findMany({ where: { builtin: true }, select: { id: true } });
  if (builtin.length === 0) return counts;
  const reports = await db.scanReport.findMany({
    where: { artifactDigest: { in: unique }, scannerId: { in: builtin.map((s) => s.id) }, mimeType: { in: [...VULNERABILITY_REPORT_MIMES] }, status: "succeeded" },
    select: { id: true, artifactDigest: true, repository: true, report: true },
    orderBy: { id: "asc" },
  });
  counts.reports = reports.length;
  const byDigest = new Map<string, typeof reports>();
  for (const r of reports) byDigest.set(r.artifactDigest, [...(byDigest.get(r.artifactDigest) ?? []), r]);
  // Advisories and verdicts shared by the batch's artifacts (the DB is the import's, unchanging).
  const memo = newFindingsMemo();
  for (const [digest, rows] of byDigest) {
    const findings = await findingsForArtifact(digest, memo);
    if (!findings) {
      counts.withoutInventory += 1;
      options.log?.(`${digest}: no stored inventory; its ${rows.length} report(s) are left as they are (scan it again)`);
      continue;
    }
    const generatedAt = new Date();
    for (const row of rows) {
      const next = harborVulnerabilityReport({ findings, artifact: artifactOf(row.report, { repository: row.repository, digest }), scanner: scannerOf(row.report), generatedAt });
      if (findingsKey(next) === findingsKey(row.report)) {
        counts.unchanged += 1;
        continue;
      }
      const line = `${generatedAt.toISOString()} Re-evaluated against the vulnerability DB without pulling: ${vulnerabilityCount(row.report)} -> ${next.vulnerabilities.length} vulnerabilities.\n`;
      // Guarded on the status: a scan queued again meanwhile reset the row, and it is that scan's now.
      // The findings' rows (security summaries, CVE search) are replaced with the report.
      const written = await db.$transaction(
        async (tx) => {
          const n = await tx.$executeRaw`
            UPDATE scan_reports SET report = ${JSON.stringify(next)}::jsonb, log = right(log || ${line}, ${LOG_MAX}), updated_at = now()
            WHERE id = ${row.id} AND status = 'succeeded'`;
          if (n === 1) await storeReportFindings(tx, row.id, next);
          return n === 1;
        },
        { timeout: 60_000 },
      );
      if (written) counts.changed += 1;
      else counts.unchanged += 1;
    }
  }
  return counts;
}

/**
 * The digests a re-evaluation after import `importId` must look at: those whose stored packages an
 * advisory the import added or changed names (artifactsTouchedByImport), and those whose built-in
 * report lists such an advisory, which also covers a changed advisory that no longer names the
 * package it used to (its finding must go although the package is no longer a candidate).
 * A withdrawn advisory is a changed record: it is found here and its findings disappear.
 */
export async function digestsToReevaluate(importId: number): Promise<string[]> {
  const rows = await db.$queryRaw<{ artifact_digest: string }[]>(Prisma.sql`
    SELECT DISTINCT i.artifact_digest
    FROM vuln_advisories v
    JOIN vuln_affected_packages a ON a.advisory_id = v.id
    JOIN scan_inventory_packages p ON p.ecosystem = a.ecosystem AND p.advisory_name = a.name
    JOIN scan_inventories i ON i.id = p.inventory_id
    WHERE v.import_id = ${importId}
    UNION
    SELECT DISTINCT r.artifact_digest
    FROM scan_reports r
    JOIN scanners s ON s.id = r.scanner_id AND s.builtin
    CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.report -> 'vulnerabilities') = 'array' THEN r.report -> 'vulnerabilities' ELSE '[]'::jsonb END) AS f(vuln)
    JOIN vuln_advisories v ON v.id = f.vuln ->> 'id' AND v.import_id = ${importId}
    WHERE r.status = 'succeeded' AND r.mime_type IN (${Prisma.join([...VULNERABILITY_REPORT_MIMES])})
    ORDER BY 1`);
  return rows.map((r) => r.artifact_digest);
}

/** Digests re-evaluated per step: each step commits its progress and checkpoint with the run. */
export const REEVALUATE_BATCH = 100;

/**
 * The scan.reevaluate run's work: the digests the import touches (in a stable order), in batches;
 * after each the run records how many are done, the counts so far, and where a retried attempt
 * resumes (the checkpoint is the number done: the list is computed again in the same order).
 */
export async function runReevaluation(ctx: JobContext<VulnReevaluatePayload>): Promise<ReevaluationCounts & { importId: number }> {
  const { importId } = ctx.payload;
  const digests = await digestsToReevaluate(importId);
  const resumeAt = ctx.run.checkpoint && /^\d+$/.test(ctx.run.checkpoint) ? Math.min(Number(ctx.run.checkpoint), digests.length) : 0;
  let totals = resumeAt > 0 ? countsFrom(ctx.run.result) : emptyReevaluationCounts();
  ctx.log(`Import #${importId}: ${digests.length} artifact(s) hold packages its new or changed advisories name${resumeAt ? `; resuming after ${resumeAt}` : ""}.`);
  await ctx.report({ done: resumeAt, total: digests.length });
  for (let i = resumeAt; i < digests.length; i += REEVALUATE_BATCH) {
    const batch = digests.slice(i, i + REEVALUATE_BATCH);
    totals = addReevaluationCounts(totals, await reevaluateArtifacts(batch, { log: ctx.log }));
    const done = i + batch.length;
    await ctx.report({ done, total: digests.length, checkpoint: String(done), result: { importId, ...totals } });
  }
  ctx.log(`Done: ${totals.reports} built-in report(s) of ${totals.artifacts} artifact(s) evaluated again, ${totals.changed} changed, ${totals.unchanged} unchanged; no layer pulled.`);
  return { importId, ...totals };
}

function countsFrom(result: unknown): ReevaluationCounts {
  const counts = emptyReevaluationCounts();
  if (result && typeof result === "object") {
    for (const key of Object.keys(counts) as (keyof ReevaluationCounts)[]) {
      const value = (result as Record<string, unknown>)[key];
      if (typeof value === "number") counts[key] = value;
    }
  }
  return counts;
}

/**
 * Queues the re-evaluation after a succeeded import, in the transaction that records its end, so
 * an import is never recorded finished without its re-evaluation queued. Nothing to queue when the
 * import added and changed nothing.
 */
export async function queueReevaluation(tx: DbTransaction, importId: number, trigger: string): Promise<{ runId: number }> {
  return queueRun(tx, vulnReevaluateJob, { importId }, trigger);
}

/** The latest re-evaluation runs, newest first, for the Vulnerability database page (administrators, auditors). */
export async function listReevaluationRuns({ actor, take = 5 }: { actor: Actor; take?: number }): Promise<JobRunView[]> {
  await assertSystemPermission(actor, "vulnerability_db.read", { type: "vulnerability_db" });
  return listJobRuns({ actor, jobName: vulnReevaluateJob.id, take });
}
