/**
 * Findings as Harbor's vulnerability report (HarborVulnerabilityReport, the body of both
 * `…vuln.report.harbor+json; version=1.0` and `application/vnd.security.vulnerability.report;
 * version=1.1`), and back: Wharf's client reads any adapter's report into the same findings shape.
 */
import type { Severity } from "./spec-schemas";

/** What the report is built from (lib/services/scan/findings' StoredFinding has these fields). */
export interface ReportFinding {
  id: string;
  aliases: string[];
  ecosystem: string;
  package: string;
  installedVersion: string;
  fixedVersion: string | null;
  severity: string;
  cvssScore: number | null;
  cvssVector: string | null;
  summary: string | null;
  links: string[];
  installedPackages: { name: string; purl: string; layerDigest: string; path: string }[];
}

export interface ReportArtifact {
  repository: string;
  digest: string;
  tag?: string;
  mime_type?: string;
}

export interface ReportScanner {
  name: string;
  vendor: string;
  version: string;
}

/** Harbor's ordering (src/pkg/scan/vuln/severity.go): Unknown 0 … Critical 5. */
const SEVERITY_RANK: Record<Severity, number> = { Unknown: 0, Negligible: 1, Low: 2, Medium: 3, High: 4, Critical: 5 };

/** OSV / Wharf severity words to the spec's scale; NONE (a CVSS score of 0) is Negligible. */
export function harborSeverity(severity: string): Severity {
  switch (severity.toUpperCase()) {
    case "CRITICAL":
      return "Critical";
    case "HIGH":
      return "High";
    case "MEDIUM":
    case "MODERATE":
      return "Medium";
    case "LOW":
      return "Low";
    case "NONE":
    case "NEGLIGIBLE":
      return "Negligible";
    default:
      return "Unknown";
  }
}

/** The highest severity of a list; Unknown for none (the spec's enum has no "None"). */
export function highestSeverity(severities: Iterable<Severity>): Severity {
  let best: Severity = "Unknown";
  for (const s of severities) if (SEVERITY_RANK[s] > SEVERITY_RANK[best]) best = s;
  return best;
}

function preferredCvss(vector: string | null, score: number | null) {
  if (!vector) return undefined;
  if (vector.startsWith("CVSS:3")) return { score_v3: score ?? undefined, vector_v3: vector };
  if (!vector.startsWith("CVSS:")) return { score_v2: score ?? undefined, vector_v2: vector };
  // CVSS v4 has no field in the spec: it travels in vendor_attributes.
  return undefined;
}

export function harborVulnerabilityReport(options: {
  findings: ReportFinding[];
  artifact: ReportArtifact;
  scanner: ReportScanner;
  generatedAt: Date;
}) {
  const vulnerabilities = options.findings.map((f) => {
    const severity = harborSeverity(f.severity);
    const cvss = preferredCvss(f.cvssVector, f.cvssScore);
    return {
      id: f.id,
      package: f.package,
      version: f.installedVersion,
      ...(f.fixedVersion ? { fix_version: f.fixedVersion } : {}),
      severity,
      ...(f.summary ? { description: f.summary } : {}),
      links: f.links.filter((link) => /^https?:\/\//i.test(link)),
      ...(cvss ? { preferred_cvss: cvss } : {}),
      vendor_attributes: {
        ecosystem: f.ecosystem,
        aliases: f.aliases,
        ...(f.cvssVector?.startsWith("CVSS:4") ? { cvss_v4: { vector: f.cvssVector, score: f.cvssScore } } : {}),
        installed_packages: f.installedPackages.map((p) => ({ name: p.name, purl: p.purl, path: p.path, layer_digest: p.layerDigest })),
      },
    };
  });
  return {
    generated_at: options.generatedAt.toISOString(),
    artifact: options.artifact,
    scanner: options.scanner,
    severity: highestSeverity(vulnerabilities.map((v) => v.severity)),
    vulnerabilities,
  };
}
