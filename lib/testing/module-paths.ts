import { existsSync, statSync } from "node:fs";
import path from "node:path";

/** The repository's root (this file is lib/testing/module-paths.ts). */
export const REPO_ROOT = path.resolve(__dirname, "../..");

/**
 * The repository file (relative to REPO_ROOT) that an import of `specifier` from `from` loads,
 * resolved as the bundler does for this project's own modules (`@/…` and relative paths, `.ts`
 * or `.tsx`, or a folder's index); null for a package or a module that is not a TypeScript file.
 * For the tests that walk the console's import graph (client-imports, server-text coverage).
 */
export function resolveLocalModule(specifier: string, from: string): string | null {
  let base: string;
  if (specifier.startsWith("@/")) base = specifier.slice(2);
  else if (specifier.startsWith(".")) base = path.join(path.dirname(from), specifier);
  else return null;
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts"), path.join(base, "index.tsx")]) {
    const absolute = path.join(REPO_ROOT, candidate);
    if (/\.tsx?$/.test(candidate) && existsSync(absolute) && statSync(absolute).isFile()) return candidate;
  }
  return null;
}
