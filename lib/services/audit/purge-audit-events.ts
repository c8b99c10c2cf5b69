import "server-only";
import { systemActor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import type { JobContext } from "@/lib/jobs/define-job";
import type { PurgeAuditPayload } from "@/lib/jobs/definitions";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { cutoffFor, readPurgePolicy } from "@/lib/services/audit/purge-policy";

/**
 * The purge itself, as the job worker runs it (lib/jobs/handlers/purge-audit.ts): deletes audit
 * rows older than the run's cutoff, oldest first, in batches of 10,000 rows, each batch its own
 * short transaction (no long lock, and the viewer and writers go on meanwhile). Each batch sets
 * the transaction-local flag the audit table's trigger requires for a DELETE; the trigger also
 * refuses any row younger than 24 hours whatever the flag says.
 *
 * Resumable and idempotent: the cutoff is fixed when the run starts (checkpoint), and each
 * batch's deletion and the run's count are committed together (one step of the attempt), so a retried attempt continues
 * with exact numbers. The run ends with exactly one `audit_log.purge` row, written together with
 * the run's "audited" mark so a retry after a lost finish does not write a second one.
 */
export const PURGE_BATCH_SIZE = 10_000;

export type PurgeRunState = { cutoff: string | null; rowsDeleted: number; audited: boolean; skipped?: string };

/** What the purge needs of its attempt (lib/jobs/define-job.ts's JobContext). */
export type PurgeAttempt = Pick<JobContext<PurgeAuditPayload>, "run" | "payload" | "step" | "log">;

export async function purgeAuditEvents(
  { run, payload, step, log }: PurgeAttempt,
  {
    batchSize = PURGE_BATCH_SIZE,
    onBatch,
  }: {
    batchSize?: number;
    /** Called after each committed batch; a throw stops the run there (as a crash would). */
    onBatch?: (progress: { done: number; total: number }) => void | Promise<void>;
  } = {},
): Promise<PurgeRunState> {
  const previous = stateOf(run.result);
  if (previous.audited) {
    log("this run already finished (its audit row exists); nothing to do");
    return previous;
  }

  // Runs an administrator queued carry their cutoff; pg-boss's cron sends none.
  const trigger = payload.trigger === "manual" ? "manual" : "schedule";
  const cutoff = await resolveCutoff(run, payload, trigger);
  if (cutoff === null) {
    // A scheduled run whose policy was switched off after pg-boss queued it: it deletes nothing.
    log("the purge policy is disabled; nothing deleted");
    return finish(step, run.id, { cutoff: null, rowsDeleted: 0, audited: false, skipped: "policy disabled" }, trigger, 0);
  }
  const checkpoint = `cutoff=${cutoff.toISOString()}`;
  let deleted = previous.rowsDeleted;
  const [counted] = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM audit_events WHERE occurred_at < ${cutoff}`;
  let total = deleted + Number(counted?.n ?? 0);
  const state = (rowsDeleted: number): PurgeRunState => ({ cutoff: cutoff.toISOString(), rowsDeleted, audited: false });
  await step(async () => undefined, {
    done: deleted,
    total,
    checkpoint,
    result: state(deleted),
    log: `${previous.rowsDeleted ? "resuming: " : ""}deleting ${total - deleted} rows older than ${cutoff.toISOString()} in batches of ${batchSize}`,
  });

  for (;;) {
    const n = await step(
      async (tx) => {
        // Transaction-local (`true`): it ends with this batch and never reaches another pooled use.
        await tx.$queryRaw`SELECT set_config('wharf.audit_purge', 'on', true)`;
        // Oldest first along the occurred_at index; the ids are then deleted through the primary key.
        // `= ANY(ARRAY(...))`, not `IN (...)`: with IN the planner hashes the ids and scans the whole
        // table for each batch (1.5 s at 2,000,000 rows), with ANY it looks each id up (50 ms).
        return tx.$executeRaw`
          DELETE FROM audit_events WHERE id = ANY(ARRAY(
            SELECT id FROM audit_events WHERE occurred_at < ${cutoff} ORDER BY occurred_at, id LIMIT ${batchSize}
          ))`;
      },
      (removed) => {
        total = Math.max(total, deleted + removed);
        return removed > 0 ? { done: deleted + removed, total, result: state(deleted + removed) } : {};
      },
    );
    deleted += n;
    if (n > 0) await onBatch?.({ done: deleted, total });
    if (n < batchSize) break;
    if ((deleted / batchSize) % 10 === 0) log(`${deleted} of ${total} rows deleted`);
  }
  log(`done: ${deleted} rows deleted`);
  return finish(step, run.id, state(deleted), trigger, total);
}

async function resolveCutoff(run: { checkpoint: string | null }, payload: PurgeAuditPayload, trigger: "manual" | "schedule"): Promise<Date | null> {
  if (run.checkpoint?.startsWith("cutoff=")) return new Date(run.checkpoint.slice("cutoff=".length));
  if (payload.cutoff) return new Date(payload.cutoff);
  const policy = await readPurgePolicy();
  if (trigger === "schedule" && !policy.enabled) return null;
  return cutoffFor(policy.retentionDays);
}

/** The one audit row of the run, and the mark that it exists, in one step. */
async function finish(step: PurgeAttempt["step"], runId: number, state: PurgeRunState, trigger: "manual" | "schedule", total: number): Promise<PurgeRunState> {
  const done: PurgeRunState = { ...state, audited: true };
  await step(
    (tx) =>
      recordAuditEvent(tx, {
        actor: systemActor("audit.purge"),
        action: "audit_log.purge",
        resource: { type: "audit_log", id: runId, name: "audit_events" },
        detail: { runId, cutoff: state.cutoff, rowsDeleted: state.rowsDeleted, dryRun: false, trigger, ...(state.skipped ? { skipped: state.skipped } : {}) },
      }),
    { done: state.rowsDeleted, total: Math.max(total, state.rowsDeleted), result: done },
  );
  return done;
}

function stateOf(result: unknown): PurgeRunState {
  const r = (result && typeof result === "object" ? result : {}) as Record<string, unknown>;
  return {
    cutoff: typeof r.cutoff === "string" ? r.cutoff : null,
    rowsDeleted: typeof r.rowsDeleted === "number" ? r.rowsDeleted : 0,
    audited: r.audited === true,
  };
}
