import "server-only";
import { z } from "zod";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ConflictError, NotFoundError, ValidationError } from "@/lib/errors";
import { isDigest } from "@/lib/oci/digest";
import { isIndexMediaType } from "@/lib/oci/media-types";
import { isValidRepositoryName } from "@/lib/oci/reference";
import { SBOM_REPORT_MIME, VULNERABILITY_REPORT_MIMES, sameMime } from "@/lib/scan/adapter/mime";
import { SEVERITIES, ZHarborSbomReport, ZHarborVulnerabilityReport, type Severity } from "@/lib/scan/adapter/spec-schemas";
import { harborSeverity } from "@/lib/scan/adapter/harbor-report";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { artifactName } from "@/lib/services/repositories/record-registry-traffic";
import { resolveRepository } from "@/lib/services/repositories/repository-access";
import { artifactScanReports, queueArtifactScan, type ArtifactScanReport, type ScanType } from "@/lib/services/scan/artifact-scans";
import { scannerIdForProject } from "@/lib/services/scan/scanners";
import { ZConsolePaging } from "@/lib/validation/pagination";

/**
 * Harbor's manual scan (POST …/artifacts/{reference}/scan, the artifact page's Scan button):
 * `scan:create` (Project Admins and Maintainers, and administrators; guests, developers and
 * auditors are refused with one failure row). The artifact is resolved from the index; the scan
 * goes to the project's scanner (its own choice if enabled, else the default), queued by
 * queueArtifactScan in the same transaction as the one `artifact.scan` audit row. A scan of the
 * digest by that scanner still queued or running is a 409 (nothing written).
 *
 * An image index is scanned child by child (the adapters read images, not indexes): each indexed
 * child image gets its scan, one audit row names them all; children still being scanned are left
 * to their scan, and only if every child is does the call answer 409.
 */
export const ZStartArtifactScan = z.object({ scanType: z.enum(["vulnerability", "sbom"]).default("vulnerability") });

export type StartedArtifactScan = {
  digest: string;
  scannerId: number;
  scanType: ScanType;
  /** One per scanned manifest: the artifact's own, or an index's children. */
  scans: { digest: string; reportId: number; runId: number }[];
};

const MAX_INDEX_CHILDREN = 256;

async function resolveArtifact(repoId: number, reference: string) {
  return isDigest(reference)
    ? db.artifact.findUnique({ where: { repositoryId_digest: { repositoryId: repoId, digest: reference } }, select: { id: true, digest: true, mediaType: true } })
    : (await db.tag.findUnique({ where: { repositoryId_name: { repositoryId: repoId, name: reference } }, select: { artifact: { select: { id: true, digest: true, mediaType: true } } } }))?.artifact;
}

export async function startArtifactScan({
  actor,
  projectId,
  repository,
  reference,
  input,
}: {
  actor: Actor;
  projectId?: number;
  repository: string;
  reference: string;
  input?: unknown;
}): Promise<StartedArtifactScan> {
  const parsed = ZStartArtifactScan.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError("scanType: must be vulnerability or sbom", { scanType: ["Must be vulnerability or sbom."] });
  const { scanType } = parsed.data;
  const name = artifactName(repository, reference);
  const { project, repo } = await resolveRepository(actor, repository, "scan:create", { projectId, resource: { type: "artifact", name }, operation: "artifact.scan" });
  const artifact = await resolveArtifact(repo.id, reference);
  if (!artifact) throw new NotFoundError(`Artifact ${name} not found.`);
  const scannerId = await scannerIdForProject(project.id);
  if (scannerId === null) throw new ConflictError(`No enabled scanner for project ${project.name}: an administrator registers one (or enables the default) under Administration → Interrogation services.`);
  const tag = isDigest(reference) ? undefined : reference;
  const targets = isIndexMediaType(artifact.mediaType)
    ? (
        await db.artifactReference.findMany({
          where: { parentId: artifact.id, child: { isNot: null } },
          select: { child: { select: { digest: true, mediaType: true } } },
          orderBy: { position: "asc" },
          take: MAX_INDEX_CHILDREN,
        })
      ).flatMap(({ child }) => (child && !isIndexMediaType(child.mediaType) ? [{ digest: child.digest, mediaType: child.mediaType, tag: undefined }] : []))
    : [{ digest: artifact.digest, mediaType: artifact.mediaType, tag }];
  if (targets.length === 0) throw new ValidationError(`${name} is an image index with no child image in Wharf's index to scan.`);
  return db.$transaction(async (tx) => {
    const scanner = await tx.scanner.findUniqueOrThrow({ where: { id: scannerId }, select: { name: true } });
    const scans: StartedArtifactScan["scans"] = [];
    let busy: ConflictError | null = null;
    for (const target of targets) {
      try {
        const queued = await queueArtifactScan(tx, { repository, digest: target.digest, scannerId, scanType, tag: target.tag, artifactMimeType: target.mediaType }, "manual");
        scans.push({ digest: target.digest, ...queued });
      } catch (error) {
        // Only an index's children may be skipped (each still being scanned); one image is a 409.
        if (!(error instanceof ConflictError) || targets.length === 1) throw error;
        busy = error;
      }
    }
    if (scans.length === 0) throw busy ?? new ConflictError(`${name} is already being scanned.`);
    await recordAuditEvent(tx, {
      actor,
      action: "artifact.scan",
      resource: { type: "artifact", name },
      projectId: project.id,
      detail: { digest: artifact.digest, scanner: scanner.name, scanType, scans },
    });
    return { digest: artifact.digest, scannerId, scanType, scans };
  });
}

// ---- reading an artifact's scan for the console ------------------------------------------------

export const SUMMARY_SEVERITIES = ["Critical", "High", "Medium", "Low", "Unknown"] as const;
export type SummarySeverity = (typeof SUMMARY_SEVERITIES)[number];

const RANK: Record<Severity, number> = { Unknown: 0, Negligible: 1, Low: 2, Medium: 3, High: 4, Critical: 5 };

export type VulnerabilityRow = {
  id: string;
  link: string | null;
  package: string;
  version: string;
  fixVersion: string | null;
  severity: Severity;
  cvssScore: number | null;
  cvssVector: string | null;
};

export type ReportStatus = { id: number; status: string; error: string | null; log: string; startedAt: Date | null; endedAt: Date | null; scanner: string };

export type ArtifactVulnerabilities = {
  /** The vulnerability report shown (the project scanner's, else the latest), null: never scanned. */
  report: ReportStatus | null;
  /** Counts by severity (Negligible counted as Low); null unless the report succeeded. */
  summary: Record<SummarySeverity, number> | null;
  rows: VulnerabilityRow[];
  /** Rows matching the filter (the summary counts them all). */
  total: number;
  page: number;
  pageSize: number;
  sort: VulnerabilitySort;
  filter: VulnerabilityFilter;
  /** A succeeded SBOM report exists (download offered). */
  sbom: { reportId: number; status: string } | null;
  /** For an image index: each child image's report (an index is scanned child by child); else null. */
  children: IndexChildScan[] | null;
};

export type IndexChildScan = {
  digest: string;
  platform: string;
  status: string | null;
  error: string | null;
  summary: Record<SummarySeverity, number> | null;
};

export const VULNERABILITY_SORTS = ["severity", "-severity", "cvss", "-cvss", "package", "id"] as const;
export type VulnerabilitySort = (typeof VULNERABILITY_SORTS)[number];

export const ZVulnerabilityQuery = z.object({
  vulnSort: z.enum(VULNERABILITY_SORTS).catch("-severity").default("-severity"),
  /** The console's page number (the shared schema's; a bad value is page 1), past the last page: the last. */
  vulnPage: ZConsolePaging.shape.page,
  /** Only this severity (Negligible shows with Low, as in the summary); anything else: every severity. */
  vulnSeverity: z.enum(SUMMARY_SEVERITIES).optional().catch(undefined),
  /** Text in the package name or the vulnerability id (case-insensitive). */
  vulnQ: z.string().trim().max(200).optional().catch(undefined).transform((v) => v || undefined),
  /** Only findings with a fixed version. */
  vulnFixable: z.enum(["1", "true"]).optional().catch(undefined).transform((v) => v !== undefined),
});
export type VulnerabilityFilter = { severity?: SummarySeverity | undefined; q?: string | undefined; fixable?: boolean };

/** The table's filters, applied before sorting and paging (and to the CSV export). */
export function filterRows(rows: VulnerabilityRow[], { severity, q, fixable }: VulnerabilityFilter): VulnerabilityRow[] {
  const needle = q?.toLowerCase();
  return rows.filter(
    (r) =>
      (!severity || (r.severity === "Negligible" ? "Low" : r.severity) === severity) &&
      (!needle || r.package.toLowerCase().includes(needle) || r.id.toLowerCase().includes(needle)) &&
      (!fixable || (r.fixVersion ?? "") !== ""),
  );
}

export const VULNERABILITY_PAGE_SIZE = 50;

function firstLink(links: string[] | undefined): string | null {
  return links?.find((l) => /^https?:\/\//i.test(l)) ?? null;
}

/** Harbor report vulnerabilities as table rows; a report that is not the spec's shape gives none. */
export function vulnerabilityRows(report: unknown): VulnerabilityRow[] {
  const parsed = ZHarborVulnerabilityReport.safeParse(report);
  if (!parsed.success) return [];
  return (parsed.data.vulnerabilities ?? []).map((v) => {
    const severity = (SEVERITIES as readonly string[]).includes(v.severity ?? "") ? (v.severity as Severity) : harborSeverity(v.severity ?? "");
    const cvss = v.preferred_cvss ?? null;
    const v4 = (v.vendor_attributes?.cvss_v4 ?? null) as { vector?: unknown; score?: unknown } | null;
    const score = cvss?.score_v3 ?? cvss?.score_v2 ?? (typeof v4?.score === "number" ? v4.score : null);
    const vector = cvss?.vector_v3 ?? cvss?.vector_v2 ?? (typeof v4?.vector === "string" ? v4.vector : null);
    return { id: v.id, link: firstLink(v.links), package: v.package ?? "", version: v.version ?? "", fixVersion: v.fix_version ?? null, severity, cvssScore: score ?? null, cvssVector: vector ?? null };
  });
}

export function summarize(rows: VulnerabilityRow[]): Record<SummarySeverity, number> {
  const counts: Record<SummarySeverity, number> = { Critical: 0, High: 0, Medium: 0, Low: 0, Unknown: 0 };
  for (const r of rows) counts[r.severity === "Negligible" ? "Low" : r.severity] += 1;
  return counts;
}

/** Sorted by the key, ties by severity (highest first), then id: the same order on every page. */
export function sortRows(rows: VulnerabilityRow[], sort: VulnerabilitySort): VulnerabilityRow[] {
  const desc = sort.startsWith("-");
  const key = desc ? sort.slice(1) : sort;
  const tie = (a: VulnerabilityRow, b: VulnerabilityRow) => RANK[b.severity] - RANK[a.severity] || a.id.localeCompare(b.id) || a.package.localeCompare(b.package);
  const cmp = (a: VulnerabilityRow, b: VulnerabilityRow): number => {
    switch (key) {
      case "severity":
        return RANK[a.severity] - RANK[b.severity];
      case "cvss":
        return (a.cvssScore ?? -1) - (b.cvssScore ?? -1);
      case "package":
        return a.package.localeCompare(b.package);
      default:
        return a.id.localeCompare(b.id);
    }
  };
  return [...rows].sort((a, b) => (desc ? -cmp(a, b) : cmp(a, b)) || tie(a, b));
}

function statusOf(r: ArtifactScanReport): ReportStatus {
  return { id: r.id, status: r.status, error: r.error, log: r.log, startedAt: r.startedAt, endedAt: r.endedAt, scanner: r.scanner.name };
}

/** Prefer the project scanner's report, else the most recent one. */
function pick(reports: ArtifactScanReport[], scannerId: number | null): ArtifactScanReport | null {
  const own = reports.find((r) => r.scanner.id === scannerId);
  if (own) return own;
  return [...reports].sort((a, b) => (b.startedAt?.getTime() ?? 0) - (a.startedAt?.getTime() ?? 0) || b.id - a.id)[0] ?? null;
}

/** An artifact's vulnerability report for the console (scan:read), sorted and paged here. */
export async function artifactVulnerabilities({
  actor,
  repository,
  digest,
  query,
  unpaged = false,
}: {
  actor: Actor;
  repository: string;
  digest: string;
  query?: unknown;
  /** Every matching row on one page (the CSV export); the page size is then the row count. */
  unpaged?: boolean;
}): Promise<ArtifactVulnerabilities> {
  const { vulnSort: sort, vulnPage, vulnSeverity, vulnQ, vulnFixable } = ZVulnerabilityQuery.parse(query ?? {});
  const filter: VulnerabilityFilter = { severity: vulnSeverity, q: vulnQ, fixable: vulnFixable };
  const reports = await artifactScanReports({ actor, repository, digest });
  const project = await db.repository.findUnique({ where: { name: repository }, select: { projectId: true } });
  const scannerId = project ? await scannerIdForProject(project.projectId) : null;
  const vuln = pick(
    reports.filter((r) => VULNERABILITY_REPORT_MIMES.some((m) => sameMime(m, r.mimeType))),
    scannerId,
  );
  const sbomReport = pick(
    reports.filter((r) => sameMime(r.mimeType, SBOM_REPORT_MIME)),
    scannerId,
  );
  const sbom = sbomReport ? { reportId: sbomReport.id, status: sbomReport.status } : null;
  const children = await indexChildScans(repository, digest, scannerId);
  if (!vuln || vuln.status !== "succeeded") {
    return { report: vuln ? statusOf(vuln) : null, summary: null, rows: [], total: 0, page: 1, pageSize: VULNERABILITY_PAGE_SIZE, sort, filter, sbom, children };
  }
  const all = vulnerabilityRows(vuln.report);
  const matching = filterRows(all, filter);
  const pages = Math.max(1, Math.ceil(matching.length / VULNERABILITY_PAGE_SIZE));
  const page = Math.min(vulnPage, pages);
  const sorted = sortRows(matching, sort);
  if (unpaged) return { report: statusOf(vuln), summary: summarize(all), rows: sorted, total: matching.length, page: 1, pageSize: Math.max(1, matching.length), sort, filter, sbom, children };
  const rows = sorted.slice((page - 1) * VULNERABILITY_PAGE_SIZE, page * VULNERABILITY_PAGE_SIZE);
  return { report: statusOf(vuln), summary: summarize(all), rows, total: matching.length, page, pageSize: VULNERABILITY_PAGE_SIZE, sort, filter, sbom, children };
}

/** An index's children and their vulnerability reports (the caller has checked scan:read in the project). */
async function indexChildScans(repository: string, digest: string, scannerId: number | null): Promise<IndexChildScan[] | null> {
  const artifact = await db.artifact.findFirst({ where: { digest, repository: { name: repository } }, select: { id: true, mediaType: true } });
  if (!artifact || !isIndexMediaType(artifact.mediaType)) return null;
  const refs = await db.artifactReference.findMany({
    where: { parentId: artifact.id },
    select: { childDigest: true, os: true, architecture: true, variant: true },
    orderBy: { position: "asc" },
    take: MAX_INDEX_CHILDREN,
  });
  const reports = await db.scanReport.findMany({
    where: { artifactDigest: { in: refs.map((r) => r.childDigest) }, repository },
    select: { id: true, artifactDigest: true, mimeType: true, status: true, error: true, startedAt: true, report: true, scanner: { select: { id: true } } },
  });
  return refs.map((ref) => {
    const mine = reports.filter((r) => r.artifactDigest === ref.childDigest && VULNERABILITY_REPORT_MIMES.some((m) => sameMime(m, r.mimeType)));
    const chosen = mine.find((r) => r.scanner.id === scannerId) ?? [...mine].sort((a, b) => (b.startedAt?.getTime() ?? 0) - (a.startedAt?.getTime() ?? 0) || b.id - a.id)[0];
    const platform = [ref.os, ref.architecture, ref.variant].filter(Boolean).join("/") || "—";
    return {
      digest: ref.childDigest,
      platform,
      status: chosen?.status ?? null,
      error: chosen?.error ?? null,
      summary: chosen?.status === "succeeded" ? summarize(vulnerabilityRows(chosen.report)) : null,
    };
  });
}

/**
 * The CycloneDX document of an artifact's succeeded SBOM report (scan:read), for download. A 404
 * when there is none (never produced, still running, failed).
 */
export async function artifactSbom({
  actor,
  repository,
  digest,
  projectId,
}: {
  actor: Actor;
  repository: string;
  digest: string;
  /** A console URL's project: it must be the repository's (another project's is a 404). */
  projectId?: number;
}): Promise<{ fileName: string; body: string; mediaType: string }> {
  if (!isValidRepositoryName(repository) || !repository.includes("/")) throw new ValidationError(`${JSON.stringify(repository)} is not a repository name.`, { repository: ["Not a repository name."] });
  if (!isDigest(digest)) throw new ValidationError(`${JSON.stringify(digest)} is not a digest.`, { digest: ["Not a digest."] });
  const reports = await artifactScanReports({ actor, repository, digest });
  const project = await db.repository.findUnique({ where: { name: repository }, select: { projectId: true } });
  if (!project || (projectId !== undefined && projectId !== project.projectId)) throw new NotFoundError(`Repository ${repository} not found.`);
  const scannerId = await scannerIdForProject(project.projectId);
  const report = pick(
    reports.filter((r) => sameMime(r.mimeType, SBOM_REPORT_MIME) && r.status === "succeeded"),
    scannerId,
  );
  const parsed = report ? ZHarborSbomReport.safeParse(report.report) : null;
  if (!report || !parsed?.success) throw new NotFoundError(`No SBOM of ${repository}@${digest}: scan it for an SBOM first.`);
  const base = `${repository.replaceAll("/", "_")}_${digest.replace(":", "-").slice(0, 19)}`;
  return { fileName: `${base}.cdx.json`, body: JSON.stringify(parsed.data.sbom, null, 2), mediaType: parsed.data.media_type ?? "application/vnd.cyclonedx+json" };
}
