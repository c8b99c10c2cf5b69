/**
 * Findings of an artifact: its stored inventory against the advisories in Postgres. SQL narrows
 * the candidates to advisories naming an installed (ecosystem, advisory name); the ecosystem's
 * version comparator then decides (lib/scan/osv/evaluate), so no layer is read again.
 */
import { db } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { evaluateRecord } from "@/lib/scan/osv/evaluate";
import { parseOsvRecord } from "@/lib/scan/osv/record";

export interface StoredFinding {
  id: string;
  aliases: string[];
  ecosystem: string;
  package: string;
  installedVersion: string;
  fixedVersion: string | null;
  lastAffected: string | null;
  severity: string;
  cvssScore: number | null;
  cvssVector: string | null;
  summary: string | null;
  links: string[];
  /** The installed packages it covers (libssl3 and libcrypto3 for one openssl finding). */
  installedPackages: { name: string; purl: string; layerDigest: string; path: string; dev: boolean }[];
}

interface CandidateRow {
  advisory_id: string;
  name: string;
  version: string;
  ecosystem: string;
  advisory_name: string;
  purl: string;
  path: string;
  layer_digest: string;
  dev: boolean;
}

const SEVERITY_ORDER = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "NONE", "UNKNOWN"];

type AdvisoryRow = Awaited<ReturnType<typeof db.vulnAdvisory.findMany>>[number];
type Verdict = ReturnType<typeof evaluateRecord>;

/**
 * What evaluating many artifacts against one DB state can share: the advisories read (and their
 * records parsed) and the verdicts per (advisory, ecosystem, package, version). Images mostly hold
 * the same popular packages, so a re-evaluation of hundreds of them reads and evaluates each
 * advisory once instead of once per image. Only valid while the advisories do not change: one
 * memo per re-evaluation batch, never kept across imports.
 */
export type FindingsMemo = { advisories: Map<string, { row: AdvisoryRow; record: Parameters<typeof evaluateRecord>[0] } | null>; verdicts: Map<string, Verdict> };

export const newFindingsMemo = (): FindingsMemo => ({ advisories: new Map(), verdicts: new Map() });

/** null when the artifact has no stored inventory (it was never extracted). */
export async function findingsForArtifact(artifactDigest: string, memo: FindingsMemo = newFindingsMemo()): Promise<StoredFinding[] | null> {
  const inventory = await db.scanInventory.findUnique({ where: { artifactDigest }, select: { id: true } });
  if (!inventory) return null;
  const candidates = await db.$queryRaw<CandidateRow[]>(Prisma.sql`
    SELECT a.advisory_id, p.name, p.version, p.ecosystem, p.advisory_name, p.purl, p.path, p.layer_digest, p.dev
    FROM scan_inventory_packages p
    JOIN vuln_affected_packages a ON a.ecosystem = p.ecosystem AND a.name = p.advisory_name
    WHERE p.inventory_id = ${inventory.id}
    ORDER BY a.advisory_id, p.advisory_name, p.version, p.name`);
  if (!candidates.length) return [];
  const missing = [...new Set(candidates.map((c) => c.advisory_id))].filter((id) => !memo.advisories.has(id));
  if (missing.length) {
    const advisories = await db.vulnAdvisory.findMany({ where: { id: { in: missing }, withdrawn: null } });
    for (const advisory of advisories) {
      const parsed = parseOsvRecord(advisory.record);
      memo.advisories.set(advisory.id, parsed.ok ? { row: advisory, record: parsed.record } : null);
    }
    // Withdrawn or gone since the candidates were read: no finding.
    for (const id of missing) if (!memo.advisories.has(id)) memo.advisories.set(id, null);
  }
  const findings = new Map<string, StoredFinding>();
  for (const row of candidates) {
    const known = memo.advisories.get(row.advisory_id);
    if (!known) continue;
    const advisory = known.row;
    const verdictKey = JSON.stringify([advisory.id, row.ecosystem, row.advisory_name, row.version]);
    let verdict = memo.verdicts.get(verdictKey);
    if (verdict === undefined) {
      verdict = evaluateRecord(known.record, { ecosystem: row.ecosystem, name: row.advisory_name, version: row.version });
      memo.verdicts.set(verdictKey, verdict);
    }
    if (!verdict?.affected) continue;
    const key = JSON.stringify([advisory.id, row.ecosystem, row.advisory_name, row.version]);
    const installed = { name: row.name, purl: row.purl, layerDigest: row.layer_digest, path: row.path, dev: row.dev };
    const existing = findings.get(key);
    if (existing) {
      if (!existing.installedPackages.some((p) => p.purl === installed.purl)) existing.installedPackages.push(installed);
      continue;
    }
    findings.set(key, {
      id: advisory.id,
      aliases: advisory.aliases,
      ecosystem: row.ecosystem,
      package: row.advisory_name,
      installedVersion: row.version,
      fixedVersion: verdict.fixed,
      lastAffected: verdict.lastAffected,
      severity: advisory.severity,
      cvssScore: advisory.cvssScore,
      cvssVector: advisory.cvssVector,
      summary: advisory.summary,
      links: advisory.links,
      installedPackages: [installed],
    });
  }
  return [...findings.values()].sort(
    (a, b) =>
      SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
      (b.cvssScore ?? -1) - (a.cvssScore ?? -1) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) ||
      (a.package < b.package ? -1 : a.package > b.package ? 1 : 0),
  );
}

/**
 * The artifacts whose stored packages the advisories added or changed by one import name:
 * the only ones a re-evaluation after that import needs to look at (no layer is pulled).
 */
export async function artifactsTouchedByImport(importId: number): Promise<string[]> {
  const rows = await db.$queryRaw<{ artifact_digest: string }[]>(Prisma.sql`
    SELECT DISTINCT i.artifact_digest
    FROM vuln_advisories v
    JOIN vuln_affected_packages a ON a.advisory_id = v.id
    JOIN scan_inventory_packages p ON p.ecosystem = a.ecosystem AND p.advisory_name = a.name
    JOIN scan_inventories i ON i.id = p.inventory_id
    WHERE v.import_id = ${importId}
    ORDER BY i.artifact_digest`);
  return rows.map((r) => r.artifact_digest);
}
