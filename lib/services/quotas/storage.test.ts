import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { projectStorage } from "@/lib/services/quotas/storage";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";

const digest = () => `sha256:${randomBytes(32).toString("hex")}`;

async function image(projectId: number, repositoryId: number, blobs: { digest: string; size: number }[], totalSize = 0) {
  const a = await db.artifact.create({
    data: { repositoryId, digest: digest(), mediaType: "application/vnd.oci.image.manifest.v1+json", manifestSize: 0, totalSize: BigInt(totalSize), pushedAt: new Date() },
  });
  await db.artifactBlob.createMany({ data: blobs.map((b) => ({ artifactId: a.id, projectId, repositoryId, digest: b.digest, size: BigInt(b.size) })) });
  return a;
}

describe("where the space goes", () => {
  it("per repository: total, shared with other repositories (any project) and unique; the project's own total, shared with other projects and unique; largest first", async () => {
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const p = await db.project.create({ data: { name: uniqueName("space") } });
    const q = await db.project.create({ data: { name: uniqueName("space-other") } });
    const [a, b] = [
      await db.repository.create({ data: { projectId: p.id, name: `${p.name}/a` } }),
      await db.repository.create({ data: { projectId: p.id, name: `${p.name}/b` } }),
    ];
    const elsewhere = await db.repository.create({ data: { projectId: q.id, name: `${q.name}/c` } });
    const base = { digest: digest(), size: 1000 }; // in a and b
    const onlyA = { digest: digest(), size: 300 };
    const withQ = { digest: digest(), size: 50 }; // in b and in the other project
    await image(p.id, a.id, [base, onlyA], 1300);
    await image(p.id, a.id, [base, onlyA]); // the same blobs again: counted once
    await image(p.id, b.id, [base, withQ], 1050);
    await image(q.id, elsewhere.id, [withQ]);

    const s = await projectStorage({ actor: admin, projectId: p.id, page: 1, pageSize: 10 });
    expect(s.used).toBe(1350n);
    expect(s.sharedBytes).toBe(50n);
    expect(s.uniqueBytes).toBe(1300n);
    expect(s.repositories.total).toBe(2);
    expect(s.repositories.rows.map((r) => [r.name, r.totalBytes, r.sharedBytes, r.uniqueBytes])).toEqual([
      [a.name, 1300n, 1000n, 300n],
      [b.name, 1050n, 1050n, 0n],
    ]);
    expect(s.largestArtifacts[0]).toMatchObject({ repository: a.name, totalSize: 1300n });
    // After a delete the repository totals follow (the triggers' per-repository ledger).
    const gone = await db.artifact.findFirstOrThrow({ where: { repositoryId: b.id } });
    await db.artifact.delete({ where: { id: gone.id } });
    expect((await db.repository.findUniqueOrThrow({ where: { id: b.id } })).storageBytes).toBe(0n);
    expect(await db.repositoryBlob.count({ where: { repositoryId: b.id } })).toBe(0);
    await image(p.id, b.id, [base, withQ], 1050);
    const second = await projectStorage({ actor: admin, projectId: p.id, page: 2, pageSize: 1 });
    expect(second.repositories.rows.map((r) => r.name)).toEqual([b.name]);
  });
});
