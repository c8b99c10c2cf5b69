import { describe, expect, it } from "vitest";
import { anonymousActor, type Actor } from "@/lib/auth/actor";
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from "@/lib/errors";
import { addProjectMember } from "@/lib/services/members/members";
import { createProject } from "@/lib/services/projects/create-project";
import { deleteProject, ProjectNotEmptyError } from "@/lib/services/projects/delete-project";
import { getProject } from "@/lib/services/projects/get-project";
import { listProjects } from "@/lib/services/projects/list-projects";
import { updateProject } from "@/lib/services/projects/update-project";
import { createProjectRobot } from "@/lib/services/robots/robots";
import { updateSystemSettings } from "@/lib/services/settings/system-settings";
import { actorFor, auditRowsFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";
import { ZCreateProject, ZListProjectsQuery } from "@/lib/validation/projects";

function newProject(actor: Actor, options: { name?: string; isPublic?: boolean } = {}) {
  return createProject({ actor, input: ZCreateProject.parse({ name: options.name ?? uniqueName("proj"), isPublic: options.isPublic ?? false }) });
}

function list(actor: Actor, query: Record<string, unknown>) {
  return listProjects({ actor, query: ZListProjectsQuery.parse(query) });
}

/** Runs `body` with project creation restricted to administrators, then restores the default. */
async function withAdminOnlyCreation(body: () => Promise<void>) {
  const admin = actorFor(await createTestUser({ isAdmin: true }));
  await updateSystemSettings({ actor: admin, input: { projectCreationRestriction: "adminonly" } });
  try {
    await body();
  } finally {
    await updateSystemSettings({ actor: admin, input: { projectCreationRestriction: "everyone" } });
  }
}

describe("createProject", () => {
  it("makes the creator the owner and first Project Admin, and writes one audit row", async () => {
    const user = await createTestUser();
    const name = uniqueName("proj");
    const project = await newProject(actorFor(user), { name });

    expect(project).toMatchObject({ name, isPublic: false, ownerName: user.username, viewerRoleId: 1, memberCount: 1, repositoryCount: 0 });
    const stored = await db.project.findUniqueOrThrow({ where: { id: project.id }, include: { members: true } });
    expect(stored.ownerId).toBe(user.id);
    expect(stored.members.map((m) => [m.userId, m.roleId])).toEqual([[user.id, 1]]);

    const rows = await auditRowsFor("project", name);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: "project.create", result: "success", actorName: user.username, projectId: project.id });
  });

  it("refuses a duplicate name with a field error and writes nothing", async () => {
    const first = await createTestUser();
    const second = await createTestUser();
    const name = uniqueName("proj");
    await newProject(actorFor(first), { name });

    const error = await newProject(actorFor(second), { name, isPublic: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).fieldErrors).toEqual({ name: ["This name is already taken"] });
    // Only the first project under that name, with its creator as the one member.
    expect(await db.project.findMany({ where: { name }, select: { isPublic: true } })).toEqual([{ isPublic: false }]);
    expect((await db.projectMember.findMany({ where: { project: { name } }, select: { userId: true } })).map((m) => m.userId)).toEqual([first.id]);
    expect(await db.projectMember.count({ where: { userId: second.id } })).toBe(0);
    expect((await auditRowsFor("project", name)).map((r) => [r.action, r.result])).toEqual([["project.create", "success"]]);
  });

  it("with creation restricted to admins: refuses a non-admin (403 + failure row), lets an admin create", async () => {
    await withAdminOnlyCreation(async () => {
      const user = await createTestUser();
      const name = uniqueName("proj");
      await expect(newProject(actorFor(user), { name })).rejects.toBeInstanceOf(ForbiddenError);
      expect(await db.project.count({ where: { name } })).toBe(0);
      const rows = await auditRowsFor("project", name);
      expect(rows.map((r) => [r.action, r.result, r.actorName])).toEqual([["project.create", "failure", user.username]]);
      expect(rows[0]!.reason).toMatch(/administrators/);

      const admin = await createTestUser({ isAdmin: true });
      await expect(newProject(actorFor(admin))).resolves.toMatchObject({ ownerName: admin.username });
    });
  });

  it("refuses the auditor (reads everything, creates nothing)", async () => {
    const auditor = await createTestUser({ isAuditor: true });
    const name = uniqueName("proj");
    await expect(newProject(actorFor(auditor), { name })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await db.project.count({ where: { name } })).toBe(0);
    expect((await auditRowsFor("project", name)).map((r) => [r.action, r.result])).toEqual([["project.create", "failure"]]);
  });

  it("asks anonymous callers to sign in", async () => {
    const name = uniqueName("proj");
    await expect(newProject(anonymousActor(), { name })).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(await db.project.count({ where: { name } })).toBe(0);
  });
});

describe("listProjects", () => {
  /**
   * Four projects under one unique tag (the database is shared): alice owns a private one, bob owns
   * a private one and a public one, and alice is a Guest in a third private one of bob's.
   */
  async function fixture() {
    const tag = uniqueName("lp");
    const alice = await createTestUser();
    const bob = await createTestUser();
    const a = actorFor(alice);
    const b = actorFor(bob);
    const alicePrivate = await newProject(a, { name: `${tag}-a-alice` });
    const bobPrivate = await newProject(b, { name: `${tag}-b-bob` });
    const bobPublic = await newProject(b, { name: `${tag}-c-public`, isPublic: true });
    const shared = await newProject(b, { name: `${tag}-d-shared` });
    await addProjectMember({ actor: b, input: { projectId: shared.id, username: alice.username, roleId: 3 } });
    return { tag, alice: a, bob: b, alicePrivate, bobPrivate, bobPublic, shared };
  }

  it("shows a user public projects and their own, never other people's private ones", async () => {
    const f = await fixture();
    const page = await list(f.alice, { q: f.tag });
    expect(page.rows.map((p) => p.name)).toEqual([f.alicePrivate.name, f.bobPublic.name, f.shared.name]);
    expect(page.total).toBe(3);
    expect(page.rows.map((p) => p.viewerRoleId)).toEqual([1, null, 3]);
  });

  it("shows admins and auditors every project", async () => {
    const f = await fixture();
    const everything = [f.alicePrivate.name, f.bobPrivate.name, f.bobPublic.name, f.shared.name];
    for (const actor of [actorFor(await createTestUser({ isAdmin: true })), actorFor(await createTestUser({ isAuditor: true }))]) {
      const page = await list(actor, { q: f.tag });
      expect(page.rows.map((p) => p.name)).toEqual(everything);
      expect(page.total).toBe(4);
    }
  });

  it("shows anonymous callers only public projects", async () => {
    const f = await fixture();
    const page = await list(anonymousActor(), { q: f.tag });
    expect(page.rows.map((p) => p.name)).toEqual([f.bobPublic.name]);
    expect(page.total).toBe(1);
  });

  it("filters by name (case-insensitive) and by visibility", async () => {
    const f = await fixture();
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    expect((await list(admin, { q: `${f.tag}-b-BOB` })).rows.map((p) => p.name)).toEqual([f.bobPrivate.name]);
    expect((await list(admin, { q: f.tag, visibility: "public" })).rows.map((p) => p.name)).toEqual([f.bobPublic.name]);
    const privates = await list(admin, { q: f.tag, visibility: "private" });
    expect(privates.rows.map((p) => p.name)).toEqual([f.alicePrivate.name, f.bobPrivate.name, f.shared.name]);
    // The visibility filter narrows what the user may see; it never widens it.
    const alicePrivates = await list(f.alice, { q: f.tag, visibility: "private" });
    expect(alicePrivates.rows.map((p) => p.name)).toEqual([f.alicePrivate.name, f.shared.name]);
    expect(alicePrivates.total).toBe(2);
  });

  it("pages on the server and reports the total of the whole filtered list", async () => {
    const f = await fixture();
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const first = await list(admin, { q: f.tag, page: 1, pageSize: 3 });
    const second = await list(admin, { q: f.tag, page: 2, pageSize: 3 });
    const beyond = await list(admin, { q: f.tag, page: 3, pageSize: 3 });
    expect([first.total, second.total, beyond.total]).toEqual([4, 4, 4]);
    expect(first.rows.map((p) => p.name)).toEqual([f.alicePrivate.name, f.bobPrivate.name, f.bobPublic.name]);
    expect(second.rows.map((p) => p.name)).toEqual([f.shared.name]);
    expect(beyond.rows).toEqual([]);
    expect(first).toMatchObject({ page: 1, pageSize: 3 });
    // A user's total counts only what they may see.
    const alicePage = await list(f.alice, { q: f.tag, page: 1, pageSize: 2 });
    expect(alicePage.total).toBe(3);
    expect(alicePage.rows).toHaveLength(2);
  });
});

describe("getProject", () => {
  it("answers a non-member's request for a private project as if it did not exist", async () => {
    const owner = await createTestUser();
    const stranger = actorFor(await createTestUser());
    const project = await newProject(actorFor(owner));
    await expect(getProject({ actor: stranger, project: project.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(getProject({ actor: stranger, project: project.name, byName: true })).rejects.toBeInstanceOf(NotFoundError);
    await expect(getProject({ actor: stranger, project: 2_000_000_000 })).rejects.toBeInstanceOf(NotFoundError);
    // Anonymous callers are asked to sign in rather than told anything.
    await expect(getProject({ actor: anonymousActor(), project: project.id })).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  // A private project's 404 must look exactly like an unknown project's: no name, no hint it exists.
  it("does not reveal a private project's name to a non-member who asks by id", async () => {
    const owner = await createTestUser();
    const stranger = actorFor(await createTestUser());
    const project = await newProject(actorFor(owner));
    const error = (await getProject({ actor: stranger, project: project.id }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).not.toContain(project.name);
  });

  it("gives members their role and permissions, and anyone the public bonus on a public project", async () => {
    const owner = await createTestUser();
    const project = await newProject(actorFor(owner), { isPublic: true });
    const mine = await getProject({ actor: actorFor(owner), project: project.id });
    expect(mine.viewerRoleId).toBe(1);
    expect(mine.viewerPermissions).toContain("project:delete");
    const theirs = await getProject({ actor: anonymousActor(), project: project.name, byName: true });
    expect(theirs.viewerRoleId).toBeNull();
    expect(theirs.viewerPermissions).toContain("repository:pull");
    expect(theirs.viewerPermissions).not.toContain("repository:push");
  });
});

describe("updateProject", () => {
  it("refuses a Developer and changes nothing", async () => {
    const owner = await createTestUser();
    const developer = await createTestUser();
    const project = await newProject(actorFor(owner));
    await addProjectMember({ actor: actorFor(owner), input: { projectId: project.id, username: developer.username, roleId: 2 } });
    await expect(updateProject({ actor: actorFor(developer), input: { projectId: project.id, isPublic: true } })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    expect((await db.project.findUniqueOrThrow({ where: { id: project.id } })).isPublic).toBe(false);
    expect((await auditRowsFor("project", project.name)).map((r) => [r.action, r.result])).toEqual([
      ["project.create", "success"],
      ["project.update", "failure"],
    ]);
  });

  it("lets the Project Admin change it, with before and after in the audit row", async () => {
    const owner = await createTestUser();
    const project = await newProject(actorFor(owner));
    await updateProject({ actor: actorFor(owner), input: { projectId: project.id, isPublic: true } });
    expect((await db.project.findUniqueOrThrow({ where: { id: project.id } })).isPublic).toBe(true);
    // Setting what is already set changes nothing and records nothing.
    await updateProject({ actor: actorFor(owner), input: { projectId: project.id, isPublic: true } });

    const rows = await auditRowsFor("project", project.name);
    expect(rows.map((r) => [r.action, r.result])).toEqual([
      ["project.create", "success"],
      ["project.update", "success"],
    ]);
    expect(rows[1]!.detail).toEqual({ before: { public: false }, after: { public: true } });
  });
});

describe("deleteProject", () => {
  it("refuses with 412 while a repository remains, and keeps everything", async () => {
    const owner = await createTestUser();
    const project = await newProject(actorFor(owner));
    await db.repository.create({ data: { projectId: project.id, name: `${project.name}/app` } });

    const error = await deleteProject({ actor: actorFor(owner), projectId: project.id }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProjectNotEmptyError);
    expect((error as ProjectNotEmptyError).status).toBe(412);
    expect(await db.project.count({ where: { id: project.id } })).toBe(1);
    expect(await db.projectMember.count({ where: { projectId: project.id } })).toBe(1);
    expect((await auditRowsFor("project", project.name)).map((r) => r.action)).toEqual(["project.create"]);
  });

  it("refuses a Maintainer", async () => {
    const owner = await createTestUser();
    const maintainer = await createTestUser();
    const project = await newProject(actorFor(owner));
    await addProjectMember({ actor: actorFor(owner), input: { projectId: project.id, username: maintainer.username, roleId: 4 } });
    await expect(deleteProject({ actor: actorFor(maintainer), projectId: project.id })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await db.project.count({ where: { id: project.id } })).toBe(1);
  });

  it("deletes an empty project with its members and robots, one audit row", async () => {
    const owner = await createTestUser();
    const guest = await createTestUser();
    const project = await newProject(actorFor(owner));
    await addProjectMember({ actor: actorFor(owner), input: { projectId: project.id, username: guest.username, roleId: 3 } });
    const { robot } = await createProjectRobot({
      actor: actorFor(owner),
      input: { projectId: project.id, name: "ci", description: "", durationDays: 30, permissions: ["repository:pull"] },
    });

    await deleteProject({ actor: actorFor(owner), projectId: project.id });

    expect(await db.project.count({ where: { id: project.id } })).toBe(0);
    expect(await db.projectMember.count({ where: { projectId: project.id } })).toBe(0);
    expect(await db.robot.count({ where: { projectId: project.id } })).toBe(0);
    expect(await db.robotPermission.count({ where: { robotId: robot.id } })).toBe(0);
    const rows = await auditRowsFor("project", project.name);
    expect(rows.map((r) => [r.action, r.result])).toEqual([
      ["project.create", "success"],
      ["project.delete", "success"],
    ]);
    expect(rows[1]).toMatchObject({ actorName: owner.username, projectId: project.id });
  });
});
