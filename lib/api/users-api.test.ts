import { describe, expect, it } from "vitest";
import * as permissionsRoute from "@/app/api/v2.0/users/current/permissions/route";
import * as currentRoute from "@/app/api/v2.0/users/current/route";
import * as userRoute from "@/app/api/v2.0/users/[user_id]/route";
import * as usersRoute from "@/app/api/v2.0/users/route";
import * as searchRoute from "@/app/api/v2.0/users/search/route";
import { apiRequest, auditCount, basic, call, createTestUser, db, errorOf } from "@/lib/api/test-kit";
import { createProject } from "@/lib/services/projects/create-project";
import { createProjectRobot } from "@/lib/services/robots/robots";
import { actorFor, uniqueName } from "@/lib/testing/factories";

type User = { user_id: number; username: string; [key: string]: unknown };
const NEW_PASSWORD = "Fresh-passw0rd";

describe("users API", () => {
  it("lets an administrator create a user (201 + Location, one audit row) who can then sign in with Basic", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const username = uniqueName("api");
    const audits = await auditCount();
    const res = await call(
      usersRoute.POST,
      apiRequest("/users", {
        method: "POST",
        auth: basic(admin.username),
        body: { username, email: `${username}@example.test`, realname: "Api Person", password: NEW_PASSWORD, comment: "made by a test" },
      }),
      {},
    );
    expect(res.status).toBe(201);
    expect(await auditCount()).toBe(audits + 1);
    const location = res.headers.get("location")!;
    expect(location).toMatch(/^\/api\/v2\.0\/users\/\d+$/);
    const userId = location.split("/").pop()!;

    const get = await call(userRoute.GET, apiRequest(`/users/${userId}`, { auth: basic(admin.username) }), { user_id: userId });
    const text = await get.text();
    expect(JSON.parse(text)).toMatchObject({
      user_id: Number(userId),
      username,
      email: `${username}@example.test`,
      realname: "Api Person",
      sysadmin_flag: false,
      admin_role_in_auth: false,
    });
    expect(text).not.toMatch(/password|argon2/i);

    const me = await call(currentRoute.GET, apiRequest("/users/current", { auth: basic(username, NEW_PASSWORD) }), {});
    expect(me.status).toBe(200);
    expect(((await me.json()) as User).username).toBe(username);
  });

  it("answers bad input with 400 naming every Harbor field, and writes nothing", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const audits = await auditCount();
    const users = await db.user.count();
    const res = await call(
      usersRoute.POST,
      apiRequest("/users", { method: "POST", auth: basic(admin.username), body: { username: "has space", email: "nope", password: "short", comment: 5 } }),
      {},
    );
    expect(res.status).toBe(400);
    const { message } = await errorOf(res);
    for (const field of ["username:", "email:", "realname: Full name is required", "password: Password must be", "comment:"]) expect(message).toContain(field);
    expect(message).not.toContain("fullName");
    expect(await db.user.count()).toBe(users);
    expect(await auditCount()).toBe(audits);
  });

  it("lists users for administrators and auditors only, with filters and paging", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const auditor = await createTestUser({ isAuditor: true });
    const tag = uniqueName("lst");
    for (const i of [1, 2, 3]) await createTestUser({ username: `${tag}-${i}` });

    const page = await call(usersRoute.GET, apiRequest(`/users?username=${tag}&page_size=2`, { auth: basic(admin.username) }), {});
    expect(page.headers.get("x-total-count")).toBe("3");
    expect(((await page.json()) as User[]).map((u) => u.username)).toEqual([`${tag}-1`, `${tag}-2`]);
    const viaQ = await call(usersRoute.GET, apiRequest(`/users?q=${encodeURIComponent(`username=~${tag}`)}`, { auth: basic(auditor.username) }), {});
    expect(viaQ.headers.get("x-total-count")).toBe("3");

    expect((await call(usersRoute.GET, apiRequest("/users", { auth: basic((await createTestUser()).username) }), {})).status).toBe(403);
    expect((await call(usersRoute.GET, apiRequest("/users"), {})).status).toBe(401);
    const name = uniqueName("nope");
    const body = { username: name, email: `${name}@example.test`, realname: "No Body", password: NEW_PASSWORD };
    expect((await call(usersRoute.POST, apiRequest("/users", { method: "POST", auth: basic(auditor.username), body }), {})).status).toBe(403);
    expect(await db.user.count({ where: { username: name } })).toBe(0);
  });

  it("/users/current: the caller; 401 anonymous; 403 for robots", async () => {
    const user = await createTestUser();
    const me = await call(currentRoute.GET, apiRequest("/users/current", { auth: basic(user.username) }), {});
    expect(await me.json()).toMatchObject({ user_id: user.id, username: user.username, realname: user.fullName });
    expect((await call(currentRoute.GET, apiRequest("/users/current"), {})).status).toBe(401);

    const project = await createProject({ actor: actorFor(user), input: { name: uniqueName("rbt"), isPublic: false } });
    const { robot, secret } = await createProjectRobot({
      actor: actorFor(user),
      input: { projectId: project.id, name: "ci", description: "", durationDays: -1, permissions: ["repository:pull"] },
    });
    const asRobot = await call(currentRoute.GET, apiRequest("/users/current", { auth: basic(robot.name, secret) }), {});
    expect(asRobot.status).toBe(403);
    expect((await errorOf(asRobot)).code).toBe("FORBIDDEN");
  });

  it("/users/current/permissions lists the caller's project permissions, absolute or relative", async () => {
    const owner = await createTestUser();
    const stranger = await createTestUser();
    const project = await createProject({ actor: actorFor(owner), input: { name: uniqueName("perm"), isPublic: false } });
    const perms = (user: { username: string }, query: string) =>
      call(permissionsRoute.GET, apiRequest(`/users/current/permissions?${query}`, { auth: basic(user.username) }), {});

    const relative = (await (await perms(owner, `scope=/project/${project.id}&relative=true`)).json()) as { resource: string; action: string }[];
    expect(relative).toContainEqual({ resource: "member", action: "create" });
    expect(relative).toContainEqual({ resource: "repository", action: "push" });
    const absolute = (await (await perms(owner, `scope=/project/${project.id}`)).json()) as { resource: string; action: string }[];
    expect(absolute).toContainEqual({ resource: `/project/${project.id}/project`, action: "delete" });
    expect(absolute).toHaveLength(relative.length);

    expect(await (await perms(stranger, `scope=/project/${project.id}&relative=true`)).json()).toEqual([]);
    expect(await (await perms(stranger, "scope=/project/2147483000")).json()).toEqual([]);
    expect((await perms(owner, "scope=/system")).status).toBe(400);
    expect((await call(permissionsRoute.GET, apiRequest(`/users/current/permissions?scope=/project/${project.id}`), {})).status).toBe(401);
  });

  it("/users/search finds usernames for any signed-in user", async () => {
    const user = await createTestUser();
    const tag = uniqueName("srch");
    const target = await createTestUser({ username: `${tag}-x` });
    const res = await call(searchRoute.GET, apiRequest(`/users/search?username=${tag}`, { auth: basic(user.username) }), {});
    expect(await res.json()).toEqual([{ user_id: target.id, username: target.username }]);
    expect((await call(searchRoute.GET, apiRequest(`/users/search?username=${tag}`), {})).status).toBe(401);
    expect((await call(searchRoute.GET, apiRequest("/users/search", { auth: basic(user.username) }), {})).status).toBe(400);
  });
});
