import "server-only";
import type { DbTransaction } from "@/lib/db/client";
import type { ArtifactEventConsumer, ArtifactEventRecord } from "@/lib/services/events/artifact-events";
import { registerArtifactEventConsumer } from "@/lib/services/events/consumers";
import { projectsWanting, queueWebhookEvent } from "@/lib/services/webhooks/notify";
import { artifactPayload } from "@/lib/services/webhooks/payload";
import type { WebhookEventType } from "@/lib/validation/webhooks";

/**
 * Webhooks' reader of the artifact events outbox (lib/services/events): every `artifact_pushed`
 * becomes a PUSH_ARTIFACT, every `artifact_deleted` a DELETE_ARTIFACT, queued (one delivery per
 * enabled policy that asks for it) in the transaction that moves the cursor, so each event is
 * queued exactly once and never in the push's own request. Tag-only changes (a tag added through
 * the API, a tag deleted) are not Harbor webhook events and send nothing.
 */
const TYPES: Partial<Record<ArtifactEventRecord["kind"], WebhookEventType>> = { artifact_pushed: "PUSH_ARTIFACT", artifact_deleted: "DELETE_ARTIFACT" };

export async function handleWebhookArtifactEvents(events: ArtifactEventRecord[], tx: DbTransaction): Promise<void> {
  const relevant = events.flatMap((e) => (TYPES[e.kind] ? [{ event: e, type: TYPES[e.kind]! }] : []));
  if (relevant.length === 0) return;
  const wanted = new Map<WebhookEventType, Set<number>>();
  for (const type of new Set(relevant.map((r) => r.type))) {
    wanted.set(type, await projectsWanting(tx, relevant.filter((r) => r.type === type).map((r) => r.event.projectId), type));
  }
  for (const { event, type } of relevant) {
    if (!wanted.get(type)?.has(event.projectId)) continue;
    const [project, repository] = await Promise.all([
      tx.project.findUnique({ where: { id: event.projectId }, select: { isPublic: true } }),
      tx.repository.findUnique({ where: { name: event.repository }, select: { createdAt: true } }),
    ]);
    if (!project) continue;
    await queueWebhookEvent(
      tx,
      event.projectId,
      artifactPayload({ type, at: event.createdAt, operator: event.actorName, repository: event.repository, repositoryCreated: repository?.createdAt ?? null, isPublic: project.isPublic, digest: event.digest, tag: event.tag }),
    );
  }
}

export const WEBHOOK_EVENTS_CONSUMER: ArtifactEventConsumer = { name: "webhooks", handle: handleWebhookArtifactEvents };

registerArtifactEventConsumer(WEBHOOK_EVENTS_CONSUMER);
