import { osEcosystem } from "@/lib/scan/versions/names";

import type { OsRelease } from "./types";

/** Parses /etc/os-release (shell-style KEY="value" lines, see os-release(5)). */
export function parseOsRelease(content: string): OsRelease | null {
  const fields = new Map<string, string>();
  for (const line of content.split("\n")) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, key = "", raw = ""] = match;
    fields.set(key, raw.replace(/^(["'])(.*)\1$/, "$2").replace(/\\(["'$`\\])/g, "$1"));
  }
  const id = fields.get("ID");
  if (!id) return null;
  const versionId = fields.get("VERSION_ID") ?? null;
  return { id, versionId, prettyName: fields.get("PRETTY_NAME") ?? null, ecosystem: osEcosystem(id, versionId) };
}

/**
 * Alpine's /etc/alpine-release carries the full release (3.18.1) while os-release may be absent
 * in minimal images; it wins for the branch because advisories are per branch.
 */
export function alpineReleaseOs(content: string): OsRelease | null {
  const versionId = content.trim().split(/\s+/)[0];
  if (!versionId || !/^\d+\.\d+/.test(versionId)) return null;
  return { id: "alpine", versionId, prettyName: `Alpine Linux v${versionId}`, ecosystem: osEcosystem("alpine", versionId) };
}
