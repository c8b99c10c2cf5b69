import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Actor, RobotActor } from "@/lib/auth/actor";
import { ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import { forgetVerifiedRobots, verifyRegistryCredentials } from "@/lib/services/auth/verify-registry-credentials";
import { projectPermissionsIn } from "@/lib/services/authz/project-access";
import { ALL_PROJECT_PERMISSIONS } from "@/lib/services/authz/project-roles";
import { addProjectMember } from "@/lib/services/members/members";
import { createProject } from "@/lib/services/projects/create-project";
import { deleteProject } from "@/lib/services/projects/delete-project";
import {
  createProjectRobot,
  createSystemRobot,
  deleteRobot,
  getRobot,
  listRobots,
  refreshRobotSecret,
  setRobotDisabled,
} from "@/lib/services/robots/robots";
import { actorFor, auditRowsFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";
import { ROBOT_PROJECT_PERMISSIONS, ZCreateProjectRobot, ZCreateSystemRobot } from "@/lib/validation/robots";

const client = { ip: "203.0.113.9", userAgent: "docker/27.0" };

/** What a robot may be shown as: never `secret`, never `secretHash`. */
const SUMMARY_KEYS = ["createdAt", "creatorId", "creatorName", "description", "disabled", "expiresAt", "id", "level", "name", "permissions", "projectId", "updatedAt"];

async function projectOwnedBy(options: { isPublic?: boolean } = {}) {
  const owner = await createTestUser();
  const admin = actorFor(owner);
  const project = await createProject({ actor: admin, input: { name: uniqueName("rb"), isPublic: options.isPublic ?? false } });
  return { owner, admin, project };
}

function newProjectRobot(actor: Actor, projectId: number, permissions: string[], options: { name?: string; durationDays?: number } = {}) {
  const input = ZCreateProjectRobot.parse({
    projectId,
    name: options.name ?? uniqueName("bot"),
    durationDays: options.durationDays ?? 30,
    permissions,
  });
  return createProjectRobot({ actor, input });
}

function login(name: string, secret: string) {
  return verifyRegistryCredentials({ username: name, password: secret, client });
}

async function loginRefusals(name: string) {
  return (await auditRowsFor("session", name)).filter((r) => r.result === "failure").map((r) => [r.action, r.reason]);
}

describe("project robots", () => {
  it("are named robot$<project>+<name> and show their secret exactly once", async () => {
    const { admin, project } = await projectOwnedBy();
    const created = await newProjectRobot(admin, project.id, ["repository:pull", "repository:push"], { name: "ci" });

    expect(created.robot.name).toBe(`robot$${project.name}+ci`);
    expect(created.robot).toMatchObject({ level: "project", projectId: project.id, disabled: false });
    expect(created.robot.permissions).toEqual([
      { namespace: project.name, resource: "repository", action: "pull" },
      { namespace: project.name, resource: "repository", action: "push" },
    ]);
    expect(created.secret.length).toBeGreaterThanOrEqual(40);
    expect(Object.keys(created.robot).sort()).toEqual(SUMMARY_KEYS);

    const stored = await db.robot.findUniqueOrThrow({ where: { id: created.robot.id } });
    expect(stored.secretHash).toBe(createHash("sha256").update(created.secret, "utf8").digest("hex"));
    expect(stored.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.secretHash).not.toBe(created.secret);

    const rows = await auditRowsFor("robot", created.robot.name);
    expect(rows.map((r) => [r.action, r.result])).toEqual([["robot.create", "success"]]);
    expect(JSON.stringify(rows[0]!.detail)).not.toContain(created.secret);
    expect(JSON.stringify(rows[0]!.detail)).not.toContain(stored.secretHash);
  });

  it("list and get never include the secret or its hash", async () => {
    const { admin, project } = await projectOwnedBy();
    const { robot, secret } = await newProjectRobot(admin, project.id, ["repository:pull"]);
    const stored = await db.robot.findUniqueOrThrow({ where: { id: robot.id } });

    const page = await listRobots({ actor: admin, projectId: project.id, page: 1, pageSize: 10 });
    expect(page.total).toBe(1);
    const fetched = await getRobot({ actor: admin, robotId: robot.id });
    for (const shown of [page.rows[0]!, fetched]) {
      expect(Object.keys(shown).sort()).toEqual(SUMMARY_KEYS);
      expect(JSON.stringify(shown)).not.toContain(secret);
      expect(JSON.stringify(shown)).not.toContain(stored.secretHash);
    }
    // The answer to a refresh carries the new secret, but the robot object in it still does not.
    const refreshed = await refreshRobotSecret({ actor: admin, robotId: robot.id });
    expect(Object.keys(refreshed.robot).sort()).toEqual(SUMMARY_KEYS);
  });

  it("a Developer may see robots but not create one (403)", async () => {
    const { admin, project } = await projectOwnedBy();
    const developer = await createTestUser();
    await addProjectMember({ actor: admin, input: { projectId: project.id, username: developer.username, roleId: 2 } });
    const name = uniqueName("bot");
    await expect(newProjectRobot(actorFor(developer), project.id, ["repository:pull"], { name })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await db.robot.count({ where: { projectId: project.id } })).toBe(0);
    await expect(listRobots({ actor: actorFor(developer), projectId: project.id, page: 1, pageSize: 10 })).resolves.toMatchObject({ total: 0 });
  });

  it("the admin of project A cannot create a robot in project B", async () => {
    const a = await projectOwnedBy();
    const b = await projectOwnedBy();
    const bPublic = await projectOwnedBy({ isPublic: true });
    // Private B: as if it did not exist. Public B: visible, but no robot:create.
    await expect(newProjectRobot(a.admin, b.project.id, ["repository:pull"])).rejects.toBeInstanceOf(NotFoundError);
    await expect(newProjectRobot(a.admin, bPublic.project.id, ["repository:pull"])).rejects.toBeInstanceOf(ForbiddenError);
    expect(await db.robot.count({ where: { projectId: { in: [b.project.id, bPublic.project.id] } } })).toBe(0);
  });
});

describe("system robots", () => {
  it("a non-admin (auditor included) cannot create one", async () => {
    const input = ZCreateSystemRobot.parse({ name: uniqueName("sys"), durationDays: -1, grants: [{ namespace: "*", permission: "repository:pull" }] });
    await expect(createSystemRobot({ actor: actorFor(await createTestUser()), input })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createSystemRobot({ actor: actorFor(await createTestUser({ isAuditor: true })), input })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await db.robot.count({ where: { name: `robot$${input.name}` } })).toBe(0);
  });

  it("an admin can create one for every project (namespace *), and it works in projects created later", async () => {
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const input = ZCreateSystemRobot.parse({
      name: uniqueName("sys"),
      durationDays: -1,
      grants: [
        { namespace: "*", permission: "repository:pull" },
        { namespace: "*", permission: "repository:push" },
      ],
    });
    const { robot, secret } = await createSystemRobot({ actor: admin, input });
    expect(robot).toMatchObject({ name: `robot$${input.name}`, level: "system", projectId: null, expiresAt: null });

    const actor = (await login(robot.name, secret)) as RobotActor;
    const { project } = await projectOwnedBy();
    const granted = await projectPermissionsIn(actor, project);
    expect([...granted].sort()).toEqual(["repository:pull", "repository:push"]);
  });

  it("refuses a grant naming a project that does not exist (400) and creates nothing", async () => {
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const missing = uniqueName("nosuch");
    const input = ZCreateSystemRobot.parse({ name: uniqueName("sys"), durationDays: 30, grants: [{ namespace: missing, permission: "repository:pull" }] });
    const error = await createSystemRobot({ actor: admin, input }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors.grants?.join()).toContain(missing);
    expect(await db.robot.count({ where: { name: `robot$${input.name}` } })).toBe(0);
  });

  // Grants are stored by project name: deleting the project must end them, as Harbor ends /project/<id> scopes.
  it("a grant on a deleted project does not carry over to a new project with the same name", async () => {
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const { admin: firstOwner, project } = await projectOwnedBy();
    const input = ZCreateSystemRobot.parse({ name: uniqueName("sys"), durationDays: -1, grants: [{ namespace: project.name, permission: "repository:push" }] });
    const { robot, secret } = await createSystemRobot({ actor: admin, input });
    await deleteProject({ actor: firstOwner, projectId: project.id });

    const someoneElse = actorFor(await createTestUser());
    const reborn = await createProject({ actor: someoneElse, input: { name: project.name, isPublic: false } });
    const actor = await login(robot.name, secret);
    expect(await projectPermissionsIn(actor, reborn)).not.toContain("repository:push");
  });
});

describe("authenticating with a robot secret", () => {
  it("accepts the secret and returns a RobotActor with the robot's grants", async () => {
    const { admin, project } = await projectOwnedBy();
    const { robot, secret } = await newProjectRobot(admin, project.id, ["repository:pull", "artifact:read"]);
    const actor = await login(robot.name, secret);
    expect(actor).toEqual({
      kind: "robot",
      id: robot.id,
      name: robot.name,
      level: "project",
      grants: expect.arrayContaining([
        { namespace: project.name, resource: "repository", action: "pull" },
        { namespace: project.name, resource: "artifact", action: "read" },
      ]) as unknown,
      client,
    });
    expect((actor as RobotActor).grants).toHaveLength(2);
  });

  it("refuses a wrong secret (401) and records the failure", async () => {
    const { admin, project } = await projectOwnedBy();
    const { robot, secret } = await newProjectRobot(admin, project.id, ["repository:pull"]);
    await expect(login(robot.name, `${secret}x`)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(login(robot.name, "")).rejects.toBeInstanceOf(UnauthenticatedError);
    // The same refusal from the same client within a minute: one row counting both (two only if
    // the attempts straddled a minute's end).
    const rows = (await auditRowsFor("session", robot.name)).filter((r) => r.result === "failure");
    expect(new Set(rows.map((r) => [r.action, r.reason].join(" ")))).toEqual(new Set(["registry.login wrong robot secret"]));
    expect(new Set(rows.map((r) => r.occurredAt.toISOString().slice(0, 16))).size).toBe(rows.length);
    expect(rows.reduce((n, r) => n + r.repeatCount, 0)).toBe(2);
    const unknown = `robot$${project.name}+${uniqueName("ghost")}`;
    await expect(login(unknown, secret)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(await loginRefusals(unknown)).toEqual([["registry.login", "unknown robot"]]);
  });

  it("refuses a disabled robot with the right secret, and accepts it again once enabled", async () => {
    const { admin, project } = await projectOwnedBy();
    const { robot, secret } = await newProjectRobot(admin, project.id, ["repository:pull"]);
    await setRobotDisabled({ actor: admin, robotId: robot.id, disabled: true });
    await expect(login(robot.name, secret)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(await loginRefusals(robot.name)).toEqual([["registry.login", "robot disabled"]]);
    await setRobotDisabled({ actor: admin, robotId: robot.id, disabled: false });
    await expect(login(robot.name, secret)).resolves.toMatchObject({ kind: "robot", id: robot.id });
  });

  it("refuses an expired robot with the right secret", async () => {
    const { admin, project } = await projectOwnedBy();
    const { robot, secret } = await newProjectRobot(admin, project.id, ["repository:pull"], { durationDays: 1 });
    await expect(login(robot.name, secret)).resolves.toMatchObject({ kind: "robot" });
    await db.robot.update({ where: { id: robot.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    // A write behind the services' back: a verified robot is remembered for a few seconds.
    forgetVerifiedRobots();
    await expect(login(robot.name, secret)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(await loginRefusals(robot.name)).toEqual([["registry.login", "robot expired"]]);
  });

  it("after a refresh, the old secret fails and the new one works", async () => {
    const { admin, project } = await projectOwnedBy();
    const { robot, secret: oldSecret } = await newProjectRobot(admin, project.id, ["repository:pull"]);
    const { secret: newSecret } = await refreshRobotSecret({ actor: admin, robotId: robot.id });
    expect(newSecret).not.toBe(oldSecret);
    await expect(login(robot.name, oldSecret)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(login(robot.name, newSecret)).resolves.toMatchObject({ kind: "robot", id: robot.id });
    expect((await auditRowsFor("robot", robot.name)).map((r) => r.action)).toEqual(["robot.create", "robot.refresh_secret"]);
  });

  it("delete writes one audit row, and the robot can no longer authenticate", async () => {
    const { admin, project } = await projectOwnedBy();
    const { robot, secret } = await newProjectRobot(admin, project.id, ["repository:pull"]);
    await deleteRobot({ actor: admin, robotId: robot.id });
    expect(await db.robot.count({ where: { id: robot.id } })).toBe(0);
    expect(await db.robotPermission.count({ where: { robotId: robot.id } })).toBe(0);
    const rows = await auditRowsFor("robot", robot.name);
    expect(rows.map((r) => [r.action, r.result])).toEqual([
      ["robot.create", "success"],
      ["robot.delete", "success"],
    ]);
    await expect(login(robot.name, secret)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(getRobot({ actor: admin, robotId: robot.id })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("a robot never holds more than its creator", () => {
  it("cannot be shown with a human: the Project Admin holds every project permission", async () => {
    // robot:create belongs to ProjectAdmin alone (the auditor gets reads only), and ProjectAdmin
    // holds the whole matrix, so no human creator can ever lack a permission it could grant.
    const { admin, project } = await projectOwnedBy();
    const held = await projectPermissionsIn(admin, project);
    expect([...held].sort()).toEqual([...ALL_PROJECT_PERMISSIONS].sort());
    await expect(newProjectRobot(admin, project.id, [...ROBOT_PROJECT_PERMISSIONS])).resolves.toMatchObject({
      robot: { permissions: expect.any(Array) as unknown },
    });
  });

  it("a robot holding robot:create cannot grant a permission it lacks, only ones it holds", async () => {
    // The creator is a robot with robot:create + repository:pull in the project (Harbor lets a
    // robot create robots "with equal or narrower permissions").
    const { admin, project } = await projectOwnedBy();
    const minter = await newProjectRobot(admin, project.id, ["robot:create", "repository:pull"]);
    const minterActor = await login(minter.robot.name, minter.secret);

    const greedyName = uniqueName("greedy");
    const error = await newProjectRobot(minterActor, project.id, ["repository:pull", "repository:push"], { name: greedyName }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as Error).message).toContain("repository:push");
    expect((error as Error).message).not.toContain("repository:pull");
    const greedyLogin = `robot$${project.name}+${greedyName}`;
    expect(await db.robot.count({ where: { name: greedyLogin } })).toBe(0);
    const refusals = await auditRowsFor("robot", greedyLogin);
    expect(refusals.map((r) => [r.action, r.result, r.actorName])).toEqual([["robot.create", "failure", minter.robot.name]]);

    // Equal (or narrower) permissions are fine; the creator is recorded as the robot.
    const child = await newProjectRobot(minterActor, project.id, ["robot:create", "repository:pull"]);
    expect(child.robot.creatorName).toBe(minter.robot.name);
    await expect(newProjectRobot(minterActor, project.id, ["repository:pull"])).resolves.toMatchObject({ robot: { level: "project" } });
  });

  it("a robot holding robot:update cannot take over a more powerful robot by refreshing its secret", async () => {
    const { admin, project } = await projectOwnedBy();
    const powerful = await newProjectRobot(admin, project.id, ["repository:pull", "repository:push", "project:delete"]);
    const updater = await newProjectRobot(admin, project.id, ["robot:update", "repository:pull"]);
    const updaterActor = await login(updater.robot.name, updater.secret);

    await expect(refreshRobotSecret({ actor: updaterActor, robotId: powerful.robot.id })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(setRobotDisabled({ actor: updaterActor, robotId: powerful.robot.id, disabled: true })).rejects.toBeInstanceOf(ForbiddenError);
    // The powerful robot's secret still works and nothing about it changed.
    await expect(login(powerful.robot.name, powerful.secret)).resolves.toMatchObject({ kind: "robot" });
    expect((await db.robot.findUniqueOrThrow({ where: { id: powerful.robot.id } })).disabled).toBe(false);

    // A robot it fully covers is fine.
    const weaker = await newProjectRobot(admin, project.id, ["repository:pull"]);
    await expect(refreshRobotSecret({ actor: updaterActor, robotId: weaker.robot.id })).resolves.toMatchObject({ robot: { id: weaker.robot.id } });
  });
});

describe("robots hold no member permissions", () => {
  it("the shared schemas refuse member:create (and every member permission) for project and system robots", () => {
    for (const permission of ["member:create", "member:update", "member:delete", "member:read", "member:list"]) {
      const project = ZCreateProjectRobot.safeParse({ projectId: 1, name: "bot", durationDays: 30, permissions: [permission] });
      expect(project.error?.issues[0]).toMatchObject({ path: ["permissions", 0], message: "Robots cannot hold member permissions (a Project Admin manages members)" });
      const system = ZCreateSystemRobot.safeParse({ name: "bot", durationDays: 30, grants: [{ namespace: "*", permission }] });
      expect(system.success).toBe(false);
    }
    expect(ROBOT_PROJECT_PERMISSIONS.some((p) => p.startsWith("member:"))).toBe(false);
  });

  it("the service refuses them too (input that skipped the schema), with no robot and no row", async () => {
    const { admin, project } = await projectOwnedBy();
    const name = uniqueName("bot");
    const input = { projectId: project.id, name, description: "", durationDays: 30, permissions: ["repository:pull", "member:create"] };
    const error = await createProjectRobot({ actor: admin, input }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors).toEqual({ permissions: ["Robots cannot hold member permissions (member:create)"] });
    expect(await db.robot.count({ where: { name: `robot$${project.name}+${name}` } })).toBe(0);
    const systemError = await createSystemRobot({
      actor: actorFor(await createTestUser({ isAdmin: true })),
      input: { name, description: "", durationDays: 30, grants: [{ namespace: "*", permission: "member:update" }] },
    }).catch((e: unknown) => e);
    expect(systemError).toBeInstanceOf(ValidationError);
    expect(await db.robot.count({ where: { name: `robot$${name}` } })).toBe(0);
  });
});
