/**
 * Whether an installed package version is affected by an OSV record, following the OSV
 * schema's evaluation: `versions` lists exact affected versions; each ECOSYSTEM/SEMVER range is
 * a list of events walked in version order, `introduced` switching "affected" on and `fixed`
 * (version >= fixed) or `last_affected` (version > last_affected) switching it off. GIT ranges
 * name commits, not versions, and are ignored. A range whose versions the ecosystem's
 * comparator cannot parse is reported as unevaluable rather than guessed.
 */
import {
  comparatorForEcosystem,
  compareSemver,
  type VersionComparator,
} from "@/lib/scan/versions";
import { ecosystemsMatch, normalizePackageName } from "@/lib/scan/versions/names";

import type { OsvAffected, OsvEvent, OsvRange, OsvRecord } from "./record";

export interface InstalledPackage {
  /** OSV ecosystem including the release, e.g. "Debian:12", "Alpine:v3.18", "npm". */
  ecosystem: string;
  /** The name advisories use: Debian source package, Alpine origin, npm/PyPI package name. */
  name: string;
  version: string;
}

export interface AffectedVerdict {
  affected: boolean;
  /** The fix for the range that matched (null when the range is open or matched by `versions`). */
  fixed: string | null;
  lastAffected: string | null;
  /** Ranges skipped because a version in them is not valid for the comparator. */
  unevaluable: number;
}

type VersionEvent = { kind: "introduced" | "fixed" | "last_affected" | "limit"; version: string };

function eventOf(event: OsvEvent): VersionEvent | null {
  if (event.introduced !== undefined) return { kind: "introduced", version: event.introduced };
  if (event.fixed !== undefined) return { kind: "fixed", version: event.fixed };
  if (event.last_affected !== undefined) return { kind: "last_affected", version: event.last_affected };
  if (event.limit !== undefined) return { kind: "limit", version: event.limit };
  return null;
}

// Sort key comparison where introduced "0" is below every version and limit "*" above.
function compareEvents(a: VersionEvent, b: VersionEvent, compare: VersionComparator): number | null {
  const aLow = a.kind === "introduced" && a.version === "0";
  const bLow = b.kind === "introduced" && b.version === "0";
  if (aLow || bLow) return aLow && bLow ? 0 : aLow ? -1 : 1;
  const aHigh = a.kind === "limit" && a.version === "*";
  const bHigh = b.kind === "limit" && b.version === "*";
  if (aHigh || bHigh) return aHigh && bHigh ? 0 : aHigh ? 1 : -1;
  return compare(a.version, b.version);
}

interface RangeVerdict {
  affected: boolean;
  fixed: string | null;
  lastAffected: string | null;
}

export function evaluateRange(
  range: OsvRange,
  version: string,
  compare: VersionComparator,
): RangeVerdict | "unevaluable" {
  const events = range.events.map(eventOf).filter((e): e is VersionEvent => e !== null);
  if (compare(version, version) === null) return "unevaluable";
  const unparsable = events.some(
    (e) => !(e.kind === "introduced" && e.version === "0") && !(e.kind === "limit" && e.version === "*") &&
      compare(e.version, e.version) === null,
  );
  if (unparsable) return "unevaluable";
  let invalid = false;
  const sorted = [...events].sort((a, b) => {
    const cmp = compareEvents(a, b, compare);
    if (cmp === null) invalid = true;
    return cmp ?? 0;
  });
  if (invalid) return "unevaluable";
  const at = (event: VersionEvent) =>
    event.kind === "introduced" && event.version === "0" ? 1 : (compare(version, event.version) as number);

  let affected = false;
  let limited = false;
  for (const event of sorted) {
    if (event.kind === "introduced" && at(event) >= 0) affected = true;
    else if (event.kind === "fixed" && at(event) >= 0) affected = false;
    else if (event.kind === "last_affected" && at(event) > 0) affected = false;
    else if (event.kind === "limit" && event.version !== "*" && at(event) >= 0) limited = true;
  }
  if (!affected || limited) return { affected: false, fixed: null, lastAffected: null };
  // The fix of the matched range: the first closing event above the installed version.
  const closing = sorted.find(
    (e) => (e.kind === "fixed" && at(e) < 0) || (e.kind === "last_affected" && at(e) <= 0),
  );
  return {
    affected: true,
    fixed: closing?.kind === "fixed" ? closing.version : null,
    lastAffected: closing?.kind === "last_affected" ? closing.version : null,
  };
}

function comparatorForRange(range: OsvRange, ecosystem: string): VersionComparator | null {
  if (range.type === "SEMVER") return compareSemver;
  if (range.type === "ECOSYSTEM") return comparatorForEcosystem(ecosystem);
  return null;
}

/** Does this `affected[]` entry name the installed package (same ecosystem and release, same name)? */
export function affectedNamesPackage(entry: OsvAffected, pkg: InstalledPackage): boolean {
  if (!entry.package) return false;
  if (!ecosystemsMatch(entry.package.ecosystem, pkg.ecosystem)) return false;
  return (
    normalizePackageName(pkg.ecosystem, entry.package.name) === normalizePackageName(pkg.ecosystem, pkg.name)
  );
}

export function evaluateAffected(entry: OsvAffected, pkg: InstalledPackage): AffectedVerdict {
  const verdict: AffectedVerdict = { affected: false, fixed: null, lastAffected: null, unevaluable: 0 };
  if (!affectedNamesPackage(entry, pkg)) return verdict;
  const ecosystemCompare = comparatorForEcosystem(pkg.ecosystem);
  for (const range of entry.ranges ?? []) {
    const compare = comparatorForRange(range, pkg.ecosystem);
    if (!compare) continue;
    const result = evaluateRange(range, pkg.version, compare);
    if (result === "unevaluable") {
      verdict.unevaluable++;
      continue;
    }
    if (result.affected) return { ...result, unevaluable: verdict.unevaluable };
  }
  const listed = (entry.versions ?? []).some((listedVersion) =>
    ecosystemCompare ? ecosystemCompare(listedVersion, pkg.version) === 0 : listedVersion === pkg.version,
  );
  if (listed) verdict.affected = true;
  return verdict;
}

/** The first affected entry of a (non-withdrawn) record that affects the package, or null. */
export function evaluateRecord(record: OsvRecord, pkg: InstalledPackage): AffectedVerdict | null {
  if (record.withdrawn) return null;
  for (const entry of record.affected ?? []) {
    const verdict = evaluateAffected(entry, pkg);
    if (verdict.affected) return verdict;
  }
  return null;
}
