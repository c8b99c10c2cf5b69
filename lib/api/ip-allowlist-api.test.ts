import { afterAll, describe, expect, it } from "vitest";
import * as route from "@/app/api/v2.0/system/ip-allowlist/route";
import { CLIENT_IP_HEADER } from "@/lib/auth/client-address";
import { apiRequest, basic, call, createTestUser, db, errorOf } from "@/lib/api/test-kit";

/*
 * `/system/ip-allowlist` over REST. Lists saved here admit everything but 240.0.0.0/4 (the setting
 * is shared with every test file of the run; see lib/services/ip-allowlist/ip-allowlist.test.ts).
 */
const WIDE = ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "::/0"];

afterAll(async () => {
  const admin = await createTestUser({ isAdmin: true });
  await call(route.PUT, apiRequest("/system/ip-allowlist", { method: "PUT", auth: basic(admin.username), headers: { [CLIENT_IP_HEADER]: "192.0.2.50" }, body: { entries: [] } }), {});
});

describe("/system/ip-allowlist", () => {
  it("an administrator replaces it and an auditor reads it; bad entries and a lockout are 400s naming entries, nothing saved; others get 403", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const from = (ip: string) => ({ [CLIENT_IP_HEADER]: ip });
    const put = (body: unknown, auth: string, ip = "192.0.2.50") => call(route.PUT, apiRequest("/system/ip-allowlist", { method: "PUT", auth, headers: from(ip), body }), {});

    const saved = await put({ entries: [...WIDE, " 0.0.0.0/1 "] }, basic(admin.username));
    expect(saved.status).toBe(200);
    const body = (await saved.json()) as { entries: string[]; update_time: string };
    expect(body.entries).toEqual(WIDE);
    expect(Date.parse(body.update_time)).not.toBeNaN();

    const auditor = await createTestUser({ isAuditor: true });
    const read = await call(route.GET, apiRequest("/system/ip-allowlist", { auth: basic(auditor.username) }), {});
    expect(read.status).toBe(200);
    expect(((await read.json()) as { entries: string[] }).entries).toEqual(WIDE);

    const rowsBefore = await db.auditEvent.count({ where: { action: "ip_allowlist.update", result: "success" } });
    for (const [bad, says] of [
      [{ entries: ["10.0.0.0/8", "not-an-ip"] }, `entries: "not-an-ip" is not an IP address or CIDR range`],
      [{ entries: "10.0.0.0/8" }, "entries"],
      [{}, "entries"],
    ] as const) {
      const res = await put(bad, basic(admin.username));
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect((await errorOf(res)).message).toContain(says);
    }
    const lockout = await put({ entries: ["10.0.0.0/8"] }, basic(admin.username), "192.0.2.50");
    expect(lockout.status).toBe(400);
    expect((await errorOf(lockout)).message).toBe(
      "entries: Your own address (192.0.2.50) is not in the list: add it, or a range holding it, so you can still reach Wharf",
    );
    expect(await db.auditEvent.count({ where: { action: "ip_allowlist.update", result: "success" } })).toBe(rowsBefore);
    expect(((await (await call(route.GET, apiRequest("/system/ip-allowlist", { auth: basic(admin.username) }), {})).json()) as { entries: string[] }).entries).toEqual(WIDE);

    expect((await put({ entries: [] }, basic(auditor.username))).status).toBe(403);
    const user = await createTestUser();
    expect((await call(route.GET, apiRequest("/system/ip-allowlist", { auth: basic(user.username) }), {})).status).toBe(403);
    expect((await call(route.GET, apiRequest("/system/ip-allowlist"), {})).status).toBe(401);
  });
});
