/**
 * `npm run demo` builds the production bundle only when a source file is newer than the last
 * build, so a second start takes seconds instead of a full `next build`.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

const SOURCES = ["app", "components", "lib", "public", "instrumentation.ts", "next.config.ts", "postcss.config.mjs", "tsconfig.json", "package-lock.json", "prisma/schema.prisma"];
const SKIP_DIRS = new Set(["node_modules", ".next", ".wharf", "generated"]);

function newestMtime(target: string): number {
  let stat;
  try {
    stat = statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) {
    if (SKIP_DIRS.has(entry) || entry.endsWith(".test.ts")) continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

const builtAt = (() => {
  try {
    return statSync(path.join(".next", "BUILD_ID")).mtimeMs;
  } catch {
    return 0;
  }
})();
const changedAt = Math.max(...SOURCES.map(newestMtime));

if (builtAt > changedAt) {
  console.log("wharf: the production build is up to date");
} else {
  console.log(builtAt ? "wharf: sources changed since the last build; building" : "wharf: building the production bundle (first start)");
  const result = spawnSync(process.execPath, [path.join("node_modules", "next", "dist", "bin", "next"), "build"], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  process.exit(result.status ?? 1);
}
