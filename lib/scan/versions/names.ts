/**
 * Package identity per ecosystem: how an installed package's name and an advisory's
 * `affected[].package.name` are made comparable. PyPI names are case- and
 * separator-insensitive (PEP 503); every other ecosystem here compares names exactly.
 */
import { splitEcosystem } from "./index";

export function normalizePypiName(name: string): string {
  return name.trim().toLowerCase().replace(/[-_.]+/g, "-");
}

export function normalizePackageName(ecosystem: string, name: string): string {
  return splitEcosystem(ecosystem).base === "PyPI" ? normalizePypiName(name) : name.trim();
}

/**
 * Release matching: an advisory for "Debian:11" never applies to a Debian 12 image and
 * "Alpine:v3.18" never to a 3.19 image. Ecosystems are compared exactly after trimming.
 */
export function ecosystemsMatch(advisoryEcosystem: string, installedEcosystem: string): boolean {
  return advisoryEcosystem.trim() === installedEcosystem.trim();
}

/** The OSV ecosystem of an OS, from /etc/os-release's ID and VERSION_ID (null when unknown). */
export function osEcosystem(id: string, versionId: string | null): string | null {
  if (!versionId) return null;
  switch (id) {
    case "debian":
      return `Debian:${versionId.split(".")[0]}`;
    case "alpine": {
      const [major, minor] = versionId.split(".");
      return minor === undefined ? null : `Alpine:v${major}.${minor}`;
    }
    default:
      return null;
  }
}
