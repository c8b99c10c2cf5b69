import { apkPurl } from "./purl";
import type { ParsedPackage } from "./types";

/**
 * Installed packages of lib/apk/db/installed: blank-line separated records of `X:value` lines
 * (P name, V version, A arch, o origin). Alpine advisories are keyed by origin, so
 * libcrypto3 and libssl3 are both matched as `openssl`.
 */
export function parseApkInstalled(content: string, path: string, ecosystem: string): ParsedPackage[] {
  const packages: ParsedPackage[] = [];
  const distro = ecosystem.startsWith("Alpine:v") ? ecosystem.slice("Alpine:v".length) : undefined;
  for (const block of content.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split("\n")) {
      if (line.length > 2 && line[1] === ":" && !fields.has(line[0] ?? "")) fields.set(line[0] ?? "", line.slice(2));
    }
    const name = fields.get("P");
    const version = fields.get("V");
    if (!name || !version) continue;
    packages.push({
      name,
      version,
      ecosystem,
      advisoryName: fields.get("o") || name,
      purl: apkPurl(name, version, fields.get("A"), distro),
      path,
    });
  }
  return packages;
}
