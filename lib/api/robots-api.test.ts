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

  });

  it("PATCH with a secret of the caller's choosing: taken when it meets Harbor's policy (stored as argon2id), else 400 naming secret and nothing written", async () => {
    const { auth, project } = await setup();
    const created = (await (await createRobot(auth, projectRobotBody(project.name))).json()) as Created;
    const patch = (body: unknown) => call(robotRoute.PATCH, apiRequest(`/robots/${created.id}`, { method: "PATCH", auth, body }), rid(created.id));
    const path = `/projects/${project.id}`;
    const params = { project_name_or_id: String(project.id) };

    const audits = await auditCount();
    const hashBefore = (await db.robot.findUniqueOrThrow({ where: { id: created.id } })).secretHash;
    for (const [secret, problem] of [
      ["Sh0rtPw", "secret: must be 8-128 characters"],
      [`A1${"a".repeat(127)}`, "secret: must be 8-128 characters"],
      ["nouppercase1", "secret: must contain at least one uppercase letter, one lowercase letter and one digit"],
      ["NOLOWERCASE1", "secret: must contain at least one uppercase letter"],
      ["NoDigitsHere", "secret: must contain at least one uppercase letter"],
      [12345678, "secret: Must be a string"],
    ] as const) {
      const res = await patch({ secret });
      expect(res.status, String(secret)).toBe(400);
      expect((await errorOf(res)).message, String(secret)).toContain(problem);
    }
    expect((await db.robot.findUniqueOrThrow({ where: { id: created.id } })).secretHash).toBe(hashBefore);
    expect(await auditCount()).toBe(audits);

    const chosen = "Mine-Passw0rd";
    const res = await patch({ secret: chosen });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ secret: chosen });
    expect(await auditCount()).toBe(audits + 1);
    const stored = (await db.robot.findUniqueOrThrow({ where: { id: created.id } })).secretHash;
    // A chosen secret may be guessable: never its bare SHA-256, a salted argon2id string instead.
    expect(stored).toMatch(/^\$argon2id\$/);
    expect(stored).not.toContain(chosen);
    expect((await call(projectRoute.GET, apiRequest(path, { auth: basic(created.name, chosen) }), params)).status).toBe(200);
    expect((await call(projectRoute.GET, apiRequest(path, { auth: basic(created.name, created.secret) }), params)).status).toBe(401);
    expect((await call(projectRoute.GET, apiRequest(path, { auth: basic(created.name, "Mine-Passw0rD") }), params)).status).toBe(401);

    // Back to a generated secret: SHA-256 again, and the chosen one stops working.
    const generated = (await (await patch({ secret: "" })).json()) as { secret: string };
    expect((await db.robot.findUniqueOrThrow({ where: { id: created.id } })).secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect((await call(projectRoute.GET, apiRequest(path, { auth: basic(created.name, generated.secret) }), params)).status).toBe(200);
    expect((await call(projectRoute.GET, apiRequest(path, { auth: basic(created.name, chosen) }), params)).status).toBe(401);
  });

  it("disables (PUT disable) and deletes a robot", async () => {
    const { auth, project } = await setup();
    const created = (await (await createRobot(auth, projectRobotBody(project.name))).json()) as Created;
    const current = (await (await call(robotRoute.GET, apiRequest(`/robots/${created.id}`, { auth }), rid(created.id))).json()) as Robot;

    const audits = await auditCount();
    const put = await call(robotRoute.PUT, apiRequest(`/robots/${created.id}`, { method: "PUT", auth, body: { ...current, disable: true } }), rid(created.id));
    expect(put.status).toBe(200);
    expect(await auditCount()).toBe(audits + 1);
    expect((await db.auditEvent.findFirstOrThrow({ orderBy: { id: "desc" }, select: { action: true } })).action).toBe("robot.disable");
    const disabled = await call(projectRoute.GET, apiRequest(`/projects/${project.id}`, { auth: basic(created.name, created.secret) }), {
      project_name_or_id: String(project.id),
    });
    expect(disabled.status).toBe(401);

    const before = await auditCount();
    const del = await call(robotRoute.DELETE, apiRequest(`/robots/${created.id}`, { method: "DELETE", auth }), rid(created.id));
    expect(del.status).toBe(200);
    expect(await auditCount()).toBe(before + 1);
    expect((await call(robotRoute.GET, apiRequest(`/robots/${created.id}`, { auth }), rid(created.id))).status).toBe(404);
  });

  it("PUT changes description, duration and permissions as Harbor's UpdateRobot does, in one robot.update row; the same body again writes nothing", async () => {
    const { auth, project } = await setup();
    const created = (await (await createRobot(auth, projectRobotBody(project.name))).json()) as Created;
    const get = async () => (await (await call(robotRoute.GET, apiRequest(`/robots/${created.id}`, { auth }), rid(created.id))).json()) as Robot & { duration: number; expires_at: number; creation_time: string; description: string };
    const current = await get();
    const put = (body: unknown) => call(robotRoute.PUT, apiRequest(`/robots/${created.id}`, { method: "PUT", auth, body }), rid(created.id));

    const audits = await auditCount();
    expect((await put(current)).status).toBe(200);
    expect(await auditCount()).toBe(audits);

    const access = [
      { resource: "repository", action: "pull", effect: "allow" },
      { resource: "repository", action: "push", effect: "allow" },
    ];
    const res = await put({ ...current, description: "builds and pushes", duration: 7, permissions: [{ kind: "project", namespace: project.name, access }] });
    expect(res.status).toBe(200);
    expect(await auditCount()).toBe(audits + 1);
    const row = await db.auditEvent.findFirstOrThrow({ orderBy: { id: "desc" }, select: { action: true, result: true, detail: true, resourceName: true } });
    expect(row).toMatchObject({ action: "robot.update", result: "success", resourceName: created.name, detail: { changed: ["description", "duration", "permissions"] } });

    const after = await get();
    // Harbor counts the expiry from the robot's creation, not from the update.
    const expires = Math.floor((Date.parse(after.creation_time) + 7 * 86_400_000) / 1000);
    expect(after).toMatchObject({ description: "builds and pushes", duration: 7, expires_at: expires, disable: false });
    expect(after.permissions).toEqual([{ kind: "project", namespace: project.name, access }]);

    // The new grant is live for the robot's Basic credentials at once.
    const grants = await db.robotPermission.findMany({ where: { robotId: created.id }, select: { resource: true, action: true }, orderBy: { action: "asc" } });
    expect(grants).toEqual([{ resource: "repository", action: "pull" }, { resource: "repository", action: "push" }]);

    expect((await put({ ...after, duration: -1 })).status).toBe(200);
    expect(await get()).toMatchObject({ duration: -1, expires_at: -1 });
    expect(await auditCount()).toBe(audits + 2);
  });

  it("PUT refuses what Harbor refuses (400 naming the field, nothing written), and permissions the caller lacks (403, one failure row)", async () => {
    const { auth, project } = await setup();
    const other = await createProject({ actor: actorFor((await createTestUser())), input: { name: uniqueName("other"), isPublic: false } });
    const created = (await (await createRobot(auth, projectRobotBody(project.name))).json()) as Created;
    const current = (await (await call(robotRoute.GET, apiRequest(`/robots/${created.id}`, { auth }), rid(created.id))).json()) as Robot;
    const put = (body: unknown, as = auth) => call(robotRoute.PUT, apiRequest(`/robots/${created.id}`, { method: "PUT", auth: as, body }), rid(created.id));
    const perms = (namespace: string, access: { resource: string; action: string }[]) => [{ kind: "project", namespace, access }];

    const audits = await auditCount();
    const stored = async () => db.robot.findUniqueOrThrow({ where: { id: created.id }, select: { description: true, expiresAt: true, updatedAt: true, permissions: { select: { resource: true, action: true } } } });
    const before = await stored();
    for (const [body, message] of [
      [{ ...current, name: "renamed" }, "name: cannot be changed"],
      [{ ...current, level: "system" }, "level: cannot be changed"],
      [{ ...current, duration: 0 }, "duration: Expiry must be 1-3650 days, or -1 for never"],
      [{ ...current, duration: "7" }, "duration: Must be a number of days"],
      [{ ...current, description: "x".repeat(1025) }, "description: Description must be at most 1024 characters"],
      [{ ...current, disable: "no" }, "disable: Must be true or false"],
      [{ ...current, permissions: [] }, "permissions: give at least one permission"],
      [{ ...current, permissions: perms(other.name, [{ resource: "repository", action: "pull" }]) }, `a project robot's permissions are in its project ${project.name}`],
      [{ ...current, permissions: perms(project.name, [{ resource: "member", action: "create" }]) }, "Robots cannot hold member permissions"],
      [{ ...current, permissions: perms(project.name, [{ resource: "repository", action: "fly" }]) }, "unknown permission repository:fly"],
    ] as const) {
      const res = await put(body);
      expect(res.status, message).toBe(400);
      expect((await errorOf(res)).message, message).toContain(message);
    }
    expect(await stored()).toEqual(before);
    expect(await auditCount()).toBe(audits);

    // A robot allowed robot:update, holding pull only, cannot hand this robot push.
    const updater = await insertRobot(project, ["robot:read", "robot:update", "repository:pull", "project:read"]);
    const refused = await put({ ...current, permissions: perms(project.name, [{ resource: "repository", action: "push" }]) }, basic(updater.name, updater.secret));
    expect(refused.status).toBe(403);
    expect(await stored()).toEqual(before);
    expect(await auditCount()).toBe(audits + 1);
    expect(await db.auditEvent.findFirstOrThrow({ orderBy: { id: "desc" }, select: { action: true, result: true } })).toEqual({ action: "robot.update", result: "failure" });
    // ...but may change what it holds itself: the description.
    expect((await put({ ...current, description: "renamed by a robot" }, basic(updater.name, updater.secret))).status).toBe(200);
    expect((await stored()).description).toBe("renamed by a robot");
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
