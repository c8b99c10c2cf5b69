import "server-only";
import { createHash } from "node:crypto";
import type { Actor } from "@/lib/auth/actor";
import { actorName } from "@/lib/auth/actor";
import { writeBehind } from "@/lib/cache/write-behind";
import { db, type DbTransaction } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { AuditAction } from "@/lib/services/audit/audit-actions";

export type AuditEventInput = {
  actor: Actor;
  /** `<resource>.<verb>`, e.g. `user.create`: only names of the catalogue. */
  action: AuditAction;
  resource: { type: string; id?: string | number | null; name?: string | null };
  projectId?: number | null;
  result?: "success" | "failure";
  /** For failures: why, in words an auditor can read. */
  reason?: string | null;
  /** Small structured detail; keys that look secret are redacted before writing. */
  detail?: Record<string, unknown>;
  /**
   * The name an anonymous caller claimed and did not prove (a failed sign-in as "alice"). The row is
   * filed under that name, so the log's user filter finds it, with actorVerified false: every view,
   * export and forwarded message marks it unverified (see actorLabel). Anonymous actors only.
   */
  claimedName?: string | null;
};

/** How an actor name is shown anywhere outside the table: "alice", or "alice (unverified)". */
export function actorLabel(row: { actorName: string; actorVerified: boolean }): string {
  return row.actorVerified ? row.actorName : `${row.actorName} (unverified)`;
}

const SECRET_KEY = /pass(word)?|secret|token|hash|credential|authorization|cookie/i;

/** Replaces the value of every key that looks like a secret, at any depth. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? "[REDACTED]" : redactSecrets(v)]),
    );
  }
  return value;
}

function truncate(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  return value.length > max ? value.slice(0, max) : value;
}

/** The row an event becomes (also for a statement that writes it in raw SQL, as writeArtifact's). */
export function auditRowOf(event: AuditEventInput): Prisma.AuditEventCreateInput & { actorVerified: boolean } {
  const { actor } = event;
  const claimed = actor.kind === "anonymous" ? event.claimedName?.trim().slice(0, 255) : undefined;
  return {
    principalKind: actor.kind,
    actorId: actor.kind === "user" ? actor.id : null,
    actorName: claimed ? claimed : actorName(actor),
    actorVerified: !claimed,
    action: event.action,
    resourceType: event.resource.type,
    resourceId: event.resource.id === undefined || event.resource.id === null ? null : String(event.resource.id),
    resourceName: truncate(event.resource.name, 512),
    projectId: event.projectId ?? null,
    result: event.result ?? "success",
    reason: truncate(event.reason, 512),
    clientIp: truncate(actor.client.ip, 64),
    userAgent: truncate(actor.client.userAgent, 512),
    detail: (redactSecrets(event.detail ?? {}) ?? {}) as Prisma.InputJsonValue,
  };
}

/**
 * Writes one audit row inside the caller's transaction, so the row exists exactly when the change
 * it describes does. Errors propagate: an action whose audit row cannot be written does not happen.
 */
export async function recordAuditEvent(tx: DbTransaction, event: AuditEventInput): Promise<void> {
  await tx.auditEvent.create({ data: auditRowOf(event), select: { id: true } });
}

/**
 * Rows for reads that changed nothing but are audited all the same (a registry pull), written after
 * the answer in batches, like pull times (pull-times.ts): a pull storm costs Postgres one INSERT
 * per batch instead of one commit per manifest GET, and the client does not wait for it.
 *
 * Each row keeps the time of the read it records (occurred_at is set when it is queued, not when
 * the batch is written). Bound: written at most AUDIT_BATCH_INTERVAL_MS after the read, or as
 * soon as AUDIT_BATCH_MAX_ROWS are waiting. Shutdown writes what is pending (the server when it
 * closes, the launcher before it exits: flushWriteBehind). A batch that fails (Postgres restarting)
 * is kept and written with the next one; only beyond AUDIT_BATCH_MAX_PENDING waiting rows are the
 * oldest dropped, and that is logged. A process killed outright loses at most one interval of
 * pull rows, which is why only reads are queued: every change still writes its row in its own
 * transaction (recordAuditEvent).
 */
export const AUDIT_BATCH_INTERVAL_MS = 1_000;
export const AUDIT_BATCH_MAX_ROWS = 500;
export const AUDIT_BATCH_MAX_PENDING = 100_000;

type QueuedRow = { seq: number; row: Prisma.AuditEventCreateManyInput };
let queuedSeq = 0;

const queuedRows = writeBehind<QueuedRow>({
  name: "audit rows of reads",
  intervalMs: AUDIT_BATCH_INTERVAL_MS,
  maxKeys: AUDIT_BATCH_MAX_ROWS,
  keyOf: (queued) => String(queued.seq),
  merge: () => undefined, // every row is its own key
  write: async (queued) => {
    // Queued order is id order: the log's (occurred_at, id) order matches the reads'.
    await db.auditEvent.createMany({ data: queued.map((q) => q.row) });
  },
  retryFailed: { maxPending: AUDIT_BATCH_MAX_PENDING },
});

/** Queues the row of an audited read (a pull); never touches Postgres itself. */
export function queueReadAuditEvent(event: AuditEventInput, occurredAt = new Date()): void {
  queuedRows.note({ seq: ++queuedSeq, row: { ...auditRowOf(event), occurredAt } });
}

/** Writes every queued read row now (tests; shutdown flushes every batch). */
export function flushReadAuditEvents(): Promise<void> {
  return queuedRows.flush();
}

/**
 * Writes a row for something that changed nothing (a refused attempt), outside any transaction.
 * Its failure must not hide the refusal the caller is about to report, so errors are logged only.
 *
 * Refusals repeat: a refused docker push asks again for every layer and retries, a CI job loops.
 * The same refusal (operation, principal, claimed name, resource, project, reason, client address
 * and user agent) within one minute of the database clock is therefore one row with a count: the
 * insert carries a dedupe key (a hash of those fields and the minute) and, when a row with that
 * key exists, only adds one to its repeat_count. ON CONFLICT makes that one atomic step, so
 * parallel refusals cannot write two rows for one key. The first refusal's detail is kept.
 * The append-only trigger allows exactly this update (count + 1, nothing else, until the minute
 * is over): the facts a row records never change, only how many times they happened.
 */
export async function recordRefusal(event: Omit<AuditEventInput, "result">): Promise<void> {
  try {
    const row = auditRowOf({ ...event, result: "failure" });
    const sameness = [
      row.principalKind,
      row.actorId ?? null,
      row.actorName,
      row.actorVerified,
      row.action,
      row.resourceType,
      row.resourceId ?? null,
      row.resourceName ?? null,
      row.projectId ?? null,
      row.reason ?? null,
      row.clientIp ?? null,
      row.userAgent ?? null,
    ];
    const key = createHash("sha256").update(JSON.stringify(sameness)).digest("base64url");
    // The UPDATE first, so a repeat takes no id from the sequence (the forwarder's tail waits at
    // every hole in the ids); the INSERT runs only when there was no row to count on, and its
    // ON CONFLICT catches the race of two first refusals of a minute.
    await db.$executeRaw`
      WITH k AS (SELECT ${key} || to_char(now() AT TIME ZONE 'UTC', ':YYYYMMDDHH24MI') AS key),
      bumped AS (UPDATE audit_events SET repeat_count = repeat_count + 1 WHERE dedupe_key = (SELECT key FROM k) RETURNING id)
      INSERT INTO audit_events (principal_kind, actor_id, actor_name, actor_verified, action, resource_type, resource_id,
                                resource_name, project_id, result, reason, client_ip, user_agent, detail, dedupe_key)
      SELECT ${row.principalKind}::"PrincipalKind", ${row.actorId ?? null}::int, ${row.actorName}, ${row.actorVerified}, ${row.action},
             ${row.resourceType}, ${row.resourceId ?? null}, ${row.resourceName ?? null}, ${row.projectId ?? null}::int,
             'failure'::"AuditResult", ${row.reason ?? null}, ${row.clientIp ?? null}, ${row.userAgent ?? null},
             ${JSON.stringify(row.detail)}::jsonb, (SELECT key FROM k)
      WHERE NOT EXISTS (SELECT 1 FROM bumped)
      ON CONFLICT (dedupe_key) DO UPDATE SET repeat_count = audit_events.repeat_count + 1`;
  } catch (err) {
    console.error("wharf: could not write audit row for a refused attempt", err);
  }
}
