import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { anonymousActor } from "@/lib/auth/actor";
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import { addArtifactLabel, removeArtifactLabel } from "@/lib/services/labels/artifact-labels";
import { createLabel, deleteLabel, getLabel, listAttachableLabels, listLabels, updateLabel } from "@/lib/services/labels/labels";
import { deleteProject } from "@/lib/services/projects/delete-project";
import { createMember, createProject, createRobot } from "@/lib/services/registry-auth/test-fixtures";
import { listArtifacts } from "@/lib/services/repositories/list-artifacts";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";

/*
 * Labels against a real Postgres: who may create, change, delete and attach them (Harbor's
 * matrix), the scope rules (a project label only on its own project's artifacts; names unique in
 * their scope and never a global label's), one audit row per change, nothing saved on a refusal,
 * and the cascades (a label's attachments go with it and with its artifact; a project's labels
 * with the project).
 */

type User = Awaited<ReturnType<typeof createTestUser>>;
let admin: User;
let auditor: User;

beforeAll(async () => {
  admin = await createTestUser({ isAdmin: true });
  auditor = await createTestUser({ isAuditor: true });
});

/** An artifact row of `project` in `<project>/app` (index rows are setup, not audited actions). */
async function artifactIn(project: { id: number; name: string }, repo = "app") {
  const name = `${project.name}/${repo}`;
  const repository = await db.repository.upsert({ where: { name }, create: { projectId: project.id, name }, update: {}, select: { id: true } });
  const digest = `sha256:${randomBytes(32).toString("hex")}`;
  const artifact = await db.artifact.create({
    data: { repositoryId: repository.id, digest, mediaType: "application/vnd.oci.image.manifest.v1+json", manifestSize: 100, totalSize: 1000n, pushedAt: new Date() },
    select: { id: true },
  });
  await db.repository.update({ where: { id: repository.id }, data: { artifactCount: { increment: 1 } } });
  return { id: artifact.id, repository: name, digest };
}

async function auditRows(action: string, since: bigint) {
  return db.auditEvent.findMany({ where: { action, id: { gt: since } }, orderBy: { id: "asc" } });
}
async function lastAuditId(): Promise<bigint> {
  return (await db.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0n;
}

const red = { color: "#C62828", description: "" };

describe("global labels", () => {
  it("an administrator creates, updates and deletes one, each with exactly one audit row", async () => {
    const since = await lastAuditId();
    const name = uniqueName("prod");
    const label = await createLabel({ actor: actorFor(admin), input: { name, color: "#2E7D32", description: "ready" } });
    expect(label).toMatchObject({ name, color: "#2E7D32", scope: "g", projectId: null });
    const renamed = await updateLabel({ actor: actorFor(admin), labelId: label.id, input: { name: `${name}-x`, color: "#000000", description: "" } });
    expect(renamed.name).toBe(`${name}-x`);
    await deleteLabel({ actor: actorFor(admin), labelId: label.id });
    expect(await db.label.count({ where: { id: label.id } })).toBe(0);
    for (const action of ["label.create", "label.update", "label.delete"]) {
      const rows = await auditRows(action, since);
      expect(rows.filter((r) => r.resourceId === String(label.id)), action).toHaveLength(1);
      expect(rows[0]!.result).toBe("success");
    }
  });

  it("anyone signed in lists them; a non-administrator may not create one (403, a failure row, nothing saved); anonymous callers are asked to sign in", async () => {
    const user = await createTestUser();
    const name = uniqueName("g");
    await createLabel({ actor: actorFor(admin), input: { name, ...red } });
    const page = await listLabels({ actor: actorFor(user), scope: "g", name: { op: "exact", value: name } });
    expect(page.rows.map((l) => l.name)).toEqual([name]);
    const since = await lastAuditId();
    const other = uniqueName("g");
    await expect(createLabel({ actor: actorFor(user), input: { name: other, ...red } })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createLabel({ actor: actorFor(auditor), input: { name: other, ...red } })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await db.label.count({ where: { name: other } })).toBe(0);
    const refusals = await auditRows("label.create", since);
    expect(refusals.map((r) => r.result)).toEqual(["failure", "failure"]);
    await expect(listLabels({ actor: anonymousActor(), scope: "g" })).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it("bad input is a 400 naming the field, with nothing saved and no row", async () => {
    const since = await lastAuditId();
    const name = uniqueName("bad");
    const error = await createLabel({ actor: actorFor(admin), input: { name, color: "red", description: "" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors.color).toEqual(["Colour must be #RRGGBB, e.g. #2E7D32"]);
    const empty = await createLabel({ actor: actorFor(admin), input: { name: "  ", color: "#000000" } }).catch((e: unknown) => e);
    expect((empty as ValidationError).fieldErrors.name).toBeDefined();
    expect(await db.label.count({ where: { name } })).toBe(0);
    expect(await auditRows("label.create", since)).toHaveLength(0);
  });
});

describe("project labels", () => {
  it("Project Admins and Maintainers manage them; a Developer, a Guest and a robot without the permission may not; members read them", async () => {
    const project = await createProject();
    const projectAdmin = await createMember(project.id, 1);
    const maintainer = await createMember(project.id, 4);
    const developer = await createMember(project.id, 2);
    const guest = await createMember(project.id, 3);
    const byAdmin = await createLabel({ actor: actorFor(projectAdmin), project: project.id, input: { name: "qa", ...red } });
    expect(byAdmin).toMatchObject({ scope: "p", projectId: project.id });
    const byMaintainer = await createLabel({ actor: actorFor(maintainer), project: project.id, input: { name: "approved", ...red } });
    await updateLabel({ actor: actorFor(maintainer), labelId: byAdmin.id, input: { name: "qa", color: "#1565C0", description: "tested" } });

    const since = await lastAuditId();
    await expect(createLabel({ actor: actorFor(developer), project: project.id, input: { name: "dev", ...red } })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(updateLabel({ actor: actorFor(developer), labelId: byAdmin.id, input: { name: "dev", ...red } })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(deleteLabel({ actor: actorFor(guest), labelId: byAdmin.id })).rejects.toBeInstanceOf(ForbiddenError);
    const robot = await createRobot(project, ["repository:pull"]);
    const robotActor = { kind: "robot" as const, id: robot.id, name: robot.name, level: "project" as const, grants: [{ namespace: project.name, resource: "repository", action: "pull" }], client: { ip: null, userAgent: null } };
    // A robot holding only pull cannot even read the project: refused as not found, as everywhere.
    await expect(createLabel({ actor: robotActor, project: project.id, input: { name: "robot", ...red } })).rejects.toBeInstanceOf(NotFoundError);
    expect(await db.label.count({ where: { projectId: project.id } })).toBe(2);
    expect((await db.label.findUniqueOrThrow({ where: { id: byAdmin.id } })).color).toBe("#1565C0");
    const refused = await db.auditEvent.findMany({ where: { id: { gt: since }, projectId: project.id, action: { startsWith: "label." } }, select: { result: true } });
    expect(refused.every((r) => r.result === "failure")).toBe(true);
    expect(refused.length).toBe(4);

    const listed = await listLabels({ actor: actorFor(guest), scope: "p", project: project.id });
    expect(listed.rows.map((l) => l.name)).toEqual(["approved", "qa"]);
    expect(listed.total).toBe(2);
    // An outsider does not learn the private project's labels, nor that it exists.
    const outsider = await createTestUser();
    await expect(listLabels({ actor: actorFor(outsider), scope: "p", project: project.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(getLabel({ actor: actorFor(outsider), labelId: byMaintainer.id })).rejects.toBeInstanceOf(NotFoundError);
    await deleteLabel({ actor: actorFor(maintainer), labelId: byMaintainer.id });
  });

  it("a name taken in the scope, or by a global label, is a 409 naming the field; nothing is saved and no success row is written", async () => {
    const project = await createProject();
    const global = uniqueName("glob");
    await createLabel({ actor: actorFor(admin), input: { name: global, ...red } });
    await createLabel({ actor: actorFor(admin), project: project.id, input: { name: "mine", ...red } });
    const since = await lastAuditId();
    const clashGlobal = await createLabel({ actor: actorFor(admin), project: project.id, input: { name: global, ...red } }).catch((e: unknown) => e);
    expect(clashGlobal).toBeInstanceOf(ConflictError);
    expect((clashGlobal as ConflictError).fieldErrors.name).toEqual([`A label named ${global} exists globally`]);
    const clashProject = await createLabel({ actor: actorFor(admin), project: project.id, input: { name: "mine", ...red } }).catch((e: unknown) => e);
    expect((clashProject as ConflictError).fieldErrors.name).toEqual(["A label named mine exists in this project"]);
    // A global label may not take a project label's name either (selectors name labels).
    const clashDown = await createLabel({ actor: actorFor(admin), input: { name: "mine", ...red } }).catch((e: unknown) => e);
    expect(clashDown).toBeInstanceOf(ConflictError);
    // Renaming onto a taken name is refused the same way, and the label keeps its name.
    const other = await createLabel({ actor: actorFor(admin), project: project.id, input: { name: "other", ...red } });
    await expect(updateLabel({ actor: actorFor(admin), labelId: other.id, input: { name: "mine", ...red } })).rejects.toBeInstanceOf(ConflictError);
    expect((await db.label.findUniqueOrThrow({ where: { id: other.id } })).name).toBe("other");
    expect(await db.label.count({ where: { projectId: project.id } })).toBe(2);
    expect(await db.label.count({ where: { name: "mine", projectId: null } })).toBe(0);
    const rows = await db.auditEvent.findMany({ where: { id: { gt: since }, action: { in: ["label.create", "label.update"] }, result: "success" } });
    expect(rows.filter((r) => r.resourceId !== String(other.id))).toHaveLength(0);
    // Another project may use the same name.
    const elsewhere = await createProject();
    await expect(createLabel({ actor: actorFor(admin), project: elsewhere.id, input: { name: "mine", ...red } })).resolves.toMatchObject({ name: "mine" });
  });

  it("deleting the project deletes its labels", async () => {
    const project = await createProject();
    const label = await createLabel({ actor: actorFor(admin), project: project.id, input: { name: "gone", ...red } });
    await deleteProject({ actor: actorFor(admin), projectId: project.id });
    expect(await db.label.count({ where: { id: label.id } })).toBe(0);
  });
});

describe("labels on artifacts", () => {
  it("a Developer adds and removes one (one row each); a Guest may not; the artifact list filters by it, paged", async () => {
    const project = await createProject();
    const developer = await createMember(project.id, 2);
    const guest = await createMember(project.id, 3);
    const a = await artifactIn(project);
    const b = await artifactIn(project);
    await artifactIn(project);
    const global = await createLabel({ actor: actorFor(admin), input: { name: uniqueName("approved"), ...red } });
    const own = await createLabel({ actor: actorFor(admin), project: project.id, input: { name: "qa", ...red } });

    const since = await lastAuditId();
    await addArtifactLabel({ actor: actorFor(developer), repository: a.repository, reference: a.digest, labelId: global.id });
    await addArtifactLabel({ actor: actorFor(developer), repository: a.repository, reference: a.digest, labelId: own.id });
    await addArtifactLabel({ actor: actorFor(developer), repository: b.repository, reference: b.digest, labelId: global.id });
    const added = await auditRows("artifact.label.add", since);
    expect(added.map((r) => [r.result, r.resourceId])).toEqual([
      ["success", String(a.id)],
      ["success", String(a.id)],
      ["success", String(b.id)],
    ]);

    const refusedSince = await lastAuditId();
    await expect(addArtifactLabel({ actor: actorFor(guest), repository: b.repository, reference: b.digest, labelId: own.id })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(removeArtifactLabel({ actor: actorFor(guest), repository: a.repository, reference: a.digest, labelId: own.id })).rejects.toBeInstanceOf(ForbiddenError);
    expect((await db.auditEvent.findMany({ where: { id: { gt: refusedSince } } })).map((r) => [r.action, r.result])).toEqual([
      ["artifact.label.add", "failure"],
      ["artifact.label.remove", "failure"],
    ]);
    expect(await db.artifactLabel.count({ where: { artifactId: b.id } })).toBe(1);

    // Already there: 409, nothing written.
    const again = await addArtifactLabel({ actor: actorFor(developer), repository: a.repository, reference: a.digest, labelId: own.id }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ConflictError);

    // The list carries the labels by name and filters by every label given, server-side, paged.
    const both = await listArtifacts({ actor: actorFor(guest), repository: a.repository, filter: { labelIds: [global.id] }, page: 1, pageSize: 1 });
    expect(both.total).toBe(2);
    expect(both.rows).toHaveLength(1);
    const second = await listArtifacts({ actor: actorFor(guest), repository: a.repository, filter: { labelIds: [global.id] }, page: 2, pageSize: 1 });
    expect(new Set([both.rows[0]!.digest, second.rows[0]!.digest])).toEqual(new Set([a.digest, b.digest]));
    const onlyA = await listArtifacts({ actor: actorFor(guest), repository: a.repository, filter: { labelIds: [global.id, own.id] }, page: 1, pageSize: 10 });
    expect(onlyA.rows.map((r) => r.digest)).toEqual([a.digest]);
    expect(onlyA.rows[0]!.labels.map((l) => l.name).sort()).toEqual([global.name, "qa"].sort());
    expect((await listAttachableLabels({ actor: actorFor(guest), project: project.id })).map((l) => l.id)).toEqual(expect.arrayContaining([global.id, own.id]));

    const removedSince = await lastAuditId();
    await removeArtifactLabel({ actor: actorFor(developer), repository: a.repository, reference: a.digest, labelId: own.id });
    expect(await auditRows("artifact.label.remove", removedSince)).toHaveLength(1);
    await expect(removeArtifactLabel({ actor: actorFor(developer), repository: a.repository, reference: a.digest, labelId: own.id })).rejects.toBeInstanceOf(NotFoundError);

    // Deleting the label takes it off every artifact; deleting an artifact takes its labels with it.
    await deleteLabel({ actor: actorFor(admin), labelId: global.id });
    expect(await db.artifactLabel.count({ where: { labelId: global.id } })).toBe(0);
    const again2 = await createLabel({ actor: actorFor(admin), project: project.id, input: { name: "again", ...red } });
    await addArtifactLabel({ actor: actorFor(developer), repository: b.repository, reference: b.digest, labelId: again2.id });
    await db.artifact.delete({ where: { id: b.id } });
    expect(await db.artifactLabel.count({ where: { labelId: again2.id } })).toBe(0);
  });

  it("a project label goes only on its own project's artifacts (400, nothing saved); a global label on any", async () => {
    const mine = await createProject();
    const theirs = await createProject();
    const art = await artifactIn(mine);
    const foreign = await createLabel({ actor: actorFor(admin), project: theirs.id, input: { name: "theirs", ...red } });
    const since = await lastAuditId();
    const error = await addArtifactLabel({ actor: actorFor(admin), repository: art.repository, reference: art.digest, labelId: foreign.id }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).not.toContain("theirs");
    expect(await db.artifactLabel.count({ where: { artifactId: art.id } })).toBe(0);
    expect(await auditRows("artifact.label.add", since)).toHaveLength(0);
    await expect(addArtifactLabel({ actor: actorFor(admin), repository: art.repository, reference: art.digest, labelId: 2_000_000_000 })).rejects.toBeInstanceOf(NotFoundError);
    // A robot granted artifact-label:create attaches a global label.
    const global = await createLabel({ actor: actorFor(admin), input: { name: uniqueName("any"), ...red } });
    const robotActor = { kind: "robot" as const, id: 1, name: "robot$ci", level: "project" as const, grants: [{ namespace: mine.name, resource: "artifact-label", action: "create" }, { namespace: mine.name, resource: "project", action: "read" }], client: { ip: null, userAgent: null } };
    await expect(addArtifactLabel({ actor: robotActor, repository: art.repository, reference: art.digest, labelId: global.id })).resolves.toMatchObject({ id: global.id });
  });
});
