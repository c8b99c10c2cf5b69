import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { RegistryError } from "@/lib/registry/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { removeManifest } from "@/lib/services/repositories/index-manifest";
import { resolveRepository } from "@/lib/services/repositories/repository-access";

/** Artifacts read from the index per round trip while deleting. */
const BATCH = 200;

async function deleteInRegistry(repository: string, digest: string): Promise<void> {
  try {
    await getBackingRegistry().deleteManifest(repository, digest);
  } catch (error) {
    // Already gone (deleted behind Wharf's back, or a child deleted with nothing left to do).
    if (!(error instanceof RegistryError && error.status === 404)) throw error;
  }
}

/**
 * Deletes a repository (repository:delete): every manifest of it in the registry by digest, the
 * indexed ones in id batches, then any tag the registry still lists (content pushed behind
 * Wharf's back), then the Repository row (artifacts and tags cascade) with one
 * `repository.delete` audit row. Distribution 2.8 has no repository delete, so its catalog keeps
 * the name with no tags; Wharf no longer lists it.
 *
 * If the registry fails part way, the manifests already deleted are removed from the index in
 * the transaction of one failed `repository.delete` audit row, so the index stays exact, and the
 * error is rethrown.
 */
export async function deleteRepository({ actor, repository, projectId }: { actor: Actor; repository: string; projectId?: number }): Promise<void> {
  const { project, repo } = await resolveRepository(actor, repository, "repository:delete", { projectId });
  const deleted: string[] = [];
  try {
    let after = 0;
    for (;;) {
      const batch = await db.artifact.findMany({
        where: { repositoryId: repo.id, id: { gt: after } },
        select: { id: true, digest: true },
        orderBy: { id: "asc" },
        take: BATCH,
      });
      for (const a of batch) {
        await deleteInRegistry(repository, a.digest);
        deleted.push(a.digest);
      }
      const last = batch.at(-1);
      if (!last || batch.length < BATCH) break;
      after = last.id;
    }
    const registry = getBackingRegistry();
    for (const tag of await registry.listTags(repository).catch(() => [] as string[])) {
      const head = await registry.headManifest(repository, tag);
      if (head) await deleteInRegistry(repository, head.digest);
    }
  } catch (error) {
    await db.$transaction(async (tx) => {
      for (const digest of deleted) await removeManifest(tx, { repository, digest });
      await recordAuditEvent(tx, {
        actor,
        action: "repository.delete",
        resource: { type: "repository", id: repo.id, name: repository },
        projectId: project.id,
        result: "failure",
        reason: `the registry failed after ${deleted.length} manifest(s) were deleted: ${String(error)}`.slice(0, 500),
      });
    });
    throw error;
  }

  await db.$transaction(async (tx) => {
    await tx.repository.delete({ where: { id: repo.id }, select: { id: true } });
    await recordAuditEvent(tx, {
      actor,
      action: "repository.delete",
      resource: { type: "repository", id: repo.id, name: repository },
      projectId: project.id,
      detail: { manifests: deleted.length },
    });
  });
}
