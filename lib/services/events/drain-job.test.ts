import { afterAll, describe, expect, it } from "vitest";
import { systemActor } from "@/lib/auth/actor";
import { stopSharedBoss } from "@/lib/jobs/boss";
import { drainArtifactEventsJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import type { ArtifactEventRecord } from "@/lib/services/events/artifact-events";
import { registerArtifactEventConsumer } from "@/lib/services/events/consumers";
import { queueRun } from "@/lib/services/jobs/queue-run";
import { createProject, db } from "@/lib/services/registry-auth/test-fixtures";
import { writeArtifact } from "@/lib/services/repositories/index-manifest";

const CONSUMER = `test.drain-job.${Math.random().toString(36).slice(2, 10)}`;

afterAll(async () => {
  await stopSharedBoss();
  // Its cursor would hold later events back from pruning.
  await db.artifactEventConsumer.deleteMany({ where: { name: CONSUMER } });
});

function digestOf(n: number): string {
  return `sha256:${n.toString(16).padStart(64, "0")}`;
}

describe("the artifact-events.drain job", () => {
  it("hands the events to a registered consumer, through the job framework, and records what it did", async () => {
    const project = await createProject();
    const repository = `${project.name}/drained-by-job`;
    for (let i = 1; i <= 3; i++) {
      await writeArtifact({
        actor: systemActor("drain-test"),
        projectId: project.id,
        repository,
        tag: `v${i}`,
        prepared: { digest: digestOf(0x900 + i), mediaType: OCI_IMAGE_MANIFEST, manifestSize: 10, artifactType: null, totalSize: 0n, os: null, architecture: null, variant: null, created: null, author: null, annotations: {}, subjectDigest: null, accessoryType: null, children: [] },
      });
    }
    const ids = (await db.artifactEvent.findMany({ where: { repository }, orderBy: { id: "asc" }, select: { id: true } })).map((e) => e.id);
    expect(ids).toHaveLength(3);

    const seen: ArtifactEventRecord[] = [];
    const unregister = registerArtifactEventConsumer({
      name: CONSUMER,
      handle: async (events) => {
        seen.push(...events.filter((e) => e.repository === repository));
      },
    });
    try {
      // An event is readable once no older transaction in the cluster is still open; another test's
      // may be, so runs are repeated (bounded) until the consumer has had all three.
      let runId = 0;
      for (let round = 0; seen.length < ids.length; round++) {
        if (round > 200) throw new Error("the events never reached the consumer");
        ({ runId } = await db.$transaction((tx) => queueRun(tx, drainArtifactEventsJob, {}, "test")));
        await runQueuedRun(drainArtifactEventsJob, runId);
        if (seen.length < ids.length) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(seen.map((e) => e.id)).toEqual(ids);
      expect(seen.map((e) => [e.kind, e.tag, e.actorName])).toEqual([
        ["artifact_pushed", "v1", "system:drain-test"],
        ["artifact_pushed", "v2", "system:drain-test"],
        ["artifact_pushed", "v3", "system:drain-test"],
      ]);
      const run = await db.jobRun.findUniqueOrThrow({ where: { id: runId } });
      expect(run).toMatchObject({ jobName: "artifact-events.drain", status: "succeeded" });
      expect(run.log).toContain(`${CONSUMER}: `);

      // A run with nothing new hands the consumer nothing again.
      const again = await db.$transaction((tx) => queueRun(tx, drainArtifactEventsJob, {}, "test"));
      await runQueuedRun(drainArtifactEventsJob, again.runId);
      expect(seen).toHaveLength(3);
    } finally {
      unregister();
    }
  });
});
