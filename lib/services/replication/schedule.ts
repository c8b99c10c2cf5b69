import "server-only";
import cronParser from "cron-parser";
import { systemActor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ConflictError } from "@/lib/errors";
import { getBoss } from "@/lib/jobs/boss";
import { replicationScheduleJob } from "@/lib/jobs/definitions";
import { queueReplicationExecution } from "@/lib/services/replication/runs";

/**
 * Scheduled replication, as scheduled retention (lib/services/retention/schedule.ts): each policy
 * keeps its own 5-field UTC cron; pg-boss holds one minute tick of `replication.schedule` while an
 * enabled scheduled policy exists, and each tick starts the policies whose cron fired since.
 */
export const REPLICATION_TICK_CRON = "* * * * *";

/** A fire time older than this at a tick (the worker was down) is not caught up on. */
const CATCH_UP_MS = 15 * 60_000;

const SCHEDULE_ACTOR = systemActor("replication-schedule");

function lastFire(cron: string, now: Date): Date | null {
  try {
    return cronParser.parseExpression(cron, { tz: "UTC", currentDate: new Date(now.getTime() + 1) }).prev().toDate();
  } catch {
    return null;
  }
}

export type ReplicationTickResult = { started: { policyId: number; executionId: number }[]; skipped: { policyId: number; reason: string }[] };

/**
 * One tick: a run of each enabled scheduled policy whose cron fired within the catch-up window,
 * unless a scheduled execution of it started at or after the fire time (an earlier tick, or another
 * instance's) or one is in progress. Each start is its own transaction with its own audit row.
 */
export async function fireReplicationSchedules({ now = new Date(), log = () => {} }: { now?: Date; log?: (line: string) => void } = {}): Promise<ReplicationTickResult> {
  const policies = await db.replicationPolicy.findMany({ where: { enabled: true, triggerType: "scheduled", cron: { not: null } }, select: { id: true, name: true, cron: true }, orderBy: { id: "asc" } });
  const result: ReplicationTickResult = { started: [], skipped: [] };
  for (const policy of policies) {
    const fired = lastFire(policy.cron!, now);
    if (!fired || now.getTime() - fired.getTime() > CATCH_UP_MS) continue;
    try {
      const started = await db.$transaction(async (tx) => {
        // The start's own advisory lock, taken first, so two instances' ticks do not both start this fire time.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('replication.run'), ${policy.id})`;
        const taken = await tx.replicationExecution.findFirst({ where: { policyId: policy.id, trigger: "scheduled", startedAt: { gte: fired } }, select: { id: true } });
        if (taken) return null;
        return queueReplicationExecution(tx, { actor: SCHEDULE_ACTOR, policyId: policy.id, trigger: "scheduled" });
      });
      if (started) {
        result.started.push({ policyId: policy.id, executionId: started.executionId });
        log(`${policy.name}: scheduled run started (execution #${started.executionId}, cron fired ${fired.toISOString()})`);
      }
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      result.skipped.push({ policyId: policy.id, reason: error.message });
      log(`${policy.name}: scheduled run skipped: ${error.message}`);
    }
  }
  return result;
}

/** Brings pg-boss's tick in line with the stored policies (idempotent; the worker calls it at start, the policy services after each save). */
export async function syncReplicationSchedule(): Promise<boolean> {
  const any = await db.replicationPolicy.count({ where: { enabled: true, triggerType: "scheduled", cron: { not: null } } });
  const boss = await getBoss();
  if (any > 0) await boss.schedule(replicationScheduleJob.id, REPLICATION_TICK_CRON, { version: replicationScheduleJob.version }, { tz: "UTC" });
  else await boss.unschedule(replicationScheduleJob.id);
  return any > 0;
}

/** For the policy services: applies the tick, logging (not failing) when pg-boss is unreachable. */
export async function syncReplicationScheduleAfterSave(): Promise<void> {
  try {
    await syncReplicationSchedule();
  } catch (error) {
    console.error("wharf: replication schedule not applied (every job worker applies it when it starts)", error);
  }
}
