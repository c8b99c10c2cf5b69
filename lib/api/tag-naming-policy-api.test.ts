import { describe, expect, it } from "vitest";
import * as namingRoute from "@/app/api/v2.0/projects/[project_name_or_id]/tagnamingpolicy/route";
import { apiRequest, basic, call, db, errorOf } from "@/lib/api/test-kit";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";

describe("/projects/{p}/tagnamingpolicy (Wharf's extension)", () => {
  it("none, set, read back, bad pattern refused naming the field with nothing saved, removed; a guest may neither read nor set it (as the immutability rules); one audit row per change", async () => {
    const project = await createProject();
    const maintainer = await createMember(project.id, 4);
    const auth = basic(maintainer.username);
    const url = `/projects/${project.name}/tagnamingpolicy`;
    const params = { project_name_or_id: project.name };

    const none = await call(namingRoute.GET, apiRequest(url, { auth }), params);
    expect(await none.json()).toEqual({ pattern: null, enabled: false });

    const set = await call(namingRoute.PUT, apiRequest(url, { method: "PUT", auth, body: { pattern: "[a-z]+-(dev|prod)-[0-9.]+" } }), params);
    expect(set.status).toBe(200);
    expect(await (await call(namingRoute.GET, apiRequest(url, { auth }), params)).json()).toEqual({ pattern: "[a-z]+-(dev|prod)-[0-9.]+", enabled: true });

    const bad = await call(namingRoute.PUT, apiRequest(url, { method: "PUT", auth, body: { pattern: "(unclosed" } }), params);
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toContain("pattern");
    const missing = await call(namingRoute.PUT, apiRequest(url, { method: "PUT", auth, body: {} }), params);
    expect(missing.status).toBe(400);
    expect(await db.tagNamingPolicy.findUniqueOrThrow({ where: { projectId: project.id }, select: { pattern: true } })).toEqual({ pattern: "[a-z]+-(dev|prod)-[0-9.]+" });

    const guest = await createMember(project.id, 3);
    // As the immutability rules (immutable-tag:list): not a guest's.
    expect((await call(namingRoute.GET, apiRequest(url, { auth: basic(guest.username) }), params)).status).toBe(403);
    expect((await call(namingRoute.PUT, apiRequest(url, { method: "PUT", auth: basic(guest.username), body: { pattern: ".*" } }), params)).status).toBe(403);

    const removed = await call(namingRoute.DELETE, apiRequest(url, { method: "DELETE", auth }), params);
    expect(removed.status).toBe(200);
    expect(await (await call(namingRoute.GET, apiRequest(url, { auth }), params)).json()).toEqual({ pattern: null, enabled: false });
    expect(await db.auditEvent.count({ where: { projectId: project.id, action: "tag_naming_policy.update", result: "success" } })).toBe(2);
  });
});
