import "server-only";
import { z } from "zod";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ValidationError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { DOCKER_CONTAINER_CONFIG, DOCKER_MANIFEST_LIST, OCI_IMAGE_CONFIG, OCI_IMAGE_INDEX, isIndexMediaType } from "@/lib/oci/media-types";
import { VULN_REPORT_MIME, VULNERABILITY_REPORT_MIMES } from "@/lib/scan/adapter/mime";
import { SEVERITIES, type Severity } from "@/lib/scan/adapter/spec-schemas";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { assertProjectPermission, type ProjectRef } from "@/lib/services/authz/project-access";
import type { Page } from "@/lib/services/pagination";
import { normalizedSeverity } from "@/lib/services/scan/report-findings";
import { emptyCounts, HARBOR_SCAN_STATUS, type ScanOverview, type ScanState, type SeverityCounts } from "@/lib/scan/security-summary";

export type { ScanOverview, ScanState, SeverityCounts };
import { scannerIdForProject } from "@/lib/services/scan/scanners";
import { pageField, pageSizeField } from "@/lib/validation/pagination";

/**
 * The security views over stored vulnerability reports (issue 9, items 5 and 7): the scan
 * overview of each artifact in a list, a project's security summary, the system's (Harbor's
 * Security Hub) and the search of one CVE or package across every artifact. All aggregate
 * scan_report_vulnerabilities (report-findings.ts) in SQL, a bounded number of queries per call
 * whatever the number of artifacts.
 *
 * Which report counts. Reports are stored per (digest, scanner, MIME type), so one image pushed
 * to two repositories is scanned once. An artifact's overview follows its artifact page: the
 * project scanner's report when there is one, else the newest; reports fetched from another
 * project's repository are not this project's (artifactScanReports filters them the same way).
 * Summaries count each image digest once, with its newest succeeded vulnerability report: in a
 * project among that project's reports, system-wide among all.
 *
 * What an artifact is here: an image manifest that is not an accessory (signatures and SBOMs are
 * not scanned); an index is not counted itself, its child images are.
 */

const VULN_MIMES = Prisma.join([...VULNERABILITY_REPORT_MIMES]);
const INDEX_TYPES = Prisma.join([OCI_IMAGE_INDEX, DOCKER_MANIFEST_LIST]);
const IMAGE_CONFIGS = Prisma.join([OCI_IMAGE_CONFIG, DOCKER_CONTAINER_CONFIG]);

/** An image artifact (table alias `a`): no accessory, no index, an image config (or none recorded). */
const IMAGE_ARTIFACT = Prisma.sql`a.subject_digest IS NULL AND a.media_type NOT IN (${INDEX_TYPES}) AND (a.artifact_type IS NULL OR a.artifact_type IN (${IMAGE_CONFIGS}))`;

/** Per-severity counts over scan_report_vulnerabilities `v`, as columns. */
const COUNT_COLUMNS = Prisma.sql`
  count(v.id)::int AS total,
  (count(v.id) FILTER (WHERE v.fix_version IS NOT NULL))::int AS fixable,
  (count(v.id) FILTER (WHERE v.severity_rank = 5))::int AS critical,
  (count(v.id) FILTER (WHERE v.severity_rank = 4))::int AS high,
  (count(v.id) FILTER (WHERE v.severity_rank = 3))::int AS medium,
  (count(v.id) FILTER (WHERE v.severity_rank = 2))::int AS low,
  (count(v.id) FILTER (WHERE v.severity_rank = 1))::int AS negligible,
  (count(v.id) FILTER (WHERE v.severity_rank = 0))::int AS unknown`;

type CountRow = { total: number; fixable: number; critical: number; high: number; medium: number; low: number; negligible: number; unknown: number };

function countsOf(r: CountRow): SeverityCounts {
  return { Critical: r.critical, High: r.high, Medium: r.medium, Low: r.low, Negligible: r.negligible, Unknown: r.unknown, total: r.total, fixable: r.fixable };
}

function addCounts(a: SeverityCounts, b: SeverityCounts): SeverityCounts {
  const sum = emptyCounts();
  for (const k of [...SEVERITIES, "total", "fixable"] as const) sum[k] = a[k] + b[k];
  return sum;
}

// ---- scan overview of a page of artifacts -------------------------------------------------------

type OverviewRow = CountRow & {
  artifact_id: number;
  digest: string;
  report_id: number;
  uuid: string;
  status: string;
  mime_type: string;
  started_at: Date | null;
  ended_at: Date | null;
  scanner_name: string;
  scanner_vendor: string | null;
  scanner_version: string | null;
  succeeded: boolean;
};

const asState = (s: string): ScanState => (s in HARBOR_SCAN_STATUS ? (s as ScanState) : "failed");

/**
 * The scan overview of each listed artifact (a page of a repository's list), keyed by artifact
 * id; an artifact never scanned is absent. One query for the page: the report chosen per image
 * (and per child image of an index) with its counts. The caller has listed the artifacts; reading
 * their scans needs `scan:read` in the project as well.
 */
export async function artifactScanOverviews({
  actor,
  project,
  artifacts,
}: {
  actor: Actor;
  project: ProjectRef;
  artifacts: { id: number; digest: string; mediaType: string }[];
}): Promise<Map<number, ScanOverview>> {
  await assertProjectPermission(actor, project, "scan:read");
  if (artifacts.length === 0) return new Map();
  const images = artifacts.filter((a) => !isIndexMediaType(a.mediaType));
  const indexIds = artifacts.filter((a) => isIndexMediaType(a.mediaType)).map((a) => a.id);
  const projectScanner = (await scannerIdForProject(project.id)) ?? -1;
  const rows = await db.$queryRaw<(OverviewRow & { children: number })[]>(Prisma.sql`
    WITH targets AS (
      SELECT t.id AS artifact_id, t.digest FROM unnest(${images.map((a) => a.id)}::int[], ${images.map((a) => a.digest)}::text[]) AS t(id, digest)
      UNION ALL
      SELECT ar.parent_id, ar.child_digest FROM artifact_references ar WHERE ar.parent_id = ANY(${indexIds}::int[])
    ), chosen AS (
      SELECT DISTINCT ON (t.artifact_id, t.digest) t.artifact_id, t.digest, r.id AS report_id, r.uuid, r.status, r.mime_type, r.started_at, r.ended_at,
        s.name AS scanner_name, s.metadata -> 'scanner' ->> 'vendor' AS scanner_vendor, s.metadata -> 'scanner' ->> 'version' AS scanner_version
      FROM targets t
      JOIN scan_reports r ON r.artifact_digest = t.digest AND r.mime_type IN (${VULN_MIMES}) AND split_part(r.repository, '/', 1) = ${project.name}
      JOIN scanners s ON s.id = r.scanner_id
      ORDER BY t.artifact_id, t.digest, (r.scanner_id = ${projectScanner}) DESC, COALESCE(r.started_at, r.created_at) DESC, r.id DESC
    )
    SELECT c.*, (c.status = 'succeeded') AS succeeded, ${COUNT_COLUMNS},
      (SELECT count(*)::int FROM targets t2 WHERE t2.artifact_id = c.artifact_id) AS children
    FROM chosen c
    LEFT JOIN scan_report_vulnerabilities v ON v.report_id = c.report_id AND c.status = 'succeeded'
    GROUP BY c.artifact_id, c.digest, c.report_id, c.uuid, c.status, c.mime_type, c.started_at, c.ended_at, c.scanner_name, c.scanner_vendor, c.scanner_version`);
  // Index children without any report still count towards "n of m scanned".
  const childTotals = indexIds.length
    ? new Map(
        (await db.artifactReference.groupBy({ by: ["parentId"], where: { parentId: { in: indexIds } }, _count: { _all: true } })).map((g) => [g.parentId, g._count._all]),
      )
    : new Map<number, number>();
  const byArtifact = new Map<number, typeof rows>();
  for (const r of rows) byArtifact.set(r.artifact_id, [...(byArtifact.get(r.artifact_id) ?? []), r]);
  const result = new Map<number, ScanOverview>();
  for (const a of artifacts) {
    const mine = byArtifact.get(a.id);
    if (!mine?.length) continue;
    result.set(a.id, isIndexMediaType(a.mediaType) ? indexOverview(mine, childTotals.get(a.id) ?? mine.length) : imageOverview(mine[0]!));
  }
  return result;
}

function scannerOf(r: OverviewRow): ScanOverview["scanner"] {
  return { name: r.scanner_name, vendor: r.scanner_vendor ?? "", version: r.scanner_version ?? "" };
}

function imageOverview(r: OverviewRow): ScanOverview {
  const status = asState(r.status);
  const ended = status !== "queued" && status !== "running";
  return {
    status,
    reportId: r.uuid,
    mimeType: r.mime_type,
    scanner: scannerOf(r),
    startedAt: r.started_at,
    endedAt: ended ? r.ended_at : null,
    completePercent: ended ? 100 : 0,
    summary: r.succeeded ? countsOf(r) : null,
  };
}

/**
 * An index is scanned child image by child image: its overview is theirs together. Scanning while
 * any child is; else failed (stopped) if any child's scan failed (was stopped); else succeeded.
 * Counts add up the succeeded children; percent is the share of children whose scan ended.
 */
function indexOverview(rows: OverviewRow[], children: number): ScanOverview {
  const states = rows.map((r) => asState(r.status));
  const status: ScanState = states.includes("running")
    ? "running"
    : states.includes("queued")
      ? states.some((s) => s !== "queued")
        ? "running"
        : "queued"
      : states.includes("failed")
        ? "failed"
        : states.includes("stopped")
          ? "stopped"
          : "succeeded";
  const succeeded = rows.filter((r) => r.succeeded);
  const ended = states.filter((s) => s !== "queued" && s !== "running").length;
  const starts = rows.flatMap((r) => (r.started_at ? [r.started_at.getTime()] : []));
  const ends = rows.flatMap((r) => (r.ended_at ? [r.ended_at.getTime()] : []));
  const done = status !== "queued" && status !== "running";
  return {
    status,
    reportId: null,
    mimeType: VULN_REPORT_MIME,
    scanner: scannerOf(rows[0]!),
    startedAt: starts.length ? new Date(Math.min(...starts)) : null,
    endedAt: done && ends.length ? new Date(Math.max(...ends)) : null,
    completePercent: Math.floor((100 * ended) / Math.max(children, rows.length)),
    summary: succeeded.length ? succeeded.map(countsOf).reduce(addCounts, emptyCounts()) : null,
    children: { total: Math.max(children, rows.length), withReport: rows.length },
  };
}

// ---- project and system summaries ---------------------------------------------------------------

export type TopArtifact = { projectId: number; projectName: string; repository: string; digest: string; counts: SeverityCounts };
export type TopCve = { id: string; severity: Severity; cvssScoreV3: number | null; package: string; version: string; description: string | null; artifacts: number };

export type SecuritySummary = {
  counts: SeverityCounts;
  /** Image artifacts (distinct digests) in scope, and those with a succeeded vulnerability report. */
  totalArtifacts: number;
  scannedArtifacts: number;
  /** Most findings first, by severity: critical, then high, medium, low. */
  mostVulnerable: TopArtifact[];
  /** Found in the most artifacts first (then the most severe). */
  commonCves: TopCve[];
  /** Harbor's dangerous CVEs: the most severe first (severity, then CVSS v3 score). */
  dangerousCves: TopCve[];
};

export const TOP_N = 5;

/** The scope's image digests and their newest succeeded report (CTEs `imgs` and `latest`). */
function scopeCtes(scope: { projectId: number; projectName: string } | null): Prisma.Sql {
  return Prisma.sql`
    imgs AS (
      SELECT DISTINCT a.digest FROM artifacts a JOIN repositories rp ON rp.id = a.repository_id
      WHERE ${IMAGE_ARTIFACT} ${scope ? Prisma.sql`AND rp.project_id = ${scope.projectId}` : Prisma.empty}
    ), latest AS (
      SELECT DISTINCT ON (sr.artifact_digest) sr.id, sr.artifact_digest
      FROM scan_reports sr JOIN imgs ON imgs.digest = sr.artifact_digest
      WHERE sr.status = 'succeeded' AND sr.mime_type IN (${VULN_MIMES})
        ${scope ? Prisma.sql`AND split_part(sr.repository, '/', 1) = ${scope.projectName}` : Prisma.empty}
      ORDER BY sr.artifact_digest, sr.ended_at DESC NULLS LAST, sr.id DESC
    )`;
}

type CveRow = { vuln_id: string; severity_rank: number; cvss_score_v3: number | null; package: string; version: string; description: string | null; artifacts: number };

const RANKED: Severity[] = ["Unknown", "Negligible", "Low", "Medium", "High", "Critical"];

function cveOf(r: CveRow): TopCve {
  return { id: r.vuln_id, severity: RANKED[r.severity_rank] ?? "Unknown", cvssScoreV3: r.cvss_score_v3, package: r.package, version: r.version, description: r.description, artifacts: r.artifacts };
}

async function summaryOf(scope: { projectId: number; projectName: string } | null, include: { artifacts: boolean; commonCves: boolean; dangerousCves: boolean }): Promise<SecuritySummary> {
  const ctes = scopeCtes(scope);
  const totals = db.$queryRaw<(CountRow & { total_artifacts: number; scanned: number })[]>(Prisma.sql`
    WITH ${ctes}
    SELECT (SELECT count(*)::int FROM imgs) AS total_artifacts, (SELECT count(*)::int FROM latest) AS scanned, ${COUNT_COLUMNS}
    FROM latest JOIN scan_report_vulnerabilities v ON v.report_id = latest.id`);
  const artifacts = include.artifacts
    ? db.$queryRaw<(CountRow & { digest: string; project_id: number; project_name: string; repository: string })[]>(Prisma.sql`
        WITH ${ctes}, per AS (
          SELECT latest.artifact_digest AS digest, ${COUNT_COLUMNS}
          FROM latest JOIN scan_report_vulnerabilities v ON v.report_id = latest.id
          GROUP BY latest.artifact_digest
          ORDER BY critical DESC, high DESC, medium DESC, low DESC, total DESC, latest.artifact_digest
          LIMIT ${TOP_N}
        )
        SELECT per.*, w.project_id, w.project_name, w.repository FROM per
        CROSS JOIN LATERAL (
          SELECT rp.project_id, p.name AS project_name, rp.name AS repository
          FROM artifacts a JOIN repositories rp ON rp.id = a.repository_id JOIN projects p ON p.id = rp.project_id
          WHERE a.digest = per.digest AND ${IMAGE_ARTIFACT} ${scope ? Prisma.sql`AND rp.project_id = ${scope.projectId}` : Prisma.empty}
          ORDER BY rp.name LIMIT 1
        ) w
        ORDER BY critical DESC, high DESC, medium DESC, low DESC, total DESC, per.digest`)
    : Promise.resolve([]);
  const cves = (order: Prisma.Sql) =>
    db.$queryRaw<CveRow[]>(Prisma.sql`
      WITH ${ctes}, per AS (
        SELECT v.vuln_id, max(v.severity_rank)::int AS severity_rank, max(v.cvss_score_v3) AS cvss_score_v3, count(DISTINCT v.report_id)::int AS artifacts,
          min(v.package) AS package, min(v.version) AS version, max(v.description) AS description
        FROM latest JOIN scan_report_vulnerabilities v ON v.report_id = latest.id
        GROUP BY v.vuln_id
      )
      SELECT * FROM per ORDER BY ${order}, vuln_id LIMIT ${TOP_N}`);
  const [[t], top, common, dangerous] = await Promise.all([
    totals,
    artifacts,
    include.commonCves ? cves(Prisma.sql`artifacts DESC, severity_rank DESC, cvss_score_v3 DESC NULLS LAST`) : Promise.resolve([]),
    include.dangerousCves ? cves(Prisma.sql`severity_rank DESC, cvss_score_v3 DESC NULLS LAST, artifacts DESC`) : Promise.resolve([]),
  ]);
  return {
    counts: countsOf(t!),
    totalArtifacts: t!.total_artifacts,
    scannedArtifacts: t!.scanned,
    mostVulnerable: top.map((r) => ({ projectId: r.project_id, projectName: r.project_name, repository: r.repository, digest: r.digest, counts: countsOf(r) })),
    commonCves: common.map(cveOf),
    dangerousCves: dangerous.map(cveOf),
  };
}

/** A project's security summary (its Security tab): anyone who may read the project's scans. */
export async function projectSecuritySummary({ actor, project }: { actor: Actor; project: ProjectRef }): Promise<SecuritySummary> {
  await assertProjectPermission(actor, project, "scan:read");
  return summaryOf({ projectId: project.id, projectName: project.name }, { artifacts: true, commonCves: true, dangerousCves: false });
}

/** The system's (Harbor's Security Hub): administrators and auditors. */
export async function systemSecuritySummary({
  actor,
  include = { artifacts: true, commonCves: true, dangerousCves: true },
}: {
  actor: Actor;
  include?: { artifacts: boolean; commonCves: boolean; dangerousCves: boolean };
}): Promise<SecuritySummary> {
  await assertSystemPermission(actor, "security_hub.read");
  return summaryOf(null, include);
}

// ---- one CVE (or package) across every artifact -------------------------------------------------

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `At most ${max} characters.`)
    .optional()
    .transform((v) => (v ? v : undefined));

const score = z.coerce.number({ message: "Must be a number from 0 to 10." }).min(0, "Must be a number from 0 to 10.").max(10, "Must be a number from 0 to 10.");

/** The search's page size when its caller gives none (Harbor portal's list default). */
export const VULNERABILITY_SEARCH_PAGE_SIZE = 15;

export const ZVulnerabilitySearch = z
  .object({
    cveId: optionalText(255),
    package: optionalText(1024),
    severity: z
      .string()
      .trim()
      .optional()
      .transform((v, ctx) => {
        if (!v) return undefined;
        const s = normalizedSeverity(v);
        // normalizedSeverity maps any unknown word to Unknown: only the word itself may mean it.
        if (s === "Unknown" && v.toLowerCase() !== "unknown") {
          ctx.addIssue({ code: "custom", message: `Must be one of ${SEVERITIES.join(", ")}.` });
          return z.NEVER;
        }
        return s;
      }),
    repositoryName: optionalText(255),
    projectId: z.coerce.number({ message: "Must be a project id." }).int("Must be a project id.").positive("Must be a project id.").max(2_147_483_647, "Must be a project id.").optional(),
    tag: optionalText(255),
    digest: optionalText(128),
    cvssMin: score.optional(),
    cvssMax: score.optional(),
    // The shared paging fields: a bad value is a field error (a 400), never replaced. The REST
    // route and the console page always pass theirs (Harbor's 10, the console's 25).
    page: pageField(),
    pageSize: pageSizeField(VULNERABILITY_SEARCH_PAGE_SIZE),
  })
  .refine((q) => q.cvssMin === undefined || q.cvssMax === undefined || q.cvssMin <= q.cvssMax, { message: "The lower bound must not exceed the upper.", path: ["cvssMin"] });
export type VulnerabilitySearch = z.input<typeof ZVulnerabilitySearch>;

export type VulnerabilityHit = {
  projectId: number;
  projectName: string;
  repository: string;
  digest: string;
  tags: string[];
  id: string;
  severity: Severity;
  cvssScoreV3: number | null;
  package: string;
  version: string;
  fixVersion: string | null;
  description: string | null;
  links: string[];
};

/** Field errors of a zod failure, keyed by field (the console's and the REST layer's messages). */
function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "query");
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

const TAGS_PER_HIT = 10;

/**
 * Findings across every artifact (each image digest's newest succeeded vulnerability report, per
 * artifact row it is indexed as), filtered exactly as Harbor's GET /security/vul and paged in
 * SQL: most severe first. Administrators and auditors.
 */
export async function searchVulnerabilities({ actor, query }: { actor: Actor; query: VulnerabilitySearch }): Promise<Page<VulnerabilityHit>> {
  await assertSystemPermission(actor, "security_hub.read");
  const parsed = ZVulnerabilitySearch.safeParse(query);
  if (!parsed.success) {
    const errors = fieldErrors(parsed.error);
    throw new ValidationError(Object.entries(errors).map(([k, m]) => `${k}: ${m.join(" ")}`).join("; "), errors);
  }
  const q = parsed.data;
  const where: Prisma.Sql[] = [IMAGE_ARTIFACT];
  if (q.cveId) where.push(Prisma.sql`v.vuln_id = ${q.cveId}`);
  if (q.package) where.push(Prisma.sql`v.package = ${q.package}`);
  if (q.severity) where.push(Prisma.sql`v.severity = ${q.severity}`);
  if (q.cvssMin !== undefined) where.push(Prisma.sql`v.cvss_score_v3 >= ${q.cvssMin}`);
  if (q.cvssMax !== undefined) where.push(Prisma.sql`v.cvss_score_v3 <= ${q.cvssMax}`);
  if (q.repositoryName) where.push(Prisma.sql`rp.name = ${q.repositoryName}`);
  if (q.projectId) where.push(Prisma.sql`rp.project_id = ${q.projectId}`);
  if (q.tag) where.push(Prisma.sql`EXISTS (SELECT 1 FROM tags tg WHERE tg.artifact_id = a.id AND tg.name = ${q.tag})`);
  // The same FROM and WHERE for the page and its count; the columns are constants of this file.
  const withColumns = (columns: string) => Prisma.sql`
    WITH latest AS (
      SELECT DISTINCT ON (sr.artifact_digest) sr.id, sr.artifact_digest FROM scan_reports sr
      WHERE sr.status = 'succeeded' AND sr.mime_type IN (${VULN_MIMES}) ${q.digest ? Prisma.sql`AND sr.artifact_digest = ${q.digest}` : Prisma.empty}
      ORDER BY sr.artifact_digest, sr.ended_at DESC NULLS LAST, sr.id DESC
    )
    SELECT ${Prisma.raw(columns)} FROM scan_report_vulnerabilities v
    JOIN latest l ON l.id = v.report_id
    JOIN artifacts a ON a.digest = l.artifact_digest
    JOIN repositories rp ON rp.id = a.repository_id
    JOIN projects p ON p.id = rp.project_id
    WHERE ${Prisma.join(where, " AND ")}`;
  // A bigint: any page the shared schema accepts (up to 2^53 - 1) is an empty page, not an error.
  const offset = BigInt(q.page - 1) * BigInt(q.pageSize);
  const [rows, [count]] = await Promise.all([
    db.$queryRaw<
      {
        artifact_id: number;
        project_id: number;
        project_name: string;
        repository: string;
        digest: string;
        vuln_id: string;
        severity: string;
        cvss_score_v3: number | null;
        package: string;
        version: string;
        fix_version: string | null;
        description: string | null;
        links: string[] | null;
      }[]
    >(
      Prisma.sql`${withColumns(
        "a.id AS artifact_id, rp.project_id, p.name AS project_name, rp.name AS repository, a.digest, v.vuln_id, v.severity, v.cvss_score_v3, v.package, v.version, v.fix_version, v.description, v.links",
      )} ORDER BY v.severity_rank DESC, v.cvss_score_v3 DESC NULLS LAST, v.vuln_id, rp.name, a.digest, v.package, v.id LIMIT ${q.pageSize} OFFSET ${offset}`,
    ),
    db.$queryRaw<{ n: number }[]>(withColumns("count(*)::int AS n")),
  ]);
  const ids = [...new Set(rows.map((r) => r.artifact_id))];
  const tags = ids.length ? await db.tag.findMany({ where: { artifactId: { in: ids } }, select: { artifactId: true, name: true }, orderBy: [{ pushedAt: "desc" }, { id: "desc" }] }) : [];
  const tagsOf = new Map<number, string[]>();
  for (const t of tags) {
    const list = tagsOf.get(t.artifactId) ?? [];
    if (list.length < TAGS_PER_HIT) list.push(t.name);
    tagsOf.set(t.artifactId, list);
  }
  return {
    rows: rows.map((r) => ({
      projectId: r.project_id,
      projectName: r.project_name,
      repository: r.repository,
      digest: r.digest,
      tags: tagsOf.get(r.artifact_id) ?? [],
      id: r.vuln_id,
      severity: normalizedSeverity(r.severity),
      cvssScoreV3: r.cvss_score_v3,
      package: r.package,
      version: r.version,
      fixVersion: r.fix_version,
      description: r.description,
      links: r.links ?? [],
    })),
    total: count?.n ?? 0,
    page: q.page,
    pageSize: q.pageSize,
  };
}
