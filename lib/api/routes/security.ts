/**
 * Harbor's Security Hub over REST: GET /security/summary (SecuritySummary, with the dangerous CVEs
 * and artifacts on request) and GET /security/vul (VulnerabilityItem list, Harbor's `q` terms,
 * paged with X-Total-Count and Link). Administrators and auditors, as the service decides.
 */
import { z } from "zod";
import { listResponse, parsePaging } from "@/lib/api/pagination";
import { harborQ, parseBooleanParam, parseQuery } from "@/lib/api/query";
import { withApi } from "@/lib/api/with-api";
import { ValidationError } from "@/lib/errors";
import { searchVulnerabilities, systemSecuritySummary, type VulnerabilityHit, type VulnerabilitySearch } from "@/lib/services/scan/security";

const count = (description: string) => z.int().min(0).describe(description);

export const ZHarborDangerousCve = z.object({
  cve_id: z.string(),
  severity: z.string(),
  cvss_score_v3: z.number().nullable().describe("The highest CVSS v3 score reported for it; null when none was."),
  desc: z.string(),
  package: z.string(),
  version: z.string(),
});

export const ZHarborDangerousArtifact = z.object({
  project_id: z.int(),
  repository_name: z.string(),
  digest: z.string(),
  critical_cnt: count("Critical findings."),
  high_cnt: count("High findings."),
  medium_cnt: count("Medium findings."),
});

export const ZHarborSecuritySummary = z.object({
  critical_cnt: count("Critical findings, over each image's newest succeeded report."),
  high_cnt: count("High findings."),
  medium_cnt: count("Medium findings."),
  low_cnt: count("Low findings."),
  none_cnt: count("Negligible findings (no CVSS impact)."),
  unknown_cnt: count("Findings of unknown severity."),
  total_vuls: count("All findings."),
  scanned_cnt: count("Image artifacts (distinct digests) with a succeeded vulnerability report."),
  total_artifact: count("Image artifacts (distinct digests; accessories and indexes are not counted, an index's images are)."),
  fixable_cnt: count("Findings with a fixed version."),
  dangerous_cves: z.array(ZHarborDangerousCve).optional().describe("With with_dangerous_cve=true: the 5 most severe CVEs (severity, then CVSS v3)."),
  dangerous_artifacts: z.array(ZHarborDangerousArtifact).optional().describe("With with_dangerous_artifact=true: the 5 artifacts with the most critical, then high, then medium findings."),
});

export const ZHarborVulnerabilityItem = z.object({
  project_id: z.int(),
  repository_name: z.string(),
  digest: z.string(),
  tags: z.array(z.string()).describe("With with_tag=true: the artifact's tags (newest first, at most 10); else empty."),
  cve_id: z.string(),
  severity: z.string(),
  cvss_v3_score: z.number().nullable(),
  package: z.string(),
  version: z.string(),
  fixed_version: z.string(),
  desc: z.string(),
  links: z.array(z.string()),
});

export const getSecuritySummaryRoute = withApi(async ({ url, actor }) => {
  const withCves = parseBooleanParam("with_dangerous_cve", url.searchParams.get("with_dangerous_cve")) ?? false;
  const withArtifacts = parseBooleanParam("with_dangerous_artifact", url.searchParams.get("with_dangerous_artifact")) ?? false;
  const s = await systemSecuritySummary({ actor, include: { artifacts: withArtifacts, commonCves: false, dangerousCves: withCves } });
  const body: z.infer<typeof ZHarborSecuritySummary> = {
    critical_cnt: s.counts.Critical,
    high_cnt: s.counts.High,
    medium_cnt: s.counts.Medium,
    low_cnt: s.counts.Low,
    none_cnt: s.counts.Negligible,
    unknown_cnt: s.counts.Unknown,
    total_vuls: s.counts.total,
    scanned_cnt: s.scannedArtifacts,
    total_artifact: s.totalArtifacts,
    fixable_cnt: s.counts.fixable,
    ...(withCves
      ? { dangerous_cves: s.dangerousCves.map((c) => ({ cve_id: c.id, severity: c.severity, cvss_score_v3: c.cvssScoreV3, desc: c.description ?? "", package: c.package, version: c.version })) }
      : {}),
    ...(withArtifacts
      ? {
          dangerous_artifacts: s.mostVulnerable.map((a) => ({
            project_id: a.projectId,
            repository_name: a.repository,
            digest: a.digest,
            critical_cnt: a.counts.Critical,
            high_cnt: a.counts.High,
            medium_cnt: a.counts.Medium,
          })),
        }
      : {}),
  };
  return Response.json(body);
});

/** Harbor's `q` keys of /security/vul (each an exact match) and the service field each fills. */
const VUL_KEYS = {
  cve_id: "cveId",
  severity: "severity",
  repository_name: "repositoryName",
  project_id: "projectId",
  package: "package",
  tag: "tag",
  digest: "digest",
} as const satisfies Record<string, keyof VulnerabilitySearch>;

/** `cvss_score_v3=[7~10]` (either end may be empty), Harbor's range term. */
function parseScoreRange(value: string): { cvssMin?: string; cvssMax?: string } {
  const m = /^\[\s*([^~\]]*?)\s*~\s*([^~\]]*?)\s*\]$/.exec(value);
  if (!m) throw new ValidationError("q: cvss_score_v3 takes a range, cvss_score_v3=[<from>~<to>] (either end may be empty)", { cvss_score_v3: ["Must be [<from>~<to>]."] });
  return { ...(m[1] ? { cvssMin: m[1] } : {}), ...(m[2] ? { cvssMax: m[2] } : {}) };
}

/** The terms of `q` as the service's search; a range only for cvss_score_v3, every other key exact. */
export function vulnerabilitySearchOf(q: string | null): VulnerabilitySearch {
  const terms = (q ?? "").split(",");
  const range = terms.filter((t) => /^\s*cvss_score_v3\s*=/i.test(t));
  if (range.length > 1) throw new ValidationError('q: "cvss_score_v3" is given more than once');
  const rest = parseQuery(terms.filter((t) => !range.includes(t)).join(","), Object.fromEntries(Object.keys(VUL_KEYS).map((k) => [k, ["exact"]])));
  const search: Record<string, string> = {};
  for (const [key, term] of rest) search[VUL_KEYS[key as keyof typeof VUL_KEYS]] = term.value;
  return { ...search, ...(range[0] ? parseScoreRange(range[0].slice(range[0].indexOf("=") + 1).trim()) : {}) };
}

/** Harbor's field names for the service's (a 400 names what the caller sent). */
const FIELD_NAMES: Record<string, string> = {
  cveId: "cve_id",
  repositoryName: "repository_name",
  projectId: "project_id",
  cvssMin: "cvss_score_v3",
  cvssMax: "cvss_score_v3",
  pageSize: "page_size",
};

function toHarborItem(h: VulnerabilityHit, withTag: boolean): z.infer<typeof ZHarborVulnerabilityItem> {
  return {
    project_id: h.projectId,
    repository_name: h.repository,
    digest: h.digest,
    tags: withTag ? h.tags : [],
    cve_id: h.id,
    severity: h.severity,
    cvss_v3_score: h.cvssScoreV3,
    package: h.package,
    version: h.version,
    fixed_version: h.fixVersion ?? "",
    desc: h.description ?? "",
    links: h.links,
  };
}

export const listVulnerabilitiesRoute = withApi(async ({ url, actor }) => {
  const paging = parsePaging(url.searchParams);
  const withTag = parseBooleanParam("with_tag", url.searchParams.get("with_tag")) ?? false;
  parseBooleanParam("tune_count", url.searchParams.get("tune_count")); // accepted; the count is always exact
  const search = vulnerabilitySearchOf(harborQ(url.searchParams));
  let page;
  try {
    page = await searchVulnerabilities({ actor, query: { ...search, page: paging.page, pageSize: paging.pageSize } });
  } catch (error) {
    // The service names its own fields; the caller wrote Harbor's.
    if (error instanceof ValidationError && Object.keys(error.fieldErrors).length > 0) {
      const renamed = Object.entries(error.fieldErrors).map(([k, m]) => [FIELD_NAMES[k] ?? k, m] as const);
      throw new ValidationError(`q: ${renamed.map(([k, m]) => `${k}: ${m.join(" ")}`).join("; ")}`, Object.fromEntries(renamed));
    }
    throw error;
  }
  return listResponse(url, page.rows.map((h) => toHarborItem(h, withTag)), page.total, paging);
});
