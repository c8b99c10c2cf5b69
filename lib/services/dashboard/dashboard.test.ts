import { createHash, randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { NotFoundError } from "@/lib/errors";
import { JOB_REGISTRY } from "@/lib/jobs/registry";
import { projectDashboard, systemDashboard, trafficWindow, TRAFFIC_DAYS } from "@/lib/services/dashboard/dashboard";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";

const DAY = 86_400_000;
const IMAGE = "application/vnd.oci.image.manifest.v1+json";
const INDEX = "application/vnd.oci.image.index.v1+json";

function digest(): string {
  return `sha256:${createHash("sha256").update(randomBytes(16)).digest("hex")}`;
}

/** Audit rows as the gateway writes them for registry traffic (test setup, written straight). */
async function traffic(rows: { action: "artifact.push" | "artifact.pull"; projectId: number; name: string; at: Date; result?: "success" | "failure"; times?: number }[]) {
  await db.auditEvent.createMany({
    data: rows.flatMap((r) =>
      Array.from({ length: r.times ?? 1 }, () => ({
        occurredAt: r.at,
        principalKind: "user" as const,
        actorName: "pusher",
        action: r.action,
        resourceType: "artifact",
        resourceName: r.name,
        projectId: r.projectId,
        result: r.result ?? ("success" as const),
        reason: r.result === "failure" ? "missing permission repository:pull" : null,
      })),
    ),
  });
}

/**
 * An artifact with its blob references as the index records them: an image one blob of
 * `totalSize` (plus `shared`, a blob other artifacts may reference too), an index none of its own
 * (its children are artifacts of their own; manifests' own bytes are left out to keep sums round).
 */
async function artifact(repositoryId: number, totalSize: number, mediaType = IMAGE, shared?: { digest: string; size: number }) {
  const row = await db.artifact.create({ data: { repositoryId, digest: digest(), mediaType, manifestSize: 100, totalSize: BigInt(totalSize), pushedAt: new Date() } });
  const repo = await db.repository.findUniqueOrThrow({ where: { id: repositoryId }, select: { projectId: true } });
  const blobs = mediaType === INDEX ? [] : [{ digest: digest(), size: totalSize }, ...(shared ? [shared] : [])];
  if (blobs.length > 0) {
    await db.artifactBlob.createMany({ data: blobs.map((b) => ({ artifactId: row.id, projectId: repo.projectId, repositoryId, digest: b.digest, size: BigInt(b.size) })) });
  }
  return row;
}

// The window is pinned to the moment the file starts, so a test never straddles midnight UTC.
const now = new Date();
const { since, days } = trafficWindow(now);
/**
 * One hour into day `i` of the window (0 = the first day, 29 = today), or for today just before
 * `now` when the file runs in the day's first hour: a row in the future would pass as the newest
 * failure of all (the job-health case asserts which one is newest).
 */
const onDay = (i: number) => new Date(Math.min(since.getTime() + i * DAY + 3_600_000, Math.max(since.getTime() + i * DAY, now.getTime() - 1)));

let owner: ReturnType<typeof actorFor>;
let developer: ReturnType<typeof actorFor>;
let outsider: ReturnType<typeof actorFor>;
let admin: ReturnType<typeof actorFor>;
let auditor: ReturnType<typeof actorFor>;
let team: { id: number; name: string };
let hidden: { id: number; name: string };
let open: { id: number; name: string };

beforeAll(async () => {
  const [ownerUser, developerUser, outsiderUser, adminUser, auditorUser] = await Promise.all([
    createTestUser(),
    createTestUser(),
    createTestUser(),
    createTestUser({ isAdmin: true }),
    createTestUser({ isAuditor: true }),
  ]);
  [owner, developer, outsider, admin, auditor] = [actorFor(ownerUser), actorFor(developerUser), actorFor(outsiderUser), actorFor(adminUser), actorFor(auditorUser)];
  team = await db.project.create({ data: { name: uniqueName("dash-team") } });
  hidden = await db.project.create({ data: { name: uniqueName("dash-hidden") } });
  open = await db.project.create({ data: { name: uniqueName("dash-open"), isPublic: true } });
  await db.projectMember.createMany({
    data: [
      { projectId: team.id, userId: owner.id, roleId: 1 }, // Project Admin: reads the project's log
      { projectId: team.id, userId: developer.id, roleId: 2 }, // Developer: no log
    ],
  });

  // team/app: two images and an index over one more image; team/web: one image. artifact_count is
  // what writeArtifact maintains (the index's child is not listed).
  const app = await db.repository.create({ data: { projectId: team.id, name: `${team.name}/app`, artifactCount: 3 } });
  const web = await db.repository.create({ data: { projectId: team.id, name: `${team.name}/web`, artifactCount: 1 } });
  const secret = await db.repository.create({ data: { projectId: hidden.id, name: `${hidden.name}/secret`, artifactCount: 1 } });
  // Being deleted: gone from every count.
  const leaving = await db.repository.create({ data: { projectId: team.id, name: `${team.name}/leaving`, artifactCount: 1, deletingAt: new Date() } });
  await artifact(app.id, 100);
  await artifact(app.id, 250);
  const index = await artifact(app.id, 1000, INDEX);
  const child = await artifact(app.id, 1000);
  await db.artifactReference.create({ data: { parentId: index.id, childId: child.id, childDigest: child.digest, position: 0 } });
  await artifact(web.id, 50);
  await artifact(secret.id, 7777);
  await artifact(leaving.id, 9999);

  await traffic([
    { action: "artifact.push", projectId: team.id, name: `${team.name}/app:1.0`, at: since, times: 2 }, // first instant of the window
    { action: "artifact.push", projectId: team.id, name: `${team.name}/app:old`, at: new Date(since.getTime() - 1), times: 5 }, // one ms before it
    { action: "artifact.pull", projectId: team.id, name: `${team.name}/app:old`, at: new Date(since.getTime() - 3 * DAY), times: 9 },
    { action: "artifact.push", projectId: team.id, name: `${team.name}/web:latest`, at: onDay(29) },
    { action: "artifact.pull", projectId: team.id, name: `${team.name}/app:1.0`, at: onDay(26), times: 3 },
    { action: "artifact.pull", projectId: team.id, name: `${team.name}/app@${index.digest}`, at: onDay(29) },
    { action: "artifact.pull", projectId: team.id, name: `${team.name}/web:latest`, at: onDay(28), times: 2 },
    // A pull of a repository that is being deleted: traffic, but never a top-pulled entry.
    { action: "artifact.pull", projectId: team.id, name: `${team.name}/leaving:1`, at: onDay(28), times: 6 },
    // Refused: listed as a failure, never drawn as traffic.
    { action: "artifact.pull", projectId: team.id, name: `${team.name}/app:1.0`, at: onDay(29), result: "failure", times: 4 },
    // Another private project's traffic and refusal, which its non-members must never see.
    { action: "artifact.pull", projectId: hidden.id, name: `${hidden.name}/secret:1`, at: onDay(29), times: 7 },
    // At the file's start: newer than every earlier file's refusals, so among the ten most recent.
    { action: "artifact.pull", projectId: hidden.id, name: `${hidden.name}/secret:1`, at: now, result: "failure" },
  ]);
});

describe("projectDashboard", () => {
  it("counts the project's repositories, listed artifacts and storage, index children once", async () => {
    const d = await projectDashboard({ actor: owner, projectId: team.id, now });
    expect(d.scope).toBe("project");
    // Storage is the project's distinct blobs: 100 + 250 + the index's child 1000 + web's 50, and
    // the 9999 of the repository being deleted (its blobs are there until its job deletes them);
    // that repository counts in no other figure.
    expect(d.counts).toEqual({ projects: null, repositories: 2, artifacts: 4, storageBytes: 11399 });
  });

  it("draws 30 UTC days of successful pushes and pulls, the window's first instant in and the one before out", async () => {
    const d = await projectDashboard({ actor: owner, projectId: team.id, now });
    expect(d.traffic).toHaveLength(TRAFFIC_DAYS);
    expect(d.traffic.map((t) => t.day)).toEqual(days);
    expect(d.traffic[29]!.day).toBe(now.toISOString().slice(0, 10));
    const nonZero = d.traffic.filter((t) => t.pushes > 0 || t.pulls > 0);
    expect(nonZero).toEqual([
      { day: days[0], pushes: 2, pulls: 0 },
      { day: days[26], pushes: 0, pulls: 3 },
      { day: days[28], pushes: 0, pulls: 8 },
      { day: days[29], pushes: 1, pulls: 1 },
    ]);
    expect(d.window).toEqual({ since: since.toISOString(), until: new Date(since.getTime() + 30 * DAY).toISOString() });
  });

  it("ranks the most pulled repositories by pulls in the window, by tag and by digest alike", async () => {
    const d = await projectDashboard({ actor: owner, projectId: team.id, now });
    expect(d.topPulled.map(({ name, pulls }) => ({ name, pulls }))).toEqual([
      { name: `${team.name}/app`, pulls: 4 },
      { name: `${team.name}/web`, pulls: 2 },
    ]);
    expect(d.topPulled.every((r) => r.projectId === team.id)).toBe(true);
  });

  it("shows the project's refusals to its Project Admin only, and no jobs", async () => {
    const d = await projectDashboard({ actor: owner, projectId: team.id, now });
    expect(d.failures).toEqual([
      expect.objectContaining({ kind: "request", action: "artifact.pull", resource: `${team.name}/app:1.0`, projectId: team.id, reason: "missing permission repository:pull" }),
      expect.objectContaining({ kind: "request", projectId: team.id }),
      expect.objectContaining({ kind: "request", projectId: team.id }),
      expect.objectContaining({ kind: "request", projectId: team.id }),
    ]);
    expect(d.jobHealth).toBeNull();
    const asDeveloper = await projectDashboard({ actor: developer, projectId: team.id, now });
    expect(asDeveloper.failures).toBeNull();
    expect(asDeveloper.counts).toEqual(d.counts);
  });

  it("is not found for a non-member of a private project, and readable by anyone for a public one", async () => {
    await expect(projectDashboard({ actor: outsider, projectId: team.id, now })).rejects.toBeInstanceOf(NotFoundError);
    await expect(projectDashboard({ actor: outsider, projectId: hidden.id, now })).rejects.toBeInstanceOf(NotFoundError);
    const d = await projectDashboard({ actor: outsider, projectId: open.id, now });
    expect(d.counts).toEqual({ projects: null, repositories: 0, artifacts: 0, storageBytes: 0 });
    expect(d.failures).toBeNull();
  });
});

describe("systemDashboard", () => {
  it("shows a member only their projects: nothing of another private project, not even its name", async () => {
    const d = await systemDashboard({ actor: owner, now });
    expect(d.scope).toBe("member");
    expect(d.counts).toEqual({ projects: 1, repositories: 2, artifacts: 4, storageBytes: 11399 });
    // The team's traffic only: the hidden project's 7 pulls are not in it.
    expect(d.traffic.reduce((n, t) => n + t.pulls, 0)).toBe(3 + 8 + 1);
    expect(d.topPulled.map((r) => r.name)).toEqual([`${team.name}/app`, `${team.name}/web`]);
    // The team's refusals only: the four seeded and those this file's own refused reads added.
    const teamFailures = await db.auditEvent.count({ where: { projectId: team.id, result: "failure", occurredAt: { gte: since } } });
    expect(teamFailures).toBeGreaterThanOrEqual(4);
    expect(d.failures).toHaveLength(teamFailures);
    expect(d.failures!.every((f) => f.kind === "request" && f.projectId === team.id)).toBe(true);
    expect(d.jobHealth).toBeNull();
    expect(JSON.stringify(d)).not.toContain(hidden.name);
  });

  it("counts a project reached through a group or a role across projects like a membership, refusals with it", async () => {
    const viaGroup = actorFor(await createTestUser());
    const group = await db.userGroup.create({ data: { groupType: "oidc", externalKey: uniqueName("dash-group"), name: uniqueName("dash-group") } });
    await db.userGroupMember.create({ data: { userId: viaGroup.id, groupId: group.id } });
    await db.projectMember.create({ data: { projectId: team.id, groupId: group.id, roleId: 1 } });
    const viaRule = actorFor(await createTestUser());
    await db.projectRoleRule.create({ data: { userId: viaRule.id, pattern: team.name, roleId: 1, createdBy: "test" } });
    const byOwner = await systemDashboard({ actor: owner, now });
    for (const actor of [viaGroup, viaRule]) {
      const d = await systemDashboard({ actor, now });
      expect(d.counts).toEqual(byOwner.counts);
      expect(d.failures?.length).toBe(byOwner.failures?.length);
      expect(JSON.stringify(d)).not.toContain(hidden.name);
    }
  });

  it("shows a member without the project's log no refusals, and someone in no project nothing at all", async () => {
    expect((await systemDashboard({ actor: developer, now })).failures).toBeNull();
    const d = await systemDashboard({ actor: outsider, now });
    expect(d.counts).toEqual({ projects: 0, repositories: 0, artifacts: 0, storageBytes: 0 });
    expect(d.traffic.every((t) => t.pushes === 0 && t.pulls === 0)).toBe(true);
    expect(d.topPulled).toEqual([]);
    expect(d.failures).toBeNull();
    expect(d.jobHealth).toBeNull();
    // Not even the public project: the landing page is the projects one is a member of.
    expect(JSON.stringify(d)).not.toMatch(new RegExp(`${team.name}|${hidden.name}|${open.name}`));
  });

  it("shows administrators and auditors the whole registry: traffic, top pulled and counts add up exactly", async () => {
    const before = await systemDashboard({ actor: admin, now });
    expect(before.scope).toBe("system");

    const extra = await db.project.create({ data: { name: uniqueName("dash-extra") } });
    const repo = await db.repository.create({ data: { projectId: extra.id, name: `${extra.name}/busy`, artifactCount: 1 } });
    // Two images sharing a 5000-byte layer: the layer counts once.
    const layer = { digest: digest(), size: 5000 };
    await artifact(repo.id, 12345, IMAGE, layer);
    await artifact(repo.id, 55, IMAGE, layer);
    await traffic([
      { action: "artifact.pull", projectId: extra.id, name: `${extra.name}/busy:1`, at: onDay(10), times: 60 },
      { action: "artifact.push", projectId: extra.id, name: `${extra.name}/busy:1`, at: onDay(10), times: 2 },
      { action: "artifact.pull", projectId: extra.id, name: `${extra.name}/busy:1`, at: new Date(since.getTime() - DAY), times: 50 },
    ]);

    const after = await systemDashboard({ actor: admin, now });
    expect(after.counts).toEqual({
      projects: before.counts.projects! + 1,
      repositories: before.counts.repositories + 1,
      artifacts: before.counts.artifacts + 1,
      storageBytes: before.counts.storageBytes + 12345 + 55 + 5000,
    });
    const delta = after.traffic.map((t, i) => ({ day: t.day, pushes: t.pushes - before.traffic[i]!.pushes, pulls: t.pulls - before.traffic[i]!.pulls }));
    expect(delta.filter((t) => t.pushes || t.pulls)).toEqual([{ day: days[10], pushes: 2, pulls: 60 }]);
    expect(after.topPulled[0]).toEqual({ repositoryId: repo.id, projectId: extra.id, name: `${extra.name}/busy`, pulls: 60 });
    expect(after.topPulled.length).toBeLessThanOrEqual(5);

    const asAuditor = await systemDashboard({ actor: auditor, now });
    expect(asAuditor.scope).toBe("system");
    expect(asAuditor.counts).toEqual(after.counts);
    expect(asAuditor.traffic).toEqual(after.traffic);
    expect(asAuditor.failures?.some((f) => f.kind === "request" && f.projectId === hidden.id)).toBe(true);
  });

  it("reports job health per job and failed runs among the recent failures, to administrators and auditors", async () => {
    // A cron tick's job, which no other test reads the runs of; the rows are removed at the end.
    const jobName = "retention.schedule";
    expect(JOB_REGISTRY.map((j) => j.id)).toContain(jobName);
    const before = (await systemDashboard({ actor: admin, now: new Date() })).jobHealth!;
    expect(before.map((j) => j.jobName).sort()).toEqual(JOB_REGISTRY.map((j) => j.id).sort());
    const was = before.find((j) => j.jobName === jobName)!;

    const at = new Date();
    const run = (status: "failed" | "queued" | "succeeded", finishedAgoMs: number | null, queuedAgoMs: number) => ({
      jobName,
      jobVersion: 1,
      trigger: "test",
      status,
      queuedAt: new Date(at.getTime() - queuedAgoMs),
      finishedAt: finishedAgoMs === null ? null : new Date(at.getTime() - finishedAgoMs),
      error: status === "failed" ? "registry answered 503\nstack…" : null,
    });
    const runs = await db.jobRun.createManyAndReturn({
      data: [
        run("failed", 25 * 3_600_000, 26 * 3_600_000), // failed, but more than a day ago
        run("failed", 0, 3_000), // failed in the last day, the newest failure of all
        run("succeeded", 2_000, 2_500),
        run("queued", null, 500), // the newest run
      ],
      select: { id: true },
    });
    try {
      const d = await systemDashboard({ actor: auditor, now: new Date(at.getTime() + 1_000) });
      expect(d.jobHealth!.find((j) => j.jobName === jobName)).toEqual({
        jobName,
        lastStatus: "queued",
        lastQueuedAt: new Date(at.getTime() - 500).toISOString(),
        failedLast24h: was.failedLast24h + 1,
        queuedNow: was.queuedNow + 1,
      });
      expect(d.failures![0]).toEqual({ kind: "job", id: runs[1]!.id, jobName, error: "registry answered 503", at: at.toISOString() });
      // Newest first, at most ten, refusals and failed runs together.
      expect(d.failures!.length).toBeLessThanOrEqual(10);
      expect(d.failures!.some((f) => f.kind === "request")).toBe(true);
      expect(d.failures!.map((f) => f.at)).toEqual([...d.failures!.map((f) => f.at)].sort().reverse());
      // A member is never shown job runs, even a Project Admin.
      expect((await systemDashboard({ actor: owner })).jobHealth).toBeNull();
    } finally {
      await db.jobRun.deleteMany({ where: { id: { in: runs.map((r) => r.id) } } });
    }
  });
});
