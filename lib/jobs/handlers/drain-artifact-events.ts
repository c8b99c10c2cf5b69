import type { JobHandler } from "@/lib/jobs/define-job";
import type { DrainArtifactEventsPayload } from "@/lib/jobs/definitions";
import { drainArtifactEvents, pruneArtifactEvents } from "@/lib/services/events/artifact-events";
import { registeredArtifactEventConsumers } from "@/lib/services/events/registered-consumers";

/**
 * One attempt of an `artifact-events.drain` run: every registered consumer is handed the events
 * after its cursor (each batch commits with its cursor, so a retried attempt goes on from there
 * and never hands an event over twice), then events every consumer has passed and that are past
 * the retention period are pruned. A consumer that fails fails the run (and it is retried); the
 * others are drained all the same.
 */
const handleDrainArtifactEvents: JobHandler<DrainArtifactEventsPayload> = async ({ log, report }) => {
  const consumers = registeredArtifactEventConsumers();
  let done = 0;
  const { handled } = await drainArtifactEvents(consumers, {
    onBatch: async (consumer, count) => {
      done += count;
      log(`${consumer}: ${count} event(s)`);
      await report({ done });
    },
  });
  const { deleted } = await pruneArtifactEvents({ consumers: consumers.map((consumer) => consumer.name) });
  log(`done: ${done} event(s) to ${consumers.length} consumer(s); ${deleted} old event(s) pruned`);
  return { handled, pruned: deleted };
};

export default handleDrainArtifactEvents;
