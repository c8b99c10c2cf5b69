import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { anonymousActor } from "@/lib/auth/actor";
import { NotFoundError, UnauthenticatedError } from "@/lib/errors";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { chooseSuggestedTag, suggestedPullTag } from "@/lib/services/repositories/suggested-pull-tag";
import { actorFor, db } from "@/lib/testing/factories";

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe("chooseSuggestedTag", () => {
  it("is latest when there is one, however old", () => {
    expect(chooseSuggestedTag([{ name: "2.0", pushedAt: at(9) }, { name: "latest", pushedAt: at(1) }])).toBe("latest");
  });
  it("else the newest push", () => {
    expect(chooseSuggestedTag([{ name: "1.0", pushedAt: at(1) }, { name: "2.0", pushedAt: at(9) }, { name: "1.5", pushedAt: at(5) }])).toBe("2.0");
  });
  it("is null with no tags", () => {
    expect(chooseSuggestedTag([])).toBeNull();
  });
});

/** A repository with artifacts tagged as given, inserted directly (setup is no audited action). */
async function repositoryWith(tags: { name: string; pushedAt: Date; accessory?: boolean }[]) {
  const project = await createProject();
  const repository = await db.repository.create({ data: { projectId: project.id, name: `${project.name}/app` }, select: { id: true, name: true } });
  const image = await db.artifact.create({
    data: { repositoryId: repository.id, digest: `sha256:${randomBytes(32).toString("hex")}`, mediaType: "application/vnd.oci.image.manifest.v1+json", manifestSize: 1, totalSize: 1n, pushedAt: at(0) },
    select: { id: true, digest: true },
  });
  const signature = await db.artifact.create({
    data: {
      repositoryId: repository.id,
      digest: `sha256:${randomBytes(32).toString("hex")}`,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      manifestSize: 1,
      totalSize: 1n,
      pushedAt: at(0),
      subjectDigest: image.digest,
      subjectArtifactId: image.id,
      accessoryType: "signature",
    },
    select: { id: true },
  });
  for (const t of tags) {
    await db.tag.create({ data: { repositoryId: repository.id, artifactId: t.accessory ? signature.id : image.id, name: t.name, pushedAt: t.pushedAt } });
  }
  return { project, repository: repository.name };
}

describe("suggestedPullTag (Postgres)", () => {
  it("answers latest when it exists, else the newest pushed tag, never a signature's tag", async () => {
    const withLatest = await repositoryWith([
      { name: "latest", pushedAt: at(1) },
      { name: "2.0", pushedAt: at(5) },
    ]);
    const member = actorFor(await createMember(withLatest.project.id, 3));
    expect(await suggestedPullTag({ actor: member, repository: withLatest.repository, projectId: withLatest.project.id })).toBe("latest");

    const noLatest = await repositoryWith([
      { name: "1.0", pushedAt: at(1) },
      { name: "2.0", pushedAt: at(5) },
      { name: "sha256-abc.sig", pushedAt: at(9), accessory: true },
    ]);
    const guest = actorFor(await createMember(noLatest.project.id, 5));
    expect(await suggestedPullTag({ actor: guest, repository: noLatest.repository })).toBe("2.0");

    const untagged = await repositoryWith([]);
    const dev = actorFor(await createMember(untagged.project.id, 2));
    expect(await suggestedPullTag({ actor: dev, repository: untagged.repository })).toBeNull();
  });

  it("is refused to whoever may not see the repository: outsiders and anonymous callers of a private project", async () => {
    const { project, repository } = await repositoryWith([{ name: "latest", pushedAt: at(1) }]);
    const outsider = actorFor(await createMember((await createProject()).id, 1));
    await expect(suggestedPullTag({ actor: outsider, repository })).rejects.toBeInstanceOf(NotFoundError);
    await expect(suggestedPullTag({ actor: anonymousActor(), repository })).rejects.toBeInstanceOf(UnauthenticatedError);
    // An auditor reads it with no refusal row (the page calls it on every visit).
    const auditor = actorFor({ ...(await createMember((await createProject()).id, 3)), isAdmin: false, isAuditor: true });
    const before = await db.auditEvent.count({ where: { projectId: project.id, result: "failure" } });
    expect(await suggestedPullTag({ actor: auditor, repository })).toBe("latest");
    expect(await db.auditEvent.count({ where: { projectId: project.id, result: "failure" } })).toBe(before);
    // Another project's id in the URL does not reach this repository either.
    const other = await createProject();
    const member = actorFor(await createMember(project.id, 2));
    await expect(suggestedPullTag({ actor: member, repository, projectId: other.id })).rejects.toBeInstanceOf(NotFoundError);
  });
});
