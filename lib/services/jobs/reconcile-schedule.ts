import "server-only";
import cronParser from "cron-parser";
import type { Actor } from "@/lib/auth/actor";
import { systemActor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ValidationError } from "@/lib/errors";
import { getBoss } from "@/lib/jobs/boss";
import { reconcileIndexJob } from "@/lib/jobs/definitions";
import { scheduleFromEnv, type TReconcileSchedule, ZReconcileSchedule } from "@/lib/jobs/schedule";
import type { Prisma } from "@/lib/generated/prisma/client";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { fieldErrorsOf } from "@/lib/validation/common";

/**
 * When the index reconcile runs on its own. One source of truth for every Wharf instance: the
 * SystemSetting `reconcile_schedule`. WHARF_RECONCILE_CRON only seeds it on the first start of a
 * database (when no setting exists yet); after that administrators change it on System health
 * (audited) and an instance started with another value keeps the stored one and says so. The
 * pg-boss schedule (one row per queue, shared by every instance) always follows the stored value.
 */
export const RECONCILE_SCHEDULE_KEY = "reconcile_schedule";

const RESOURCE = { type: "setting", name: RECONCILE_SCHEDULE_KEY } as const;

/** The default when WHARF_RECONCILE_CRON is not set: hourly, off the full hour. */
const DEFAULT_CRON = "17 * * * *";

export type ReconcileScheduleView = TReconcileSchedule & {
  /** The next time the schedule fires (UTC), or null when off. */
  nextRunAt: string | null;
  updatedAt: string | null;
  /** What the form offers while the schedule is off. */
  defaultCron: string;
};

/** The stored schedule, or null when none is stored yet (or it is unreadable). */
export async function readReconcileSchedule(): Promise<TReconcileSchedule | null> {
  const row = await db.systemSetting.findUnique({ where: { key: RECONCILE_SCHEDULE_KEY }, select: { value: true } });
  const parsed = ZReconcileSchedule.safeParse(row?.value);
  return parsed.success ? parsed.data : null;
}

/** Administrators and auditors (System health). */
export async function getReconcileSchedule({ actor }: { actor: Actor }): Promise<ReconcileScheduleView> {
  await assertSystemPermission(actor, "system.health.read", RESOURCE);
  const row = await db.systemSetting.findUnique({ where: { key: RECONCILE_SCHEDULE_KEY }, select: { value: true, updatedAt: true } });
  const parsed = ZReconcileSchedule.safeParse(row?.value);
  const cron = parsed.success ? parsed.data.cron : null;
  return { cron, nextRunAt: nextRun(cron), updatedAt: row?.updatedAt.toISOString() ?? null, defaultCron: DEFAULT_CRON };
}

/**
 * Saves the schedule (administrators; one `index.reconcile.schedule.update` row with before and
 * after), then brings pg-boss's schedule in line with it. The pg-boss row is outside this
 * transaction: if that step fails the setting is still saved and every worker re-applies it when
 * it starts, so `scheduleApplied` says whether it took effect now.
 */
export async function updateReconcileSchedule({ actor, input }: { actor: Actor; input: unknown }): Promise<{ schedule: TReconcileSchedule; scheduleApplied: boolean }> {
  await assertSystemPermission(actor, "setting.update", RESOURCE, "index.reconcile.schedule.update");
  const parsed = ZReconcileSchedule.safeParse(input);
  if (!parsed.success) throw new ValidationError("Check the highlighted fields.", fieldErrorsOf(parsed.error));
  const schedule = parsed.data;
  await db.$transaction(async (tx) => {
    const before = await tx.systemSetting.findUnique({ where: { key: RECONCILE_SCHEDULE_KEY }, select: { value: true } });
    const value = schedule as unknown as Prisma.InputJsonValue;
    await tx.systemSetting.upsert({ where: { key: RECONCILE_SCHEDULE_KEY }, create: { key: RECONCILE_SCHEDULE_KEY, value }, update: { value } });
    await recordAuditEvent(tx, { actor, action: "index.reconcile.schedule.update", resource: RESOURCE, detail: { before: before?.value ?? null, after: schedule } });
  });
  let scheduleApplied = true;
  try {
    await syncReconcileSchedule(schedule);
  } catch (err) {
    scheduleApplied = false;
    console.error("wharf: index reconcile schedule not applied (every job worker applies it when it starts)", err);
  }
  return { schedule, scheduleApplied };
}

/**
 * At a worker's start: stores WHARF_RECONCILE_CRON's value as the schedule when none is stored
 * yet (the first start of this database; concurrent first starts insert once, the others find
 * it), else keeps the stored one, with one log line when this instance was started with another
 * value. Returns the schedule in force.
 */
export async function seedReconcileSchedule({
  envValue,
  log,
}: {
  /** WHARF_RECONCILE_CRON as this instance has it; undefined when it is not set. */
  envValue: string | undefined;
  log: (line: string) => void;
}): Promise<TReconcileSchedule> {
  const stored = await readReconcileSchedule();
  if (stored) {
    noteEnvDiffers(envValue, stored, log);
    return stored;
  }
  const seed = ZReconcileSchedule.safeParse(scheduleFromEnv(envValue ?? DEFAULT_CRON));
  if (!seed.success) throw new Error(`WHARF_RECONCILE_CRON: "${envValue}" is not a valid cron expression (${seed.error.issues.map((i) => i.message).join("; ")})`);
  const inserted = await db.$transaction(async (tx) => {
    const value = seed.data as unknown as Prisma.InputJsonValue;
    const { count } = await tx.systemSetting.createMany({ data: [{ key: RECONCILE_SCHEDULE_KEY, value }], skipDuplicates: true });
    if (count === 1) {
      await recordAuditEvent(tx, {
        actor: systemActor("startup"),
        action: "index.reconcile.schedule.update",
        resource: RESOURCE,
        detail: { before: null, after: seed.data, source: envValue === undefined ? "default" : "WHARF_RECONCILE_CRON" },
      });
    }
    return count === 1;
  });
  if (inserted) return seed.data;
  // Another instance stored its value first: that one is in force.
  const winner = await readReconcileSchedule();
  if (winner) {
    noteEnvDiffers(envValue, winner, log);
    return winner;
  }
  log(`jobs: the stored index reconcile schedule is unreadable; no schedule until an administrator saves one on System health`);
  return { cron: null };
}

/**
 * pg-boss keeps one schedule row per queue in the database, so this is idempotent and any
 * process may call it; only a worker's pg-boss fires it. No schedule removes the row.
 */
export async function syncReconcileSchedule(schedule?: TReconcileSchedule): Promise<TReconcileSchedule> {
  const current = schedule ?? (await readReconcileSchedule()) ?? { cron: null };
  const boss = await getBoss();
  if (current.cron) await boss.schedule(reconcileIndexJob.id, current.cron, { version: reconcileIndexJob.version }, { tz: "UTC" });
  else await boss.unschedule(reconcileIndexJob.id);
  return current;
}

export function describeSchedule(schedule: TReconcileSchedule): string {
  return schedule.cron ? `cron "${schedule.cron}" UTC` : "off";
}

/** One line when this instance was started with a value other than the stored one. */
function noteEnvDiffers(envValue: string | undefined, stored: TReconcileSchedule, log: (line: string) => void): void {
  if (envValue === undefined || sameSchedule(scheduleFromEnv(envValue), stored)) return;
  log(`jobs: WHARF_RECONCILE_CRON="${envValue}" differs from the stored index reconcile schedule (${describeSchedule(stored)}); the stored one wins (System health changes it)`);
}

function sameSchedule(a: TReconcileSchedule, b: TReconcileSchedule): boolean {
  return (a.cron?.split(/\s+/).join(" ") ?? null) === (b.cron?.split(/\s+/).join(" ") ?? null);
}

function nextRun(cron: string | null): string | null {
  if (!cron) return null;
  try {
    return cronParser.parseExpression(cron, { tz: "UTC" }).next().toDate().toISOString();
  } catch {
    return null;
  }
}
