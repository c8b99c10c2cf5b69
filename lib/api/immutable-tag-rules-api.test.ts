import { describe, expect, it } from "vitest";
import * as ruleRoute from "@/app/api/v2.0/projects/[project_name_or_id]/immutabletagrules/[immutable_rule_id]/route";
import * as rulesRoute from "@/app/api/v2.0/projects/[project_name_or_id]/immutabletagrules/route";
import { apiRequest, basic, call, createTestUser, db, errorOf } from "@/lib/api/test-kit";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";

const rule = (tag: string, kind = "doublestar", disabled = false) => ({
  disabled,
  action: "immutable",
  template: "immutable_template",
  tag_selectors: [{ kind, decoration: "matches", pattern: tag }],
  scope_selectors: { repository: [{ kind: "doublestar", decoration: "repoMatches", pattern: "**" }] },
});

describe("immutabletagrules API", () => {
  it("POST, GET, PUT, DELETE in Harbor's shapes; bad input is 400 with nothing saved; a developer is 403", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const auth = basic(admin.username);
    const project = await createProject();
    const base = `/projects/${project.name}/immutabletagrules`;
    const p = { project_name_or_id: project.name };

    const created = await call(rulesRoute.POST, apiRequest(base, { method: "POST", auth, body: rule("v*") }), p);
    expect(created.status).toBe(201);
    const id = Number(created.headers.get("location")!.split("/").pop());
    await call(rulesRoute.POST, apiRequest(base, { method: "POST", auth, body: rule("release-[0-9]+", "regex") }), p);

    const listed = await call(rulesRoute.GET, apiRequest(base, { auth }), p);
    expect(listed.headers.get("x-total-count")).toBe("2");
    const rules = (await listed.json()) as { id: number; priority: number; tag_selectors: { kind: string; pattern: string }[] }[];
    expect(rules[0]).toEqual({ id, priority: 0, disabled: false, action: "immutable", template: "immutable_template", params: {}, tag_selectors: [{ kind: "doublestar", decoration: "matches", pattern: "v*" }], scope_selectors: { repository: [{ kind: "doublestar", decoration: "repoMatches", pattern: "**" }] } });
    expect(rules[1]).toMatchObject({ priority: 1, tag_selectors: [{ kind: "regex", pattern: "release-[0-9]+" }] });

    const rp = { ...p, immutable_rule_id: String(id) };
    expect((await call(ruleRoute.PUT, apiRequest(`${base}/${id}`, { method: "PUT", auth, body: rule("v*", "doublestar", true) }), rp)).status).toBe(200);
    expect(await db.immutableTagRule.findUnique({ where: { id }, select: { disabled: true } })).toEqual({ disabled: true });

    const bad = await call(rulesRoute.POST, apiRequest(base, { method: "POST", auth, body: rule("(a", "regex") }), p);
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toContain("Invalid regular expression");
    const developer = await createMember(project.id, 2);
    const refused = await call(rulesRoute.POST, apiRequest(base, { method: "POST", auth: basic(developer.username), body: rule("x") }), p);
    expect(refused.status).toBe(403);
    expect(await db.immutableTagRule.count({ where: { projectId: project.id } })).toBe(2);

    expect((await call(ruleRoute.DELETE, apiRequest(`${base}/${id}`, { method: "DELETE", auth }), rp)).status).toBe(200);
    expect((await call(ruleRoute.DELETE, apiRequest(`${base}/${id}`, { method: "DELETE", auth }), rp)).status).toBe(404);
    expect(await db.immutableTagRule.count({ where: { projectId: project.id } })).toBe(1);
  });
});
