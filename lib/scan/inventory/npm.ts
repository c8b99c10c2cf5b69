import { npmPurl } from "./purl";
import type { ParsedPackage } from "./types";

interface LockEntry {
  version?: unknown;
  name?: unknown;
  dev?: unknown;
  link?: unknown;
}

/**
 * Packages of a package-lock.json (lockfileVersion 2/3 `packages`, or v1 `dependencies`).
 * The name is the path after the last `node_modules/` (or the entry's `name` for aliases);
 * links and the root project entry are not installed packages. Each (name, version) is one
 * package even when the lockfile installs it at several paths.
 */
export function parsePackageLock(content: string, path: string): ParsedPackage[] {
  const lock = JSON.parse(content) as { packages?: Record<string, LockEntry>; dependencies?: Record<string, unknown> };
  const found = new Map<string, ParsedPackage>();
  const add = (name: string, version: string, dev: boolean) => {
    const key = `${name}@${version}`;
    const existing = found.get(key);
    if (existing) {
      // Installed as a production dependency anywhere means it is not dev-only.
      if (!dev) existing.dev = false;
      return;
    }
    found.set(key, { name, version, ecosystem: "npm", advisoryName: name, purl: npmPurl(name, version), path, dev });
  };
  if (lock.packages && typeof lock.packages === "object") {
    for (const [key, entry] of Object.entries(lock.packages)) {
      const marker = key.lastIndexOf("node_modules/");
      if (marker < 0 || entry.link === true || typeof entry.version !== "string") continue;
      const name = typeof entry.name === "string" ? entry.name : key.slice(marker + "node_modules/".length);
      add(name, entry.version, entry.dev === true);
    }
  } else if (lock.dependencies && typeof lock.dependencies === "object") {
    const walk = (deps: Record<string, unknown>) => {
      for (const [name, raw] of Object.entries(deps)) {
        const entry = raw as { version?: unknown; dev?: unknown; dependencies?: Record<string, unknown> };
        if (typeof entry.version === "string" && !entry.version.startsWith("file:")) add(name, entry.version, entry.dev === true);
        if (entry.dependencies) walk(entry.dependencies);
      }
    };
    walk(lock.dependencies);
  }
  return [...found.values()];
}

/** An installed package's own node_modules/<name>/package.json. */
export function parseNodeModulesPackageJson(content: string, path: string): ParsedPackage[] {
  const manifest = JSON.parse(content) as { name?: unknown; version?: unknown };
  if (typeof manifest.name !== "string" || typeof manifest.version !== "string") return [];
  return [
    {
      name: manifest.name,
      version: manifest.version,
      ecosystem: "npm",
      advisoryName: manifest.name,
      purl: npmPurl(manifest.name, manifest.version),
      path,
    },
  ];
}
