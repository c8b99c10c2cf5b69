import { describe, expect, it } from "vitest";
import * as membersRoute from "@/app/api/v2.0/projects/[project_name_or_id]/members/route";
import * as repositoriesRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/route";
import * as projectsRoute from "@/app/api/v2.0/projects/route";
import * as usersRoute from "@/app/api/v2.0/users/route";
import { apiRequest, basic, call, createTestUser, db } from "@/lib/api/test-kit";
import { escapeLikePattern } from "@/lib/services/contains-text";
import { createProject } from "@/lib/services/registry-auth/test-fixtures";
import { uniqueName } from "@/lib/testing/factories";

/*
 * `name=~…` (and the console's search boxes) match a substring literally: Prisma's `contains`
 * sends `ILIKE '%…%'` without escaping, so `_` matched any character and `%` everything.
 */

type Named = { name?: string; username?: string; entity_name?: string };

describe("fuzzy filters take % and _ literally", () => {
  it("escapes LIKE's wildcards and its escape character", () => {
    expect(escapeLikePattern("a_b%c\\d")).toBe("a\\_b\\%c\\\\d");
  });

  it("projects: name=~x_y finds x_y, not xay; name=~% finds only names with a %", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const stem = uniqueName("lk").replace("-", "");
    const literal = await createProject({ name: `${stem}_x` });
    await createProject({ name: `${stem}ax` });
    const list = async (q: string) => {
      const res = await call(projectsRoute.GET, apiRequest(`/projects?page_size=100&q=${encodeURIComponent(q)}`, { auth: basic(admin.username) }), {});
      expect(res.status).toBe(200);
      return ((await res.json()) as Named[]).map((p) => p.name);
    };
    expect(await list(`name=~${stem}_x`)).toEqual([literal.name]);
    expect(await list("name=~%")).toEqual([]);
  });

  it("users, members and repositories alike", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const auth = basic(admin.username);
    const stem = uniqueName("lk").replace("-", "");
    const underscore = await createTestUser({ username: `${stem}_u` });
    const other = await createTestUser({ username: `${stem}zu` });
    const users = await call(usersRoute.GET, apiRequest(`/users?q=${encodeURIComponent(`username=~${stem}_u`)}`, { auth }), {});
    expect(((await users.json()) as Named[]).map((u) => u.username)).toEqual([underscore.username]);

    const project = await createProject();
    await db.projectMember.createMany({ data: [underscore, other].map((u) => ({ projectId: project.id, userId: u.id, roleId: 3 })) });
    const members = await call(membersRoute.GET, apiRequest(`/projects/${project.id}/members?entityname=${encodeURIComponent(`${stem}_u`)}`, { auth }), {
      project_name_or_id: String(project.id),
    });
    expect(((await members.json()) as Named[]).map((m) => m.entity_name)).toEqual([underscore.username]);

    await db.repository.createMany({ data: [`${project.name}/a_b`, `${project.name}/axb`].map((name) => ({ projectId: project.id, name })) });
    const repositories = await call(repositoriesRoute.GET, apiRequest(`/projects/${project.name}/repositories?q=${encodeURIComponent("name=~a_b")}`, { auth }), {
      project_name_or_id: project.name,
    });
    expect(((await repositories.json()) as Named[]).map((r) => r.name)).toEqual([`${project.name}/a_b`]);
  });
});
