import { describe, expect, it } from "vitest";
import { anonymousActor, systemActor, type Actor } from "@/lib/auth/actor";
import { ROLE_PERMISSIONS } from "@/lib/services/authz/project-roles";
import { grantAccess, intersectActions, projectNameOf } from "@/lib/services/registry-auth/grant";
import { parseScopes } from "@/lib/services/registry-auth/scope";
import { createMember, createProject, createRobot, TEST_CLIENT } from "@/lib/services/registry-auth/test-fixtures";
import { actorFor, createTestUser } from "@/lib/testing/factories";

const ALL = "pull,push,delete";

async function grantsFor(actor: Actor, ...scopes: string[]) {
  return grantAccess(actor, parseScopes(scopes));
}

function robotActor(robot: Awaited<ReturnType<typeof createRobot>>, grants: { namespace: string; resource: string; action: string }[]): Actor {
  return { kind: "robot", id: robot.id, name: robot.name, level: "project", grants, client: TEST_CLIENT };
}

describe("intersectActions", () => {
  it("grants only what is both asked for and held, in a fixed order", () => {
    const developer = ROLE_PERMISSIONS.get(2)!;
    expect(intersectActions(["push", "pull"], developer)).toEqual(["pull", "push"]);
    expect(intersectActions(["delete"], developer)).toEqual([]);
    expect(intersectActions(["*"], developer)).toEqual(["pull", "push"]);
    expect(intersectActions(["*"], ROLE_PERMISSIONS.get(4)!)).toEqual(["pull", "push", "delete"]);
    expect(intersectActions(["scanner-pull", "frobnicate"], ROLE_PERMISSIONS.get(1)!)).toEqual([]);
    expect(intersectActions(["pull"], new Set())).toEqual([]);
  });

  it("names the project by the first path component", () => {
    expect(projectNameOf("lib/a/b")).toBe("lib");
    expect(projectNameOf("solo")).toBe("solo");
  });
});

describe("grantAccess per role (Harbor's matrix)", () => {
  it.each([
    [1, "project admin", ["pull", "push", "delete"]],
    [4, "maintainer", ["pull", "push", "delete"]],
    [2, "developer", ["pull", "push"]],
    [3, "guest", ["pull"]],
    [5, "limited guest", ["pull"]],
  ])("role %i (%s) on a private project gets %j of pull,push,delete", async (roleId, _label, expected) => {
    const project = await createProject();
    const user = await createMember(project.id, roleId);
    const access = await grantsFor(actorFor(user), `repository:${project.name}/app:${ALL}`);
    expect(access).toEqual([{ type: "repository", name: `${project.name}/app`, actions: expected }]);
  });

  it("gives a non-member nothing on a private project and pull on a public one; the same for anonymous", async () => {
    const priv = await createProject();
    const pub = await createProject({ isPublic: true });
    const stranger = actorFor(await createTestUser());
    const scopes = [`repository:${priv.name}/app:${ALL}`, `repository:${pub.name}/app:${ALL}`];
    const expected = [
      { type: "repository", name: `${priv.name}/app`, actions: [] },
      { type: "repository", name: `${pub.name}/app`, actions: ["pull"] },
    ];
    expect(await grantsFor(stranger, ...scopes)).toEqual(expected);
    expect(await grantsFor(anonymousActor(TEST_CLIENT), ...scopes)).toEqual(expected);
  });

  it("gives admins and the system everything, auditors no pull", async () => {
    const project = await createProject();
    const scope = `repository:${project.name}/app:*`;
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    expect((await grantsFor(admin, scope))[0]?.actions).toEqual(["pull", "push", "delete"]);
    expect((await grantsFor(systemActor("test"), scope))[0]?.actions).toEqual(["pull", "push", "delete"]);
    const auditor = actorFor(await createTestUser({ isAuditor: true }));
    expect((await grantsFor(auditor, scope))[0]?.actions).toEqual([]);
  });

  it("gives a robot exactly its repository grants, in its own project only", async () => {
    const project = await createProject();
    const other = await createProject();
    const robot = await createRobot(project, ["repository:pull"]);
    const actor = robotActor(robot, [{ namespace: project.name, resource: "repository", action: "pull" }]);
    expect(await grantsFor(actor, `repository:${project.name}/app:pull,push`, `repository:${other.name}/app:pull`)).toEqual([
      { type: "repository", name: `${project.name}/app`, actions: ["pull"] },
      { type: "repository", name: `${other.name}/app`, actions: [] },
    ]);
    const everywhere = robotActor(robot, [
      { namespace: "*", resource: "repository", action: "pull" },
      { namespace: "*", resource: "repository", action: "push" },
    ]);
    expect((await grantsFor(everywhere, `repository:${other.name}/x/y:${ALL}`))[0]?.actions).toEqual(["pull", "push"]);
  });

  it("grants nothing for a missing project, a name without a project, or an unknown resource type", async () => {
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const project = await createProject();
    expect(
      await grantsFor(admin, "repository:no-such-project-x1/app:pull", `repository:${project.name}:pull`, `blob:${project.name}/app:pull`),
    ).toEqual([
      { type: "repository", name: "no-such-project-x1/app", actions: [] },
      { type: "repository", name: project.name, actions: [] },
      { type: "blob", name: `${project.name}/app`, actions: [] },
    ]);
  });

  it("keeps registry:catalog:* for admins only", async () => {
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const user = actorFor(await createTestUser());
    const auditor = actorFor(await createTestUser({ isAuditor: true }));
    expect(await grantsFor(admin, "registry:catalog:*")).toEqual([{ type: "registry", name: "catalog", actions: ["*"] }]);
    expect(await grantsFor(user, "registry:catalog:*")).toEqual([{ type: "registry", name: "catalog", actions: [] }]);
    expect(await grantsFor(auditor, "registry:catalog:*")).toEqual([{ type: "registry", name: "catalog", actions: [] }]);
    expect(await grantsFor(admin, "registry:catalog:pull")).toEqual([{ type: "registry", name: "catalog", actions: [] }]);
  });
});
