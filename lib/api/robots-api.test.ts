import { describe, expect, it } from "vitest";
import * as projectRoute from "@/app/api/v2.0/projects/[project_name_or_id]/route";
import * as robotRoute from "@/app/api/v2.0/robots/[robot_id]/route";
import * as robotsRoute from "@/app/api/v2.0/robots/route";
import { apiRequest, auditCount, basic, call, createTestUser, db, errorOf } from "@/lib/api/test-kit";
import { createProject } from "@/lib/services/projects/create-project";
import { createRobot as insertRobot } from "@/lib/services/registry-auth/test-fixtures";
import { actorFor, uniqueName } from "@/lib/testing/factories";

type Robot = { id: number; name: string; [key: string]: unknown };
type Created = { id: number; name: string; secret: string; creation_time: string; expires_at: number };

async function setup() {
  const owner = await createTestUser();
  const name = uniqueName("bots");
  const project = await createProject({ actor: actorFor(owner), input: { name, isPublic: false } });
  return { owner, auth: basic(owner.username), project };
}

function projectRobotBody(projectName: string, overrides: Record<string, unknown> = {}) {
  return {
    name: "ci",
    description: "builds",
    level: "project",
    duration: 30,
    permissions: [
      {
        kind: "project",
        namespace: projectName,
        access: [
          { resource: "repository", action: "pull", effect: "allow" },
          { resource: "project", action: "read" },
        ],
      },
    ],
    ...overrides,
  };
}

const createRobot = (auth: string, body: unknown) => call(robotsRoute.POST, apiRequest("/robots", { method: "POST", auth, body }), {});
const rid = (id: number) => ({ robot_id: String(id) });

describe("robots API", () => {
  it("creates a project robot and returns its secret exactly once", async () => {
    const { auth, project } = await setup();
    const audits = await auditCount();
    const res = await createRobot(auth, projectRobotBody(project.name));
    expect(res.status).toBe(201);
    expect(await auditCount()).toBe(audits + 1);
    const created = (await res.json()) as Created;
    expect(created).toMatchObject({ name: `robot$${project.name}+ci`, secret: expect.stringMatching(/^[\w-]{40,}$/) });
    expect(res.headers.get("location")).toBe(`/api/v2.0/robots/${created.id}`);
    expect(Math.abs(created.expires_at - (Date.now() / 1000 + 30 * 86_400))).toBeLessThan(60);

    const get = await call(robotRoute.GET, apiRequest(`/robots/${created.id}`, { auth }), rid(created.id));
    const text = await get.text();
    expect(text).not.toContain(created.secret);
    const robot = JSON.parse(text) as Robot;
    expect(robot).not.toHaveProperty("secret");
    expect(robot).toMatchObject({
      id: created.id,
      level: "project",
      duration: 30,
      disable: false,
      creator_type: "local",
      permissions: [
        {
          kind: "project",
          namespace: project.name,
          access: expect.arrayContaining([
            { resource: "repository", action: "pull", effect: "allow" },
            { resource: "project", action: "read", effect: "allow" },
          ]),
        },
      ],
    });

    const list = await call(robotsRoute.GET, apiRequest(`/robots?q=${encodeURIComponent(`Level=project,ProjectID=${project.id}`)}`, { auth }), {});
    expect(list.headers.get("x-total-count")).toBe("1");
    const listText = await list.text();
    expect(listText).not.toContain(created.secret);
    expect(listText).not.toContain('"secret"');

    // The secret works as Basic credentials for what the robot was granted.
    const asRobot = await call(projectRoute.GET, apiRequest(`/projects/${project.id}`, { auth: basic(created.name, created.secret) }), {
      project_name_or_id: String(project.id),
    });
    expect(asRobot.status).toBe(200);
  });

  it("refreshes the secret (PATCH): the new one works, the old one is refused with a Basic challenge", async () => {
    const { auth, project } = await setup();
    const created = (await (await createRobot(auth, projectRobotBody(project.name, { duration: -1 }))).json()) as Created;
    expect(created.expires_at).toBe(-1);

    const audits = await auditCount();
    const patch = await call(robotRoute.PATCH, apiRequest(`/robots/${created.id}`, { method: "PATCH", auth, body: {} }), rid(created.id));
    expect(patch.status).toBe(200);
    expect(await auditCount()).toBe(audits + 1);
    const { secret } = (await patch.json()) as { secret: string };
    expect(secret).not.toBe(created.secret);

    const path = `/projects/${project.id}`;
    const params = { project_name_or_id: String(project.id) };
    const old = await call(projectRoute.GET, apiRequest(path, { auth: basic(created.name, created.secret) }), params);
    expect(old.status).toBe(401);
    expect(old.headers.get("www-authenticate")).toBe('Basic realm="wharf"');
    expect((await call(projectRoute.GET, apiRequest(path, { auth: basic(created.name, secret) }), params)).status).toBe(200);

    const chosen = await call(robotRoute.PATCH, apiRequest(`/robots/${created.id}`, { method: "PATCH", auth, body: { secret: "Mine-Passw0rd" } }), rid(created.id));
    expect(chosen.status).toBe(400);
  });

  it("disables (PUT disable) and deletes a robot; refuses other changes through PUT", async () => {
    const { auth, project } = await setup();
    const created = (await (await createRobot(auth, projectRobotBody(project.name))).json()) as Created;
    const current = (await (await call(robotRoute.GET, apiRequest(`/robots/${created.id}`, { auth }), rid(created.id))).json()) as Robot;

    const audits = await auditCount();
    const put = await call(robotRoute.PUT, apiRequest(`/robots/${created.id}`, { method: "PUT", auth, body: { ...current, disable: true } }), rid(created.id));
    expect(put.status).toBe(200);
    expect(await auditCount()).toBe(audits + 1);
    const disabled = await call(projectRoute.GET, apiRequest(`/projects/${project.id}`, { auth: basic(created.name, created.secret) }), {
      project_name_or_id: String(project.id),
    });
    expect(disabled.status).toBe(401);

    const widen = await call(
      robotRoute.PUT,
      apiRequest(`/robots/${created.id}`, {
        method: "PUT",
        auth,
        body: { ...current, disable: false, description: "other", permissions: [{ kind: "project", namespace: project.name, access: [{ resource: "repository", action: "push" }] }] },
      }),
      rid(created.id),
    );
    expect(widen.status).toBe(400);
    expect((await errorOf(widen)).message).toBe("description: cannot be changed; create a new robot instead; permissions: cannot be changed; create a new robot instead");
    expect((await db.robot.findUniqueOrThrow({ where: { id: created.id } })).disabled).toBe(true);

    const before = await auditCount();
    const del = await call(robotRoute.DELETE, apiRequest(`/robots/${created.id}`, { method: "DELETE", auth }), rid(created.id));
    expect(del.status).toBe(200);
    expect(await auditCount()).toBe(before + 1);
    expect((await call(robotRoute.GET, apiRequest(`/robots/${created.id}`, { auth }), rid(created.id))).status).toBe(404);
  });

  it("does not let a project admin create a system robot (403), and creates nothing", async () => {
    const { auth, project } = await setup();
    const robots = await db.robot.count();
    const res = await createRobot(auth, {
      name: uniqueName("sys"),
      level: "system",
      duration: -1,
      permissions: [{ kind: "project", namespace: project.name, access: [{ resource: "repository", action: "pull" }] }],
    });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("FORBIDDEN");
    expect(await db.robot.count()).toBe(robots);
    // Nor list them.
    expect((await call(robotsRoute.GET, apiRequest("/robots", { auth }), {})).status).toBe(403);
  });

  it("lets an administrator create and list system robots for every project", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const auth = basic(admin.username);
    const name = uniqueName("sys");
    const res = await createRobot(auth, {
      name,
      level: "system",
      permissions: [
        { kind: "project", namespace: "*", access: [{ resource: "repository", action: "pull" }, { resource: "repository", action: "pull" }] },
      ],
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Created;
    expect(created.name).toBe(`robot$${name}`);
    const stored = await db.robot.findUniqueOrThrow({ where: { id: created.id }, include: { permissions: true } });
    expect(stored.permissions.map((p) => [p.namespace, p.resource, p.action])).toEqual([["*", "repository", "pull"]]);
    // Duration defaults to Harbor's 30 days.
    expect(Math.round((stored.expiresAt!.getTime() - stored.createdAt.getTime()) / 86_400_000)).toBe(30);

    const list = await call(robotsRoute.GET, apiRequest("/robots?page_size=100", { auth }), {});
    expect(((await list.json()) as Robot[]).map((r) => r.name)).toContain(`robot$${name}`);
  });

  it("answers bad robot requests with 400 in Harbor's field names, and writes nothing", async () => {
    const { auth, project } = await setup();
    const audits = await auditCount();
    const robots = await db.robot.count();
    const res = await createRobot(auth, {
      name: "Bad Name",
      level: "project",
      duration: 0,
      secret: "Chosen-passw0rd",
      permissions: [
        { kind: "system", namespace: project.name, access: [{ resource: "repository", action: "fly" }] },
        { kind: "project", namespace: project.name, access: [] },
      ],
    });
    expect(res.status).toBe(400);
    const { message } = await errorOf(res);
    for (const part of [
      "secret: Wharf generates robot secrets",
      'permissions[0].kind: Only "project" is supported',
      "permissions[0].access[0]: unknown permission repository:fly",
      "permissions[1].access: Give at least one access entry",
      "name: Use lowercase letters",
      "duration: Expiry must be 1-3650 days, or -1 for never",
    ]) {
      expect(message).toContain(part);
    }
    const twoEntries = await createRobot(auth, {
      ...projectRobotBody(project.name),
      permissions: [projectRobotBody(project.name).permissions[0], projectRobotBody(project.name).permissions[0]],
    });
    expect((await errorOf(twoEntries)).message).toBe("permissions: A project robot has exactly one permission entry, for its project");
    const boolDuration = await createRobot(auth, projectRobotBody(project.name, { duration: true }));
    expect(await errorOf(boolDuration)).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("duration: ") });
    expect((await call(robotsRoute.GET, apiRequest("/robots?q=Level%3Dproject", { auth }), {})).status).toBe(400);
    expect(await db.robot.count()).toBe(robots);
    expect(await auditCount()).toBe(audits);
  });

  it("hides another project's robots (404) and refuses anonymous callers (401)", async () => {
    const { auth, project } = await setup();
    const created = (await (await createRobot(auth, projectRobotBody(project.name))).json()) as Created;
    const stranger = basic((await createTestUser()).username);
    expect((await call(robotRoute.GET, apiRequest(`/robots/${created.id}`, { auth: stranger }), rid(created.id))).status).toBe(404);
    expect((await call(robotRoute.DELETE, apiRequest(`/robots/${created.id}`, { method: "DELETE", auth: stranger }), rid(created.id))).status).toBe(404);
    expect((await createRobot(stranger, projectRobotBody(project.name, { name: "evil" }))).status).toBe(404);
    expect((await call(robotRoute.GET, apiRequest(`/robots/${created.id}`), rid(created.id))).status).toBe(401);
    expect(await db.robot.count({ where: { id: created.id } })).toBe(1);
  });
});

describe("robots and member permissions", () => {
  it("POST refuses a robot with member:create (400 naming the entry), and creates nothing", async () => {
    const { auth, project } = await setup();
    const before = await auditCount();
    const body = projectRobotBody(project.name, {
      name: "promoter",
      permissions: [{ kind: "project", namespace: project.name, access: [{ resource: "repository", action: "pull" }, { resource: "member", action: "create" }] }],
    });
    const res = await createRobot(auth, body);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toBe("permissions[0].access[1]: Robots cannot hold member permissions (a Project Admin manages members)");
    expect(await db.robot.count({ where: { name: `robot$${project.name}+promoter` } })).toBe(0);
    expect(await auditCount()).toBe(before);
  });

  it("a robot that already holds member permissions can still be disabled with Harbor's whole-Robot PUT", async () => {
    const { auth, project } = await setup();
    const robot = await insertRobot(project, ["member:create", "repository:pull"]);
    const current = (await (await call(robotRoute.GET, apiRequest(`/robots/${robot.id}`, { auth }), rid(robot.id))).json()) as Robot;
    const res = await call(robotRoute.PUT, apiRequest(`/robots/${robot.id}`, { method: "PUT", auth, body: { ...current, disable: true } }), rid(robot.id));
    expect(res.status).toBe(200);
    expect((await db.robot.findUniqueOrThrow({ where: { id: robot.id } })).disabled).toBe(true);
  });
});
