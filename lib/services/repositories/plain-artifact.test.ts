import { describe, expect, it, vi } from "vitest";

// getServerEnv() is read once; no registry is needed: the index write is what is tested.
await vi.hoisted(async () => {
  process.env.WHARF_REGISTRY_URL ??= "http://127.0.0.1:9";
  process.env.WHARF_EXTERNAL_URL ??= "http://wharf.test:3000";
});

import { systemActor } from "@/lib/auth/actor";
import { ConflictError } from "@/lib/errors";
import { OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { createProject, db } from "@/lib/services/registry-auth/test-fixtures";
import { type PreparedManifest, refreshArtifactCount, writeArtifact, writePlainArtifact } from "@/lib/services/repositories/index-manifest";
import { actorFor, createTestUser } from "@/lib/testing/factories";

/**
 * writeArtifact writes a plain artifact in one statement (writePlainArtifact) and anything else
 * through the general path. The same pushes written both ways must leave the same rows: the
 * artifacts, tags, listed-artifact count, events and audit rows.
 */

const digestOf = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;

function plain(n: number, extra: Partial<PreparedManifest> = {}): PreparedManifest {
  return {
    digest: digestOf(n),
    mediaType: OCI_IMAGE_MANIFEST,
    manifestSize: 400 + n,
    artifactType: "application/vnd.oci.image.config.v1+json",
    totalSize: BigInt(1000 * n),
    os: "linux",
    architecture: n % 2 ? "amd64" : "arm64",
    variant: null,
    created: new Date(Date.UTC(2026, 0, n)),
    author: `author ${n}`,
    annotations: { "org.opencontainers.image.version": String(n) },
    subjectDigest: null,
    accessoryType: null,
    children: [],
    ...extra,
  };
}

type Push = { prepared: PreparedManifest; tag: string | null };

/** The pushes, in order: every case the one-statement path takes and every case it hands over. */
function pushes(): Push[] {
  const index: PreparedManifest = {
    ...plain(20, { mediaType: OCI_IMAGE_INDEX, artifactType: null, os: null, architecture: null, created: null, author: null }),
    children: [21, 22].map((n, position) => ({
      digest: digestOf(n),
      position,
      platform: { os: "linux", architecture: n === 21 ? "amd64" : "arm64", variant: null, osVersion: null },
      prepared: plain(n),
      totalSize: BigInt(1000 * n),
    })),
  };
  return [
    { prepared: plain(1), tag: "1.0" }, // a new repository, a new artifact, a new tag
    { prepared: plain(1), tag: "latest" }, // the same artifact, another tag
    { prepared: plain(2), tag: "1.0" }, // the tag moves to a new artifact
    { prepared: plain(3), tag: null }, // untagged
    { prepared: plain(1), tag: null }, // pushed again by digest: its push time only
    { prepared: plain(9, { subjectDigest: digestOf(4), accessoryType: "signature", isReferrer: true, artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json" }), tag: null }, // a referrer before its subject
    { prepared: plain(4), tag: "4" }, // the subject arrives: the referrer is linked to it
    { prepared: index, tag: "multi" }, // an index with its children
    { prepared: plain(21), tag: "amd64" }, // a tag on an index child: it becomes listed
    { prepared: plain(5), tag: "amd64" }, // the tag leaves the index child: it is unlisted again
    { prepared: plain(22), tag: null }, // an index child pushed again by digest
    { prepared: plain(6, { subjectDigest: digestOf(2), accessoryType: "signature" }), tag: `sha256-${digestOf(2).slice(7)}.sig` }, // cosign's tag convention
    { prepared: plain(7), tag: "4" }, // the tag moves off a subject with a referrer
  ];
}

function withoutIds<T extends { id: number; repositoryId: number; subjectArtifactId: number | null }>(row: T): Omit<T, "id" | "repositoryId" | "subjectArtifactId"> {
  const copy: Partial<T> = { ...row };
  delete copy.id;
  delete copy.repositoryId;
  delete copy.subjectArtifactId;
  return copy as Omit<T, "id" | "repositoryId" | "subjectArtifactId">;
}

/**
 * Everything the index holds about a repository, with ids replaced by digests and its name by "R"
 * (not its update time: each write's transaction has its own now()).
 */
async function snapshot(repository: string) {
  const repo = await db.repository.findUniqueOrThrow({ where: { name: repository } });
  const artifacts = await db.artifact.findMany({
    where: { repositoryId: repo.id },
    orderBy: { digest: "asc" },
    include: { subject: { select: { digest: true } }, tags: { select: { name: true } }, children: { select: { childDigest: true, child: { select: { digest: true } }, position: true, os: true, architecture: true } } },
  });
  const tags = await db.tag.findMany({ where: { repositoryId: repo.id }, orderBy: { name: "asc" }, include: { artifact: { select: { digest: true } } } });
  const events = await db.artifactEvent.findMany({ where: { repository }, orderBy: { id: "asc" } });
  const audit = await db.auditEvent.findMany({ where: { resourceName: { startsWith: `${repository}:` } }, orderBy: { id: "asc" } });
  const rename = (s: string | null) => s?.replaceAll(repository, "R") ?? null;
  return {
    artifactCount: repo.artifactCount,
    artifacts: artifacts.map(({ subject, tags: artifactTags, children, ...a }) => ({
      ...withoutIds(a),
      subject: subject?.digest ?? null,
      tags: artifactTags.map((t) => t.name).sort(),
      children: children.map((c) => ({ ...c, child: c.child?.digest ?? null })).sort((x, y) => x.position - y.position),
    })),
    tags: tags.map((t) => ({ name: t.name, digest: t.artifact.digest, pushedAt: t.pushedAt, pulledAt: t.pulledAt })),
    events: events.map((e) => ({ kind: e.kind, repository: rename(e.repository), digest: e.digest, tag: e.tag, previousDigest: e.previousDigest, actorName: e.actorName, projectId: e.projectId })),
    audit: audit.map((r) => ({ action: r.action, actor: r.actorName, resource: rename(r.resourceName), projectId: r.projectId, result: r.result, detail: r.detail, clientIp: r.clientIp })),
  };
}

describe("writeArtifact's one-statement path for plain artifacts", () => {
  it("leaves exactly the rows the general path leaves, push after push, and a count a recount agrees with", async () => {
    const project = await createProject();
    const user = await createTestUser();
    const actor = actorFor(user);
    const fast = `${project.name}/fast`;
    const general = `${project.name}/general`;
    const start = Date.UTC(2026, 5, 1);
    for (const [i, { prepared, tag }] of pushes().entries()) {
      const now = new Date(start + i * 1000);
      const audit = (repository: string) => ({ actor, action: "artifact.push" as const, resource: { type: "artifact", name: `${repository}:${tag ?? prepared.digest}` }, projectId: project.id, detail: { digest: prepared.digest, step: i } });
      await writeArtifact({ actor, projectId: project.id, repository: fast, prepared, tag, now, audit: audit(fast) });
      // A caller with work of its own in the transaction always takes the general path.
      await writeArtifact({ actor, projectId: project.id, repository: general, prepared, tag, now, audit: audit(general), inTransaction: async () => undefined });
      const [a, b] = [await snapshot(fast), await snapshot(general)];
      expect({ step: i, ...a }).toEqual({ step: i, ...b });
    }
    const final = await snapshot(fast);
    expect(final.artifactCount).toBe(7); // 1, 2, 3, 4, the index, 5, 7 (6 and 9 are accessories, 21 and 22 untagged children)
    expect(final.audit).toHaveLength(pushes().length);
    expect(final.events).toHaveLength(pushes().length);
    const repo = await db.repository.findUniqueOrThrow({ where: { name: fast } });
    await db.$transaction((tx) => refreshArtifactCount(tx, repo.id));
    expect((await db.repository.findUniqueOrThrow({ where: { name: fast } })).artifactCount).toBe(final.artifactCount);
  });

  it("takes a plain push in one statement, and hands an index child or a tag leaving one to the general path", async () => {
    const project = await createProject();
    const actor = systemActor("plain-test");
    const repository = `${project.name}/app`;
    const now = new Date();
    const viaStatement = (prepared: PreparedManifest, tag: string | null) =>
      writePlainArtifact({ actor, projectId: project.id, repository, prepared, tag, now });
    expect(await viaStatement(plain(1), "1.0")).toMatchObject({ artifactId: expect.any(Number) });
    const index: PreparedManifest = {
      ...plain(30, { mediaType: OCI_IMAGE_INDEX }),
      children: [{ digest: digestOf(31), position: 0, platform: { os: null, architecture: null, variant: null, osVersion: null }, prepared: plain(31), totalSize: 0n }],
    };
    await writeArtifact({ actor, projectId: project.id, repository, prepared: index, tag: "multi", now });
    expect(await viaStatement(plain(31), "child")).toBeNull();
    await writeArtifact({ actor, projectId: project.id, repository, prepared: plain(31), tag: "child", now });
    expect(await viaStatement(plain(2), "child")).toBeNull();
    // Nothing but the repository's update time was written by the refused statements.
    expect(await db.tag.findMany({ where: { repository: { name: repository } }, select: { name: true, artifact: { select: { digest: true } } }, orderBy: { name: "asc" } })).toEqual([
      { name: "1.0", artifact: { digest: digestOf(1) } },
      { name: "child", artifact: { digest: digestOf(31) } },
      { name: "multi", artifact: { digest: digestOf(30) } },
    ]);
    expect(await db.artifact.count({ where: { repository: { name: repository }, digest: digestOf(2) } })).toBe(0);
  });

  it("refuses a push into a repository being deleted, writing nothing", async () => {
    const project = await createProject();
    const actor = systemActor("plain-test");
    const repository = `${project.name}/going`;
    await writeArtifact({ actor, projectId: project.id, repository, prepared: plain(1), tag: "1.0" });
    const deletingAt = new Date(Date.UTC(2026, 0, 1));
    await db.repository.update({ where: { name: repository }, data: { deletingAt, updatedAt: deletingAt } });
    const before = await snapshot(repository);
    await expect(writeArtifact({ actor, projectId: project.id, repository, prepared: plain(2), tag: "2.0", audit: { actor, action: "artifact.push", resource: { type: "artifact", name: `${repository}:2.0` } } })).rejects.toBeInstanceOf(ConflictError);
    expect(await snapshot(repository)).toEqual(before);
  });

  it("counts a digest pushed by two clients at once once", async () => {
    const project = await createProject();
    const actor = systemActor("plain-test");
    const repository = `${project.name}/race`;
    await Promise.all(["a", "b", "c", "d"].map((tag) => writeArtifact({ actor, projectId: project.id, repository, prepared: plain(1), tag })));
    const repo = await db.repository.findUniqueOrThrow({ where: { name: repository }, include: { tags: true } });
    expect([repo.artifactCount, repo.tags.length]).toEqual([1, 4]);
    expect(await db.artifact.count({ where: { repositoryId: repo.id } })).toBe(1);
  });
});
