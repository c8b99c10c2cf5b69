import "server-only";
import { db } from "@/lib/db/client";

export type RegistryProject = { id: number; name: string; isPublic: boolean; createdAt: Date };

/**
 * Projects by name for the token service and the gateway, which look one up on nearly every
 * request (a pull is dozens of requests). Found projects are remembered for two seconds, which
 * saves a query per blob and per token. A token issued in those two seconds after a project was
 * made private may still name pull in it; the gateway refuses it all the same, because its
 * current-grant check reads visibility and existence afresh once a grant changed. Missing projects
 * are not remembered, so a project is usable the moment it is created. Projects holding
 * repositories cannot be deleted.
 */
const TTL_MS = 2_000;
const MAX_ENTRIES = 10_000;
const cache = new Map<string, { project: RegistryProject; until: number }>();

const SELECT = { id: true, name: true, isPublic: true, createdAt: true } as const;

export async function findRegistryProjects(names: readonly string[]): Promise<RegistryProject[]> {
  const now = Date.now();
  const found: RegistryProject[] = [];
  const missing: string[] = [];
  for (const name of new Set(names)) {
    const hit = cache.get(name);
    if (hit && hit.until > now) found.push(hit.project);
    else missing.push(name);
  }
  if (missing.length > 0) {
    const rows = await db.project.findMany({ where: { name: { in: missing } }, select: SELECT });
    for (const project of rows) {
      remember(project, now);
      found.push(project);
    }
  }
  return found;
}

export async function findRegistryProject(name: string): Promise<RegistryProject | null> {
  return (await findRegistryProjects([name]))[0] ?? null;
}

/** Tests that change a project behind the cache's back. */
export function forgetRegistryProjects(): void {
  cache.clear();
}

function remember(project: RegistryProject, now: number): void {
  if (cache.size >= MAX_ENTRIES) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(project.name, { project, until: now + TTL_MS });
}
