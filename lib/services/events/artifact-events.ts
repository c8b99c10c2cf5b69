import "server-only";
import { actorName, type Actor } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import type { ArtifactEventKind } from "@/lib/generated/prisma/client";

/**
 * The artifact events outbox: what changed in the index (an artifact pushed or deleted, a tag
 * created, moved or deleted), written by the index's own writes in the transaction of the change,
 * so an event exists exactly when its change committed. Consumers (scan on push, replication,
 * webhooks) each keep a cursor and read the events after it in batches.
 *
 * Order and completeness: ids are handed out when rows are inserted, not when they commit, so a
 * transaction can commit id 10 after another committed id 11. A cursor on id alone would then skip
 * 10. Each event carries the id of its writing transaction (txid), and a consumer reads in
 * (txid, id) order and only events whose transaction is below the oldest one still running: no
 * transaction that could still add an event sorts before what has been read.
 */

export type ArtifactEventInput = {
  kind: ArtifactEventKind;
  projectId: number;
  repository: string;
  digest: string;
  tag?: string | null;
  previousDigest?: string | null;
  actor: Actor;
};

export type ArtifactEventRecord = {
  id: bigint;
  kind: ArtifactEventKind;
  projectId: number;
  repository: string;
  digest: string;
  tag: string | null;
  previousDigest: string | null;
  actorName: string;
  createdAt: Date;
};

/** Consumer names are stored in a VARCHAR(64). */
const CONSUMER_NAME = /^[a-z0-9][a-z0-9._:-]{0,63}$/;
export const DEFAULT_BATCH = 100;
const MAX_BATCH = 1000;

/** Writes events inside the caller's transaction (the one that changes the index). */
export async function recordArtifactEvents(tx: DbTransaction, events: ArtifactEventInput[]): Promise<void> {
  if (events.length === 0) return;
  await tx.artifactEvent.createMany({
    data: events.map((e) => ({
      kind: e.kind,
      projectId: e.projectId,
      repository: e.repository,
      digest: e.digest,
      tag: e.tag ?? null,
      previousDigest: e.previousDigest ?? null,
      actorName: actorName(e.actor).slice(0, 255),
    })),
  });
}

export function recordArtifactEvent(tx: DbTransaction, event: ArtifactEventInput): Promise<void> {
  return recordArtifactEvents(tx, [event]);
}

type EventRow = {
  id: bigint;
  txid: bigint;
  kind: ArtifactEventKind;
  project_id: number;
  repository: string;
  digest: string;
  tag: string | null;
  previous_digest: string | null;
  actor_name: string;
  created_at: Date;
};

/**
 * Hands the next batch of events after `consumer`'s cursor to `handler` and advances the cursor,
 * all in one transaction: if the handler throws, the cursor stays and the batch comes again. The
 * consumer's row is locked for the whole transaction, so two instances consuming under one name
 * take turns and never handle an event twice. The handler gets the transaction, so what it writes
 * (queued jobs, deliveries) commits or rolls back with the cursor. A consumer seen for the first
 * time starts at the oldest event kept.
 */
export async function consumeArtifactEvents(
  consumer: string,
  { batch = DEFAULT_BATCH }: { batch?: number },
  handler: (events: ArtifactEventRecord[], tx: DbTransaction) => Promise<void>,
): Promise<{ handled: number }> {
  if (!CONSUMER_NAME.test(consumer)) throw new Error(`Invalid artifact event consumer name ${JSON.stringify(consumer)}.`);
  const limit = Math.max(1, Math.min(MAX_BATCH, Math.trunc(batch)));
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`INSERT INTO artifact_event_consumers (name) VALUES (${consumer}) ON CONFLICT (name) DO NOTHING`;
      const [cursor] = await tx.$queryRaw<{ last_txid: bigint; last_id: bigint }[]>`
        SELECT last_txid, last_id FROM artifact_event_consumers WHERE name = ${consumer} FOR UPDATE`;
      if (!cursor) throw new Error(`The cursor of ${consumer} vanished.`);
      const rows = await tx.$queryRaw<EventRow[]>`
        SELECT id, txid, kind, project_id, repository, digest, tag, previous_digest, actor_name, created_at
        FROM artifact_events
        WHERE (txid, id) > (${cursor.last_txid}, ${cursor.last_id})
          AND txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
        ORDER BY txid, id
        LIMIT ${limit}`;
      const last = rows.at(-1);
      if (!last) return { handled: 0 };
      await handler(rows.map(toRecord), tx);
      await tx.$executeRaw`
        UPDATE artifact_event_consumers SET last_txid = ${last.txid}, last_id = ${last.id}, updated_at = now()
        WHERE name = ${consumer}`;
      return { handled: rows.length };
    },
    // A handler may do real work per event; the default 5 s would cut a large batch short.
    { timeout: 60_000 },
  );
}

function toRecord(row: EventRow): ArtifactEventRecord {
  return {
    id: row.id,
    kind: row.kind,
    projectId: row.project_id,
    repository: row.repository,
    digest: row.digest,
    tag: row.tag,
    previousDigest: row.previous_digest,
    actorName: row.actor_name,
    createdAt: row.created_at,
  };
}

/** How long events are kept after every consumer has read them. */
export const ARTIFACT_EVENT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_BATCH = 10_000;

/**
 * Deletes events older than the retention period that the cursors of the named consumers have all
 * passed (with no consumer named, every event older than the retention period), in batches. Only
 * the consumers the code registers count: the cursor of a consumer that is no longer registered
 * (a retired feature, a test's reader) would otherwise hold every later event forever.
 */
export async function pruneArtifactEvents({
  consumers,
  retentionMs = ARTIFACT_EVENT_RETENTION_MS,
  now = new Date(),
}: {
  consumers: readonly string[];
  retentionMs?: number;
  now?: Date;
}): Promise<{ deleted: number }> {
  const before = new Date(now.getTime() - retentionMs);
  const names = [...consumers];
  let deleted = 0;
  for (;;) {
    const count = await db.$executeRaw`
      DELETE FROM artifact_events WHERE id IN (
        SELECT e.id FROM artifact_events e
        WHERE e.created_at < ${before}
          AND NOT EXISTS (
            SELECT 1 FROM artifact_event_consumers c
            WHERE c.name = ANY(${names}::text[]) AND (c.last_txid, c.last_id) < (e.txid, e.id))
          AND (cardinality(${names}::text[]) = 0
            OR (SELECT count(*) FROM artifact_event_consumers c WHERE c.name = ANY(${names}::text[])) = cardinality(${names}::text[]))
        LIMIT ${PRUNE_BATCH})`;
    deleted += count;
    if (count < PRUNE_BATCH) return { deleted };
  }
}

/** A named reader of the artifact events (scan on push, replication, webhooks). */
export type ArtifactEventConsumer = {
  /** Its cursor's name: lowercase letters, digits and `._:-`, at most 64 characters. */
  name: string;
  batch?: number;
  /** Handles one batch inside the transaction that advances the cursor (see consumeArtifactEvents). */
  handle: (events: ArtifactEventRecord[], tx: DbTransaction) => Promise<void>;
};

/**
 * Hands every consumer the events after its cursor, batch by batch, until none are left or
 * `maxBatches` were handled for it (a busy consumer does not starve the others: the next run goes
 * on). A consumer whose handler fails keeps its cursor where the failed batch began; the others
 * are drained all the same, and the failures are thrown together at the end, so the run that
 * drains them fails and is retried.
 */
export async function drainArtifactEvents(
  consumers: readonly ArtifactEventConsumer[],
  { maxBatches = 100, onBatch }: { maxBatches?: number; onBatch?: (consumer: string, handled: number) => void | Promise<void> } = {},
): Promise<{ handled: Record<string, number> }> {
  const handled: Record<string, number> = {};
  const failures: { name: string; error: unknown }[] = [];
  for (const consumer of consumers) {
    let count = 0;
    try {
      for (let i = 0; i < maxBatches; i++) {
        const batch = await consumeArtifactEvents(consumer.name, { batch: consumer.batch }, consumer.handle);
        if (batch.handled === 0) break;
        count += batch.handled;
        await onBatch?.(consumer.name, batch.handled);
      }
    } catch (error) {
      failures.push({ name: consumer.name, error });
    }
    handled[consumer.name] = count;
  }
  if (failures.length > 0) {
    throw new AggregateError(
      failures.map((f) => f.error),
      `Artifact event consumer(s) failed: ${failures.map((f) => `${f.name} (${f.error instanceof Error ? f.error.message : String(f.error)})`).join("; ")}`,
    );
  }
  return { handled };
}
