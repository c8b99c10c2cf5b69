/**
 * One comparator per OSV ecosystem. Every comparator answers -1/0/1, or null when a version
 * is not valid in that scheme: an unparsable version can never be declared "affected" or
 * "not affected" by guessing, so callers skip the range and count it.
 */
import { compare as comparePep440, valid as validPep440 } from "@renovatebot/pep440";
import semver from "semver";

import { compareApk } from "./apk";
import { compareDpkg } from "./dpkg";

export { compareApk, parseApkVersion } from "./apk";
export { compareDpkg, parseDpkgVersion } from "./dpkg";

export type VersionComparator = (a: string, b: string) => number | null;

export function compareSemver(a: string, b: string): number | null {
  const x = semver.parse(a);
  const y = semver.parse(b);
  if (!x || !y) return null;
  return x.compare(y);
}

export function comparePypi(a: string, b: string): number | null {
  if (!validPep440(a) || !validPep440(b)) return null;
  const cmp = comparePep440(a, b);
  return cmp < 0 ? -1 : cmp > 0 ? 1 : 0;
}

/** Ecosystems whose ECOSYSTEM ranges we can evaluate, keyed by OSV's base name (before ':'). */
const ECOSYSTEM_COMPARATORS: Record<string, VersionComparator> = {
  Debian: compareDpkg,
  Ubuntu: compareDpkg,
  Alpine: compareApk,
  npm: compareSemver,
  PyPI: comparePypi,
};

/** "Debian:12" -> { base: "Debian", release: "12" }; "npm" -> { base: "npm", release: null }. */
export function splitEcosystem(ecosystem: string): { base: string; release: string | null } {
  const colon = ecosystem.indexOf(":");
  if (colon < 0) return { base: ecosystem, release: null };
  return { base: ecosystem.slice(0, colon), release: ecosystem.slice(colon + 1) };
}

export function comparatorForEcosystem(ecosystem: string): VersionComparator | null {
  return ECOSYSTEM_COMPARATORS[splitEcosystem(ecosystem).base] ?? null;
}

export const SUPPORTED_ECOSYSTEMS = Object.keys(ECOSYSTEM_COMPARATORS);
