import { describe, expect, it } from "vitest";
import * as projectRoute from "@/app/api/v2.0/projects/[project_name_or_id]/route";
import * as projectsRoute from "@/app/api/v2.0/projects/route";
import * as allowlistRoute from "@/app/api/v2.0/system/CVEAllowlist/route";
import { apiRequest, basic, call, createTestUser, db, errorOf } from "@/lib/api/test-kit";
import { uniqueName } from "@/lib/testing/factories";

/*
 * The pull policy through Harbor's REST shapes: project metadata (prevent_vul, severity,
 * enable_content_trust_cosign, reuse_sys_cve_allowlist, Wharf's refuse_unscanned), the project's
 * cve_allowlist, and /system/CVEAllowlist. What the gateway does with them is
 * lib/gateway/hooks/pull-policy.test.ts.
 */

const projectRows = (projectId: number) => db.auditEvent.findMany({ where: { projectId, action: { in: ["project.create", "project.update"] } }, orderBy: { id: "asc" } });

describe("pull policy in Harbor's project metadata", () => {
  it("creates a project with the policy and its own allowlist, reads them back, changes them with one audit row per call", async () => {
    const owner = await createTestUser();
    const auth = basic(owner.username);
    const name = uniqueName("pp");
    const created = await call(
      projectsRoute.POST,
      apiRequest("/projects", {
        method: "POST",
        auth,
        body: { project_name: name, metadata: { prevent_vul: "true", severity: "high", reuse_sys_cve_allowlist: "false" }, cve_allowlist: { items: [{ cve_id: "CVE-2024-37890" }], expires_at: 1_900_000_000 } },
      }),
      {},
    );
    expect(created.status).toBe(201);
    const project = await db.project.findUniqueOrThrow({ where: { name } });
    const shown = (await (await call(projectRoute.GET, apiRequest(`/projects/${project.id}`, { auth }), { project_name_or_id: String(project.id) })).json()) as {
      metadata: Record<string, string>;
      cve_allowlist: { items: { cve_id: string }[]; expires_at: number | null; project_id: number };
    };
    expect(shown.metadata).toMatchObject({ prevent_vul: "true", severity: "high", enable_content_trust_cosign: "false", reuse_sys_cve_allowlist: "false", refuse_unscanned: "false" });
    expect(shown.cve_allowlist).toMatchObject({ project_id: project.id, items: [{ cve_id: "CVE-2024-37890" }], expires_at: 1_900_000_000 });

    const put = (body: unknown) => call(projectRoute.PUT, apiRequest(`/projects/${project.id}`, { method: "PUT", auth, body }), { project_name_or_id: String(project.id) });
    expect((await put({ metadata: { enable_content_trust_cosign: true, refuse_unscanned: "true" }, cve_allowlist: { items: [] } })).status).toBe(200);
    // The answer sent back unchanged changes nothing and writes nothing.
    const again = (await (await call(projectRoute.GET, apiRequest(`/projects/${project.id}`, { auth }), { project_name_or_id: String(project.id) })).json()) as Record<string, unknown>;
    expect((await put({ metadata: again.metadata, cve_allowlist: again.cve_allowlist })).status).toBe(200);
    const rows = await projectRows(project.id);
    expect(rows.map((r) => [r.action, r.detail])).toEqual([
      ["project.create", { public: false, prevent_vul: true, severity: "high", reuse_sys_cve_allowlist: false, cve_allowlist: { cve_ids: ["CVE-2024-37890"], expires_at: new Date(1_900_000_000_000).toISOString() } }],
      [
        "project.update",
        {
          before: { refuse_unscanned: false, enable_content_trust_cosign: false, cve_allowlist: { cve_ids: ["CVE-2024-37890"], expires_at: new Date(1_900_000_000_000).toISOString() } },
          after: { refuse_unscanned: true, enable_content_trust_cosign: true, cve_allowlist: { cve_ids: [], expires_at: null } },
        },
      ],
    ]);
    expect(await db.project.findUniqueOrThrow({ where: { id: project.id }, select: { requireSignature: true, refuseUnscanned: true } })).toEqual({ requireSignature: true, refuseUnscanned: true });
  });

  it("refuses a bad severity or allowlist id with Harbor's field names, and a Guest's change, writing nothing", async () => {
    const owner = await createTestUser();
    const name = uniqueName("pp");
    await call(projectsRoute.POST, apiRequest("/projects", { method: "POST", auth: basic(owner.username), body: { project_name: name } }), {});
    const project = await db.project.findUniqueOrThrow({ where: { name } });
    const before = await projectRows(project.id);
    const bad = await call(
      projectRoute.PUT,
      apiRequest(`/projects/${project.id}`, { method: "PUT", auth: basic(owner.username), body: { metadata: { prevent_vul: "true", severity: "none" }, cve_allowlist: { items: [{ cve_id: "" }], expires_at: -5 } } }),
      { project_name_or_id: String(project.id) },
    );
    expect(bad.status).toBe(400);
    const message = (await errorOf(bad)).message;
    expect(message).toContain("metadata.severity: Must be low, medium, high or critical");
    expect(message).toContain("cve_allowlist.items[0].cve_id: must be a vulnerability id");
    expect(message).toContain("cve_allowlist.expires_at");
    const outsider = await createTestUser();
    const refused = await call(projectRoute.PUT, apiRequest(`/projects/${project.id}`, { method: "PUT", auth: basic(outsider.username), body: { metadata: { prevent_vul: "true" } } }), {
      project_name_or_id: String(project.id),
    });
    expect(refused.status).toBe(404);
    expect(await db.project.findUniqueOrThrow({ where: { id: project.id }, select: { preventVulnerable: true } })).toEqual({ preventVulnerable: false });
    // Nothing written but the outsider's one failure row.
    const after = await projectRows(project.id);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((r) => [r.action, r.result, r.actorName])).toEqual([["project.update", "failure", outsider.username]]);
  });
});

describe("/system/CVEAllowlist", () => {
  it("signed-in users read it; administrators replace it with one cve_allowlist.update row; others are refused", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const user = await createTestUser();
    const before = (await (await call(allowlistRoute.GET, apiRequest("/system/CVEAllowlist", { auth: basic(user.username) }), {})).json()) as { items: { cve_id: string }[]; expires_at: number | null };
    try {
      const put = await call(allowlistRoute.PUT, apiRequest("/system/CVEAllowlist", { method: "PUT", auth: basic(admin.username), body: { items: [{ cve_id: "CVE-2025-26519" }, { cve_id: "CVE-2025-26519" }], expires_at: null } }), {});
      expect(put.status).toBe(200);
      const read = (await (await call(allowlistRoute.GET, apiRequest("/system/CVEAllowlist", { auth: basic(user.username) }), {})).json()) as Record<string, unknown>;
      expect(read).toMatchObject({ project_id: 0, items: [{ cve_id: "CVE-2025-26519" }], expires_at: null });
      const rows = await db.auditEvent.findMany({ where: { action: "cve_allowlist.update", actorName: admin.username } });
      expect(rows.map((r) => [r.result, (r.detail as { after: unknown }).after])).toEqual([["success", { cve_ids: ["CVE-2025-26519"], expires_at: null }]]);

      const refused = await call(allowlistRoute.PUT, apiRequest("/system/CVEAllowlist", { method: "PUT", auth: basic(user.username), body: { items: [] } }), {});
      expect(refused.status).toBe(403);
      expect(await db.auditEvent.count({ where: { action: "cve_allowlist.update", actorName: user.username, result: "failure" } })).toBe(1);
      const bad = await call(allowlistRoute.PUT, apiRequest("/system/CVEAllowlist", { method: "PUT", auth: basic(admin.username), body: { items: [{ cve_id: "x y" }] } }), {});
      expect(bad.status).toBe(400);
      expect((await (await call(allowlistRoute.GET, apiRequest("/system/CVEAllowlist", { auth: basic(user.username) }), {})).json()) as unknown).toMatchObject({ items: [{ cve_id: "CVE-2025-26519" }] });
      expect((await call(allowlistRoute.GET, apiRequest("/system/CVEAllowlist"), {})).status).toBe(401);
    } finally {
      await call(allowlistRoute.PUT, apiRequest("/system/CVEAllowlist", { method: "PUT", auth: basic(admin.username), body: { items: before.items, expires_at: before.expires_at } }), {});
    }
  });
});
