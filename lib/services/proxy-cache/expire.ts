import "server-only";
import { systemActor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { RegistryError } from "@/lib/registry/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { removeManifest } from "@/lib/services/repositories/index-manifest";

/**
 * A proxy-cache project keeps a cached artifact for its `proxyCacheDays` after the last pull (or
 * after it was cached, if never pulled since); then it goes (issue 13 item 2), as Harbor's proxy
 * projects drop what nobody pulls. Each removal is what an artifact delete is: the registry's
 * manifest first, then the index rows (and Wharf's copy of the manifest) with one `artifact.delete`
 * row by the proxy cache, naming why. The next pull fetches it again. Blobs are left to garbage
 * collection, as for any delete.
 */

const PROXY_ACTOR = systemActor("proxy-cache");
/** Per project and run: a backlog is worked off in later runs (hourly). */
const BATCH = 500;

export type ExpireResult = { projects: number; deleted: number; failed: number };

export async function expireProxyCache({ now = new Date(), log = () => undefined }: { now?: Date; log?: (line: string) => void } = {}): Promise<ExpireResult> {
  const projects = await db.project.findMany({ where: { proxyRegistryId: { not: null } }, select: { id: true, name: true, proxyCacheDays: true }, orderBy: { id: "asc" } });
  const result: ExpireResult = { projects: projects.length, deleted: 0, failed: 0 };
  const registry = getBackingRegistry();
  for (const project of projects) {
    const cutoff = new Date(now.getTime() - project.proxyCacheDays * 86_400_000);
    const stale = await db.artifact.findMany({
      where: { repository: { projectId: project.id }, OR: [{ pulledAt: { lt: cutoff } }, { pulledAt: null, pushedAt: { lt: cutoff } }] },
      select: { digest: true, repository: { select: { name: true } } },
      orderBy: { id: "asc" },
      take: BATCH,
    });
    for (const { digest, repository } of stale) {
      const name = `${repository.name}@${digest}`;
      try {
        await registry.deleteManifest(repository.name, digest).catch((error: unknown) => {
          if (!(error instanceof RegistryError && error.status === 404)) throw error;
        });
        await db.$transaction(async (tx) => {
          if (!(await removeManifest(tx, { repository: repository.name, digest, actor: PROXY_ACTOR }))) return;
          await recordAuditEvent(tx, {
            actor: PROXY_ACTOR,
            action: "artifact.delete",
            resource: { type: "artifact", name },
            projectId: project.id,
            detail: { digest, reason: `not pulled for ${project.proxyCacheDays} days (proxy cache)` },
          });
        });
        result.deleted += 1;
      } catch (error) {
        result.failed += 1;
        log(`${name}: not removed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (stale.length > 0) log(`${project.name}: ${stale.length} cached artifacts not pulled for ${project.proxyCacheDays} days`);
  }
  return result;
}
