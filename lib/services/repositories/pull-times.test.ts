import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { flushWriteBehind } from "@/lib/cache/write-behind";
import { startFront } from "@/lib/runtime/server";
import { notePull, pendingPulls } from "@/lib/services/repositories/pull-times";
import { createProject } from "@/lib/services/registry-auth/test-fixtures";
import { db } from "@/lib/testing/factories";

/** A repository with one artifact tagged 1.0, written straight to the index (test setup). */
async function indexedArtifact() {
  const project = await createProject();
  const repository = await db.repository.create({ data: { projectId: project.id, name: `${project.name}/app` } });
  const digest = `sha256:${createHash("sha256").update(randomBytes(16)).digest("hex")}`;
  const artifact = await db.artifact.create({
    data: { repositoryId: repository.id, digest, mediaType: "application/vnd.oci.image.manifest.v1+json", manifestSize: 100, totalSize: 100n, pushedAt: new Date() },
  });
  await db.tag.create({ data: { repositoryId: repository.id, artifactId: artifact.id, name: "1.0", pushedAt: new Date() } });
  return { repository: repository.name, digest };
}

async function pullState(repository: string) {
  const repo = await db.repository.findUniqueOrThrow({ where: { name: repository }, select: { pullCount: true } });
  const artifact = await db.artifact.findFirstOrThrow({ where: { repository: { name: repository } }, select: { pulledAt: true } });
  const tag = await db.tag.findFirstOrThrow({ where: { repository: { name: repository }, name: "1.0" }, select: { pulledAt: true } });
  return { pullCount: repo.pullCount, artifactPulledAt: artifact.pulledAt, tagPulledAt: tag.pulledAt };
}

describe("pull counters", () => {
  it("are held in memory until a flush, then written in one batch (two pulls of one key: count 2, the later time)", async () => {
    const { repository, digest } = await indexedArtifact();
    const first = new Date("2026-12-01T10:00:00Z");
    const later = new Date("2026-12-01T10:00:05Z");
    notePull({ repository, digest, tag: "1.0", at: later });
    notePull({ repository, digest, tag: "1.0", at: first });
    expect(await pullState(repository)).toEqual({ pullCount: 0n, artifactPulledAt: null, tagPulledAt: null });
    expect(pendingPulls()).toBe(1);
    await flushWriteBehind();
    expect(pendingPulls()).toBe(0);
    expect(await pullState(repository)).toEqual({ pullCount: 2n, artifactPulledAt: later, tagPulledAt: later });
  });

  it("a pull noted before the server shuts down is in Postgres once it has closed", async () => {
    const { repository, digest } = await indexedArtifact();
    const front = await startFront({ hostname: "127.0.0.1", port: 0, handleNext: async (_req, res) => void res.end() });
    const at = new Date("2026-12-02T08:30:00Z");
    notePull({ repository, digest, tag: "1.0", at });
    expect(await pullState(repository)).toEqual({ pullCount: 0n, artifactPulledAt: null, tagPulledAt: null });
    await front.close();
    expect(pendingPulls()).toBe(0);
    expect(await pullState(repository)).toEqual({ pullCount: 1n, artifactPulledAt: at, tagPulledAt: at });
  });
});
