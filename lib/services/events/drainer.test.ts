import { afterAll, describe, expect, it } from "vitest";
import { systemActor } from "@/lib/auth/actor";
import { stopSharedBoss } from "@/lib/jobs/boss";
import { drainArtifactEventsJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import type { ArtifactEventRecord } from "@/lib/services/events/artifact-events";
import { registerArtifactEventConsumer } from "@/lib/services/events/consumers";
import { artifactEventsPending, startArtifactEventDrainer } from "@/lib/services/events/drainer";
import { createProject, db } from "@/lib/services/registry-auth/test-fixtures";
import { writeArtifact } from "@/lib/services/repositories/index-manifest";

const CONSUMER = `test.drainer.${Math.random().toString(36).slice(2, 10)}`;

afterAll(async () => {
  await stopSharedBoss();
  // Its cursor would hold later events back from pruning.
  await db.artifactEventConsumer.deleteMany({ where: { name: CONSUMER } });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the artifact events drainer", () => {
  it("nothing is pending for no consumer; a consumer that has read nothing yet is behind once an event is readable", async () => {
    expect(await artifactEventsPending([])).toBe(false);
    const project = await createProject();
    await writeArtifact({
      actor: systemActor("drainer-test"),
      projectId: project.id,
      repository: `${project.name}/pending`,
      tag: "v1",
      prepared: { digest: `sha256:${"a1".repeat(32)}`, mediaType: OCI_IMAGE_MANIFEST, manifestSize: 10, artifactType: null, totalSize: 0n, os: null, architecture: null, variant: null, created: null, author: null, annotations: {}, subjectDigest: null, accessoryType: null, children: [] },
    });
    // Readable once no older transaction in the cluster is open (another test's may be).
    for (let round = 0; !(await artifactEventsPending([`${CONSUMER}.never-ran`])); round++) {
      if (round > 200) throw new Error("the event never became readable");
      await sleep(20);
    }
  });

  it("queues a drain run by itself after a push, and the run hands the push's event to the consumer", async () => {
    const project = await createProject();
    const repository = `${project.name}/drained-by-itself`;
    const seen: ArtifactEventRecord[] = [];
    const unregister = registerArtifactEventConsumer({
      name: CONSUMER,
      handle: async (events) => {
        seen.push(...events.filter((e) => e.repository === repository));
      },
    });
    const lines: string[] = [];
    const drainer = startArtifactEventDrainer({ everyMs: 100, log: (line) => lines.push(line) });
    try {
      await writeArtifact({
        actor: systemActor("drainer-test"),
        projectId: project.id,
        repository,
        tag: "v1",
        prepared: { digest: `sha256:${"b2".repeat(32)}`, mediaType: OCI_IMAGE_MANIFEST, manifestSize: 10, artifactType: null, totalSize: 0n, os: null, architecture: null, variant: null, created: null, author: null, annotations: {}, subjectDigest: null, accessoryType: null, children: [] },
      });
      // Nobody queues a run here: the drainer does. Its runs are run in this process as a worker
      // would (a worker of another test file may take one first; it drains just the same).
      const since = new Date(Date.now() - 1000);
      for (let round = 0; seen.length === 0; round++) {
        if (round > 300) throw new Error(`the event never reached the consumer (${lines.join("; ")})`);
        const queued = await db.jobRun.findMany({ where: { jobName: drainArtifactEventsJob.id, trigger: "events", status: "queued", queuedAt: { gte: since } }, select: { id: true } });
        for (const { id } of queued) await runQueuedRun(drainArtifactEventsJob, id).catch(() => undefined);
        if (seen.length === 0) await sleep(50);
      }
      expect(seen.map((e) => [e.kind, e.repository, e.tag, e.actorName])).toEqual([["artifact_pushed", repository, "v1", "system:drainer-test"]]);
      expect(await db.jobRun.count({ where: { jobName: drainArtifactEventsJob.id, trigger: "events", queuedAt: { gte: since } } })).toBeGreaterThan(0);
      expect(lines).toEqual([]);
    } finally {
      await drainer.stop();
      unregister();
    }
  }, 60_000);
});
