import "server-only";
import type { DbTransaction } from "@/lib/db/client";
import { harborSeverity } from "@/lib/scan/adapter/harbor-report";
import { SEVERITIES, ZHarborVulnerabilityReport, type Severity } from "@/lib/scan/adapter/spec-schemas";

/**
 * A stored vulnerability report's findings as rows of scan_report_vulnerabilities. Summaries over
 * a project or the whole system (and the search of one CVE across every artifact) aggregate these
 * in SQL: parsing every report's JSON per request does not scale to 10,000 artifacts.
 *
 * Whoever writes a report's JSON calls storeReportFindings in the same transaction (a scan's run
 * in artifact-scans.ts, a re-evaluation that rewrites a report), so the rows are always the
 * report's. Readers still only count rows of reports whose status is `succeeded`, so a report
 * queued again (whose JSON is reset) never counts with its old rows.
 *
 * The migration 20261205180000_scan_report_vulnerabilities backfills with the same rules in SQL.
 */

/** Harbor's order (src/pkg/scan/vuln/severity.go). */
export const SEVERITY_RANK: Record<Severity, number> = { Unknown: 0, Negligible: 1, Low: 2, Medium: 3, High: 4, Critical: 5 };

/** Descriptions are kept bounded here: the full text stays in the report (its artifact page). */
export const DESCRIPTION_MAX = 2000;
const LINKS_MAX = 20;
const CHUNK = 5000;

export type ReportFindingRow = {
  vulnId: string;
  package: string;
  version: string;
  fixVersion: string | null;
  severity: Severity;
  severityRank: number;
  cvssScore: number | null;
  cvssScoreV3: number | null;
  cvssVector: string | null;
  description: string | null;
  links: string[];
};

export function normalizedSeverity(value: string | undefined): Severity {
  return (SEVERITIES as readonly string[]).includes(value ?? "") ? (value as Severity) : harborSeverity(value ?? "");
}

/** The rows of a Harbor vulnerability report; anything not the spec's shape (an SBOM, null) gives none. */
export function reportFindingRows(report: unknown): ReportFindingRow[] {
  const parsed = ZHarborVulnerabilityReport.safeParse(report);
  if (!parsed.success) return [];
  return (parsed.data.vulnerabilities ?? []).map((v) => {
    const severity = normalizedSeverity(v.severity);
    const cvss = v.preferred_cvss ?? null;
    const v4 = (v.vendor_attributes?.cvss_v4 ?? null) as { vector?: unknown; score?: unknown } | null;
    const v4Score = typeof v4?.score === "number" ? v4.score : null;
    const v4Vector = typeof v4?.vector === "string" ? v4.vector : null;
    return {
      vulnId: v.id.slice(0, 255),
      package: (v.package ?? "").slice(0, 1024),
      version: (v.version ?? "").slice(0, 1024),
      fixVersion: v.fix_version ? v.fix_version.slice(0, 1024) : null,
      severity,
      severityRank: SEVERITY_RANK[severity],
      cvssScore: cvss?.score_v3 ?? cvss?.score_v2 ?? v4Score,
      cvssScoreV3: cvss?.score_v3 ?? null,
      cvssVector: (cvss?.vector_v3 ?? cvss?.vector_v2 ?? v4Vector)?.slice(0, 255) ?? null,
      description: v.description ? v.description.slice(0, DESCRIPTION_MAX) : null,
      links: (v.links ?? []).slice(0, LINKS_MAX),
    };
  });
}

/**
 * Replaces report `reportId`'s finding rows with those of `report` (the JSON being stored with
 * it). Call it in the transaction that writes the report. Returns how many rows it wrote.
 */
export async function storeReportFindings(tx: DbTransaction, reportId: number, report: unknown): Promise<number> {
  await tx.scanReportVulnerability.deleteMany({ where: { reportId } });
  const rows = reportFindingRows(report);
  for (let i = 0; i < rows.length; i += CHUNK) {
    await tx.scanReportVulnerability.createMany({ data: rows.slice(i, i + CHUNK).map((r) => ({ ...r, reportId })) });
  }
  return rows.length;
}
