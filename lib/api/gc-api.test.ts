import { afterAll, describe, expect, it } from "vitest";
import * as listRoute from "@/app/api/v2.0/system/gc/route";
import * as oneRoute from "@/app/api/v2.0/system/gc/[gc_id]/route";
import * as logRoute from "@/app/api/v2.0/system/gc/[gc_id]/log/route";
import * as scheduleRoute from "@/app/api/v2.0/system/gc/schedule/route";
import { apiRequest, basic, call, createTestUser, db, errorOf } from "@/lib/api/test-kit";
import { getBoss } from "@/lib/jobs/boss";

/*
 * /system/gc* without a registry Wharf can collect (this file sets no WHARF_REGISTRY_CONFIG): the
 * schedule and the refusals. Runs against the real registry are in lib/services/gc/gc.test.ts.
 */
const lastAuditId = async () => (await db.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0n;
const rowsSince = (since: bigint) => db.auditEvent.findMany({ where: { id: { gt: since } }, orderBy: { id: "asc" } });
const schedule = (auth: string, method = "GET", body?: unknown) => {
  const handler = method === "GET" ? scheduleRoute.GET : method === "PUT" ? scheduleRoute.PUT : scheduleRoute.POST;
  return call(handler, apiRequest("/system/gc/schedule", { method, auth, body }), {});
};

afterAll(async () => {
  await (await getBoss()).stop({ graceful: false });
});

describe("/system/gc (Harbor)", () => {
  it("says why garbage collection is off for a registry whose config and storage Wharf is not given, and refuses to start (409, audited)", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const read = await schedule(basic(admin.username));
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ job_name: "GARBAGE_COLLECTION", available: false, unavailable_reason: expect.stringContaining("WHARF_REGISTRY_CONFIG") });
    const since = await lastAuditId();
    const res = await schedule(basic(admin.username), "POST", { schedule: { type: "Manual" }, parameters: { dry_run: true } });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).message).toContain("WHARF_REGISTRY_CONFIG");
    expect(await rowsSince(since)).toHaveLength(0);
  });

  it("an administrator sets the schedule (one audit row); auditors read it; others and bad bodies are refused", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const auditor = await createTestUser({ isAuditor: true });
    const plain = await createTestUser();
    const since = await lastAuditId();
    expect((await schedule(basic(admin.username), "PUT", { schedule: { type: "Custom", cron: "0 15 3 * * 6" }, parameters: { dry_run: true, workers: 2 } })).status).toBe(200);
    expect((await rowsSince(since)).map((r) => [r.action, r.result])).toEqual([["gc.schedule.update", "success"]]);
    const read = await schedule(basic(auditor.username));
    expect(await read.json()).toMatchObject({ schedule: { type: "Custom", cron: "0 15 3 * * 6", next_scheduled_time: expect.any(String) }, job_parameters: JSON.stringify({ delete_untagged: false, dry_run: true, workers: 2 }) });

    for (const [body, field] of [
      [{ schedule: { type: "Daily" }, parameters: { delete_untagged: true } }, "parameters.delete_untagged"],
      [{ schedule: { type: "Daily" }, parameters: { workers: 9 } }, "parameters.workers"],
      [{ schedule: { type: "Custom", cron: "0 99 * * * *" } }, "schedule.cron"],
      [{ schedule: { type: "Sometimes" } }, "schedule.type"],
      [{ schedule: { type: "Manual" } }, "schedule.type"],
    ] as const) {
      const res = await schedule(basic(admin.username), "PUT", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(res)).message).toContain(field);
    }
    const manual = await schedule(basic(admin.username), "POST", { schedule: { type: "Manual" }, parameters: { delete_untagged: true } });
    expect(manual.status).toBe(400);
    expect((await errorOf(manual)).message).toMatch(/delete_untagged: .*multi-arch index children/);

    const before = await lastAuditId();
    expect((await schedule(basic(auditor.username), "PUT", { schedule: { type: "None" } })).status).toBe(403);
    expect((await schedule(basic(auditor.username), "POST", { schedule: { type: "Manual" } })).status).toBe(403);
    expect((await schedule(basic(plain.username))).status).toBe(403);
    expect((await rowsSince(before)).map((r) => [r.action, r.result])).toEqual([
      ["gc.schedule.update", "failure"],
      ["gc.start", "failure"],
      ["gc.read", "failure"],
    ]);
    // None: no schedule.
    expect((await schedule(basic(admin.username), "PUT", { schedule: { type: "None" } })).status).toBe(200);
    expect(await (await schedule(basic(admin.username))).json()).toMatchObject({ schedule: { type: "None", cron: "" } });
  });

  it("history, one execution and its log: auditors read, unknown ids are 404, bad ones 400, a stop of nothing 404/409", async () => {
    const auditor = await createTestUser({ isAuditor: true });
    const admin = await createTestUser({ isAdmin: true });
    const list = await call(listRoute.GET, apiRequest("/system/gc?page=1&page_size=5", { auth: basic(auditor.username) }), {});
    expect(list.status).toBe(200);
    expect(list.headers.get("x-total-count")).not.toBeNull();
    expect((await call(oneRoute.GET, apiRequest("/system/gc/999999", { auth: basic(auditor.username) }), { gc_id: "999999" })).status).toBe(404);
    expect((await call(oneRoute.GET, apiRequest("/system/gc/abc", { auth: basic(auditor.username) }), { gc_id: "abc" })).status).toBe(400);
    expect((await call(logRoute.GET, apiRequest("/system/gc/999999/log", { auth: basic(auditor.username) }), { gc_id: "999999" })).status).toBe(404);
    expect((await call(oneRoute.PUT, apiRequest("/system/gc/999999", { method: "PUT", auth: basic(admin.username) }), { gc_id: "999999" })).status).toBe(404);
    expect((await call(oneRoute.PUT, apiRequest("/system/gc/999999", { method: "PUT", auth: basic(auditor.username) }), { gc_id: "999999" })).status).toBe(403);
  });
});
