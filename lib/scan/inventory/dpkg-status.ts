import { debPurl } from "./purl";
import type { ParsedPackage } from "./types";

/** Splits a Debian control file into stanzas of fields; continuation lines are kept raw. */
function stanzas(content: string): Map<string, string>[] {
  const result: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let lastKey: string | null = null;
  for (const line of content.split("\n")) {
    if (line.trim() === "") {
      if (current.size) result.push(current);
      current = new Map();
      lastKey = null;
    } else if (/^[ \t]/.test(line)) {
      if (lastKey) current.set(lastKey, `${current.get(lastKey) ?? ""}\n${line}`);
    } else {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      lastKey = line.slice(0, colon);
      current.set(lastKey, line.slice(colon + 1).trim());
    }
  }
  if (current.size) result.push(current);
  return result;
}

/**
 * Installed packages of a dpkg status file (var/lib/dpkg/status) or one file of status.d
 * (distroless images). Only "install ok installed" stanzas count (status.d files have no
 * Status field and are installed by definition). Advisories name the source package:
 * `Source: bash (5.2.15-2)` -> bash; without Source the binary name is the source name.
 */
export function parseDpkgStatus(content: string, path: string, ecosystem: string): ParsedPackage[] {
  const packages: ParsedPackage[] = [];
  for (const fields of stanzas(content)) {
    const name = fields.get("Package");
    const version = fields.get("Version");
    if (!name || !version) continue;
    const status = fields.get("Status");
    if (status !== undefined && !/\binstalled$/.test(status.trim())) continue;
    if (status !== undefined && !status.includes(" ok ")) continue;
    const source = fields.get("Source")?.split(/\s+/)[0] || name;
    const distro = ecosystem.startsWith("Debian:") ? `debian-${ecosystem.slice("Debian:".length)}` : undefined;
    packages.push({
      name,
      version,
      ecosystem,
      advisoryName: source,
      purl: debPurl(name, version, fields.get("Architecture"), distro),
      path,
    });
  }
  return packages;
}
