import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

// As in browse.test.ts: the registry port and external URL are read once by getServerEnv().
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("delete-repository-tests-secret-key-0123456789")));

import { ConflictError, ForbiddenError, NotFoundError } from "@/lib/errors";
import { getBoss, stopSharedBoss } from "@/lib/jobs/boss";
import { deleteRepositoryJob } from "@/lib/jobs/definitions";
import { testJobContext } from "@/lib/jobs/testing/job-context";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { createMember, createProject, db } from "@/lib/services/registry-auth/test-fixtures";
import { claimJobRun, type ClaimedJobRun } from "@/lib/services/jobs/job-runs";
import { deleteRepository, deleteRepositoryContent, retryRepositoryDelete } from "@/lib/services/repositories/delete-repository";
import { listPullableRepositories } from "@/lib/services/repositories/list-pullable-repositories";
import { listRepositories } from "@/lib/services/repositories/list-repositories";
import { search } from "@/lib/services/search/search";
import { actorFor } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { writeOciImageLayout } from "@/lib/testing/oci-layout";

const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "delete-repository" });

afterAll(() => stopSharedBoss());

let counter = 0;
/** A distinct image (its own digest) pushed through the gateway under `tag`. */
async function pushDistinct(token: string, repository: string, tag: string): Promise<string> {
  counter += 1;
  const dir = path.join(h.tmp, `img-${counter}-${Math.random().toString(36).slice(2)}`);
  const image = await writeOciImageLayout(dir, { tag: "t", architecture: "amd64", files: { "n.txt": `${repository} ${counter}` } });
  await h.stage(image.ref, repository, image.manifestDigest);
  await h.putManifest(token, repository, tag, await h.blobBytes(dir, image.manifestDigest), OCI_IMAGE_MANIFEST);
  return image.manifestDigest;
}

/** The run claimed by a new attempt, as the worker claims it (a retry after a crash claims it again). */
async function claim(runId: number): Promise<ClaimedJobRun> {
  const queued = await db.jobRun.findUniqueOrThrow({ where: { id: runId }, select: { bossJobId: true } });
  return claimJobRun({ runId, bossJobId: queued.bossJobId!, jobName: deleteRepositoryJob.id, jobVersion: 1, trigger: "test" });
}

describe("repository delete job", () => {
  it("a crashed attempt's retry continues with the manifests left; the index follows each manifest deleted", async () => {
    const { project, maintainer, repository, token } = await h.setup();
    const digests = [await pushDistinct(token, repository, "1"), await pushDistinct(token, repository, "2"), await pushDistinct(token, repository, "3")];
    const actor = actorFor(maintainer);
    const { runId } = await deleteRepository({ actor, repository, projectId: project.id });

    // The first attempt dies after its second manifest (its step committed, then the process went away).
    const first = await claim(runId);
    const ctx = testJobContext(first, deleteRepositoryJob.payload.parse(first.payload));
    let steps = 0;
    const crashing = {
      ...ctx,
      step: async <T,>(...args: Parameters<typeof ctx.step<T>>) => {
        const value = await ctx.step(...args);
        if (++steps === 2) throw new Error("worker killed");
        return value;
      },
    };
    await expect(deleteRepositoryContent(crashing)).rejects.toThrow("worker killed");
    const midway = await db.jobRun.findUniqueOrThrow({ where: { id: runId } });
    expect(midway).toMatchObject({ progressDone: 2, progressTotal: 3, checkpoint: digests[1] });
    expect(await db.artifact.findMany({ where: { repository: { name: repository } }, select: { digest: true } })).toEqual([{ digest: digests[2] }]);
    for (const d of digests.slice(0, 2)) expect(await h.backing.headManifest(repository, d)).toBeNull();
    expect(await h.backing.headManifest(repository, digests[2]!)).not.toBeNull();

    // The retry (a new attempt) deletes only what is left, and the repository row last.
    const second = await claim(runId);
    const retried = testJobContext(second, deleteRepositoryJob.payload.parse(second.payload));
    expect(await deleteRepositoryContent(retried)).toEqual({ manifests: 3 });
    await retried.logged;
    expect(await h.backing.listTags(repository)).toEqual([]);
    expect(await h.backing.headManifest(repository, digests[2]!)).toBeNull();
    expect(await db.repository.findUnique({ where: { name: repository } })).toBeNull();
    const done = await db.jobRun.findUniqueOrThrow({ where: { id: runId } });
    expect(done).toMatchObject({ progressDone: 3, progressTotal: 3, attempts: 2 });
    expect(done.log).toContain("resuming: deleting 1 manifest(s)");
    // One audit row for the whole delete: the request's.
    expect(await db.auditEvent.count({ where: { action: "repository.delete", projectId: project.id } })).toBe(1);
    // Each manifest removed from the index wrote its artifact_deleted event.
    expect((await db.artifactEvent.findMany({ where: { repository, kind: "artifact_deleted" }, select: { digest: true }, orderBy: { id: "asc" } })).map((e) => e.digest)).toEqual(digests);
  }, 60_000);

  it("while its job runs the repository is in no listing or search, a push into it is not indexed, and the job deletes that push too", async () => {
    const { project, maintainer, repository, token } = await h.setup();
    const before = await pushDistinct(token, repository, "1");
    const actor = actorFor(maintainer);
    const { runId } = await deleteRepository({ actor, repository, projectId: project.id });

    expect((await listRepositories({ actor, projectId: project.id, page: 1, pageSize: 10 })).rows).toEqual([]);
    expect((await search({ actor, q: repository })).repositories.map((r) => r.name)).not.toContain(repository);
    expect((await listPullableRepositories({ actor, n: 100, last: null })).repositories).not.toContain(repository);
    await expect(listRepositories({ actor: actorFor(await createMember((await createProject()).id, 4)), projectId: project.id, page: 1, pageSize: 10 })).rejects.toBeInstanceOf(NotFoundError);

    // A push now reaches the registry but is refused by the index (the request fails).
    counter += 1;
    const dir = path.join(h.tmp, `late-${counter}`);
    const late = await writeOciImageLayout(dir, { tag: "t", architecture: "amd64", files: { "late.txt": String(counter) } });
    await h.stage(late.ref, repository, late.manifestDigest);
    const res = await h.call(`/v2/${repository}/manifests/late`, { method: "PUT", token, body: await h.blobBytes(dir, late.manifestDigest), headers: { "content-type": OCI_IMAGE_MANIFEST } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await db.artifact.findMany({ where: { repository: { name: repository } }, select: { digest: true } })).toEqual([{ digest: before }]);

    expect(await runQueuedRun(deleteRepositoryJob, runId)).toEqual({ manifests: 2 });
    expect(await h.backing.listTags(repository)).toEqual([]);
    expect(await db.repository.findUnique({ where: { name: repository } })).toBeNull();
    // Gone, a new push makes a new repository.
    await pushDistinct(token, repository, "again");
    expect((await listRepositories({ actor, projectId: project.id, page: 1, pageSize: 10 })).rows.map((r) => r.name)).toEqual([repository]);
  }, 60_000);

  it("a run that failed for good is retried by someone who may delete the repository (one repository.delete.retry row) and then finishes", async () => {
    const { project, maintainer, repository, token } = await h.setup();
    await pushDistinct(token, repository, "1");
    const actor = actorFor(maintainer);
    const { runId } = await deleteRepository({ actor, repository, projectId: project.id });
    // As pg-boss leaves a run whose retries were used up: failed, its job ended.
    const failed = await db.jobRun.update({ where: { id: runId }, data: { status: "failed", error: "registry unavailable" }, select: { bossJobId: true } });
    await (await getBoss()).cancel(deleteRepositoryJob.id, failed.bossJobId!);

    const guestUser = await createMember(project.id, 3);
    const guest = actorFor(guestUser);
    await expect(retryRepositoryDelete({ actor: guest, runId })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await db.jobRun.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: "failed", bossJobId: failed.bossJobId });

    await retryRepositoryDelete({ actor, runId });
    const queued = await db.jobRun.findUniqueOrThrow({ where: { id: runId } });
    expect(queued).toMatchObject({ status: "queued", error: null });
    expect(queued.bossJobId).not.toBe(failed.bossJobId);
    await expect(retryRepositoryDelete({ actor, runId })).rejects.toBeInstanceOf(ConflictError);
    const rows = await db.auditEvent.findMany({ where: { action: "repository.delete.retry", projectId: project.id }, select: { result: true, actorName: true } });
    expect(rows.map((r) => [r.actorName, r.result]).sort()).toEqual([
      [guestUser.username, "failure"],
      [maintainer.username, "success"],
    ].sort());

    expect(await runQueuedRun(deleteRepositoryJob, runId)).toEqual({ manifests: 1 });
    expect(await db.repository.findUnique({ where: { name: repository } })).toBeNull();
  }, 60_000);
});
