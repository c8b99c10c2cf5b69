import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { resolveLocalModule } from "@/lib/testing/module-paths";

/*
 * What a client component pulls into the browser. Issue 16's goal is under 150 KB of JavaScript per
 * page, and one value import of a module that also holds zod schemas puts zod (31 KB gzip) on the
 * page: the account page's language form did so through lib/actions/action-result.ts. This walks
 * every "use client" module's value imports (type-only imports are erased) through the project's
 * own files and fails on the heavy or server-only modules below.
 */
const ROOT = path.resolve(__dirname, "..");

const FORBIDDEN: { pattern: RegExp; why: string }[] = [
  { pattern: /^zod(\/|$)/, why: "zod (31 KB): import constants from an import-free module (lib/actions/action-state.ts, lib/validation/*-types.ts)" },
  { pattern: /^re2js$/, why: "re2js: selectors are evaluated on the server" },
  { pattern: /^@tanstack\/react-query$/, why: "react-query only in the modules loaded lazily after the page (components/live/poller.tsx; README, first-load benchmark)" },
  { pattern: /^node:/, why: "a Node built-in (the browser gets a polyfill)" },
  // project-roles is the permission matrix as plain data (the robot permission picker shows it).
  { pattern: /^@\/lib\/(services\/(?!authz\/project-roles$)|db\/)/, why: "the service layer is server-only" },
];

/**
 * Modules that may use react-query: the poller behind every polled panel and the members tab's user
 * suggestions, each loaded lazily (React.lazy's import()) once the page is interactive (a dynamic
 * import() is not followed here), and the provider they hold. Only through one another: a static import of one
 * from any other client module is reported.
 */
const REACT_QUERY_ALLOWED = [/^app\/providers\.tsx$/, /^components\/live\/poller\.tsx$/, /^app\/\(console\)\/projects\/\[projectId\]\/members\/user-suggestions\.tsx$/];

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [rel] : [];
  });
}

function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(path.join(ROOT, file), "utf8"), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.isTypeOnly) continue;
      const named = clause?.namedBindings;
      const onlyTypes = clause && !clause.name && named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      if (onlyTypes) continue;
      out.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      out.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return out;
}

function isClientModule(file: string): boolean {
  return /^\s*["']use client["']/.test(readFileSync(path.join(ROOT, file), "utf8"));
}

/** Every forbidden import reachable from `entry`, as "chain → import: why". */
function forbiddenReachable(entry: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const walk = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of valueImports(file)) {
      for (const rule of FORBIDDEN) {
        if (!rule.pattern.test(specifier)) continue;
        if (specifier === "@tanstack/react-query" && [...chain, file].every((f) => REACT_QUERY_ALLOWED.some((p) => p.test(f)))) continue;
        problems.push(`${[...chain, file].join(" → ")} imports ${specifier}: ${rule.why}`);
      }
      const local = resolveLocalModule(specifier, file);
      // A server action module is a reference in the browser, not its code.
      if (local && !/^\s*["']use server["']/.test(readFileSync(path.join(ROOT, local), "utf8"))) walk(local, [...chain, file]);
    }
  };
  walk(entry, []);
  return problems;
}

describe("client components' imports", () => {
  const clientModules = ["app", "components", "lib"].flatMap(sourceFiles).filter(isClientModule);

  it("finds the client components", () => {
    expect(clientModules.length).toBeGreaterThan(30);
  });

  it("pull no zod, no server module and no react-query outside the lazily loaded poller into the browser", () => {
    expect(clientModules.flatMap(forbiddenReachable)).toEqual([]);
  });

  it("follows imports through the project's modules to a forbidden one", () => {
    // lib/actions/action-result.ts maps zod's errors (through lib/api/errors): one value import of
    // it is enough.
    const found = forbiddenReachable("lib/actions/action-result.ts");
    expect(found.some((p) => p.includes("imports zod"))).toBe(true);
  });
});
