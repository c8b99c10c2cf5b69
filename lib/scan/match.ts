/**
 * Matching an inventory against OSV records in memory. The Postgres matcher narrows candidates
 * by (ecosystem, advisory name) in SQL and then calls the same evaluateRecord, so this is also
 * the reference the SQL path is tested against.
 */
import type { InventoryPackage } from "@/lib/scan/inventory";
import { evaluateRecord } from "@/lib/scan/osv/evaluate";
import type { OsvRecord } from "@/lib/scan/osv/record";
import { normalizePackageName } from "@/lib/scan/versions/names";

export interface Finding {
  id: string;
  aliases: string[];
  ecosystem: string;
  /** The advisory's package name (Debian source, Alpine origin, npm/PyPI name). */
  package: string;
  installedVersion: string;
  fixedVersion: string | null;
  lastAffected: string | null;
  /** The installed packages this finding covers (libssl3 and libcrypto3 for openssl). */
  installedPackages: { name: string; purl: string; layerDigest: string; dev: boolean }[];
}

function candidateKey(ecosystem: string, name: string): string {
  return `${ecosystem}\u0000${normalizePackageName(ecosystem, name)}`;
}

/** One finding per (record, advisory package, installed version). */
export function matchInventory(packages: InventoryPackage[], records: OsvRecord[]): Finding[] {
  const byName = new Map<string, OsvRecord[]>();
  for (const record of records) {
    if (record.withdrawn) continue;
    const keys = new Set((record.affected ?? []).flatMap((a) => (a.package ? [candidateKey(a.package.ecosystem, a.package.name)] : [])));
    for (const key of keys) byName.set(key, [...(byName.get(key) ?? []), record]);
  }
  const findings = new Map<string, Finding>();
  for (const pkg of packages) {
    for (const record of byName.get(candidateKey(pkg.ecosystem, pkg.advisoryName)) ?? []) {
      const verdict = evaluateRecord(record, { ecosystem: pkg.ecosystem, name: pkg.advisoryName, version: pkg.version });
      if (!verdict?.affected) continue;
      const key = `${record.id}\u0000${pkg.ecosystem}\u0000${pkg.advisoryName}\u0000${pkg.version}`;
      const installed = { name: pkg.name, purl: pkg.purl, layerDigest: pkg.layerDigest, dev: pkg.dev === true };
      const existing = findings.get(key);
      if (existing) {
        existing.installedPackages.push(installed);
        continue;
      }
      findings.set(key, {
        id: record.id,
        aliases: record.aliases ?? [],
        ecosystem: pkg.ecosystem,
        package: pkg.advisoryName,
        installedVersion: pkg.version,
        fixedVersion: verdict.fixed,
        lastAffected: verdict.lastAffected,
        installedPackages: [installed],
      });
    }
  }
  return [...findings.values()];
}
