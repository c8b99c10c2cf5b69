import "server-only";
import { processCache } from "@/lib/cache/process-cache";
import { db } from "@/lib/db/client";

/**
 * `ipAllowlist`: the project's own IP allowlist (lib/services/ip-allowlist/project-address-rule.ts).
 * `proxyRegistryId`: the upstream of a proxy-cache project (lib/services/proxy-cache), set at creation only.
 */
export type RegistryProject = { id: number; name: string; isPublic: boolean; createdAt: Date; ipAllowlist: string[]; proxyRegistryId: number | null };

/**
 * Projects by name for the token service and the gateway, which look one up on nearly every
 * request (a pull is dozens of requests). Found projects are remembered for two seconds, which
 * saves a query per blob and per token. Missing projects are not remembered, so a project is
 * usable the moment it is created.
 *
 * Across instances: deleting a project and making it public or private bump the registry grant
 * version, whose NOTIFY empties this cache on every instance at commit (lib/cache/process-cache.ts),
 * so a project deleted and re-created under its name on another instance is not answered with the
 * old id. A change of the project's IP allowlist bumps it too. Should that notification be missed, the gateway still refuses what the old entry would
 * allow: its current-grant check reads visibility and existence afresh once a grant changed, and
 * a token issued in the window for a project since made private names pull it no longer holds.
 */
const cache = processCache<RegistryProject>({ name: "registry-projects", max: 10_000, ttlMs: 2_000, invalidatedBy: "registry-grants" });

const SELECT = { id: true, name: true, isPublic: true, createdAt: true, ipAllowlist: true, proxyRegistryId: true } as const;

export async function findRegistryProjects(names: readonly string[]): Promise<RegistryProject[]> {
  const found: RegistryProject[] = [];
  const missing: string[] = [];
  for (const name of new Set(names)) {
    const hit = cache.get(name);
    if (hit) found.push(hit);
    else missing.push(name);
  }
  if (missing.length > 0) {
    const rows = await db.project.findMany({ where: { name: { in: missing } }, select: SELECT });
    for (const project of rows) {
      cache.set(project.name, project);
      found.push(project);
    }
  }
  return found;
}

/** One project; a remembered one is answered without a further await (the gateway asks on every request). */
export async function findRegistryProject(name: string): Promise<RegistryProject | null> {
  const hit = cache.get(name);
  if (hit) return hit;
  return (await findRegistryProjects([name]))[0] ?? null;
}

/** After a change of a project's IP allowlist in this process, and tests that change a project behind the cache's back. */
export function forgetRegistryProjects(): void {
  cache.clear();
}
