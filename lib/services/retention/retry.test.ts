import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { ConflictError, ForbiddenError } from "@/lib/errors";
import { stopSharedBoss } from "@/lib/jobs/boss";
import { retentionRepositoryJob, retentionRunJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { ALL_REPOSITORIES, ALL_TAGS } from "@/lib/policy/selectors";
import { claimJobRun, finishJobRun } from "@/lib/services/jobs/job-runs";
import { createMember, createProject, db } from "@/lib/services/registry-auth/test-fixtures";
import { setProjectRetention } from "@/lib/services/retention/policies";
import { listRetentionExecutions, retryRetentionRun, startRetentionRun } from "@/lib/services/retention/runs";
import { actorFor, createTestUser } from "@/lib/testing/factories";

afterAll(() => stopSharedBoss());

const KEEP_LATEST = { rules: [{ template: "latestPushedK", count: 1, repositories: ALL_REPOSITORIES, tags: ALL_TAGS }] };

/** A repository written straight to the index: three tagged artifacts, an hour apart. */
async function seedRepository(projectId: number, name: string): Promise<void> {
  const repository = await db.repository.create({ data: { projectId, name }, select: { id: true } });
  for (let i = 1; i <= 3; i++) {
    const digest = `sha256:${createHash("sha256").update(`${name}:${i}`).digest("hex")}`;
    const artifact = await db.artifact.create({
      data: { repositoryId: repository.id, digest, mediaType: OCI_IMAGE_MANIFEST, manifestSize: 100, totalSize: 1000n, pushedAt: new Date(Date.now() - (4 - i) * 3600_000) },
      select: { id: true },
    });
    await db.tag.create({ data: { repositoryId: repository.id, artifactId: artifact.id, name: `v${i}`, pushedAt: new Date(Date.now() - (4 - i) * 3600_000) } });
  }
}

/** The worker's final failure of a queued task: claimed, then failed with no retry left. */
async function failFinally(runId: number): Promise<void> {
  const run = await db.jobRun.findUniqueOrThrow({ where: { id: runId }, select: { bossJobId: true } });
  const claimed = await claimJobRun({ runId, bossJobId: run.bossJobId!, jobName: retentionRepositoryJob.id, jobVersion: retentionRepositoryJob.version, trigger: "test" });
  await finishJobRun(claimed, { status: "failed", error: "registry unavailable (test)", willRetry: false });
}

describe("retrying a retention execution", () => {
  it("queues only the failed tasks again; the others are not run twice and nothing is decided twice", async () => {
    const project = await createProject();
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    await seedRepository(project.id, `${project.name}/a`);
    await seedRepository(project.id, `${project.name}/b`);
    await setProjectRetention({ actor: admin, projectId: project.id, input: KEEP_LATEST });
    const { executionId, runId } = await startRetentionRun({ actor: admin, projectId: project.id, dryRun: true });
    await runQueuedRun(retentionRunJob, runId);
    const [first, second] = await db.jobRun.findMany({ where: { parentRunId: runId }, orderBy: { id: "asc" }, select: { id: true } });
    await runQueuedRun(retentionRepositoryJob, first!.id);
    await failFinally(second!.id);

    const view = async () => (await listRetentionExecutions({ actor: admin, projectId: project.id, page: { page: 1, pageSize: 10 } })).rows.find((e) => e.id === executionId)!;
    expect((await view()).status).toBe("Failed");
    const firstRun = await db.jobRun.findUniqueOrThrow({ where: { id: first!.id }, select: { attempts: true, status: true } });

    expect(await retryRetentionRun({ actor: admin, projectId: project.id, executionId })).toEqual({ retried: 1 });
    expect((await view()).status).toBe("Running");
    // Only the failed task is queued again; the one that succeeded keeps its single attempt.
    expect(await db.jobRun.findUniqueOrThrow({ where: { id: first!.id }, select: { attempts: true, status: true } })).toEqual(firstRun);
    expect((await db.jobRun.findUniqueOrThrow({ where: { id: second!.id }, select: { status: true } })).status).toBe("queued");

    await runQueuedRun(retentionRepositoryJob, second!.id);
    const done = await view();
    expect(done.status).toBe("Succeed");
    // Each repository decided once: 3 artifacts each, 1 kept and 2 that would go.
    expect(done.counts).toEqual({ total: 6, retained: 2, removed: 4, deleted: 0 });
    const audit = await db.auditEvent.findMany({ where: { action: "retention_execution.retry", projectId: project.id }, select: { result: true, detail: true } });
    expect(audit).toEqual([{ result: "success", detail: expect.objectContaining({ tasks: 1 }) }]);

    // Nothing failed any more: a second retry is refused (a conflict, not a permission refusal: no row).
    await expect(retryRetentionRun({ actor: admin, projectId: project.id, executionId })).rejects.toBeInstanceOf(ConflictError);
  });

  it("a guest may not retry; a running execution cannot be retried", async () => {
    const project = await createProject();
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const guest = await createMember(project.id, 3);
    await seedRepository(project.id, `${project.name}/a`);
    await setProjectRetention({ actor: admin, projectId: project.id, input: KEEP_LATEST });
    const { executionId } = await startRetentionRun({ actor: admin, projectId: project.id, dryRun: true });
    await expect(retryRetentionRun({ actor: actorFor(guest), projectId: project.id, executionId })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(retryRetentionRun({ actor: admin, projectId: project.id, executionId })).rejects.toBeInstanceOf(ConflictError);
    const refusals = await db.auditEvent.count({ where: { action: "retention_execution.retry", projectId: project.id, result: "failure" } });
    expect(refusals).toBe(1);
  });
});
