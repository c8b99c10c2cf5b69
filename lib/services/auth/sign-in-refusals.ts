import "server-only";
import type { Actor, ClientInfo } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { type AuditEventInput, recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import type { AuditOperation } from "@/lib/services/audit/audit-actions";
import { throttleKeyFor } from "@/lib/services/auth/sign-in-throttle";

/**
 * Refused sign-in attempts that checked no password (the username is locked, or the account is
 * disabled) cost the caller nothing, so one client can send thousands a minute. Each one cannot
 * have its own audit row; they are collapsed per username, action and minute instead:
 *
 * - the first refusal of a minute writes its own row at once, as any refusal did;
 * - the later ones only count, by reason, in that minute's bucket (sign_in_refusal_buckets);
 * - once the minute is over, the bucket is deleted and, if it counted any, one summary row is
 *   written with the count (detail.repeated) and the reasons, in the same transaction, so every
 *   refusal is in the log exactly once: as its own row or in one summary's count.
 *
 * The audit table is append-only (a trigger refuses UPDATE), hence the separate counter.
 * Closed buckets are flushed by a timer set when a bucket first counts a repeat, and by any
 * process at the next bucket opened, so a bucket left behind by a stopped process is written too.
 * Password guesses (wrong password, unknown username) are not collapsed: the throttle bounds them.
 */
export type SignInRefusal = {
  /** The actor of the audit row: anonymous for sign-in and registry login, the user for a password change. */
  actor: Actor;
  action: AuditOperation;
  /** The username the attempt named. */
  username: string;
  resource: AuditEventInput["resource"];
  reason: string;
  /** For an anonymous actor: the name claimed, filed as an unverified actor name (AuditEventInput.claimedName). */
  claimedName?: string;
};

/** The reason of a refusal because the username is locked for the client. */
export const LOCKED_REASON = "locked after repeated failures";

type StoredEvent = { actor: Omit<Actor, "client">; resource: AuditEventInput["resource"]; claimedName?: string | undefined };

/** Records one refusal: its own row if it is the first of its minute, else one more in the minute's count. */
export async function recordSignInRefusal(refusal: SignInRefusal): Promise<void> {
  const { actor, action, reason, resource, claimedName } = refusal;
  const key = throttleKeyFor(refusal.username).slice(0, 255);
  const { client, ...actorWithoutClient } = actor;
  const event: StoredEvent = { actor: actorWithoutClient, resource, claimedName };
  let opened = false;
  let firstRepeat = false;
  try {
    await db.$transaction(async (tx) => {
      const [bucket] = await tx.$queryRaw<{ opened: boolean; repeats: number }[]>`
        INSERT INTO sign_in_refusal_buckets AS b (username, action, minute, repeats, reasons, event, last_client)
        VALUES (${key}, ${action}, date_trunc('minute', now()), 0, '{}', ${JSON.stringify(event)}::jsonb, ${JSON.stringify(client)}::jsonb)
        ON CONFLICT (username, action, minute) DO UPDATE SET
          repeats = b.repeats + 1,
          reasons = b.reasons || jsonb_build_object(${reason}::text, coalesce((b.reasons ->> ${reason}::text)::int, 0) + 1),
          last_client = EXCLUDED.last_client
        RETURNING (xmax = 0) AS opened, repeats`;
      opened = bucket?.opened ?? false;
      firstRepeat = !opened && bucket?.repeats === 1;
      if (opened) await recordAuditEvent(tx, { actor, action, resource, result: "failure", reason, claimedName });
    });
  } catch (err) {
    // As for any refusal: failing to record it must not hide the refusal the caller reports.
    console.error("wharf: could not record a refused sign-in", err);
    return;
  }
  if (opened) await flushQuietly();
  if (firstRepeat) scheduleFlush();
}

/**
 * Writes one summary row for each bucket of a minute that is over (or that began before `before`,
 * for tests) and had repeats, and deletes the buckets, in one transaction. Returns the rows written.
 */
export async function flushSignInRefusalSummaries(before?: Date): Promise<number> {
  return db.$transaction(async (tx) => {
    const buckets = await tx.$queryRaw<
      { username: string; action: string; minute: Date; repeats: number; reasons: Record<string, number>; event: StoredEvent; last_client: ClientInfo }[]
    >`
      DELETE FROM sign_in_refusal_buckets
      WHERE minute < ${before === undefined ? null : before.toISOString()}::timestamptz
         OR (${before === undefined} AND minute < date_trunc('minute', now()))
      RETURNING username, action, minute, repeats, reasons, event, last_client`;
    let written = 0;
    for (const bucket of buckets) {
      if (bucket.repeats <= 0) continue;
      const client: ClientInfo = { ip: bucket.last_client.ip ?? null, userAgent: bucket.last_client.userAgent ?? null };
      await recordAuditEvent(tx, {
        actor: { ...bucket.event.actor, client } as Actor,
        // Written from a SignInRefusal's action, so one of the catalogue.
        action: bucket.action as AuditOperation,
        resource: bucket.event.resource,
        claimedName: bucket.event.claimedName ?? null,
        result: "failure",
        reason: `${bucket.repeats} more refused attempt${bucket.repeats === 1 ? "" : "s"} in the minute from ${bucket.minute.toISOString()}`,
        detail: { repeated: bucket.repeats, minute: bucket.minute.toISOString(), reasons: bucket.reasons as Prisma.JsonObject },
      });
      written++;
    }
    return written;
  });
}

async function flushQuietly(): Promise<void> {
  try {
    await flushSignInRefusalSummaries();
  } catch (err) {
    console.error("wharf: could not write refused sign-in summaries", err);
  }
}

// One pending timer per process copy is enough: a flush writes every closed bucket.
let flushTimer: NodeJS.Timeout | undefined;

function scheduleFlush(): void {
  if (flushTimer) return;
  const untilNextMinute = 60_000 - (Date.now() % 60_000);
  // A second past the minute's end, so the database clock (which names the bucket) has passed it too.
  flushTimer = setTimeout(() => {
    flushTimer = undefined;
    void flushQuietly()
      .then(() => db.signInRefusalBucket.count({ where: { repeats: { gt: 0 } } }))
      // Buckets still open (a minute still running, or clocks apart): try again at the next minute.
      .then((open) => open > 0 && scheduleFlush())
      .catch((err: unknown) => console.error("wharf: could not check refused sign-in summaries", err));
  }, untilNextMinute + 1_000);
  flushTimer.unref();
}
