import { afterAll, describe, expect, it } from "vitest";
import { ValidationError } from "@/lib/errors";
import { getBoss, setSharedBoss } from "@/lib/jobs/boss";
import { retentionScheduleJob } from "@/lib/jobs/definitions";
import { ALL_REPOSITORIES, ALL_TAGS } from "@/lib/policy/selectors";
import { createProject, db } from "@/lib/services/registry-auth/test-fixtures";
import { clearProjectRetention, setProjectRetention, setSystemRetentionDefault } from "@/lib/services/retention/policies";
import { listRetentionExecutions } from "@/lib/services/retention/runs";
import { fireRetentionSchedules, RETENTION_TICK_CRON, syncRetentionSchedule } from "@/lib/services/retention/schedule";
import { actorFor, createTestUser } from "@/lib/testing/factories";

// Crons that fire on 29 February only, and ticks at chosen instants: a worker another test file
// runs meanwhile ticks on the real clock and finds nothing due.
const LEAP_CRON = "0 3 29 2 *";
const LEAP_DEFAULT_CRON = "30 4 29 2 *";
const AT_LEAP = new Date("2028-02-29T03:00:20Z");
const AT_LEAP_DEFAULT = new Date("2028-02-29T04:30:40Z");
const KEEP_ALL = { rules: [{ template: "always", repositories: ALL_REPOSITORIES, tags: ALL_TAGS }] };
const PAGE = { page: 1, pageSize: 10 };

async function bossTick(): Promise<string | null> {
  return (await (await getBoss()).getSchedules()).find((s) => s.name === retentionScheduleJob.id)?.cron ?? null;
}

afterAll(async () => {
  // Leave no schedule behind for the other files sharing this run's database.
  await db.retentionPolicy.updateMany({ where: { schedule: { in: [LEAP_CRON, LEAP_DEFAULT_CRON] } }, data: { schedule: null } });
  await syncRetentionSchedule();
  const boss = await getBoss().catch(() => null);
  await boss?.stop({ graceful: false }).catch(() => undefined);
  setSharedBoss(undefined);
});

describe("retention schedules", () => {
  it("an invalid cron is a field message under schedule and saves nothing", async () => {
    const project = await createProject();
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    for (const schedule of ["0 3 * *", "61 * * * *", "0 0 3 * * *"]) {
      const error = await setProjectRetention({ actor: admin, projectId: project.id, input: { ...KEEP_ALL, schedule } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(Object.keys((error as ValidationError).fieldErrors)).toEqual(["schedule"]);
    }
    expect(await db.retentionPolicy.count({ where: { projectId: project.id } })).toBe(0);
  });

  it("a project policy's cron starts one run (trigger schedule, audited) when it fires, once per fire time; saving with a cron sets pg-boss's tick", async () => {
    const project = await createProject();
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    await setProjectRetention({ actor: admin, projectId: project.id, input: { ...KEEP_ALL, schedule: LEAP_CRON } });
    expect(await bossTick()).toBe(RETENTION_TICK_CRON);

    // Before it fires: nothing; at the tick: one run; a second tick for the same fire time: none.
    expect((await fireRetentionSchedules({ now: new Date("2028-02-29T02:59:50Z"), onlyProjects: [project.id] })).started.filter((s) => s.projectId === project.id)).toEqual([]);
    const first = await fireRetentionSchedules({ now: AT_LEAP, onlyProjects: [project.id] });
    expect(first.started.filter((s) => s.projectId === project.id)).toHaveLength(1);
    const again = await fireRetentionSchedules({ now: new Date(AT_LEAP.getTime() + 30_000), onlyProjects: [project.id] });
    expect(again.started.filter((s) => s.projectId === project.id)).toEqual([]);

    const executions = await listRetentionExecutions({ actor: admin, projectId: project.id, page: PAGE });
    expect(executions.rows.map((e) => ({ trigger: e.trigger, dryRun: e.dryRun }))).toEqual([{ trigger: "schedule", dryRun: false }]);
    expect(await db.auditEvent.count({ where: { action: "retention_execution.start", projectId: project.id, actorName: "system:retention-schedule" } })).toBe(1);

    // A fire time long past (the worker was down) is not caught up on.
    expect((await fireRetentionSchedules({ now: new Date(AT_LEAP.getTime() + 3600_000), onlyProjects: [project.id] })).started.filter((s) => s.projectId === project.id)).toEqual([]);

    // Clearing the cron: that policy no longer fires.
    await db.jobRun.updateMany({ where: { id: executions.rows[0]!.runId }, data: { status: "succeeded" } });
    await setProjectRetention({ actor: admin, projectId: project.id, input: { ...KEEP_ALL, schedule: null } });
    expect((await fireRetentionSchedules({ now: new Date("2032-02-29T03:00:10Z"), onlyProjects: [project.id] })).started.filter((s) => s.projectId === project.id)).toEqual([]);
  });

  it("the system default's cron runs in every project without its own policy, including one created after it was set; a project with its own policy follows its own", async () => {
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const own = await createProject();
    await setProjectRetention({ actor: admin, projectId: own.id, input: KEEP_ALL });
    const before = await createProject();
    await setSystemRetentionDefault({ actor: admin, input: { ...KEEP_ALL, schedule: LEAP_DEFAULT_CRON } });
    const later = await createProject();
    const cleared = await createProject();
    await setProjectRetention({ actor: admin, projectId: cleared.id, input: KEEP_ALL });
    await clearProjectRetention({ actor: admin, projectId: cleared.id });

    const mine = [own.id, before.id, later.id, cleared.id];
    const tick = await fireRetentionSchedules({ now: AT_LEAP_DEFAULT, onlyProjects: mine });
    expect(
      tick.started
        .filter((s) => mine.includes(s.projectId))
        .map((s) => s.projectId)
        .sort((a, b) => a - b),
    ).toEqual([before.id, later.id, cleared.id].sort((a, b) => a - b));
    for (const project of [before, later, cleared]) {
      expect((await listRetentionExecutions({ actor: admin, projectId: project.id, page: PAGE })).rows).toMatchObject([{ trigger: "schedule" }]);
    }
    expect((await listRetentionExecutions({ actor: admin, projectId: own.id, page: PAGE })).total).toBe(0);

    // No cron left anywhere: pg-boss's tick goes.
    await db.retentionPolicy.updateMany({ where: { schedule: LEAP_CRON }, data: { schedule: null } });
    await setSystemRetentionDefault({ actor: admin, input: { ...KEEP_ALL, schedule: null } });
    if ((await db.retentionPolicy.count({ where: { schedule: { not: null } } })) === 0) expect(await bossTick()).toBeNull();
  });
});
