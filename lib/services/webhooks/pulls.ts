import "server-only";
import { actorName, type Actor } from "@/lib/auth/actor";
import { writeBehind } from "@/lib/cache/write-behind";
import { db } from "@/lib/db/client";
import { isDigest } from "@/lib/oci/digest";
import { projectsWanting, queueWebhookEvent } from "@/lib/services/webhooks/notify";
import { artifactPayload } from "@/lib/services/webhooks/payload";

/**
 * PULL_ARTIFACT: the gateway notes each manifest GET here (in memory, as it queues the pull's audit
 * row: nothing is awaited on the pull's path). Once a second the batch is written: one query finds
 * which of the batch's projects have an enabled policy that asks for pulls, and only those pulls
 * become deliveries, queued in one transaction. Like the per-pull audit rows, a process killed
 * outright loses at most that second of pulls; a normal stop writes them.
 */
type NotedPull = { seq: number; projectId: number; repository: string; reference: string; digest: string; operator: string; at: Date };

let seq = 0;
const MAX_PENDING = 10_000;

const pulls = writeBehind<NotedPull>({
  name: "webhook pulls",
  intervalMs: 1_000,
  maxKeys: 1_000,
  keyOf: (p) => String(p.seq),
  merge: () => undefined,
  write: async (batch) => {
    await db.$transaction(
      async (tx) => {
        const wanted = await projectsWanting(tx, batch.map((p) => p.projectId), "PULL_ARTIFACT");
        const queued = batch.filter((p) => wanted.has(p.projectId));
        if (queued.length === 0) return;
        const projects = new Map((await tx.project.findMany({ where: { id: { in: [...wanted] } }, select: { id: true, isPublic: true } })).map((p) => [p.id, p]));
        const repos = new Map(
          (await tx.repository.findMany({ where: { name: { in: [...new Set(queued.map((p) => p.repository))] } }, select: { name: true, createdAt: true } })).map((r) => [r.name, r.createdAt]),
        );
        for (const pull of queued) {
          await queueWebhookEvent(
            tx,
            pull.projectId,
            artifactPayload({
              type: "PULL_ARTIFACT",
              at: pull.at,
              operator: pull.operator,
              repository: pull.repository,
              repositoryCreated: repos.get(pull.repository) ?? null,
              isPublic: projects.get(pull.projectId)?.isPublic ?? false,
              digest: pull.digest,
              tag: isDigest(pull.reference) ? null : pull.reference,
            }),
          );
        }
      },
      { timeout: 30_000 },
    );
  },
  retryFailed: { maxPending: MAX_PENDING },
});

/** A manifest GET the gateway let through (its digest known). Never touches Postgres itself. */
export function noteWebhookPull(event: { actor: Actor; projectId: number; repository: string; reference: string; digest: string | null }): void {
  if (!event.digest) return;
  pulls.note({ seq: ++seq, projectId: event.projectId, repository: event.repository, reference: event.reference, digest: event.digest, operator: actorName(event.actor), at: new Date() });
}

/** Writes the noted pulls now (tests; shutdown flushes every batch). */
export function flushWebhookPulls(): Promise<void> {
  return pulls.flush();
}
