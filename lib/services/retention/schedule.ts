import "server-only";
import cronParser from "cron-parser";
import { systemActor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ConflictError } from "@/lib/errors";
import { getBoss } from "@/lib/jobs/boss";
import { retentionScheduleJob } from "@/lib/jobs/definitions";
import { queueRetentionExecution } from "@/lib/services/retention/runs";

/**
 * Scheduled retention runs. Each policy keeps its own 5-field UTC cron in retention_policies, so
 * saving or clearing a policy changes its schedule in the same transaction. pg-boss (10) holds one
 * schedule per queue, not one per policy, so the one pg-boss schedule is a minute tick of the
 * `retention.schedule` job, present while any enabled policy has a cron; each tick starts the runs
 * whose cron fired since the last one (trigger `schedule`). The system default's cron starts a run
 * in every project without its own policy, found at the tick, so projects created later count.
 */
export const RETENTION_TICK_CRON = "* * * * *";

/** A fire time older than this at a tick (the worker was down) is not caught up on. */
const CATCH_UP_MS = 15 * 60_000;

const SCHEDULE_ACTOR = systemActor("retention-schedule");

/** The last time `cron` fired at or before `now`, or null when it is invalid. */
function lastFire(cron: string, now: Date): Date | null {
  try {
    return cronParser.parseExpression(cron, { tz: "UTC", currentDate: new Date(now.getTime() + 1) }).prev().toDate();
  } catch {
    return null;
  }
}

export type ScheduleTickResult = { started: { projectId: number; executionId: number }[]; skipped: { projectId: number; reason: string }[] };

/**
 * One tick: for each enabled policy with a cron that fired within the catch-up window, a run in
 * each project it governs, unless that project already has a scheduled execution started at or
 * after the fire time (an earlier tick, or another instance's, took it) or a run in progress.
 * Each start is its own transaction with its own `retention_execution.start` audit row.
 */
export async function fireRetentionSchedules({
  now = new Date(),
  log = () => {},
  onlyProjects,
}: {
  now?: Date;
  log?: (line: string) => void;
  /** Narrows the tick to these projects (tests share their database with other files' projects). */
  onlyProjects?: readonly number[];
} = {}): Promise<ScheduleTickResult> {
  const narrow = onlyProjects ? { id: { in: [...onlyProjects] } } : {};
  const policies = await db.retentionPolicy.findMany({
    where: { enabled: true, schedule: { not: null } },
    select: { id: true, projectId: true, systemDefault: true, schedule: true },
    orderBy: { id: "asc" },
  });
  const result: ScheduleTickResult = { started: [], skipped: [] };
  for (const policy of policies) {
    const fired = lastFire(policy.schedule!, now);
    if (!fired || now.getTime() - fired.getTime() > CATCH_UP_MS) continue;
    const projects =
      policy.projectId !== null
        ? await db.project.findMany({ where: { AND: [{ id: policy.projectId }, narrow] }, select: { id: true, name: true } })
        : policy.systemDefault
          ? await db.project.findMany({ where: { retentionPolicy: null, ...narrow }, select: { id: true, name: true }, orderBy: { id: "asc" } })
          : [];
    for (const project of projects) {
      try {
        const started = await db.$transaction(async (tx) => {
          // Under the start's advisory lock (taken first in queueRetentionExecution), so two ticks
          // of two instances do not both start this fire time.
          await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('retention.run'), ${project.id})`;
          const taken = await tx.retentionExecution.findFirst({ where: { projectId: project.id, trigger: "schedule", startedAt: { gte: fired } }, select: { id: true } });
          if (taken) return null;
          return queueRetentionExecution(tx, { actor: SCHEDULE_ACTOR, project, dryRun: false, trigger: "schedule" });
        });
        if (started) {
          result.started.push({ projectId: project.id, executionId: started.executionId });
          log(`${project.name}: scheduled run started (execution #${started.executionId}, cron fired ${fired.toISOString()})`);
        }
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        result.skipped.push({ projectId: project.id, reason: error.message });
        log(`${project.name}: scheduled run skipped: ${error.message}`);
      }
    }
  }
  return result;
}

/**
 * Brings pg-boss's tick in line with the stored policies: present while any enabled policy has a
 * cron, absent otherwise. Idempotent, any process may call it; the worker calls it at start and
 * the policy services after each save (outside their transaction: if pg-boss cannot be reached
 * then, the policy is saved and the next worker start applies it).
 */
export async function syncRetentionSchedule(): Promise<boolean> {
  const any = await db.retentionPolicy.count({ where: { enabled: true, schedule: { not: null } } });
  const boss = await getBoss();
  if (any > 0) await boss.schedule(retentionScheduleJob.id, RETENTION_TICK_CRON, { version: retentionScheduleJob.version }, { tz: "UTC" });
  else await boss.unschedule(retentionScheduleJob.id);
  return any > 0;
}

/** For the policy services: applies the tick, logging (not failing) when pg-boss is unreachable. */
export async function syncRetentionScheduleAfterSave(): Promise<boolean> {
  try {
    await syncRetentionSchedule();
    return true;
  } catch (error) {
    console.error("wharf: retention schedule not applied (every job worker applies it when it starts)", error);
    return false;
  }
}
