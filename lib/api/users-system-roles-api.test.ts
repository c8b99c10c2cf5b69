import { describe, expect, it } from "vitest";
import * as sysadminRoute from "@/app/api/v2.0/users/[user_id]/sysadmin/route";
import * as systemRoleRoute from "@/app/api/v2.0/users/[user_id]/system-role/route";
import * as searchRoute from "@/app/api/v2.0/users/search/route";
import { apiRequest, basic, call, createTestUser, db, errorOf } from "@/lib/api/test-kit";
import { uniqueName } from "@/lib/testing/factories";

/** The audit rows written since `sinceId` (exclusive). */
async function rowsSince(sinceId: bigint) {
  return db.auditEvent.findMany({ where: { id: { gt: sinceId } }, orderBy: { id: "asc" } });
}
async function lastAuditId(): Promise<bigint> {
  return (await db.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0n;
}
async function roleOf(userId: number) {
  return db.user.findUniqueOrThrow({ where: { id: userId }, select: { isAdmin: true, isAuditor: true } });
}

function putSysadmin(auth: string | undefined, userId: number | string, body: unknown) {
  return call(sysadminRoute.PUT, apiRequest(`/users/${userId}/sysadmin`, { method: "PUT", auth, body }), { user_id: String(userId) });
}
function putSystemRole(auth: string | undefined, userId: number | string, body: unknown) {
  return call(systemRoleRoute.PUT, apiRequest(`/users/${userId}/system-role`, { method: "PUT", auth, body }), { user_id: String(userId) });
}

describe("PUT /users/{user_id}/sysadmin (Harbor)", () => {
  it("grants and revokes the administrator role with exactly one audit row each", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const target = await createTestUser({ isAuditor: true });

    let since = await lastAuditId();
    const grant = await putSysadmin(basic(admin.username), target.id, { sysadmin_flag: true });
    expect(grant.status).toBe(200);
    expect(await roleOf(target.id)).toEqual({ isAdmin: true, isAuditor: false });
    let rows = await rowsSince(since);
    expect(rows.map((r) => [r.action, r.result, r.resourceId, r.actorName])).toEqual([["user.grant_admin", "success", String(target.id), admin.username]]);

    since = await lastAuditId();
    const revoke = await putSysadmin(basic(admin.username), target.id, { sysadmin_flag: false });
    expect(revoke.status).toBe(200);
    expect(await roleOf(target.id)).toEqual({ isAdmin: false, isAuditor: false });
    rows = await rowsSince(since);
    expect(rows.map((r) => [r.action, r.result])).toEqual([["user.revoke_admin", "success"]]);
  });

  it("refuses auditors and plain users (403, one failure row, nothing changed) and anonymous callers (401)", async () => {
    const auditor = await createTestUser({ isAuditor: true });
    const user = await createTestUser();
    const target = await createTestUser();
    for (const caller of [auditor, user]) {
      const since = await lastAuditId();
      const res = await putSysadmin(basic(caller.username), target.id, { sysadmin_flag: true });
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe("FORBIDDEN");
      const rows = await rowsSince(since);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ result: "failure", actorName: caller.username, action: "user.grant_admin", resourceId: String(target.id) });
      expect(rows[0]!.reason).toMatch(/missing permission/);
    }
    expect((await putSysadmin(undefined, target.id, { sysadmin_flag: true })).status).toBe(401);
    expect(await roleOf(target.id)).toEqual({ isAdmin: false, isAuditor: false });
  });

  it("answers a bad body with 400 naming the field, a bad id with 400 and an unknown user with 404, writing nothing", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const target = await createTestUser();
    const since = await lastAuditId();
    for (const body of [{}, { sysadmin_flag: "yes" }, { sysadmin_flag: 1 }]) {
      const res = await putSysadmin(basic(admin.username), target.id, body);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toContain("sysadmin_flag:");
    }
    const notJson = await putSysadmin(basic(admin.username), target.id, "not json");
    expect(notJson.status).toBe(400);
    expect((await putSysadmin(basic(admin.username), "abc", { sysadmin_flag: true })).status).toBe(400);
    expect((await putSysadmin(basic(admin.username), 2_147_483_000, { sysadmin_flag: true })).status).toBe(404);
    expect(await rowsSince(since)).toEqual([]);
    expect(await roleOf(target.id)).toEqual({ isAdmin: false, isAuditor: false });
  });

  it("refuses giving up one's own administrator role (409, nothing changed), so an administrator always remains", async () => {
    // The caller is an enabled administrator, so the last-admin guard of the service can only be
    // reached through the caller's own role, which this check refuses first.
    const admin = await createTestUser({ isAdmin: true });
    const since = await lastAuditId();
    const self = await putSysadmin(basic(admin.username), admin.id, { sysadmin_flag: false });
    expect(self.status).toBe(409);
    expect((await errorOf(self)).code).toBe("CONFLICT");
    const viaRole = await putSystemRole(basic(admin.username), admin.id, { role: "auditor" });
    expect(viaRole.status).toBe(409);
    expect(await roleOf(admin.id)).toEqual({ isAdmin: true, isAuditor: false });
    expect(await rowsSince(since)).toEqual([]);
  });
});

describe("PUT /users/{user_id}/system-role (Wharf)", () => {
  it("sets admin, auditor and none with exactly one audit row per change", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const target = await createTestUser();
    for (const [role, expected] of [
      ["auditor", { isAdmin: false, isAuditor: true }],
      ["admin", { isAdmin: true, isAuditor: false }],
      ["none", { isAdmin: false, isAuditor: false }],
    ] as const) {
      const since = await lastAuditId();
      const res = await putSystemRole(basic(admin.username), target.id, { role });
      expect(res.status).toBe(200);
      expect(await roleOf(target.id)).toEqual(expected);
      const rows = await rowsSince(since);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ action: "user.set_system_role", result: "success", resourceId: String(target.id) });
      expect((rows[0]!.detail as { after: string }).after).toBe(role);
    }
  });

  it("refuses an auditor (403 + one failure row) and answers a bad role with 400 naming `role`", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const auditor = await createTestUser({ isAuditor: true });
    const target = await createTestUser();

    let since = await lastAuditId();
    const refused = await putSystemRole(basic(auditor.username), target.id, { role: "auditor" });
    expect(refused.status).toBe(403);
    const rows = await rowsSince(since);
    expect(rows.map((r) => [r.result, r.actorName])).toEqual([["failure", auditor.username]]);
    // An auditor cannot promote themself either.
    expect((await putSystemRole(basic(auditor.username), auditor.id, { role: "admin" })).status).toBe(403);
    expect((await roleOf(auditor.id)).isAdmin).toBe(false);

    since = await lastAuditId();
    for (const body of [{}, { role: "root" }, { role: 3 }]) {
      const res = await putSystemRole(basic(admin.username), target.id, body);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toMatch(/^role: /);
    }
    expect((await putSystemRole(basic(admin.username), 2_147_483_000, { role: "none" })).status).toBe(404);
    expect(await rowsSince(since)).toEqual([]);
    expect(await roleOf(target.id)).toEqual({ isAdmin: false, isAuditor: false });
  });
});

describe("GET /users/search (Harbor shape)", () => {
  it("answers [{user_id, username}] paged with X-Total-Count and Link", async () => {
    const caller = await createTestUser();
    const tag = uniqueName("srch");
    const made = [];
    for (const i of [1, 2, 3]) made.push(await createTestUser({ username: `${tag}-${i}` }));

    const res = await call(searchRoute.GET, apiRequest(`/users/search?username=${tag}&page=2&page_size=2`, { auth: basic(caller.username) }), {});
    expect(res.status).toBe(200);
    expect(res.headers.get("x-total-count")).toBe("3");
    expect(res.headers.get("link")).toBe(`</api/v2.0/users/search?page=1&page_size=2&username=${tag}>; rel="prev"`);
    expect(await res.json()).toEqual([{ user_id: made[2]!.id, username: `${tag}-3` }]);

    const first = await call(searchRoute.GET, apiRequest(`/users/search?username=${tag.toUpperCase()}`, { auth: basic(caller.username) }), {});
    expect(((await first.json()) as unknown[]).length).toBe(3);
    expect((await call(searchRoute.GET, apiRequest(`/users/search?username=${tag}&page_size=101`, { auth: basic(caller.username) }), {})).status).toBe(400);
  });
});
