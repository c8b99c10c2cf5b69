import { normalizePypiName } from "@/lib/scan/versions/names";

import { pypiPurl } from "./purl";
import type { ParsedPackage } from "./types";

function pypiPackage(name: string, version: string, path: string): ParsedPackage {
  const normalized = normalizePypiName(name);
  return { name, version, ecosystem: "PyPI", advisoryName: normalized, purl: pypiPurl(normalized, version), path };
}

/** An installed distribution's *.dist-info/METADATA or *.egg-info/PKG-INFO (RFC 822 headers). */
export function parsePythonMetadata(content: string, path: string): ParsedPackage[] {
  const headerEnd = content.search(/\r?\n\r?\n/);
  const headers = headerEnd >= 0 ? content.slice(0, headerEnd) : content;
  const name = /^Name:\s*(.+)$/m.exec(headers)?.[1]?.trim();
  const version = /^Version:\s*(.+)$/m.exec(headers)?.[1]?.trim();
  return name && version ? [pypiPackage(name, version, path)] : [];
}

/**
 * Exact pins (`name==version`) of a requirements file; ranges and unpinned names say nothing
 * about what is installed and are skipped. Spellings that normalise to one name are one package.
 */
export function parseRequirements(content: string, path: string): ParsedPackage[] {
  const found = new Map<string, ParsedPackage>();
  for (const rawLine of content.split("\n")) {
    const line = rawLine.replace(/\s+#.*$/, "").replace(/^#.*$/, "").trim();
    const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*([^\s;,\\]+)/.exec(line);
    if (!match) continue;
    const [, name = "", version = ""] = match;
    const pkg = pypiPackage(name, version, path);
    const key = `${pkg.advisoryName}@${version}`;
    if (!found.has(key)) found.set(key, pkg);
  }
  return [...found.values()];
}

/** [[package]] tables of a poetry.lock: the `name` and `version` keys of each. */
export function parsePoetryLock(content: string, path: string): ParsedPackage[] {
  const packages: ParsedPackage[] = [];
  for (const block of content.split(/^\[\[package\]\]\s*$/m).slice(1)) {
    const table = block.split(/^\[/m)[0] ?? "";
    const name = /^name\s*=\s*"([^"]+)"/m.exec(table)?.[1];
    const version = /^version\s*=\s*"([^"]+)"/m.exec(table)?.[1];
    if (name && version) packages.push(pypiPackage(name, version, path));
  }
  return packages;
}
