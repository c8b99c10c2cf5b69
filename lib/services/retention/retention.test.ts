import { createHash } from "node:crypto";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

// As in delete-repository.test.ts: the registry port and external URL are read once by getServerEnv().
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("retention-tests-secret-key-0123456789abcdef")));

import { ConflictError, ForbiddenError, ValidationError } from "@/lib/errors";
import { stopSharedBoss } from "@/lib/jobs/boss";
import { retentionRepositoryJob, retentionRunJob } from "@/lib/jobs/definitions";
import { testJobContext } from "@/lib/jobs/testing/job-context";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { ALL_REPOSITORIES, ALL_TAGS } from "@/lib/policy/selectors";
import { evaluateRetention, type RetentionRule, type RetentionRuleInput } from "@/lib/policy/retention";
import { claimJobRun } from "@/lib/services/jobs/job-runs";
import { createMember, createProject, db } from "@/lib/services/registry-auth/test-fixtures";
import { runRetentionTask } from "@/lib/services/retention/execute";
import { createImmutableRule } from "@/lib/services/tag-policy/rules";
import { getProjectRetention, setProjectRetention, setSystemRetentionDefault } from "@/lib/services/retention/policies";
import { listRetentionExecutions, listRetentionResults, listRetentionTasks, startRetentionRun, stopRetentionRun } from "@/lib/services/retention/runs";
import { actorFor, createTestUser } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { writeOciImageLayout } from "@/lib/testing/oci-layout";

const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "retention" });

afterAll(() => stopSharedBoss());

const DAY = 86_400_000;
const PAGE = { page: 1, pageSize: 100 };

/** Runs an execution's parent run, then each of its tasks, to their end in this process. */
async function runExecution(runId: number): Promise<void> {
  await runQueuedRun(retentionRunJob, runId);
  const tasks = await db.jobRun.findMany({ where: { parentRunId: runId }, orderBy: { id: "asc" }, select: { id: true } });
  for (const task of tasks) await runQueuedRun(retentionRepositoryJob, task.id);
}

async function removedIn(executionId: number): Promise<string[]> {
  const rows = await db.retentionResult.findMany({ where: { executionId, decision: "remove" }, select: { repository: true, digest: true } });
  return rows.map((r) => `${r.repository}@${r.digest}`).sort();
}

// ---- random repositories, written to the index ---------------------------------------------------

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), pick: <T,>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]! };
}
type Rand = ReturnType<typeof prng>;

const TAG_POOL = ["1.0", "1.1", "2.0", "latest", "dev-1", "dev-2", "prod-1", "prod-2", "rc", "stable"];
let digestCounter = 0;
const fakeDigest = () => `sha256:${createHash("sha256").update(`retention-${process.pid}-${++digestCounter}`).digest("hex")}`;

type Model = { repository: string; digests: Map<number, string> };

/**
 * A repository written straight to the artifact index: images, indexes with children (sometimes a
 * child shared by two indexes), accessories of images and indexes, several tags on one digest,
 * untagged artifacts, tagged children, random push and pull times. Its manifests are not in the
 * registry, which answers their DELETE with 404, and the delete path then brings the index in line.
 */
async function randomRepository(rand: Rand, projectId: number, repository: string, start: number): Promise<Model> {
  const repo = await db.repository.create({ data: { projectId, name: repository }, select: { id: true } });
  const digests = new Map<number, string>();
  const artifact = async (extra: { subjectDigest?: string; subjectArtifactId?: number; accessoryType?: "signature" | "sbom" } = {}) => {
    const pushedAt = new Date(start - rand.int(1, 60) * DAY - rand.int(0, DAY));
    const pulledAt = rand.next() < 0.4 ? null : new Date(pushedAt.getTime() + rand.int(0, 30) * DAY);
    const digest = fakeDigest();
    const row = await db.artifact.create({
      data: { repositoryId: repo.id, digest, mediaType: OCI_IMAGE_MANIFEST, manifestSize: 100, totalSize: 1000n, pushedAt, pulledAt: pulledAt && pulledAt.getTime() < start ? pulledAt : null, ...extra },
      select: { id: true },
    });
    digests.set(row.id, digest);
    return { id: row.id, digest, pushedAt };
  };
  const tops: { id: number; digest: string; pushedAt: Date }[] = [];
  const children: { id: number; digest: string; pushedAt: Date }[] = [];
  for (let i = rand.int(2, 7); i > 0; i--) tops.push(await artifact());
  for (let i = rand.int(0, 2); i > 0; i--) {
    const index = await artifact();
    tops.push(index);
    const mine = [];
    for (let c = rand.int(1, 2); c > 0; c--) mine.push(await artifact());
    if (children.length > 0 && rand.next() < 0.5) mine.push(rand.pick(children));
    for (const [position, child] of mine.entries()) {
      await db.artifactReference.create({ data: { parentId: index.id, childId: child.id, childDigest: child.digest, position } });
    }
    children.push(...mine.filter((c) => !children.includes(c)));
  }
  for (let i = rand.int(0, 3); i > 0; i--) {
    const subject = rand.pick(tops);
    await artifact({ subjectDigest: subject.digest, subjectArtifactId: subject.id, accessoryType: rand.pick(["signature", "sbom"] as const) });
  }
  const taggable = [...tops, ...children];
  for (const name of TAG_POOL) {
    if (rand.next() < 0.45) continue;
    const target = rand.pick(taggable);
    await db.tag.create({ data: { repositoryId: repo.id, artifactId: target.id, name, pushedAt: new Date(Math.min(start - 1000, target.pushedAt.getTime() + rand.int(0, 5) * DAY)) } });
  }
  return { repository, digests };
}

function randomRule(rand: Rand): RetentionRuleInput {
  const repositories = rand.pick([
    ALL_REPOSITORIES,
    { decoration: "matches", kind: "doublestar", pattern: "r{1,3,5}" },
    { decoration: "excludes", kind: "doublestar", pattern: "r2" },
    { decoration: "matches", kind: "regex", pattern: "r[0-4]" },
  ] as const);
  const tags = rand.pick([
    ALL_TAGS,
    { ...ALL_TAGS, untagged: false },
    { decoration: "matches", kind: "doublestar", pattern: "{1,2}.*", untagged: false },
    { decoration: "excludes", kind: "doublestar", pattern: "dev-*", untagged: rand.next() < 0.5 },
    { decoration: "matches", kind: "regex", pattern: "prod-[0-9]+", untagged: false },
  ] as const);
  const base = { repositories, tags };
  switch (rand.int(0, 4)) {
    case 0:
      return { template: "latestPushedK", count: rand.int(0, 3), ...base };
    case 1:
      return { template: "latestPulledN", count: rand.int(0, 3), ...base };
    case 2:
      return { template: "nDaysSinceLastPush", days: rand.int(0, 40), ...base };
    case 3:
      return { template: "nDaysSinceLastPull", days: rand.int(0, 40), ...base };
    default:
      return { template: "always", ...base };
  }
}

type IndexRow = { id: number; digest: string; pushedAt: Date; pulledAt: Date | null; subjectArtifactId: number | null; subjectDigest: string | null; tags: { name: string }[]; children: { childId: number | null }[]; parents: { parentId: number }[] };

async function indexOf(repository: string): Promise<IndexRow[]> {
  return db.artifact.findMany({
    where: { repository: { name: repository } },
    select: { id: true, digest: true, pushedAt: true, pulledAt: true, subjectArtifactId: true, subjectDigest: true, tags: { select: { name: true } }, children: { select: { childId: true } }, parents: { select: { parentId: true } } },
    orderBy: { id: "asc" },
  });
}

describe("retention runs over random repositories (seeded)", () => {
  const SEEDS = [11, 23, 37, 41, 59, 67];
  for (const seed of SEEDS) {
    it(`seed ${seed}: nothing a rule keeps (nor its tags, children, accessories) or pushed after the start is deleted; a removed artifact's accessories go with it; the real run deletes exactly what the dry run listed`, async () => {
      const rand = prng(seed);
      const project = await createProject();
      const admin = actorFor(await createTestUser({ isAdmin: true }));
      const start = Date.now();
      const models: Model[] = [];
      for (let r = 0; r < 4; r++) models.push(await randomRepository(rand, project.id, `${project.name}/r${r}`, start));
      const rules: RetentionRuleInput[] = [];
      for (let i = rand.int(1, 3); i > 0; i--) {
        const rule = randomRule(rand);
        if (!rules.some((x) => JSON.stringify(x) === JSON.stringify(rule))) rules.push(rule);
      }
      await setProjectRetention({ actor: admin, projectId: project.id, input: { rules } });

      const before = new Map<string, IndexRow[]>();
      for (const m of models) before.set(m.repository, await indexOf(m.repository));

      // The dry run: decides, records, deletes nothing.
      const dry = await startRetentionRun({ actor: admin, projectId: project.id, dryRun: true });
      await runExecution(dry.runId);
      for (const m of models) expect(await indexOf(m.repository)).toEqual(before.get(m.repository));
      const listed = await removedIn(dry.executionId);

      // The real run on the same state; an artifact pushed after it started must survive it.
      const real = await startRetentionRun({ actor: admin, projectId: project.id, dryRun: false });
      const startedAt = (await db.retentionExecution.findUniqueOrThrow({ where: { id: real.executionId } })).startedAt;
      const late = await db.artifact.create({
        data: { repositoryId: (await db.repository.findUniqueOrThrow({ where: { name: models[0]!.repository } })).id, digest: fakeDigest(), mediaType: OCI_IMAGE_MANIFEST, manifestSize: 1, totalSize: 1n, pushedAt: new Date(startedAt.getTime() + 1000) },
        select: { digest: true },
      });
      await runExecution(real.runId);
      expect(await removedIn(real.executionId)).toEqual(listed);

      const deleted: string[] = [];
      for (const m of models) {
        const was = before.get(m.repository)!;
        const now = await indexOf(m.repository);
        const left = new Set(now.map((a) => a.digest));
        for (const a of was) if (!left.has(a.digest)) deleted.push(`${m.repository}@${a.digest}`);
        if (m === models[0]) expect(left.has(late.digest)).toBe(true);

        // The oracle: the evaluator's decisions on the listed artifacts, then what must stay.
        const byId = new Map(was.map((a) => [a.id, a]));
        const listedArtifacts = was.filter((a) => a.subjectDigest === null && (a.parents.length === 0 || a.tags.length > 0));
        const decisions = evaluateRetention({
          rules: (await getProjectRetention({ actor: admin, projectId: project.id })).inForce.policy!.rules as RetentionRule[],
          candidates: listedArtifacts.map((a) => ({ repository: m.repository, digest: a.digest, tags: a.tags.map((t) => t.name), pushedAt: a.pushedAt, pulledAt: a.pulledAt, labels: [] })),
          now: startedAt,
        });
        const keptRoots = listedArtifacts.filter((_, i) => decisions[i]!.action === "retain");
        const mustStay = new Set<number>();
        const stay = (a: IndexRow) => {
          if (mustStay.has(a.id)) return;
          mustStay.add(a.id);
          for (const c of a.children) if (c.childId !== null && byId.has(c.childId)) stay(byId.get(c.childId)!);
          for (const acc of was) if (acc.subjectArtifactId === a.id) stay(acc);
        };
        keptRoots.forEach(stay);
        for (const a of was) {
          if (mustStay.has(a.id)) {
            expect(left.has(a.digest), `${m.repository}@${a.digest} is kept (or part of something kept) but was deleted`).toBe(true);
            // Its tags are all still on it.
            const tagsNow = now.find((x) => x.digest === a.digest)!.tags.map((t) => t.name).sort();
            expect(tagsNow).toEqual(a.tags.map((t) => t.name).sort());
          }
        }
        // Every listed artifact no rule keeps and nothing protects is gone, with its accessories.
        for (const [i, a] of listedArtifacts.entries()) {
          if (decisions[i]!.action === "remove" && !mustStay.has(a.id)) {
            expect(left.has(a.digest), `${m.repository}@${a.digest} no rule keeps, yet it is still there`).toBe(false);
            for (const acc of was) if (acc.subjectArtifactId === a.id && !mustStay.has(acc.id)) expect(left.has(acc.digest)).toBe(false);
          }
        }
      }
      expect(deleted.sort()).toEqual(
        (await db.retentionResult.findMany({ where: { executionId: real.executionId, deletedAt: { not: null } }, select: { repository: true, digest: true } })).map((r) => `${r.repository}@${r.digest}`).sort(),
      );
      expect(deleted.sort()).toEqual(listed);
      // One artifact.delete audit row per deletion, by the retention job.
      expect(await db.auditEvent.count({ where: { action: "artifact.delete", projectId: project.id, actorName: "system:retention", result: "success" } })).toBe(deleted.length);
    });
  }
});

// ---- with real images in the registry -----------------------------------------------------------

let counter = 0;
async function pushDistinct(token: string, repository: string, tag: string): Promise<string> {
  counter += 1;
  const dir = path.join(h.tmp, `img-${counter}-${Math.random().toString(36).slice(2)}`);
  const image = await writeOciImageLayout(dir, { tag: "t", architecture: "amd64", files: { "n.txt": `${repository} ${counter}` } });
  await h.stage(image.ref, repository, image.manifestDigest);
  await h.putManifest(token, repository, tag, await h.blobBytes(dir, image.manifestDigest), OCI_IMAGE_MANIFEST);
  return image.manifestDigest;
}

/** Keep the newest pushed artifact only. */
const KEEP_ONE = { rules: [{ template: "latestPushedK", count: 1, repositories: ALL_REPOSITORIES, tags: ALL_TAGS }] };

async function agePushes(repository: string): Promise<void> {
  // Pushed "days ago", in push order, so the newest is well defined and before the run's start.
  const rows = await db.artifact.findMany({ where: { repository: { name: repository } }, orderBy: { id: "asc" }, select: { id: true } });
  for (const [i, r] of rows.entries()) {
    const at = new Date(Date.now() - (rows.length - i) * DAY);
    await db.artifact.update({ where: { id: r.id }, data: { pushedAt: at } });
    await db.tag.updateMany({ where: { artifactId: r.id }, data: { pushedAt: at } });
  }
}

describe("retention runs against the registry", () => {
  it("a real run deletes in the registry exactly what the dry run listed; what stays still pulls", async () => {
    const { project, maintainer, repository, token } = await h.setup();
    const digests = [await pushDistinct(token, repository, "1"), await pushDistinct(token, repository, "2"), await pushDistinct(token, repository, "3")];
    await agePushes(repository);
    const actor = actorFor(maintainer);
    await setProjectRetention({ actor, projectId: project.id, input: KEEP_ONE });

    const dry = await startRetentionRun({ actor, projectId: project.id, dryRun: true });
    await runExecution(dry.runId);
    for (const d of digests) expect(await h.backing.headManifest(repository, d)).not.toBeNull();
    expect(await removedIn(dry.executionId)).toEqual([`${repository}@${digests[0]}`, `${repository}@${digests[1]}`].sort());

    const real = await startRetentionRun({ actor, projectId: project.id, dryRun: false });
    await runExecution(real.runId);
    expect(await removedIn(real.executionId)).toEqual(await removedIn(dry.executionId));
    expect(await h.backing.headManifest(repository, digests[0]!)).toBeNull();
    expect(await h.backing.headManifest(repository, digests[1]!)).toBeNull();
    expect(await h.backing.headManifest(repository, digests[2]!)).not.toBeNull();

    const executions = await listRetentionExecutions({ actor, projectId: project.id, page: PAGE });
    expect(executions.rows.map((e) => ({ dryRun: e.dryRun, status: e.status, counts: e.counts }))).toEqual([
      { dryRun: false, status: "Succeed", counts: { total: 3, retained: 1, removed: 2, deleted: 2 } },
      { dryRun: true, status: "Succeed", counts: { total: 3, retained: 1, removed: 2, deleted: 0 } },
    ]);
    const tasks = await listRetentionTasks({ actor, projectId: project.id, executionId: real.executionId, page: PAGE });
    expect(tasks.rows).toMatchObject([{ repository, status: "Succeed", counts: { total: 3, retained: 1, removed: 2, deleted: 2 } }]);
    const kept = await listRetentionResults({ actor, projectId: project.id, executionId: real.executionId, decision: "retain", page: PAGE });
    expect(kept.rows).toEqual([expect.objectContaining({ digest: digests[2], tags: ["3"], reason: "kept by rule 1 (the most recently pushed 1 artifacts)" })]);
  });

  it("a run killed after its first deletion resumes with the rest, deleting nothing twice", async () => {
    const { project, maintainer, repository, token } = await h.setup();
    const digests = [];
    for (const t of ["1", "2", "3", "4"]) digests.push(await pushDistinct(token, repository, t));
    await agePushes(repository);
    const actor = actorFor(maintainer);
    await setProjectRetention({ actor, projectId: project.id, input: KEEP_ONE });
    const { executionId, runId } = await startRetentionRun({ actor, projectId: project.id, dryRun: false });
    await runQueuedRun(retentionRunJob, runId);
    const [task] = await db.jobRun.findMany({ where: { parentRunId: runId }, select: { id: true, bossJobId: true } });
    const claim = () => claimJobRun({ runId: task!.id, bossJobId: task!.bossJobId!, jobName: retentionRepositoryJob.id, jobVersion: 1, trigger: "test" });

    // Steps: the plan, then one per deletion. The worker dies right after the first deletion's step.
    const first = await claim();
    const ctx = testJobContext(first, retentionRepositoryJob.payload.parse(first.payload));
    let steps = 0;
    const crashing = {
      ...ctx,
      step: async <T,>(...args: Parameters<typeof ctx.step<T>>) => {
        const value = await ctx.step(...args);
        if (++steps === 2) throw new Error("worker killed");
        return value;
      },
    };
    await expect(runRetentionTask(crashing)).rejects.toThrow("worker killed");
    expect(await db.retentionResult.count({ where: { executionId, deletedAt: { not: null } } })).toBe(1);

    const second = await claim();
    const resumed = await runRetentionTask(testJobContext(second, retentionRepositoryJob.payload.parse(second.payload)));
    expect(resumed).toEqual({ total: 4, removed: 3, deleted: 3, stopped: false });
    for (const d of digests.slice(0, 3)) expect(await h.backing.headManifest(repository, d)).toBeNull();
    expect(await h.backing.headManifest(repository, digests[3]!)).not.toBeNull();
    // Each deletion audited once, though two attempts ran.
    const rows = await db.auditEvent.findMany({ where: { action: "artifact.delete", projectId: project.id }, select: { resourceName: true } });
    expect(rows.map((r) => r.resourceName).sort()).toEqual(digests.slice(0, 3).map((d) => `${repository}@${d}`).sort());
  });

  it("a tag pushed onto an artifact after the run started keeps it; a stopped run deletes nothing more", async () => {
    const { project, maintainer, repository, token } = await h.setup();
    const digests = [await pushDistinct(token, repository, "1"), await pushDistinct(token, repository, "2"), await pushDistinct(token, repository, "3")];
    await agePushes(repository);
    const actor = actorFor(maintainer);
    await setProjectRetention({ actor, projectId: project.id, input: KEEP_ONE });
    const { executionId, runId } = await startRetentionRun({ actor, projectId: project.id, dryRun: false });
    await runQueuedRun(retentionRunJob, runId);
    const [task] = await db.jobRun.findMany({ where: { parentRunId: runId }, select: { id: true, bossJobId: true } });
    const run = await claimJobRun({ runId: task!.id, bossJobId: task!.bossJobId!, jobName: retentionRepositoryJob.id, jobVersion: 1, trigger: "test" });
    const ctx = testJobContext(run, retentionRepositoryJob.payload.parse(run.payload));
    let steps = 0;
    const pushing = {
      ...ctx,
      step: async <T,>(...args: Parameters<typeof ctx.step<T>>) => {
        const value = await ctx.step(...args);
        // Right after the plan was recorded (both old ones marked for removal), someone tags the oldest.
        if (++steps === 1) await h.putManifest(token, repository, "hotfix", await manifestBytes(repository, digests[0]!), OCI_IMAGE_MANIFEST);
        return value;
      },
    };
    await runRetentionTask(pushing);
    expect(await h.backing.headManifest(repository, digests[0]!)).not.toBeNull();
    expect(await h.backing.headManifest(repository, digests[1]!)).toBeNull();
    const results = await listRetentionResults({ actor, projectId: project.id, executionId, page: PAGE });
    expect(results.rows.find((r) => r.digest === digests[0])).toMatchObject({ decision: "retain", reason: "a tag was pushed onto it after the run started", deletedAt: null });

    // Stop: a task that had not deleted yet deletes nothing.
    // One run per project at a time: the first is still running (its task was driven by hand here,
    // outside the attempt runner, so nothing ended its run); end it as the worker would have.
    await expect(startRetentionRun({ actor, projectId: project.id, dryRun: false })).rejects.toBeInstanceOf(ConflictError);
    await db.jobRun.updateMany({ where: { id: { in: [runId, task!.id] } }, data: { status: "succeeded" } });
    await pushDistinct(token, repository, "4");
    await agePushes(repository);
    const next = await startRetentionRun({ actor, projectId: project.id, dryRun: false });
    await stopRetentionRun({ actor, projectId: project.id, executionId: next.executionId });
    await runExecution(next.runId);
    expect(await db.retentionResult.count({ where: { executionId: next.executionId, deletedAt: { not: null } } })).toBe(0);
    expect(await h.backing.headManifest(repository, digests[2]!)).not.toBeNull();
    expect((await listRetentionExecutions({ actor, projectId: project.id, page: PAGE })).rows[0]).toMatchObject({ id: next.executionId, status: "Stopped" });
  });
});

const RELEASES = { repositories: { decoration: "matches", kind: "doublestar", pattern: "**" }, tags: { decoration: "matches", kind: "doublestar", pattern: "v*" } };

async function resultRows(executionId: number) {
  const rows = await db.retentionResult.findMany({ where: { executionId }, orderBy: { id: "asc" }, select: { repository: true, digest: true, tags: true, decision: true, reason: true } });
  return rows;
}

describe("retention and immutability rules", () => {
  it("an artifact carrying an immutable tag is kept, its reason naming the rule; the dry run and the real run record the same rows", async () => {
    const { project, maintainer, repository, token } = await h.setup();
    const digests = [await pushDistinct(token, repository, "v1"), await pushDistinct(token, repository, "2"), await pushDistinct(token, repository, "3")];
    await agePushes(repository);
    const actor = actorFor(maintainer);
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const rule = await createImmutableRule({ actor: admin, projectId: project.id, rule: RELEASES });
    await setProjectRetention({ actor, projectId: project.id, input: KEEP_ONE });

    const dry = await startRetentionRun({ actor, projectId: project.id, dryRun: true });
    await runExecution(dry.runId);
    const real = await startRetentionRun({ actor, projectId: project.id, dryRun: false });
    await runExecution(real.runId);
    expect(await resultRows(real.executionId)).toEqual(await resultRows(dry.executionId));
    expect((await resultRows(real.executionId)).find((r) => r.digest === digests[0])).toEqual({
      repository,
      digest: digests[0],
      tags: ["v1"],
      decision: "retain",
      reason: `tag v1 is protected by immutability rule ${rule.id} (repositories matching **, tags matching v*)`,
    });
    expect(await h.backing.headManifest(repository, digests[0]!)).not.toBeNull();
    expect(await h.backing.headManifest(repository, digests[1]!)).toBeNull();
    expect(await h.backing.headManifest(repository, digests[2]!)).not.toBeNull();
  });

  it("a rule that protects a planned artifact's tag after the plan was recorded keeps it (checked just before the deletion, past the cache)", async () => {
    const { project, maintainer, repository, token } = await h.setup();
    const digests = [await pushDistinct(token, repository, "v1"), await pushDistinct(token, repository, "2"), await pushDistinct(token, repository, "3")];
    await agePushes(repository);
    const actor = actorFor(maintainer);
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    await setProjectRetention({ actor, projectId: project.id, input: KEEP_ONE });
    const { executionId, runId } = await startRetentionRun({ actor, projectId: project.id, dryRun: false });
    await runQueuedRun(retentionRunJob, runId);
    const [task] = await db.jobRun.findMany({ where: { parentRunId: runId }, select: { id: true, bossJobId: true } });
    const run = await claimJobRun({ runId: task!.id, bossJobId: task!.bossJobId!, jobName: retentionRepositoryJob.id, jobVersion: 1, trigger: "test" });
    const ctx = testJobContext(run, retentionRepositoryJob.payload.parse(run.payload));
    let steps = 0;
    let ruleId = 0;
    const protecting = {
      ...ctx,
      step: async <T,>(...args: Parameters<typeof ctx.step<T>>) => {
        const value = await ctx.step(...args);
        // Right after the plan (both old ones to be removed), an administrator makes v* immutable.
        if (++steps === 1) ruleId = (await createImmutableRule({ actor: admin, projectId: project.id, rule: RELEASES })).id;
        return value;
      },
    };
    expect(await runRetentionTask(protecting)).toEqual({ total: 3, removed: 2, deleted: 1, stopped: false });
    expect(await h.backing.headManifest(repository, digests[0]!)).not.toBeNull();
    expect(await h.backing.headManifest(repository, digests[1]!)).toBeNull();
    const results = await listRetentionResults({ actor, projectId: project.id, executionId, page: PAGE });
    expect(results.rows.find((r) => r.digest === digests[0])).toMatchObject({
      decision: "retain",
      reason: `tag v1 is protected by immutability rule ${ruleId} (repositories matching **, tags matching v*)`,
      deletedAt: null,
    });
  });
});

async function manifestBytes(repository: string, digest: string): Promise<Uint8Array> {
  const got = await h.backing.getManifest(repository, digest);
  return got.bytes;
}

describe("retention policies", () => {
  it("a guest and a limited guest may neither change a policy nor start or stop a run (a developer may, as in Harbor's matrix); each refusal is audited", async () => {
    const project = await createProject();
    const developer = actorFor(await createMember(project.id, 2));
    await setProjectRetention({ actor: developer, projectId: project.id, input: KEEP_ONE });
    await db.retentionPolicy.deleteMany({ where: { projectId: project.id } });
    for (const roleId of [3, 5]) {
      const actor = actorFor(await createMember(project.id, roleId));
      await expect(setProjectRetention({ actor, projectId: project.id, input: KEEP_ONE })).rejects.toBeInstanceOf(ForbiddenError);
      await expect(startRetentionRun({ actor, projectId: project.id, dryRun: true })).rejects.toBeInstanceOf(ForbiddenError);
      await expect(stopRetentionRun({ actor, projectId: project.id, executionId: 1 })).rejects.toBeInstanceOf(ForbiddenError);
      const refusals = await db.auditEvent.findMany({ where: { actorName: actor.username, result: "failure" }, select: { action: true }, orderBy: { id: "asc" } });
      expect(refusals.map((r) => r.action)).toEqual(["retention_policy.update", "retention_execution.start", "retention_execution.stop"]);
    }
    expect(await db.retentionPolicy.count({ where: { projectId: project.id } })).toBe(0);
  });

  it("bad input: field messages, nothing saved; a save writes one audit row", async () => {
    const project = await createProject();
    const actor = actorFor(await createMember(project.id, 4));
    const sixteen = Array.from({ length: 16 }, (_, i) => ({ template: "latestPushedK", count: i, repositories: ALL_REPOSITORIES, tags: ALL_TAGS }));
    const cases: [unknown, string][] = [
      [{ rules: sixteen }, "rules"],
      [{ rules: [{ template: "latestPushedK", count: 40_000, repositories: ALL_REPOSITORIES, tags: ALL_TAGS }] }, "rules.0.count"],
      [{ rules: [{ template: "always", repositories: { ...ALL_REPOSITORIES, kind: "regex", pattern: "(" }, tags: ALL_TAGS }] }, "rules.0.repositories.pattern"],
      [{ rules: [], schedule: "61 * * * *" }, "schedule"],
    ];
    for (const [input, field] of cases) {
      const error = await setProjectRetention({ actor, projectId: project.id, input }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(Object.keys((error as ValidationError).fieldErrors)).toContain(field);
    }
    expect(await db.retentionPolicy.count({ where: { projectId: project.id } })).toBe(0);
    await setProjectRetention({ actor, projectId: project.id, input: { ...KEEP_ONE, schedule: "0 3 * * *" } });
    const rows = await db.auditEvent.findMany({ where: { projectId: project.id, action: "retention_policy.update" }, select: { result: true } });
    expect(rows).toEqual([{ result: "success" }]);
  });

  it("the system default applies to every project without its own, including one created later; administrators only", async () => {
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const user = actorFor(await createTestUser());
    await expect(setSystemRetentionDefault({ actor: user, input: KEEP_ONE })).rejects.toBeInstanceOf(ForbiddenError);
    const policy = await setSystemRetentionDefault({ actor: admin, input: { rules: [{ template: "always", repositories: ALL_REPOSITORIES, tags: ALL_TAGS }] } });
    const later = await createProject();
    const own = await createProject();
    await setProjectRetention({ actor: admin, projectId: own.id, input: KEEP_ONE });
    expect((await getProjectRetention({ actor: admin, projectId: later.id })).inForce).toMatchObject({ source: "system", policy: { id: policy.id } });
    expect((await getProjectRetention({ actor: admin, projectId: own.id })).inForce.source).toBe("project");
    const { executionId, runId } = await startRetentionRun({ actor: admin, projectId: later.id, dryRun: true });
    await runExecution(runId);
    expect(await db.retentionExecution.findUniqueOrThrow({ where: { id: executionId } })).toMatchObject({ policyId: policy.id });
    expect(await db.auditEvent.count({ where: { action: "retention_policy.default_update", result: "success", actorName: admin.username } })).toBe(1);
  });
});
