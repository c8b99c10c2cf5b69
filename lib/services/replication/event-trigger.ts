import "server-only";
import { systemActor } from "@/lib/auth/actor";
import type { DbTransaction } from "@/lib/db/client";
import { replicationRunJob } from "@/lib/jobs/definitions";
import { DOCKER_CONTAINER_CONFIG, isImageManifestMediaType, isIndexMediaType, OCI_IMAGE_CONFIG } from "@/lib/oci/media-types";
import { compileReplicationFilter, replicationFilterSchema } from "@/lib/policy/replication";
import { compileRepositorySelector } from "@/lib/policy/selectors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import type { ArtifactEventConsumer, ArtifactEventRecord } from "@/lib/services/events/artifact-events";
import { registerArtifactEventConsumer } from "@/lib/services/events/consumers";
import { queueRun } from "@/lib/services/jobs/queue-run";
import { destinationRepository } from "@/lib/services/replication/policies";

/**
 * Event-based replication: a consumer of the artifact events outbox (lib/services/events), so it
 * sees every push and delete of Wharf's index exactly once, in the transaction that moves its
 * cursor. For each enabled event-based push policy whose filters select the event, it writes an
 * execution with one task per artifact and queues its `replication.run` (which finds the tasks
 * written and only fans them out). Deletions are replicated when the policy says so: an artifact
 * deleted here is deleted at the destination by digest. A tag deleted alone is not replicated
 * (the Distribution API deletes manifests, not tags; Harbor's adapter does the same for registries).
 * Events older than a policy are not replayed for it.
 */

const ACTOR = systemActor("replication-event");
const COPY_KINDS = new Set(["artifact_pushed", "tag_created", "tag_moved"]);

type PlannedTask = { operation: "copy" | "delete"; resourceType: "image" | "artifact"; srcRepository: string; dstRepository: string; digest: string; tags: string[]; reason: string };

export async function handleReplicationEvents(events: ArtifactEventRecord[], tx: DbTransaction): Promise<void> {
  const policies = await tx.replicationPolicy.findMany({
    where: { enabled: true, triggerType: "event_based", direction: "push" },
    select: { id: true, name: true, filters: true, destNamespace: true, flattening: true, replicateDeletion: true, createdAt: true },
    orderBy: { id: "asc" },
  });
  if (policies.length === 0) return;
  const indexed = new Map<string, { image: boolean; labels: string[] } | null>();
  /** Whether the event's artifact is an image, and its labels' names; null when it is gone from the index. */
  async function artifactOf(repository: string, digest: string): Promise<{ image: boolean; labels: string[] } | null> {
    const key = `${repository}@${digest}`;
    if (!indexed.has(key)) {
      const artifact = await tx.artifact.findFirst({
        where: { digest, repository: { name: repository } },
        select: { mediaType: true, artifactType: true, subjectDigest: true, labels: { select: { label: { select: { name: true } } } } },
      });
      // A signature or SBOM is no image, whatever its config says (an images-only policy leaves it).
      const imageType = artifact && artifact.subjectDigest === null && (artifact.artifactType === null || artifact.artifactType === OCI_IMAGE_CONFIG || artifact.artifactType === DOCKER_CONTAINER_CONFIG);
      indexed.set(
        key,
        artifact ? { image: Boolean(imageType && (isIndexMediaType(artifact.mediaType) || isImageManifestMediaType(artifact.mediaType))), labels: artifact.labels.map((l) => l.label.name) } : null,
      );
    }
    return indexed.get(key)!;
  }

  for (const policy of policies) {
    const filters = replicationFilterSchema.parse(policy.filters);
    const filter = compileReplicationFilter(filters);
    const name = filters.name ? compileRepositorySelector(filters.name) : null;
    const tasks = new Map<string, PlannedTask>();
    for (const event of events) {
      if (event.createdAt < policy.createdAt) continue;
      const dst = destinationRepository(event.repository, policy.destNamespace, policy.flattening);
      if (!dst.ok) continue;
      if (COPY_KINDS.has(event.kind)) {
        const artifact = await artifactOf(event.repository, event.digest);
        // Gone from the index since (a later event in the batch says what became of it).
        if (artifact === null) continue;
        const image = artifact.image;
        const selection = filter.select({ repository: event.repository, tags: event.tag ? [event.tag] : [], image, labels: artifact.labels });
        if (!selection.selected) continue;
        const key = `copy ${event.repository}@${event.digest}`;
        const task = tasks.get(key) ?? { operation: "copy", resourceType: image ? "image" : "artifact", srcRepository: event.repository, dstRepository: dst.repository, digest: event.digest, tags: [], reason: `Copy: ${event.kind} by ${event.actorName}.` };
        for (const tag of selection.tags) if (!task.tags.includes(tag)) task.tags.push(tag);
        tasks.set(key, task);
      } else if (event.kind === "artifact_deleted" && policy.replicateDeletion && (!name || name.selects(event.repository))) {
        tasks.delete(`copy ${event.repository}@${event.digest}`);
        tasks.set(`delete ${event.repository}@${event.digest}`, { operation: "delete", resourceType: "artifact", srcRepository: event.repository, dstRepository: dst.repository, digest: event.digest, tags: [], reason: `Delete: deleted in Wharf by ${event.actorName}.` });
      }
    }
    if (tasks.size === 0) continue;
    const execution = await tx.replicationExecution.create({ data: { policyId: policy.id, trigger: "event_based", triggeredBy: "event" }, select: { id: true } });
    await tx.replicationTask.createMany({ data: [...tasks.values()].map((t) => ({ ...t, executionId: execution.id, status: "Pending" })) });
    const { runId } = await queueRun(tx, replicationRunJob, { executionId: execution.id, retryFailed: false }, "event");
    await tx.replicationExecution.update({ where: { id: execution.id }, data: { runId }, select: { id: true } });
    await recordAuditEvent(tx, { actor: ACTOR, action: "replication_execution.start", resource: { type: "replication_execution", id: execution.id, name: policy.name }, detail: { policyId: policy.id, runId, trigger: "event_based", tasks: tasks.size } });
  }
}

export const REPLICATION_EVENT_CONSUMER: ArtifactEventConsumer = { name: "replication", handle: handleReplicationEvents };

// Registered when this module loads (the drain job's handler imports it), once per process.
registerArtifactEventConsumer(REPLICATION_EVENT_CONSUMER);
