import { afterAll, describe, expect, it } from "vitest";
import * as scheduleRoute from "@/app/api/v2.0/system/purgeaudit/schedule/route";
import { apiRequest, basic, call, createTestUser, db, errorOf } from "@/lib/api/test-kit";
import { getBoss } from "@/lib/jobs/boss";
import { readPurgePolicy } from "@/lib/services/audit/purge-policy";

const lastAuditId = async () => (await db.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0n;
const rowsSince = (since: bigint) => db.auditEvent.findMany({ where: { id: { gt: since } }, orderBy: { id: "asc" } });
const get = (auth: string) => call(scheduleRoute.GET, apiRequest("/system/purgeaudit/schedule", { auth }), {});
const put = (auth: string, body: unknown) => call(scheduleRoute.PUT, apiRequest("/system/purgeaudit/schedule", { method: "PUT", auth, body }), {});

afterAll(async () => {
  await (await getBoss()).stop({ graceful: false });
});

describe("/system/purgeaudit/schedule (Harbor)", () => {
  it("an administrator sets the policy in Harbor's shape (one audit row) and reads it back", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const since = await lastAuditId();
    const res = await put(basic(admin.username), { schedule: { type: "Custom", cron: "0 30 2 * * *" }, parameters: { audit_retention_hour: 720, dry_run: false } });
    expect(res.status).toBe(200);
    expect(await readPurgePolicy()).toEqual({ retentionDays: 30, schedule: "30 2 * * *", enabled: true });
    expect((await rowsSince(since)).map((r) => [r.action, r.result])).toEqual([["audit_log.purge_policy.update", "success"]]);

    const read = await get(basic(admin.username));
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({
      job_name: "PURGE_AUDIT_LOG",
      schedule: { type: "Custom", cron: "0 30 2 * * *" },
      job_parameters: JSON.stringify({ audit_retention_hour: 720, dry_run: false }),
      enabled: true,
      audit_retention_days: 30,
    });

    // None switches the schedule off and keeps the cron; a preset maps to its expression.
    expect((await put(basic(admin.username), { schedule: { type: "None" } })).status).toBe(200);
    expect(await readPurgePolicy()).toEqual({ retentionDays: 30, schedule: "30 2 * * *", enabled: false });
    expect((await put(basic(admin.username), { schedule: { type: "Daily" } })).status).toBe(200);
    expect(await readPurgePolicy()).toEqual({ retentionDays: 30, schedule: "0 0 * * *", enabled: true });
  });

  it("bad bodies are 400 with the field named and change nothing", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const before = await readPurgePolicy();
    const since = await lastAuditId();
    for (const [body, field] of [
      [{}, "schedule"],
      [{ schedule: { type: "Sometimes" } }, "schedule.type"],
      [{ schedule: { type: "Custom" } }, "schedule.cron"],
      [{ schedule: { type: "Custom", cron: "5 0 * * * *" } }, "schedule.cron"],
      [{ schedule: { type: "Custom", cron: "0 99 * * * *" } }, "schedule.cron"],
      [{ schedule: { type: "Daily" }, parameters: { audit_retention_hour: 25 } }, "parameters.audit_retention_hour"],
      [{ schedule: { type: "Daily" }, parameters: { audit_retention_hour: 0 } }, "parameters.audit_retention_hour"],
      [{ schedule: { type: "Daily" }, parameters: { dry_run: true } }, "parameters.dry_run"],
      [{ schedule: { type: "Manual" } }, "schedule.type"],
    ] as const) {
      const res = await put(basic(admin.username), body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(res)).message).toContain(field);
    }
    expect(await readPurgePolicy()).toEqual(before);
    expect(await rowsSince(since)).toEqual([]);
  });

  it("an auditor reads it and is refused a change (one failure row); a plain user neither", async () => {
    const auditor = await createTestUser({ isAuditor: true });
    const user = await createTestUser();
    expect((await get(basic(auditor.username))).status).toBe(200);
    const before = await readPurgePolicy();
    let since = await lastAuditId();
    const refused = await put(basic(auditor.username), { schedule: { type: "Hourly" }, parameters: { audit_retention_hour: 24 } });
    expect(refused.status).toBe(403);
    expect((await rowsSince(since)).map((r) => [r.result, r.actorName])).toEqual([["failure", auditor.username]]);
    since = await lastAuditId();
    expect((await get(basic(user.username))).status).toBe(403);
    expect((await put(basic(user.username), { schedule: { type: "Hourly" } })).status).toBe(403);
    expect((await rowsSince(since)).every((r) => r.result === "failure")).toBe(true);
    expect(await readPurgePolicy()).toEqual(before);
  });
});
