import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { ForbiddenError, ValidationError } from "@/lib/errors";
import { getBoss, setSharedBoss } from "@/lib/jobs/boss";
import { reconcileIndexJob } from "@/lib/jobs/definitions";
import { startJobWorker } from "@/lib/jobs/worker";
import {
  getReconcileSchedule,
  RECONCILE_SCHEDULE_KEY,
  seedReconcileSchedule,
  updateReconcileSchedule,
} from "@/lib/services/jobs/reconcile-schedule";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";

/** pg-boss's schedule of the reconcile queue (one row in the database, shared by every instance). */
async function bossCron(): Promise<string | null> {
  const boss = await getBoss();
  return (await boss.getSchedules()).find((s) => s.name === reconcileIndexJob.id)?.cron ?? null;
}

async function auditRows(since: bigint) {
  return db.auditEvent.findMany({ where: { id: { gt: since }, action: "index.reconcile.schedule.update" }, orderBy: { id: "asc" } });
}

async function lastAuditId(): Promise<bigint> {
  return (await db.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0n;
}

// Each case starts from a database where no instance has started yet (the run's database is
// shared by every test file, and other files start workers).
beforeEach(async () => {
  await db.systemSetting.deleteMany({ where: { key: RECONCILE_SCHEDULE_KEY } });
  await (await getBoss()).unschedule(reconcileIndexJob.id);
});

afterAll(async () => {
  await (await getBoss()).unschedule(reconcileIndexJob.id);
  const boss = await getBoss().catch(() => null);
  await boss?.stop({ graceful: false }).catch(() => undefined);
  setSharedBoss(undefined);
});

describe("the index reconcile schedule", () => {
  it("two starts with different WHARF_RECONCILE_CRON: the first seeds the stored schedule, the second keeps it and says so once; pg-boss follows the stored one", async () => {
    const since = await lastAuditId();
    const firstLog: string[] = [];
    const first = await startJobWorker({ log: (l) => firstLog.push(l), reconcileCron: "5 4 * * *" });
    await first.stop();
    expect(await bossCron()).toBe("5 4 * * *");
    expect(firstLog.filter((l) => l.includes("differs"))).toEqual([]);

    const secondLog: string[] = [];
    const second = await startJobWorker({ log: (l) => secondLog.push(l), reconcileCron: "off" });
    await second.stop();
    // `off` on the second instance does not switch the schedule off for everyone.
    expect(await bossCron()).toBe("5 4 * * *");
    expect(secondLog.filter((l) => l.includes("differs"))).toEqual([
      'jobs: WHARF_RECONCILE_CRON="off" differs from the stored index reconcile schedule (cron "5 4 * * *" UTC); the stored one wins (System health changes it)',
    ]);
    expect(secondLog).toContain('jobs: worker started (index reconcile on cron "5 4 * * *" UTC)');

    // A third start with the stored value says nothing; one with the variable unset neither.
    const quiet: string[] = [];
    await seedReconcileSchedule({ envValue: "5  4 * * *", log: (l) => quiet.push(l) });
    await seedReconcileSchedule({ envValue: undefined, log: (l) => quiet.push(l) });
    expect(quiet).toEqual([]);

    // Seeding is one change: one row, by the system, naming where the value came from.
    const rows = await auditRows(since);
    expect(rows.map((r) => [r.actorName, r.result])).toEqual([["system:startup", "success"]]);
    expect(rows[0]?.detail).toMatchObject({ before: null, after: { cron: "5 4 * * *" }, source: "WHARF_RECONCILE_CRON" });
  }, 120_000);

  it("concurrent first starts store one value, once, and all of them use it", async () => {
    const since = await lastAuditId();
    const values = ["1 * * * *", "2 * * * *", "off", "3 * * * *"];
    const results = await Promise.all(values.map((envValue) => seedReconcileSchedule({ envValue, log: () => undefined })));
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(await auditRows(since)).toHaveLength(1);
    const stored = await db.systemSetting.findUniqueOrThrow({ where: { key: RECONCILE_SCHEDULE_KEY } });
    expect(stored.value).toEqual(results[0]);
  });

  it("an invalid WHARF_RECONCILE_CRON on the first start is refused by name, storing nothing", async () => {
    await expect(seedReconcileSchedule({ envValue: "61 * * * *", log: () => undefined })).rejects.toThrow(/WHARF_RECONCILE_CRON/);
    expect(await db.systemSetting.findUnique({ where: { key: RECONCILE_SCHEDULE_KEY } })).toBeNull();
  });

  it("an administrator changes it (one audited row with before and after, pg-boss follows); an auditor reads it and is refused a change; bad input changes nothing", async () => {
    await seedReconcileSchedule({ envValue: "17 * * * *", log: () => undefined });
    const adminUser = await createTestUser({ isAdmin: true });
    const auditorUser = await createTestUser({ isAuditor: true });
    const admin = actorFor(adminUser);
    const auditor = actorFor(auditorUser);
    const user = actorFor(await createTestUser());

    const since = await lastAuditId();
    const saved = await updateReconcileSchedule({ actor: admin, input: { cron: "30 2 * * 1" } });
    expect(saved).toEqual({ schedule: { cron: "30 2 * * 1" }, scheduleApplied: true });
    expect(await bossCron()).toBe("30 2 * * 1");
    const rows = await auditRows(since);
    expect(rows.map((r) => [r.actorName, r.result, r.resourceName])).toEqual([[adminUser.username, "success", RECONCILE_SCHEDULE_KEY]]);
    expect(rows[0]?.detail).toEqual({ before: { cron: "17 * * * *" }, after: { cron: "30 2 * * 1" } });

    // The auditor reads it, with the next time it fires.
    const view = await getReconcileSchedule({ actor: auditor });
    expect(view.cron).toBe("30 2 * * 1");
    expect(new Date(view.nextRunAt!).getUTCDay()).toBe(1);
    expect(new Date(view.nextRunAt!).toISOString().slice(11, 16)).toBe("02:30");
    await expect(getReconcileSchedule({ actor: user })).rejects.toBeInstanceOf(ForbiddenError);

    // Refused: an auditor's change (one failure row), and invalid input (no row, no change).
    const beforeRefusal = await lastAuditId();
    await expect(updateReconcileSchedule({ actor: auditor, input: { cron: null } })).rejects.toBeInstanceOf(ForbiddenError);
    const refusals = await db.auditEvent.findMany({ where: { id: { gt: beforeRefusal } } });
    expect(refusals.map((r) => [r.result, r.actorName])).toEqual([["failure", auditorUser.username]]);
    const beforeInvalid = await lastAuditId();
    for (const cron of ["61 * * * *", "* * * *", "every hour", ""]) {
      const error = await updateReconcileSchedule({ actor: admin, input: { cron } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fieldErrors?.cron?.length).toBeGreaterThan(0);
    }
    expect(await db.auditEvent.count({ where: { id: { gt: beforeInvalid } } })).toBe(0);
    expect((await getReconcileSchedule({ actor: admin })).cron).toBe("30 2 * * 1");
    expect(await bossCron()).toBe("30 2 * * 1");

    // Off removes pg-boss's schedule; a restarted instance keeps it off whatever its variable says.
    await updateReconcileSchedule({ actor: admin, input: { cron: null } });
    expect(await bossCron()).toBeNull();
    const worker = await startJobWorker({ log: () => undefined, reconcileCron: "17 * * * *" });
    await worker.stop();
    expect(await bossCron()).toBeNull();
    expect(await getReconcileSchedule({ actor: admin })).toMatchObject({ cron: null, nextRunAt: null });
  }, 120_000);
});
