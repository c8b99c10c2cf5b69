import { afterAll, describe, expect, it, vi } from "vitest";

// As in the other gateway tests: the registry port and external URL are read once by getServerEnv().
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("artifact-events-tests-secret-key-0123456789")));

import { systemActor } from "@/lib/auth/actor";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import {
  type ArtifactEventRecord,
  consumeArtifactEvents,
  drainArtifactEvents,
  pruneArtifactEvents,
  recordArtifactEvents,
} from "@/lib/services/events/artifact-events";
import { createProject, db } from "@/lib/services/registry-auth/test-fixtures";
import { deleteTag } from "@/lib/services/repositories/delete-tag";
import { type PreparedManifest, writeArtifact } from "@/lib/services/repositories/index-manifest";
import { actorFor } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";

const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "artifact-events" });
const actor = systemActor("events-test");

/** Consumer names this file creates; their rows are removed at the end so they hold back no pruning. */
const consumers = new Set<string>();
afterAll(async () => {
  await db.artifactEventConsumer.deleteMany({ where: { name: { in: [...consumers] } } });
});

function consumerName(prefix: string): string {
  const name = `test.${prefix}.${Math.random().toString(36).slice(2, 10)}`;
  consumers.add(name);
  return name;
}

function digestOf(n: number): string {
  return `sha256:${n.toString(16).padStart(64, "0")}`;
}

/** A manifest as prepareManifest answers it, without a registry: the index write is what is tested. */
function prepared(digest: string): PreparedManifest {
  return {
    digest,
    mediaType: OCI_IMAGE_MANIFEST,
    manifestSize: 100,
    artifactType: null,
    totalSize: 0n,
    os: null,
    architecture: null,
    variant: null,
    created: null,
    author: null,
    annotations: {},
    subjectDigest: null,
    accessoryType: null,
    children: [],
  };
}

function eventsOf(repository: string) {
  return db.artifactEvent.findMany({ where: { repository }, orderBy: { id: "asc" } });
}

/**
 * Consumes under `consumer` until every id in `wanted` has been handed over. An event becomes
 * readable once no older transaction anywhere in the cluster is still running, so a batch may come
 * back empty for a moment while another test's transaction is open; the loop is bounded.
 */
async function consumeUntil(consumer: string, wanted: bigint[], seen: ArtifactEventRecord[] = [], batch = 50): Promise<ArtifactEventRecord[]> {
  const missing = new Set(wanted);
  for (let round = 0; missing.size > 0; round++) {
    if (round > 2000) throw new Error(`${consumer} never saw events ${[...missing].join(", ")}`);
    const { handled } = await consumeArtifactEvents(consumer, { batch }, async (events) => {
      for (const e of events) {
        seen.push(e);
        missing.delete(e.id);
      }
    });
    if (handled === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return seen;
}

describe("artifact events are written in the index transaction", () => {
  it("a push through the gateway writes exactly one artifact_pushed event, naming the pusher", async () => {
    const { repository, token, project, maintainer } = await h.setup();
    const { image } = await h.pushImage(token, repository, ["1.0"]);
    const events = await eventsOf(repository);
    expect(events).toEqual([
      expect.objectContaining({
        kind: "artifact_pushed",
        projectId: project.id,
        repository,
        digest: image.manifestDigest,
        tag: "1.0",
        previousDigest: null,
        actorName: maintainer.username,
      }),
    ]);

    // Deleting the tag (the artifact stays) writes one tag_deleted event.
    await deleteTag({ actor: actorFor(maintainer), repository, tag: "1.0" });
    expect((await eventsOf(repository)).map((e) => [e.kind, e.tag, e.digest])).toEqual([
      ["artifact_pushed", "1.0", image.manifestDigest],
      ["tag_deleted", "1.0", image.manifestDigest],
    ]);
  });

  it("a push that moves a tag names the digest the tag left", async () => {
    const project = await createProject();
    const repository = `${project.name}/moves`;
    await writeArtifact({ actor, projectId: project.id, repository, prepared: prepared(digestOf(1)), tag: "latest" });
    await writeArtifact({ actor, projectId: project.id, repository, prepared: prepared(digestOf(2)), tag: "latest" });
    expect((await eventsOf(repository)).map((e) => [e.kind, e.digest, e.tag, e.previousDigest, e.actorName])).toEqual([
      ["artifact_pushed", digestOf(1), "latest", null, "system:events-test"],
      ["artifact_pushed", digestOf(2), "latest", digestOf(1), "system:events-test"],
    ]);
  });

  it("a write that rolls back leaves no event (and no artifact, no repository)", async () => {
    const project = await createProject();
    const repository = `${project.name}/rolled-back`;
    await expect(
      writeArtifact({
        actor,
        projectId: project.id,
        repository,
        prepared: prepared(digestOf(3)),
        tag: "1.0",
        inTransaction: async () => {
          throw new Error("the audit row could not be written");
        },
      }),
    ).rejects.toThrow("the audit row could not be written");
    expect(await eventsOf(repository)).toEqual([]);
    expect(await db.repository.count({ where: { name: repository } })).toBe(0);
  });
});

describe("consuming artifact events", () => {
  it("hands events over in order, once, and keeps the cursor when the handler fails", async () => {
    const project = await createProject();
    const repository = `${project.name}/consumed`;
    for (let i = 10; i < 15; i++) await writeArtifact({ actor, projectId: project.id, repository, prepared: prepared(digestOf(i)), tag: `v${i}` });
    const ids = (await eventsOf(repository)).map((e) => e.id);
    expect(ids).toHaveLength(5);

    const consumer = consumerName("order");
    // A handler that fails on a batch with these events rolls the cursor back with it: the same
    // events come again.
    let failures = 0;
    for (let round = 0; failures === 0; round++) {
      if (round > 2000) throw new Error("the events never arrived");
      try {
        const { handled } = await consumeArtifactEvents(consumer, { batch: 1000 }, async (events) => {
          if (events.some((e) => e.repository === repository)) throw new Error("handler down");
        });
        if (handled === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      } catch (error) {
        expect((error as Error).message).toBe("handler down");
        failures += 1;
      }
    }
    const seen = await consumeUntil(consumer, ids, [], 2);
    const mine = seen.filter((e) => e.repository === repository);
    expect(mine.map((e) => e.id)).toEqual(ids);
    expect(mine.map((e) => e.digest)).toEqual([10, 11, 12, 13, 14].map(digestOf));
    // Nothing of it comes again.
    let again = 0;
    await consumeArtifactEvents(consumer, { batch: 1000 }, async (events) => {
      again += events.filter((e) => e.repository === repository).length;
    });
    expect(again).toBe(0);
  });

  it("two consumers under one name never see one event twice, and together see all", async () => {
    const project = await createProject();
    const repository = `${project.name}/concurrent`;
    for (let i = 20; i < 40; i++) await writeArtifact({ actor, projectId: project.id, repository, prepared: prepared(digestOf(i)), tag: `v${i}` });
    const ids = (await eventsOf(repository)).map((e) => e.id);
    const consumer = consumerName("shared");

    const seenBy: ArtifactEventRecord[][] = [[], []];
    const handledBy = [0, 0];
    const all = new Set(ids);
    const done = () => ids.every((id) => seenBy.some((seen) => seen.some((e) => e.id === id)));
    // Two loops as two instances would run them: each takes small batches and holds its
    // transaction a moment, so they contend for the consumer row throughout.
    const run = async (i: number) => {
      for (let round = 0; !done(); round++) {
        if (round > 2000) throw new Error("the events never all arrived");
        const { handled } = await consumeArtifactEvents(consumer, { batch: 3 }, async (events) => {
          seenBy[i]!.push(...events.filter((e) => all.has(e.id)));
          await new Promise((resolve) => setTimeout(resolve, 5));
        });
        handledBy[i]! += handled;
        if (handled === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    await Promise.all([run(0), run(1)]);

    const together = [...seenBy[0]!, ...seenBy[1]!].map((e) => e.id);
    expect(new Set(together).size).toBe(together.length);
    expect([...together].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ids);
    // Both took part (each handled at least one batch), or the test proved nothing about locking.
    expect(handledBy[0]).toBeGreaterThan(0);
    expect(handledBy[1]).toBeGreaterThan(0);
  });

  it("an event whose transaction commits after a later id is not skipped", async () => {
    const project = await createProject();
    const repository = `${project.name}/late`;
    const consumer = consumerName("late");
    let releaseEarly!: () => void;
    const early = new Promise<void>((resolve) => (releaseEarly = resolve));
    let wroteEarly!: () => void;
    const earlyWritten = new Promise<void>((resolve) => (wroteEarly = resolve));
    // The first transaction takes the smaller id and stays open while a second one commits a larger id.
    const slow = db.$transaction(async (tx) => {
      await recordArtifactEvents(tx, [{ kind: "artifact_pushed", projectId: project.id, repository, digest: digestOf(50), actor }]);
      wroteEarly();
      await early;
    });
    await earlyWritten;
    await db.$transaction((tx) => recordArtifactEvents(tx, [{ kind: "artifact_pushed", projectId: project.id, repository, digest: digestOf(51), actor }]));
    // While the first is open, the consumer does not read past it: the committed later event waits too.
    let sawLater = false;
    await consumeArtifactEvents(consumer, { batch: 1000 }, async (events) => {
      sawLater ||= events.some((e) => e.repository === repository);
    });
    expect(sawLater).toBe(false);
    releaseEarly();
    await slow;
    const ids = (await eventsOf(repository)).map((e) => e.id);
    const seen = (await consumeUntil(consumer, ids)).filter((e) => e.repository === repository);
    expect(seen.map((e) => e.digest)).toEqual([digestOf(50), digestOf(51)]);
  });
});

describe("draining registered consumers", () => {
  it("drains each consumer to the end; a failing one keeps its cursor and fails the drain without holding up the others", async () => {
    const project = await createProject();
    const repository = `${project.name}/drained`;
    for (let i = 70; i < 75; i++) await writeArtifact({ actor, projectId: project.id, repository, prepared: prepared(digestOf(i)), tag: `v${i}` });
    const ids = (await eventsOf(repository)).map((e) => e.id);
    const healthy = consumerName("healthy");
    const broken = consumerName("broken");
    const seen: bigint[] = [];
    let healthyCalls = 0;
    const registered = [
      {
        name: broken,
        handle: async (events: ArtifactEventRecord[]) => {
          if (events.some((e) => e.repository === repository)) throw new Error("webhook endpoint down");
        },
      },
      {
        name: healthy,
        batch: 2,
        handle: async (events: ArtifactEventRecord[]) => {
          healthyCalls += 1;
          seen.push(...events.filter((e) => e.repository === repository).map((e) => e.id));
        },
      },
    ];
    // Events become readable once no older transaction in the cluster is open; retried until the
    // broken consumer has met them (the drain fails) and the healthy one has read them all.
    let failure: unknown = null;
    for (let round = 0; failure === null || seen.length < ids.length; round++) {
      if (round > 2000) throw new Error("the events never arrived");
      try {
        await drainArtifactEvents(registered);
      } catch (error) {
        failure = error;
      }
      if (seen.length < ids.length || failure === null) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(failure).toBeInstanceOf(AggregateError);
    expect((failure as Error).message).toContain(`${broken} (webhook endpoint down)`);
    expect(seen).toEqual(ids);
    // Batches of 2: the healthy consumer was called batch after batch, not once.
    expect(healthyCalls).toBeGreaterThanOrEqual(3);
    // The broken one still stands before these events: a later drain offers them again.
    const [cursor] = await db.$queryRaw<{ last_id: bigint }[]>`SELECT last_id FROM artifact_event_consumers WHERE name = ${broken}`;
    expect(cursor === undefined || cursor.last_id < ids[0]!).toBe(true);
    // It would hold every later event back from pruning: removed now, as a deregistered consumer would be.
    await db.artifactEventConsumer.deleteMany({ where: { name: broken } });
    consumers.delete(broken);
  });
});

describe("pruning artifact events", () => {
  it("deletes old events every consumer has passed, and keeps young ones and those not yet read", async () => {
    const project = await createProject();
    const repository = `${project.name}/pruned`;
    const now = new Date();
    const old = new Date(now.getTime() - 10 * 24 * 3600 * 1000);
    const write = (digest: string, createdAt: Date) =>
      db.artifactEvent.create({ data: { kind: "artifact_pushed", projectId: project.id, repository, digest, actorName: "test", createdAt }, select: { id: true } });
    const passedOld = await write(digestOf(60), old);
    const passedYoung = await write(digestOf(61), now);

    // Every consumer of this file reads past both (a consumer that stopped earlier would hold them).
    for (const name of consumers) await consumeUntil(name, [passedOld.id, passedYoung.id]);
    const reader = consumerName("prune");
    await consumeUntil(reader, [passedOld.id, passedYoung.id]);
    const unreadOld = await write(digestOf(62), old);

    const registered = [...consumers];
    // A cursor left behind by a consumer no longer registered (it never read these) holds nothing.
    const retired = consumerName("retired");
    await db.artifactEventConsumer.create({ data: { name: retired } });

    const { deleted } = await pruneArtifactEvents({ consumers: registered, retentionMs: 7 * 24 * 3600 * 1000, now });
    expect(deleted).toBeGreaterThanOrEqual(1);
    const left = (await eventsOf(repository)).map((e) => e.id);
    expect(left).toEqual([passedYoung.id, unreadOld.id]);
  });
});
