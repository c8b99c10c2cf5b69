import { describe, expect, it } from "vitest";
import * as projectRoute from "@/app/api/v2.0/projects/[project_name_or_id]/route";
import * as summaryRoute from "@/app/api/v2.0/projects/[project_name_or_id]/summary/route";
import * as projectsRoute from "@/app/api/v2.0/projects/route";
import * as quotaRoute from "@/app/api/v2.0/quotas/[id]/route";
import * as quotasRoute from "@/app/api/v2.0/quotas/route";
import { apiRequest, basic, call, createTestUser, db, errorOf } from "@/lib/api/test-kit";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { uniqueName } from "@/lib/testing/factories";

describe("/quotas and storage_limit (Harbor's shapes)", () => {
  it("an administrator sets a limit (one quota.update row), reads it back in /quotas/{id}, the list (reference_id, sort) and the project summary; bad limits are 400 with nothing saved", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const auth = basic(admin.username);
    const project = await createProject();
    const id = { id: String(project.id) };

    const before = await call(quotaRoute.GET, apiRequest(`/quotas/${project.id}`, { auth }), id);
    expect(before.status).toBe(200);
    expect(await before.json()).toMatchObject({ id: project.id, ref: { id: project.id, name: project.name }, hard: { storage: -1 }, used: { storage: 0 } });

    const set = await call(quotaRoute.PUT, apiRequest(`/quotas/${project.id}`, { method: "PUT", auth, body: { hard: { storage: 10_485_760 } } }), id);
    expect(set.status).toBe(200);
    expect((await (await call(quotaRoute.GET, apiRequest(`/quotas/${project.id}`, { auth }), id)).json()).hard).toEqual({ storage: 10_485_760 });
    // The same limit again changes nothing and writes nothing.
    await call(quotaRoute.PUT, apiRequest(`/quotas/${project.id}`, { method: "PUT", auth, body: { hard: { storage: 10_485_760 } } }), id);
    const rows = await db.auditEvent.findMany({ where: { projectId: project.id, action: "quota.update" } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.detail).toEqual({ hard: { before: { storage: -1 }, after: { storage: 10_485_760 } } });

    for (const bad of [{ hard: { storage: -2 } }, { hard: { storage: "ten" } }, { hard: { storage: 1.5 } }, { hard: {} }, {}]) {
      const res = await call(quotaRoute.PUT, apiRequest(`/quotas/${project.id}`, { method: "PUT", auth, body: bad }), id);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect((await errorOf(res)).message).toContain("hard");
    }
    expect((await db.project.findUniqueOrThrow({ where: { id: project.id } })).storageLimit).toBe(10_485_760n);

    const listed = await call(quotasRoute.GET, apiRequest(`/quotas?reference=project&reference_id=${project.id}`, { auth }), {});
    expect(listed.headers.get("x-total-count")).toBe("1");
    expect((await listed.json())[0]).toMatchObject({ id: project.id, hard: { storage: 10_485_760 } });
    const sorted = await call(quotasRoute.GET, apiRequest(`/quotas?sort=-hard.storage&page_size=100`, { auth }), {});
    const hards = ((await sorted.json()) as { hard: { storage: number } }[]).map((q) => q.hard.storage);
    expect(hards).toEqual([...hards].sort((a, b) => b - a));
    expect((await call(quotasRoute.GET, apiRequest(`/quotas?sort=size`, { auth }), {})).status).toBe(400);
    expect((await call(quotasRoute.GET, apiRequest(`/quotas?reference=user`, { auth }), {})).status).toBe(400);

    const guest = await createMember(project.id, 3);
    const summary = await call(summaryRoute.GET, apiRequest(`/projects/${project.name}/summary`, { auth: basic(guest.username) }), { project_name_or_id: project.name });
    expect(summary.status).toBe(200);
    expect(await summary.json()).toMatchObject({ guest_count: 1, repo_count: 0, quota: { hard: { storage: 10_485_760 }, used: { storage: 0 } } });
    // Quotas themselves are the administrators' (and auditors') to list and set.
    expect((await call(quotasRoute.GET, apiRequest(`/quotas`, { auth: basic(guest.username) }), {})).status).toBe(403);
    expect((await call(quotaRoute.PUT, apiRequest(`/quotas/${project.id}`, { method: "PUT", auth: basic(guest.username), body: { hard: { storage: 1 } } }), id)).status).toBe(403);
    const auditor = await createTestUser({ isAuditor: true });
    expect((await call(quotaRoute.GET, apiRequest(`/quotas/${project.id}`, { auth: basic(auditor.username) }), id)).status).toBe(200);
  });

  it("storage_limit on project create (administrators; others get the Settings default) and update (administrators only)", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const name = uniqueName("quota");
    const created = await call(projectsRoute.POST, apiRequest("/projects", { method: "POST", auth: basic(admin.username), body: { project_name: name, storage_limit: 1_048_576 } }), {});
    expect(created.status).toBe(201);
    const project = await db.project.findUniqueOrThrow({ where: { name } });
    expect(project.storageLimit).toBe(1_048_576n);

    const bad = await call(projectsRoute.POST, apiRequest("/projects", { method: "POST", auth: basic(admin.username), body: { project_name: `${name}-x`, storage_limit: -5 } }), {});
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toContain("storage_limit");
    expect(await db.project.count({ where: { name: `${name}-x` } })).toBe(0);

    const params = { project_name_or_id: name };
    expect((await call(projectRoute.PUT, apiRequest(`/projects/${name}`, { method: "PUT", auth: basic(admin.username), body: { storage_limit: 2_097_152 } }), params)).status).toBe(200);
    expect((await db.project.findUniqueOrThrow({ where: { name } })).storageLimit).toBe(2_097_152n);
    const owner = await createMember(project.id, 1);
    const refused = await call(projectRoute.PUT, apiRequest(`/projects/${name}`, { method: "PUT", auth: basic(owner.username), body: { storage_limit: -1, metadata: { public: "true" } } }), params);
    expect(refused.status).toBe(403);
    expect(await db.project.findUniqueOrThrow({ where: { name }, select: { storageLimit: true, isPublic: true } })).toEqual({ storageLimit: 2_097_152n, isPublic: false });

    // A non-administrator's storage_limit is not theirs to choose: the default applies.
    await db.systemSetting.upsert({ where: { key: "default_storage_limit" }, create: { key: "default_storage_limit", value: 5_000_000 }, update: { value: 5_000_000 } });
    try {
      const user = await createTestUser();
      const mine = uniqueName("mine");
      expect((await call(projectsRoute.POST, apiRequest("/projects", { method: "POST", auth: basic(user.username), body: { project_name: mine, storage_limit: -1 } }), {})).status).toBe(201);
      expect((await db.project.findUniqueOrThrow({ where: { name: mine } })).storageLimit).toBe(5_000_000n);
    } finally {
      await db.systemSetting.update({ where: { key: "default_storage_limit" }, data: { value: -1 } });
    }
  });
});
