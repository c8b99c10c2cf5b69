import "server-only";
import { db } from "@/lib/db/client";
import { ConflictError } from "@/lib/errors";
import { drainArtifactEventsJob } from "@/lib/jobs/definitions";
import { registeredArtifactEventConsumers } from "@/lib/services/events/registered-consumers";
import { queueRun } from "@/lib/services/jobs/queue-run";

/**
 * What starts the `artifact-events.drain` job: events are written in the push's own transaction
 * (lib/services/events/artifact-events.ts) and the push does not wait for their consumers, so each
 * worker process looks every couple of seconds whether a registered consumer's cursor is behind the
 * newest readable event and, when one is and no drain run is queued or running, queues one. A burst
 * of pushes becomes one run; an idle registry costs one indexed read per tick.
 *
 * "Readable" is the consumers' own rule: below the oldest transaction still open, so a tick never
 * queues a run that would find nothing.
 */
export async function artifactEventsPending(consumers: readonly string[] = registeredArtifactEventConsumers().map((c) => c.name)): Promise<boolean> {
  if (consumers.length === 0) return false;
  const [newest] = await db.$queryRaw<{ txid: bigint; id: bigint }[]>`
    SELECT txid, id FROM artifact_events
    WHERE txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
    ORDER BY txid DESC, id DESC LIMIT 1`;
  if (!newest) return false;
  const cursors = await db.artifactEventConsumer.findMany({ where: { name: { in: [...consumers] } }, select: { name: true, lastTxid: true, lastId: true } });
  const byName = new Map(cursors.map((c) => [c.name, c]));
  return consumers.some((name) => {
    const cursor = byName.get(name);
    if (!cursor) return true;
    return cursor.lastTxid < newest.txid || (cursor.lastTxid === newest.txid && cursor.lastId < newest.id);
  });
}

/** Queues a drain run when events wait and none is queued or running; answers its run id, or null. */
export async function queueDrainIfPending(): Promise<number | null> {
  if (!(await artifactEventsPending())) return null;
  try {
    return await db.$transaction(async (tx) => {
      const open = await tx.jobRun.findFirst({ where: { jobName: drainArtifactEventsJob.id, status: { in: ["queued", "running"] } }, select: { id: true } });
      if (open) return null;
      return (await queueRun(tx, drainArtifactEventsJob, {}, "events")).runId;
    });
  } catch (error) {
    // Another instance queued one at the same moment (the singleton queue refused this one).
    if (error instanceof ConflictError) return null;
    throw error;
  }
}

/** The worker's loop around queueDrainIfPending: a tick still running is not joined by another. */
export function startArtifactEventDrainer({ everyMs, log }: { everyMs: number; log: (line: string) => void }): { stop(): Promise<void> } {
  let stopped = false;
  let busy = false;
  let current: Promise<void> = Promise.resolve();
  let lastError: string | undefined;
  const tick = () => {
    if (stopped || busy) return;
    busy = true;
    current = queueDrainIfPending()
      .then(() => {
        lastError = undefined;
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        // Once per distinct error, not every tick while the database is away.
        if (message !== lastError) log(`jobs: artifact events not checked (tried again in ${Math.max(1, Math.round(everyMs / 1000))} s): ${message}`);
        lastError = message;
      })
      .finally(() => {
        busy = false;
      });
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
