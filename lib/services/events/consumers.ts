import "server-only";
import type { ArtifactEventConsumer } from "@/lib/services/events/artifact-events";

/**
 * The consumers of the artifact events that the drain job (lib/jobs, `artifact-events.drain`)
 * serves, each with its own cursor: event-based replication (lib/services/replication/event-trigger)
 * and scan on push (lib/services/scan/scan-on-push) register theirs when their module loads (the
 * drain job's handler imports them); webhooks will too. Tests register their own.
 */
const consumers = new Map<string, ArtifactEventConsumer>();

/** Adds a consumer; answers a function that removes it again. A name is registered once. */
export function registerArtifactEventConsumer(consumer: ArtifactEventConsumer): () => void {
  if (consumers.has(consumer.name)) throw new Error(`An artifact event consumer named ${JSON.stringify(consumer.name)} is registered already.`);
  consumers.set(consumer.name, consumer);
  return () => {
    if (consumers.get(consumer.name) === consumer) consumers.delete(consumer.name);
  };
}

export function registeredArtifactEventConsumers(): readonly ArtifactEventConsumer[] {
  return [...consumers.values()];
}
