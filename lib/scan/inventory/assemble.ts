/**
 * Turns an image's package files into its inventory: the OS first (its release decides the
 * ecosystem of OS packages), then every package database and manifest. A file that does not
 * parse is a warning on the scan, never a failed scan.
 */
import { parseApkInstalled } from "./apk-installed";
import { parseDpkgStatus } from "./dpkg-status";
import type { ImageFile } from "./merge";
import { parseNodeModulesPackageJson, parsePackageLock } from "./npm";
import { alpineReleaseOs, parseOsRelease } from "./os-release";
import { parsePoetryLock, parsePythonMetadata, parseRequirements } from "./python";
import type { InventoryPackage, OsRelease, ParsedPackage } from "./types";

export interface Inventory {
  os: OsRelease | null;
  packages: InventoryPackage[];
  warnings: string[];
}

function detectOs(files: ImageFile[]): OsRelease | null {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const osRelease = byPath.get("etc/os-release") ?? byPath.get("usr/lib/os-release");
  const parsed = osRelease ? parseOsRelease(osRelease.content) : null;
  const alpineRelease = byPath.get("etc/alpine-release");
  if (alpineRelease && (!parsed || parsed.id === "alpine")) {
    // alpine-release has the point release even when os-release is missing or terser.
    return alpineReleaseOs(alpineRelease.content) ?? parsed;
  }
  return parsed;
}

export function assembleInventory(files: ImageFile[], inheritedWarnings: string[] = []): Inventory {
  const warnings = [...inheritedWarnings];
  const os = detectOs(files);
  const seen = new Set<string>();
  const packages: InventoryPackage[] = [];
  const add = (file: ImageFile, parsed: ParsedPackage[]) => {
    for (const pkg of parsed) {
      const key = `${pkg.ecosystem}\u0000${pkg.name}\u0000${pkg.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      packages.push({ ...pkg, layerDigest: file.layerDigest });
    }
  };
  // Installed databases before manifests, so the layer recorded is the installing one.
  const order: ImageFile["kind"][] = ["dpkg-status", "apk-installed", "node-package-json", "python-metadata", "package-lock", "poetry-lock", "requirements"];
  const sorted = [...files].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  for (const file of sorted) {
    try {
      switch (file.kind) {
        case "dpkg-status":
        case "apk-installed": {
          const expected = file.kind === "dpkg-status" ? "Debian" : "Alpine";
          if (!os?.ecosystem || !os.ecosystem.startsWith(`${expected}:`)) {
            warnings.push(`${file.path}: OS packages not inventoried, the OS (${os?.prettyName ?? os?.id ?? "unknown"}) has no ${expected} release advisories apply to.`);
            break;
          }
          add(file, file.kind === "dpkg-status" ? parseDpkgStatus(file.content, file.path, os.ecosystem) : parseApkInstalled(file.content, file.path, os.ecosystem));
          break;
        }
        case "package-lock":
          add(file, parsePackageLock(file.content, file.path));
          break;
        case "node-package-json":
          add(file, parseNodeModulesPackageJson(file.content, file.path));
          break;
        case "python-metadata":
          add(file, parsePythonMetadata(file.content, file.path));
          break;
        case "requirements":
          add(file, parseRequirements(file.content, file.path));
          break;
        case "poetry-lock":
          add(file, parsePoetryLock(file.content, file.path));
          break;
        default:
          break;
      }
    } catch (error) {
      warnings.push(`${file.path}: not read (${error instanceof Error ? error.message : String(error)}).`);
    }
  }
  return { os, packages, warnings };
}
