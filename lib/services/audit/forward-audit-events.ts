import "server-only";
import { randomUUID } from "node:crypto";
import os from "node:os";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ValidationError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { AUDIT_COLUMNS_SQL, type RawAuditRow } from "@/lib/services/audit/audit-query";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { formatRfc5424, frameOctetCounted, SEVERITY } from "@/lib/syslog/tcp-syslog";
import { fieldErrorsOf } from "@/lib/validation/common";
import { type TForwardingSettings, ZForwardingSettings } from "@/lib/validation/audit-retention";

/**
 * Forwarding of every audit row to a syslog receiver over TCP (Harbor: audit_log_forward_endpoint),
 * for sites that keep their logs elsewhere. The settings (SystemSetting `audit_forwarding`) are
 * administrators'; the worker process tails `audit_events` by id (lib/jobs/audit-forwarder.ts)
 * and keeps its cursor and status in SystemSetting `audit_forwarding_state`.
 *
 * Delivery is at-least-once: the cursor moves only after the socket write succeeded, so a
 * receiver may see a row twice after a failure (each message carries the row id to dedupe on),
 * and never misses one. Rows are secret-free already (redacted when written).
 */
export const FORWARDING_KEY = "audit_forwarding";
export const FORWARDING_STATE_KEY = "audit_forwarding_state";
export const FORWARD_BATCH_SIZE = 500;
/**
 * One forwarder at a time across Wharf processes: each poll renews a 30-second lease in the state
 * row, and a process that does not hold it stands by (it takes over once a holder stops renewing).
 */
const FORWARDER_ID = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
const LEASE = "30 seconds";
/** The lag shown is counted up to here (a count over millions of rows would slow the page). */
const LAG_COUNT_CAP = 100_000;

const RESOURCE = { type: "audit_log", name: "forwarding" } as const;
const DISABLED: TForwardingSettings = { enabled: false, host: null, port: null };

type ForwardState = { cursor: string | null; lastForwardedAt: string | null; lastError: string | null; lastErrorAt: string | null };

export type ForwardingStatus = TForwardingSettings & {
  /** Id of the last row forwarded (or the row forwarding started after). */
  cursor: string | null;
  /** Rows written since, waiting to be sent; `lagCapped` when there are at least that many. */
  lag: number;
  lagCapped: boolean;
  lastForwardedAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
};

export async function readForwardingSettings(): Promise<TForwardingSettings> {
  const row = await db.systemSetting.findUnique({ where: { key: FORWARDING_KEY }, select: { value: true } });
  const v = row?.value as Partial<TForwardingSettings> | undefined;
  if (!v || typeof v !== "object") return DISABLED;
  return {
    enabled: v.enabled === true && typeof v.host === "string" && typeof v.port === "number",
    host: typeof v.host === "string" ? v.host : null,
    port: typeof v.port === "number" ? v.port : null,
  };
}

async function readState(): Promise<ForwardState> {
  const row = await db.systemSetting.findUnique({ where: { key: FORWARDING_STATE_KEY }, select: { value: true } });
  const v = (row?.value ?? {}) as Record<string, unknown>;
  const str = (x: unknown) => (typeof x === "string" ? x : null);
  return { cursor: str(v.cursor), lastForwardedAt: str(v.lastForwardedAt), lastError: str(v.lastError), lastErrorAt: str(v.lastErrorAt) };
}

/** Settings and the forwarder's progress, for the policy page (administrators and auditors). */
export async function getForwardingStatus({ actor }: { actor: Actor }): Promise<ForwardingStatus> {
  await assertSystemPermission(actor, "audit.list", RESOURCE);
  const [settings, state] = await Promise.all([readForwardingSettings(), readState()]);
  let lag = 0;
  if (state.cursor !== null) {
    const [row] = await db.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM (SELECT 1 FROM audit_events WHERE id > ${state.cursor}::bigint LIMIT ${LAG_COUNT_CAP}) AS pending`;
    lag = Number(row?.n ?? 0);
  }
  return { ...settings, ...state, lag, lagCapped: lag >= LAG_COUNT_CAP };
}

/**
 * Saves the endpoint and the switch (one `audit_log.forwarding.update` row). Switching it on
 * starts the cursor at the newest row, so history is not replayed into the receiver; the
 * change's own row comes after it and is the first one forwarded.
 */
export async function updateForwardingSettings({ actor, input }: { actor: Actor; input: unknown }): Promise<TForwardingSettings> {
  await assertSystemPermission(actor, "setting.update", RESOURCE, "audit_log.forwarding.update");
  const parsed = ZForwardingSettings.safeParse(input);
  if (!parsed.success) throw new ValidationError("Check the highlighted fields.", fieldErrorsOf(parsed.error));
  const after = parsed.data;
  await db.$transaction(async (tx) => {
    const beforeRow = await tx.systemSetting.findUnique({ where: { key: FORWARDING_KEY }, select: { value: true } });
    const before = (beforeRow?.value as TForwardingSettings | undefined) ?? DISABLED;
    const value = after as unknown as Prisma.InputJsonValue;
    await tx.systemSetting.upsert({ where: { key: FORWARDING_KEY }, create: { key: FORWARDING_KEY, value }, update: { value } });
    if (after.enabled && !before.enabled) {
      const [max] = await tx.$queryRaw<{ id: bigint | null }[]>`SELECT max(id) AS id FROM audit_events`;
      const state: ForwardState = { cursor: String(max?.id ?? 0), lastForwardedAt: null, lastError: null, lastErrorAt: null };
      const stateValue = state as unknown as Prisma.InputJsonValue;
      await tx.systemSetting.upsert({ where: { key: FORWARDING_STATE_KEY }, create: { key: FORWARDING_STATE_KEY, value: stateValue }, update: { value: stateValue } });
    }
    await recordAuditEvent(tx, { actor, action: "audit_log.forwarding.update", resource: RESOURCE, detail: { before, after } });
  });
  return after;
}

/**
 * Where the tail waits for a hole in the ids. Ids come from a sequence when a row is inserted,
 * but rows become visible when their transaction commits, so a hole is either a row still being
 * written (it will appear: skipping it would lose it) or a rolled-back one (it never will). The
 * transaction that took the missing id started before the hole was first seen (`since`, database
 * clock), so once no writing transaction of this database that old is open, the hole is final.
 * That check runs before the next read of the rows, so a row committed meanwhile is in the read.
 * (Scoped to this database, unlike the cluster-wide snapshot xmin, so another database's long
 * transaction does not hold the tail; pg_stat_activity shows the sessions of Wharf's own role.)
 */
export type GapTracker = { at: bigint | null; since: Date | null; final: boolean };
export const newGapTracker = (): GapTracker => ({ at: null, since: null, final: false });

type TailRow = RawAuditRow & { db_now: Date; still_counting: boolean };

/**
 * A refusal row counts its repeats until 70 seconds past the start of its minute (the trigger
 * refuses any later change, see recordRefusal); the tail waits until 75 seconds, so what it
 * forwards is the final count. Rows after one still counting wait with it (the cursor is an id).
 */
const COUNTING_UNTIL = "75 seconds";

/**
 * One poll of the tail: up to `batchSize` rows after the cursor, in id order, sent with `send`
 * (which throws when the endpoint is down: the cursor then stays put). Returns how many were
 * sent and whether a full batch was read (so the caller polls again at once).
 */
export async function forwardAuditEventsOnce({
  send,
  gap,
  batchSize = FORWARD_BATCH_SIZE,
  forwarderId = FORWARDER_ID,
}: {
  send: (frames: string[]) => Promise<void>;
  gap: GapTracker;
  batchSize?: number;
  /** Which forwarder is asking (tests stand in for a second process). */
  forwarderId?: string;
}): Promise<{ sent: number; cursor: string | null; full: boolean; standby?: boolean }> {
  const state = await readState();
  if (state.cursor === null) {
    // Enabled without a cursor (the state row was removed): start at the newest row, as enabling does.
    await db.$executeRaw`
      INSERT INTO system_settings (key, value, updated_at)
      VALUES (${FORWARDING_STATE_KEY}, jsonb_build_object('cursor', (SELECT coalesce(max(id), 0) FROM audit_events)::text), now())
      ON CONFLICT (key) DO UPDATE SET value = system_settings.value || EXCLUDED.value, updated_at = now()
      WHERE system_settings.value->>'cursor' IS NULL`;
    return { sent: 0, cursor: null, full: false };
  }
  const leased = await db.$executeRaw`
    UPDATE system_settings
    SET value = value || jsonb_build_object('owner', ${forwarderId}::text, 'leaseUntil', (now() + ${LEASE}::interval)::text), updated_at = now()
    WHERE key = ${FORWARDING_STATE_KEY}
      AND (value->>'owner' IS NULL OR value->>'owner' = ${forwarderId} OR (value->>'leaseUntil')::timestamptz < now())`;
  if (leased === 0) return { sent: 0, cursor: state.cursor, full: false, standby: true };
  const cursor = BigInt(state.cursor);
  if (gap.at !== null && gap.since !== null && !gap.final) {
    const [open] = await db.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL AND xact_start <= ${gap.since}`;
    gap.final = Number(open?.n ?? 0) === 0;
  }
  const rows = await db.$queryRaw<TailRow[]>`
    SELECT ${AUDIT_COLUMNS_SQL}, statement_timestamp() AS db_now,
           (dedupe_key IS NOT NULL AND statement_timestamp() < date_trunc('minute', occurred_at) + ${COUNTING_UNTIL}::interval) AS still_counting
    FROM audit_events WHERE id > ${cursor} ORDER BY id LIMIT ${batchSize}`;

  const ready: TailRow[] = [];
  let expected = cursor + BigInt(1);
  for (const row of rows) {
    if (row.still_counting) break;
    if (row.id !== expected) {
      if (gap.at !== expected) {
        Object.assign(gap, { at: expected, since: row.db_now, final: false });
        break;
      }
      if (!gap.final) break;
      // Every transaction that could have written the missing ids has ended: they never will.
      Object.assign(gap, newGapTracker());
    }
    ready.push(row);
    expected = row.id + BigInt(1);
  }
  if (ready.length === 0) return { sent: 0, cursor: state.cursor, full: false };

  const hostname = os.hostname();
  await send(ready.map((row) => frameOctetCounted(toSyslog(row, hostname))));

  const last = String(ready[ready.length - 1]!.id);
  // Compare-and-set: if an administrator re-enabled forwarding meanwhile (a new cursor), keep theirs.
  await db.$executeRaw`
    UPDATE system_settings
    SET value = value || jsonb_build_object('cursor', ${last}::text, 'lastForwardedAt', ${new Date().toISOString()}::text), updated_at = now()
    WHERE key = ${FORWARDING_STATE_KEY} AND value->>'cursor' = ${state.cursor}`;
  return { sent: ready.length, cursor: last, full: rows.length === batchSize && ready.length === rows.length };
}

/** What the page shows when the endpoint is down (written by the worker only when a send fails). */
export async function recordForwardingError(message: string): Promise<void> {
  await db.$executeRaw`
    UPDATE system_settings
    SET value = value || jsonb_build_object('lastError', ${message.slice(0, 500)}::text, 'lastErrorAt', ${new Date().toISOString()}::text), updated_at = now()
    WHERE key = ${FORWARDING_STATE_KEY}`;
}

/** RFC 5424, app-name `wharf`, msgid `audit`; the row as JSON, its id and outcome also as structured data. */
function toSyslog(row: TailRow, hostname: string): string {
  const payload = {
    id: String(row.id),
    occurredAt: row.occurred_at.toISOString(),
    principalKind: row.principal_kind,
    actorId: row.actor_id,
    // "alice (unverified)" for a name a failed sign-in claimed (actorVerified false): a receiver
    // matching on actorName alone must not take it for alice's action.
    actorName: row.actor_verified ? row.actor_name : `${row.actor_name} (unverified)`,
    actorVerified: row.actor_verified,
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    resourceName: row.resource_name,
    projectId: row.project_id,
    result: row.result,
    reason: row.reason,
    clientIp: row.client_ip,
    userAgent: row.user_agent,
    detail: row.detail,
    count: row.repeat_count,
  };
  return formatRfc5424({
    timestamp: row.occurred_at,
    hostname,
    appName: "wharf",
    procId: String(process.pid),
    msgId: "audit",
    severity: row.result === "failure" ? SEVERITY.notice : SEVERITY.informational,
    // 32473 is the private enterprise number RFC 5612 reserves for documentation and examples.
    structuredData: { id: "audit@32473", params: { id: String(row.id), action: row.action, result: row.result } },
    message: JSON.stringify(payload),
  });
}
