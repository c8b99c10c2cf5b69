import { describe, expect, it } from "vitest";
import type { UserActor } from "@/lib/auth/actor";
import { ConflictError, ForbiddenError, NotFoundError } from "@/lib/errors";
import {
  addProjectMember,
  getProjectMember,
  listProjectMembers,
  removeProjectMember,
  updateProjectMember,
} from "@/lib/services/members/members";
import { createProject } from "@/lib/services/projects/create-project";
import { verifyRegistryCredentials } from "@/lib/services/auth/verify-registry-credentials";
import { createRobot } from "@/lib/services/registry-auth/test-fixtures";
import { actorFor, auditRowsFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";

const PROJECT_ADMIN = 1;
const DEVELOPER = 2;
const GUEST = 3;
const MAINTAINER = 4;
const LIMITED_GUEST = 5;

const ALL_MEMBERS = { q: undefined, page: 1, pageSize: 100 };

/** A private project owned (and so administered) by a fresh user. */
async function projectWithAdmin() {
  const owner = await createTestUser();
  const admin = actorFor(owner);
  const project = await createProject({ actor: admin, input: { name: uniqueName("mem"), isPublic: false } });
  const adminMemberId = (await db.projectMember.findFirstOrThrow({ where: { projectId: project.id, userId: owner.id } })).id;
  return { project, admin, owner, adminMemberId };
}

/** Adds a fresh user with the role (as the project's admin) and returns them as an actor. */
async function addUserWithRole(projectId: number, by: UserActor, roleId: number) {
  const user = await createTestUser();
  const member = await addProjectMember({ actor: by, input: { projectId, username: user.username, roleId } });
  return { user, actor: actorFor(user), memberId: member.id };
}

function memberSnapshot(projectId: number) {
  return db.projectMember.findMany({ where: { projectId }, select: { id: true, userId: true, roleId: true }, orderBy: { id: "asc" } });
}

describe("add, update and remove by the Project Admin", () => {
  it("writes one audit row per change, naming the roles", async () => {
    const { project, admin, owner } = await projectWithAdmin();
    const user = await createTestUser();

    const added = await addProjectMember({ actor: admin, input: { projectId: project.id, username: user.username, roleId: DEVELOPER } });
    expect(added).toMatchObject({ userId: user.id, username: user.username, roleId: DEVELOPER });
    const updated = await updateProjectMember({ actor: admin, input: { projectId: project.id, memberId: added.id, roleId: MAINTAINER } });
    expect(updated.roleId).toBe(MAINTAINER);
    // The same role again is not a change: no row.
    await updateProjectMember({ actor: admin, input: { projectId: project.id, memberId: added.id, roleId: MAINTAINER } });
    await removeProjectMember({ actor: admin, input: { projectId: project.id, memberId: added.id } });
    expect(await db.projectMember.count({ where: { id: added.id } })).toBe(0);

    const rows = await auditRowsFor("member", user.username);
    expect(rows.map((r) => [r.action, r.result, r.actorName, r.projectId])).toEqual([
      ["member.create", "success", owner.username, project.id],
      ["member.update", "success", owner.username, project.id],
      ["member.delete", "success", owner.username, project.id],
    ]);
    expect(rows.map((r) => r.detail)).toEqual([
      { role: "Developer" },
      { before: "Developer", after: "Maintainer" },
      { role: "Maintainer" },
    ]);
  });

  it("lists and reads members, with server-side search", async () => {
    const { project, admin, owner } = await projectWithAdmin();
    const dev = await addUserWithRole(project.id, admin, DEVELOPER);
    const page = await listProjectMembers({ actor: admin, projectId: project.id, query: ALL_MEMBERS });
    expect(page.total).toBe(2);
    expect(page.rows.map((m) => m.username).sort()).toEqual([owner.username, dev.user.username].sort());
    const found = await listProjectMembers({ actor: admin, projectId: project.id, query: { ...ALL_MEMBERS, q: dev.user.username.toUpperCase() } });
    expect(found.rows.map((m) => m.id)).toEqual([dev.memberId]);
    await expect(getProjectMember({ actor: admin, projectId: project.id, memberId: dev.memberId })).resolves.toMatchObject({
      roleId: DEVELOPER,
      username: dev.user.username,
    });
  });

  it("refuses an unknown user with 404 and adds nothing", async () => {
    const { project, admin } = await projectWithAdmin();
    const before = await memberSnapshot(project.id);
    await expect(
      addProjectMember({ actor: admin, input: { projectId: project.id, username: uniqueName("nobody"), roleId: GUEST } }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(await memberSnapshot(project.id)).toEqual(before);
  });

  it("refuses to add the same user twice (409) and keeps the first role", async () => {
    const { project, admin } = await projectWithAdmin();
    const guest = await addUserWithRole(project.id, admin, GUEST);
    const error = await addProjectMember({
      actor: admin,
      input: { projectId: project.id, username: guest.user.username, roleId: PROJECT_ADMIN },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).fieldErrors).toEqual({ username: ["Already a member"] });
    expect((await db.projectMember.findUniqueOrThrow({ where: { id: guest.memberId } })).roleId).toBe(GUEST);
    expect((await auditRowsFor("member", guest.user.username)).map((r) => r.action)).toEqual(["member.create"]);
  });
});

describe("members who are not Project Admin", () => {
  it.each([
    ["Maintainer", MAINTAINER],
    ["Developer", DEVELOPER],
    ["Guest", GUEST],
  ])("a %s may list members but not add, change or remove any (403), and nothing changes", async (_role, roleId) => {
    const { project, admin, adminMemberId } = await projectWithAdmin();
    const actor = (await addUserWithRole(project.id, admin, roleId)).actor;
    const other = await addUserWithRole(project.id, admin, GUEST);
    const outsider = await createTestUser();
    const before = await memberSnapshot(project.id);

    expect((await listProjectMembers({ actor, projectId: project.id, query: ALL_MEMBERS })).total).toBe(3);
    const attempts = [
      () => addProjectMember({ actor, input: { projectId: project.id, username: outsider.username, roleId: GUEST } }),
      () => updateProjectMember({ actor, input: { projectId: project.id, memberId: other.memberId, roleId: PROJECT_ADMIN } }),
      () => updateProjectMember({ actor, input: { projectId: project.id, memberId: adminMemberId, roleId: GUEST } }),
      () => removeProjectMember({ actor, input: { projectId: project.id, memberId: other.memberId } }),
      () => removeProjectMember({ actor, input: { projectId: project.id, memberId: adminMemberId } }),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toBeInstanceOf(ForbiddenError);
    expect(await memberSnapshot(project.id)).toEqual(before);
    // Each refusal is audited against the project (identical ones within a minute as one row's count).
    const refusals = (await auditRowsFor("project", project.name)).filter((r) => r.result === "failure");
    expect(refusals.flatMap((r) => Array<string>(r.repeatCount).fill(r.action)).sort()).toEqual([
      "member.create",
      "member.delete",
      "member.delete",
      "member.update",
      "member.update",
    ]);
  });

  it("a Limited Guest may not even list members", async () => {
    const { project, admin } = await projectWithAdmin();
    const { actor } = await addUserWithRole(project.id, admin, LIMITED_GUEST);
    await expect(listProjectMembers({ actor, projectId: project.id, query: ALL_MEMBERS })).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("the last Project Admin", () => {
  it("cannot be demoted or removed (409) until another Project Admin exists", async () => {
    const { project, admin, adminMemberId } = await projectWithAdmin();
    await expect(
      updateProjectMember({ actor: admin, input: { projectId: project.id, memberId: adminMemberId, roleId: DEVELOPER } }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(removeProjectMember({ actor: admin, input: { projectId: project.id, memberId: adminMemberId } })).rejects.toBeInstanceOf(
      ConflictError,
    );
    // A system administrator is held to the same rule.
    const sysadmin = actorFor(await createTestUser({ isAdmin: true }));
    await expect(removeProjectMember({ actor: sysadmin, input: { projectId: project.id, memberId: adminMemberId } })).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect((await db.projectMember.findUniqueOrThrow({ where: { id: adminMemberId } })).roleId).toBe(PROJECT_ADMIN);

    // Promote someone else; now the first admin can step down, and then be removed by the second.
    const second = await addUserWithRole(project.id, admin, DEVELOPER);
    await updateProjectMember({ actor: admin, input: { projectId: project.id, memberId: second.memberId, roleId: PROJECT_ADMIN } });
    await updateProjectMember({ actor: admin, input: { projectId: project.id, memberId: adminMemberId, roleId: GUEST } });
    expect((await db.projectMember.findUniqueOrThrow({ where: { id: adminMemberId } })).roleId).toBe(GUEST);
    await removeProjectMember({ actor: second.actor, input: { projectId: project.id, memberId: adminMemberId } });
    expect(await db.projectMember.count({ where: { id: adminMemberId } })).toBe(0);

    // The second admin is now the last one, and protected in turn.
    await expect(
      removeProjectMember({ actor: second.actor, input: { projectId: project.id, memberId: second.memberId } }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await memberSnapshot(project.id)).toEqual([{ id: second.memberId, userId: second.user.id, roleId: PROJECT_ADMIN }]);
  });
});

describe("the auditor", () => {
  it("can list and read members of any project but not change them", async () => {
    const { project, admin, adminMemberId } = await projectWithAdmin();
    const dev = await addUserWithRole(project.id, admin, DEVELOPER);
    const auditor = actorFor(await createTestUser({ isAuditor: true }));
    const outsider = await createTestUser();
    const before = await memberSnapshot(project.id);

    expect((await listProjectMembers({ actor: auditor, projectId: project.id, query: ALL_MEMBERS })).total).toBe(2);
    await expect(getProjectMember({ actor: auditor, projectId: project.id, memberId: dev.memberId })).resolves.toMatchObject({ roleId: DEVELOPER });
    const attempts = [
      () => addProjectMember({ actor: auditor, input: { projectId: project.id, username: outsider.username, roleId: GUEST } }),
      () => updateProjectMember({ actor: auditor, input: { projectId: project.id, memberId: dev.memberId, roleId: MAINTAINER } }),
      () => removeProjectMember({ actor: auditor, input: { projectId: project.id, memberId: adminMemberId } }),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toBeInstanceOf(ForbiddenError);
    expect(await memberSnapshot(project.id)).toEqual(before);
  });
});

describe("across projects", () => {
  it("the admin of project A can neither see nor change project B's members", async () => {
    const a = await projectWithAdmin();
    const b = await projectWithAdmin();
    const bGuest = await addUserWithRole(b.project.id, b.admin, GUEST);
    const outsider = await createTestUser();
    const before = await memberSnapshot(b.project.id);

    // Directly against B (private): as if B did not exist.
    await expect(listProjectMembers({ actor: a.admin, projectId: b.project.id, query: ALL_MEMBERS })).rejects.toBeInstanceOf(NotFoundError);
    await expect(getProjectMember({ actor: a.admin, projectId: b.project.id, memberId: bGuest.memberId })).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      addProjectMember({ actor: a.admin, input: { projectId: b.project.id, username: outsider.username, roleId: GUEST } }),
    ).rejects.toBeInstanceOf(NotFoundError);

    // B's member ids through A, where A's admin does hold member:* permissions.
    await expect(getProjectMember({ actor: a.admin, projectId: a.project.id, memberId: bGuest.memberId })).rejects.toBeInstanceOf(NotFoundError);
    await expect(getProjectMember({ actor: a.admin, projectId: a.project.id, memberId: b.adminMemberId })).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      updateProjectMember({ actor: a.admin, input: { projectId: a.project.id, memberId: bGuest.memberId, roleId: PROJECT_ADMIN } }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      updateProjectMember({ actor: a.admin, input: { projectId: a.project.id, memberId: b.adminMemberId, roleId: GUEST } }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(removeProjectMember({ actor: a.admin, input: { projectId: a.project.id, memberId: bGuest.memberId } })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(removeProjectMember({ actor: a.admin, input: { projectId: a.project.id, memberId: b.adminMemberId } })).rejects.toBeInstanceOf(
      NotFoundError,
    );

    expect(await memberSnapshot(b.project.id)).toEqual(before);
    expect(await auditRowsFor("member", bGuest.user.username)).toHaveLength(1); // only its own member.create
  });

  it("on a public project, a non-member may read the project but not its member list", async () => {
    const owner = await createTestUser();
    const project = await createProject({ actor: actorFor(owner), input: { name: uniqueName("mem"), isPublic: true } });
    const stranger = actorFor(await createTestUser());
    await expect(listProjectMembers({ actor: stranger, projectId: project.id, query: ALL_MEMBERS })).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("robot callers", () => {
  it("a robot created with member permissions before they were refused cannot add, change, remove or list members", async () => {
    const { project, adminMemberId } = await projectWithAdmin();
    // Written straight to the database, as a robot from before the rule would be.
    const robot = await createRobot(project, ["member:create", "member:update", "member:delete", "member:list", "member:read", "project:read"]);
    const actor = await verifyRegistryCredentials({ username: robot.name, password: robot.secret, client: { ip: "203.0.113.9", userAgent: "curl" } });
    const victim = await createTestUser();
    const before = await memberSnapshot(project.id);

    const attempts = [
      () => addProjectMember({ actor, input: { projectId: project.id, username: victim.username, roleId: PROJECT_ADMIN } }),
      () => updateProjectMember({ actor, input: { projectId: project.id, memberId: adminMemberId, roleId: GUEST } }),
      () => removeProjectMember({ actor, input: { projectId: project.id, memberId: adminMemberId } }),
      () => listProjectMembers({ actor, projectId: project.id, query: ALL_MEMBERS }),
      () => getProjectMember({ actor, projectId: project.id, memberId: adminMemberId }),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toBeInstanceOf(ForbiddenError);
    expect(await memberSnapshot(project.id)).toEqual(before);
    const refusals = await db.auditEvent.findMany({ where: { actorName: robot.name, result: "failure" }, orderBy: { id: "asc" } });
    expect(refusals.map((r) => r.action)).toEqual(["member.create", "member.update", "member.delete", "member.list", "member.read"]);
    expect(refusals.every((r) => r.reason === "robot accounts cannot read or manage project members")).toBe(true);
  });

  it("a robot that cannot see the project gets the usual 404", async () => {
    const { project } = await projectWithAdmin();
    const other = await createProject({ actor: actorFor(await createTestUser()), input: { name: uniqueName("mem"), isPublic: false } });
    const robot = await createRobot(other, ["member:create"]);
    const actor = await verifyRegistryCredentials({ username: robot.name, password: robot.secret, client: { ip: "203.0.113.9", userAgent: "curl" } });
    await expect(addProjectMember({ actor, input: { projectId: project.id, username: "x", roleId: GUEST } })).rejects.toBeInstanceOf(NotFoundError);
  });
});
