import { afterAll, describe, expect, it } from "vitest";
import { ForbiddenError, ValidationError } from "@/lib/errors";
import { getBoss } from "@/lib/jobs/boss";
import { purgeAuditJob } from "@/lib/jobs/definitions";
import { startJobWorker } from "@/lib/jobs/worker";
import { purgeAuditEvents } from "@/lib/services/audit/purge-audit-events";
import {
  DEFAULT_PURGE_POLICY,
  dryRunPurge,
  getPurgePolicy,
  listPurgeRuns,
  readPurgePolicy,
  startAuditPurge,
  updatePurgePolicy,
} from "@/lib/services/audit/purge-policy";
import { type ClaimedJobRun, claimJobRun, createJobRun, finishJobRun } from "@/lib/services/jobs/job-runs";
import { testJobContext } from "@/lib/jobs/testing/job-context";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";
import { ZPurgePolicyForm } from "@/lib/validation/audit-retention";

const DAY = 24 * 3600 * 1000;

/** Audit rows as if written `ageDays` ago (INSERT is allowed; only changes are refused). */
async function insertRows(tag: string, count: number, ageDays: number): Promise<void> {
  const now = Date.now();
  await db.auditEvent.createMany({
    data: Array.from({ length: count }, (_, i) => ({
      occurredAt: new Date(now - ageDays * DAY - i * 60_000),
      principalKind: "system" as const,
      actorName: "system:test",
      action: "test.aged",
      resourceType: "test",
      resourceName: tag,
      result: "success" as const,
    })),
  });
}

const countTagged = (tag: string) => db.auditEvent.count({ where: { resourceName: tag } });

/** A run as an administrator's "Purge now" creates it, claimed as the worker claims it. */
async function manualRun(cutoff: Date) {
  const runId = await createJobRun({ jobName: purgeAuditJob.id, jobVersion: 1, trigger: "test", payload: { cutoff: cutoff.toISOString(), trigger: "manual" } });
  return claimAgain(runId);
}

/** The run claimed by a new attempt, as a retry after a crash claims it (the earlier attempt's writes are fenced off). */
const claimAgain = (runId: number) => claimJobRun({ runId, bossJobId: `test-${runId}`, jobName: purgeAuditJob.id, jobVersion: 1, trigger: "test" });

/** The purge handler's context for a claimed run, with the payload the run row carries. */
const attemptOf = (run: ClaimedJobRun) => testJobContext(run, purgeAuditJob.payload.parse(run.payload));

afterAll(async () => {
  // The test's send-only pg-boss (policy updates schedule through it).
  await (await getBoss()).stop({ graceful: false });
});

describe("audit purge policy", () => {
  it("bad input is refused with field errors and changes nothing", async () => {
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const before = await readPurgePolicy();
    const rowsBefore = await db.auditEvent.count({ where: { action: "audit_log.purge_policy.update" } });
    for (const input of [
      { retentionDays: 0, schedule: null, enabled: true },
      { retentionDays: 36501, schedule: null, enabled: true },
      { retentionDays: 1.5, schedule: null, enabled: true },
      { retentionDays: 30, schedule: "every day", enabled: true },
      { retentionDays: 30, schedule: "0 0 * * * *", enabled: true },
      { retentionDays: 30, schedule: "61 * * * *", enabled: true },
      { retentionDays: 30, schedule: null },
    ]) {
      const error = await updatePurgePolicy({ actor: admin, input }).catch((e: unknown) => e);
      expect(error, JSON.stringify(input)).toBeInstanceOf(ValidationError);
      expect(Object.keys((error as ValidationError).fieldErrors).length).toBeGreaterThan(0);
    }
    expect(await readPurgePolicy()).toEqual(before);
    expect(await db.auditEvent.count({ where: { action: "audit_log.purge_policy.update" } })).toBe(rowsBefore);

    // The form: a custom schedule needs its cron text; a preset maps to its expression.
    const custom = ZPurgePolicyForm.safeParse({ retentionDays: "30", schedulePreset: "custom", cron: "" });
    expect(custom.success).toBe(false);
    expect(custom.error?.issues[0]?.path).toEqual(["cron"]);
    // Every field at fault in one answer, the cron too when the retention is wrong.
    const both = ZPurgePolicyForm.safeParse({ retentionDays: "0", schedulePreset: "custom", cron: "every night" });
    expect(both.error?.issues.map((i) => i.path[0]).sort()).toEqual(["cron", "retentionDays"]);
    expect(ZPurgePolicyForm.parse({ retentionDays: "30", schedulePreset: "daily", enabled: "on" })).toEqual({ retentionDays: 30, schedule: "0 0 * * *", enabled: true });
    expect(ZPurgePolicyForm.parse({ retentionDays: "7", schedulePreset: "custom", cron: " 5 4 * * 1 " })).toEqual({ retentionDays: 7, schedule: "5 4 * * 1", enabled: false });
  });

  it("auditors read the policy and its dry run; auditors and other users change nothing, each refusal audited", async () => {
    const auditorUser = await createTestUser({ isAuditor: true });
    const auditor = actorFor(auditorUser);
    const member = actorFor(await createTestUser());
    const policy = await readPurgePolicy();
    expect(await getPurgePolicy({ actor: auditor })).toEqual(policy);
    await expect(getPurgePolicy({ actor: member })).rejects.toBeInstanceOf(ForbiddenError);
    // Rows past the saved retention, so the dry run has something of this test's own to count.
    const tag = uniqueName("auditor-dry");
    await insertRows(tag, 3, policy.retentionDays + 10);
    const dry = await dryRunPurge({ actor: auditor });
    expect(dry.retentionDays).toBe(policy.retentionDays);
    expect(dry.rows).toBe(await db.auditEvent.count({ where: { occurredAt: { lt: new Date(dry.cutoff) } } }));
    expect(await db.auditEvent.count({ where: { resourceName: tag, occurredAt: { lt: new Date(dry.cutoff) } } })).toBe(3);
    expect(await countTagged(tag)).toBe(3);
    await expect(dryRunPurge({ actor: member })).rejects.toBeInstanceOf(ForbiddenError);

    const input = { retentionDays: 1, schedule: "* * * * *", enabled: true };
    for (const actor of [auditor, member]) {
      await expect(updatePurgePolicy({ actor, input })).rejects.toBeInstanceOf(ForbiddenError);
      await expect(startAuditPurge({ actor })).rejects.toBeInstanceOf(ForbiddenError);
    }
    expect(await readPurgePolicy()).not.toMatchObject(input);
    const refusals = await db.auditEvent.findMany({ where: { actorName: auditorUser.username, result: "failure" } });
    expect(refusals.map((r) => r.action).sort()).toEqual(["audit_log.purge.start", "audit_log.purge_policy.update"]);
    expect(await db.jobRun.count({ where: { jobName: purgeAuditJob.id, trigger: auditorUser.username } })).toBe(0);
  });

  it("an update is one audited row with before and after, and sets or removes pg-boss's schedule", async () => {
    const adminUser = await createTestUser({ isAdmin: true });
    const admin = actorFor(adminUser);
    const before = await readPurgePolicy();
    const result = await updatePurgePolicy({ actor: admin, input: { retentionDays: 90, schedule: "0 0 * * *", enabled: true } });
    expect(result).toEqual({ policy: { retentionDays: 90, schedule: "0 0 * * *", enabled: true }, scheduleApplied: true });
    const rows = await db.auditEvent.findMany({ where: { action: "audit_log.purge_policy.update", actorName: adminUser.username } });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.detail).toEqual({ before, after: { retentionDays: 90, schedule: "0 0 * * *", enabled: true } });
    const boss = await getBoss();
    expect((await boss.getSchedules()).filter((s) => s.name === purgeAuditJob.id).map((s) => s.cron)).toEqual(["0 0 * * *"]);

    await updatePurgePolicy({ actor: admin, input: { retentionDays: 90, schedule: "0 0 * * *", enabled: false } });
    expect((await boss.getSchedules()).filter((s) => s.name === purgeAuditJob.id)).toEqual([]);
    expect(await db.auditEvent.count({ where: { action: "audit_log.purge_policy.update", actorName: adminUser.username } })).toBe(2);
    expect(DEFAULT_PURGE_POLICY.enabled).toBe(false);
  });

  it("a dry run counts the rows older than the cutoff and deletes nothing", async () => {
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const tag = uniqueName("dry");
    await insertRows(tag, 7, 400);
    await insertRows(tag, 3, 200);
    await updatePurgePolicy({ actor: admin, input: { retentionDays: 365, schedule: null, enabled: true } });
    const dry = await dryRunPurge({ actor: admin });
    expect(dry.retentionDays).toBe(365);
    expect(dry.rows).toBe(await db.auditEvent.count({ where: { occurredAt: { lt: new Date(dry.cutoff) } } }));
    expect(await db.auditEvent.count({ where: { resourceName: tag, occurredAt: { lt: new Date(dry.cutoff) } } })).toBe(7);
    expect(await countTagged(tag)).toBe(10);
    // Another retention, without saving it: the 200-day-old rows count too.
    const wider = await dryRunPurge({ actor: admin, retentionDays: 100 });
    expect(wider.rows).toBe(await db.auditEvent.count({ where: { occurredAt: { lt: new Date(wider.cutoff) } } }));
    expect(await db.auditEvent.count({ where: { resourceName: tag, occurredAt: { lt: new Date(wider.cutoff) } } })).toBe(10);
    expect(await readPurgePolicy()).toMatchObject({ retentionDays: 365 });
    await expect(dryRunPurge({ actor: admin, retentionDays: 0 })).rejects.toBeInstanceOf(ValidationError);
  });

  it("a purge deletes exactly the rows older than the cutoff, oldest first in batches, resumes, and writes one audit_log.purge row", async () => {
    const oldTag = uniqueName("old");
    const keptTag = uniqueName("kept");
    await insertRows(oldTag, 25, 400);
    await insertRows(keptTag, 4, 30);
    const cutoff = new Date(Date.now() - 365 * DAY);
    const doomed = await db.auditEvent.count({ where: { occurredAt: { lt: cutoff } } });
    expect(doomed).toBeGreaterThanOrEqual(25);
    const run = await manualRun(cutoff);

    // The first attempt stops after its first batch of 10, as a crashed worker would.
    await expect(
      purgeAuditEvents(attemptOf(run), { batchSize: 10, onBatch: () => Promise.reject(new Error("worker stopped")) }),
    ).rejects.toThrow("worker stopped");
    let row = await db.jobRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(row).toMatchObject({ progressDone: 10, progressTotal: doomed, checkpoint: `cutoff=${cutoff.toISOString()}` });
    expect(await db.auditEvent.count({ where: { occurredAt: { lt: cutoff } } })).toBe(doomed - 10);
    expect(await db.auditEvent.count({ where: { action: "audit_log.purge", resourceId: String(run.id) } })).toBe(0);

    // The retried attempt continues with what is left, in batches, and finishes.
    const batches: number[] = [];
    const retried = await claimAgain(run.id);
    const state = await purgeAuditEvents(attemptOf(retried), { batchSize: 10, onBatch: ({ done }) => void batches.push(done) });
    expect(state).toEqual({ cutoff: cutoff.toISOString(), rowsDeleted: doomed, audited: true });
    expect(batches.length).toBe(Math.ceil((doomed - 10) / 10));
    expect(batches.at(-1)).toBe(doomed);
    expect(await countTagged(oldTag)).toBe(0);
    expect(await countTagged(keptTag)).toBe(4);
    expect(await db.auditEvent.count({ where: { occurredAt: { lt: cutoff } } })).toBe(0);
    row = await db.jobRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(row.progressDone).toBe(doomed);
    expect(row.progressTotal).toBe(doomed);

    // A third attempt (its finish was lost) writes no second row.
    const third = await claimAgain(run.id);
    await purgeAuditEvents(attemptOf(third), { batchSize: 10 });
    const purgeRows = await db.auditEvent.findMany({ where: { action: "audit_log.purge", resourceId: String(run.id) } });
    expect(purgeRows).toHaveLength(1);
    expect(purgeRows[0]).toMatchObject({ actorName: "system:audit.purge", result: "success", resourceType: "audit_log" });
    expect(purgeRows[0]?.detail).toEqual({ runId: run.id, cutoff: cutoff.toISOString(), rowsDeleted: doomed, dryRun: false, trigger: "manual" });
    expect(await finishJobRun(third, { status: "succeeded" })).toBe(true);
  });

  it("a run with nothing to delete still writes its one row", async () => {
    const run = await manualRun(new Date(Date.now() - 36000 * DAY));
    expect(await purgeAuditEvents(attemptOf(run))).toMatchObject({ rowsDeleted: 0, audited: true });
    expect(await db.auditEvent.count({ where: { action: "audit_log.purge", resourceId: String(run.id) } })).toBe(1);
    expect(await finishJobRun(run, { status: "succeeded" })).toBe(true);
  });

  it("plain DELETE, UPDATE and TRUNCATE stay refused, and the purge flag never allows deleting a recent row", async () => {
    const tag = uniqueName("guarded");
    await insertRows(tag, 2, 400);
    const recent = uniqueName("recent");
    await insertRows(recent, 1, 0.5);
    const old = await db.auditEvent.findFirstOrThrow({ where: { resourceName: tag } });
    const young = await db.auditEvent.findFirstOrThrow({ where: { resourceName: recent } });

    await expect(db.auditEvent.delete({ where: { id: old.id } })).rejects.toThrow(/append-only/);
    await expect(db.$executeRaw`DELETE FROM audit_events WHERE resource_name = ${tag}`).rejects.toThrow(/append-only/);
    await expect(db.auditEvent.update({ where: { id: old.id }, data: { action: "tampered" } })).rejects.toThrow(/append-only/);
    await expect(db.$executeRawUnsafe("TRUNCATE audit_events")).rejects.toThrow(/append-only/);

    // With the flag: UPDATE is still refused, a row younger than 24 hours too.
    const flagged = (sql: (tx: Parameters<Parameters<typeof db.$transaction>[0]>[0]) => Promise<unknown>) =>
      db.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT set_config('wharf.audit_purge', 'on', true)`;
        return sql(tx);
      });
    await expect(flagged((tx) => tx.$executeRaw`UPDATE audit_events SET action = 'tampered' WHERE id = ${old.id}`)).rejects.toThrow(/append-only/);
    await expect(flagged((tx) => tx.$executeRaw`DELETE FROM audit_events WHERE id = ${young.id}`)).rejects.toThrow(/younger than 24 hours/);
    await expect(flagged((tx) => tx.$executeRawUnsafe("TRUNCATE audit_events"))).rejects.toThrow(/append-only/);
    expect(await countTagged(recent)).toBe(1);

    // The flag is the transaction's own: after a flagged DELETE, the next statement is refused again.
    expect(await flagged((tx) => tx.$executeRaw`DELETE FROM audit_events WHERE id = ${old.id}`)).toBe(1);
    await expect(db.$executeRaw`DELETE FROM audit_events WHERE resource_name = ${tag}`).rejects.toThrow(/append-only/);
    expect(await countTagged(tag)).toBe(1);
  });

  it("Purge now queues a run the worker carries out, visible with its progress", async () => {
    const adminUser = await createTestUser({ isAdmin: true });
    const admin = actorFor(adminUser);
    await updatePurgePolicy({ actor: admin, input: { retentionDays: 365, schedule: null, enabled: false } });
    const tag = uniqueName("queued");
    await insertRows(tag, 12, 500);
    const dry = await dryRunPurge({ actor: admin });
    // A purge run still queued or running would make this start a conflict. Every test that queues
    // one without a worker ends it itself (the audit walk in its afterAll); this one touches no run
    // but its own.
    expect(await db.jobRun.findMany({ where: { jobName: purgeAuditJob.id, status: { in: ["queued", "running"] } }, select: { id: true, trigger: true } })).toEqual([]);
    const worker = await startJobWorker({ log: () => undefined });
    try {
      const { runId } = await startAuditPurge({ actor: admin });
      let status = "queued";
      for (let i = 0; i < 100 && (status === "queued" || status === "running"); i++) {
        await new Promise((r) => setTimeout(r, 300));
        status = (await db.jobRun.findUniqueOrThrow({ where: { id: runId } })).status;
      }
      expect(status).toBe("succeeded");
      expect(await countTagged(tag)).toBe(0);
      const [latest] = await listPurgeRuns({ actor: actorFor(await createTestUser({ isAuditor: true })) });
      expect(latest).toMatchObject({ id: runId, status: "succeeded", trigger: adminUser.username, progressDone: dry.rows, progressTotal: dry.rows });
      expect(await db.auditEvent.count({ where: { action: "audit_log.purge.start", resourceId: String(runId) } })).toBe(1);
      const done = await db.auditEvent.findMany({ where: { action: "audit_log.purge", resourceId: String(runId) } });
      expect(done).toHaveLength(1);
      expect(done[0]?.detail).toMatchObject({ rowsDeleted: dry.rows, trigger: "manual", dryRun: false });
    } finally {
      await worker.stop();
    }
  }, 60_000);
});
