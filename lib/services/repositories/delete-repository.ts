import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { actorName, systemActor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { NotFoundError } from "@/lib/errors";
import type { JobContext } from "@/lib/jobs/define-job";
import { type DeleteRepositoryPayload, deleteRepositoryJob } from "@/lib/jobs/definitions";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { RegistryError } from "@/lib/registry/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import { queueRun, retryRun } from "@/lib/services/jobs/queue-run";
import { removeManifest } from "@/lib/services/repositories/index-manifest";
import { resolveRepository } from "@/lib/services/repositories/repository-access";
import { assertTagChangeAllowed, repositoryDeleteDecision } from "@/lib/services/tag-policy/decision";

/**
 * Deletes a repository (repository:delete). The request only accepts it: in one transaction it
 * marks the repository as being deleted (from then on it is in no listing, no read resolves it,
 * and a push into it is not indexed), queues a `repository.delete` run and writes the one
 * `repository.delete` audit row. The run (deleteRepositoryContent) then deletes its manifests in
 * the registry, however many there are, and finally the row.
 */
export async function deleteRepository({ actor, repository, projectId }: { actor: Actor; repository: string; projectId?: number }): Promise<{ runId: number }> {
  const { project, repo } = await resolveRepository(actor, repository, "repository:delete", { projectId });
  // All its tags would go with it: not while one of them is immutable (412, one failure row).
  await assertTagChangeAllowed(await repositoryDeleteDecision({ projectId: project.id, repositoryId: repo.id, repository }), {
    actor,
    operation: "repository.delete",
    resource: { type: "repository", name: repository },
    projectId: project.id,
  });
  return db.$transaction(async (tx) => {
    // Only the first of two concurrent deletes marks it; the second finds it gone, as a reader would.
    const { count } = await tx.repository.updateMany({ where: { id: repo.id, deletingAt: null }, data: { deletingAt: new Date() } });
    if (count === 0) throw new NotFoundError(`Repository ${repository} not found.`);
    const queued = await queueRun(
      tx,
      deleteRepositoryJob,
      { repositoryId: repo.id, repository, projectId: project.id, requestedBy: actorName(actor) },
      actorName(actor),
    );
    await recordAuditEvent(tx, {
      actor,
      action: "repository.delete",
      resource: { type: "repository", id: repo.id, name: repository },
      projectId: project.id,
      detail: { runId: queued.runId },
    });
    return queued;
  });
}

/**
 * Runs a failed delete again (after pg-boss's own retries gave up, e.g. the registry was down):
 * same run, it continues with the manifests left. Needs repository:delete in the repository's
 * project, as the delete did; the repository is hidden by then, so it is found through the run.
 */
export async function retryRepositoryDelete({ actor, runId }: { actor: Actor; runId: number }): Promise<void> {
  const run = await db.jobRun.findFirst({ where: { id: runId, jobName: deleteRepositoryJob.id }, select: { payload: true } });
  const payload = deleteRepositoryJob.payload.safeParse(run?.payload);
  if (!payload.success) throw new NotFoundError("No such repository delete run.");
  const { projectId, repository } = payload.data;
  const project = await findProjectRef(projectId);
  await assertProjectPermission(actor, project, "repository:delete", { type: "job_run", id: runId, name: repository }, "repository.delete.retry");
  await db.$transaction(async (tx) => {
    await retryRun(tx, deleteRepositoryJob, runId, "repository delete run");
    await recordAuditEvent(tx, {
      actor,
      action: "repository.delete.retry",
      resource: { type: "job_run", id: runId, name: repository },
      projectId: project.id,
    });
  });
}

/** Artifacts read from the index per round trip while deleting. */
const BATCH = 200;

const JOB_ACTOR = systemActor("repository.delete");

async function deleteInRegistry(repository: string, digest: string): Promise<void> {
  try {
    await getBackingRegistry().deleteManifest(repository, digest);
  } catch (error) {
    // Already gone (deleted behind Wharf's back, by an earlier attempt, or a child deleted with its index).
    if (!(error instanceof RegistryError && error.status === 404)) throw error;
  }
}

export type DeleteRepositoryResult = { manifests: number };

/**
 * The `repository.delete` run: every indexed manifest deleted in the registry by digest, each
 * followed by one step that removes it from the index (with its `artifact_deleted` event) and
 * records progress, so a crashed attempt's retry continues with the manifests left; then any tag
 * the registry still lists (content pushed behind Wharf's back); then the Repository row.
 * Distribution 2.8 has no repository delete, so its catalog keeps the name with no tags.
 */
export async function deleteRepositoryContent({ run, payload, step, report, log }: JobContext<DeleteRepositoryPayload>): Promise<DeleteRepositoryResult> {
  const { repositoryId, repository } = payload;
  const exists = await db.repository.findUnique({ where: { id: repositoryId }, select: { name: true, deletingAt: true } });
  if (!exists) {
    log("the repository row is already gone; nothing left to do");
    return { manifests: run.progressDone };
  }
  if (exists.name !== repository || exists.deletingAt === null) throw new Error(`repository #${repositoryId} is not ${repository} marked for deletion`);

  let done = run.progressDone;
  const left = await db.artifact.count({ where: { repositoryId } });
  await report({ done, total: done + left, log: `${done ? "resuming: " : ""}deleting ${left} manifest(s) of ${repository} (asked by ${payload.requestedBy})` });
  for (;;) {
    const batch = await db.artifact.findMany({ where: { repositoryId }, select: { id: true, digest: true }, orderBy: { id: "asc" }, take: BATCH });
    if (batch.length === 0) break;
    for (const artifact of batch) {
      await deleteInRegistry(repository, artifact.digest);
      done += 1;
      await step((tx) => removeManifest(tx, { repository, digest: artifact.digest, actor: JOB_ACTOR }), { done, checkpoint: artifact.digest });
    }
  }

  const registry = getBackingRegistry();
  let untracked = 0;
  for (const tag of await registry.listTags(repository).catch(() => [] as string[])) {
    const head = await registry.headManifest(repository, tag);
    if (head) {
      await deleteInRegistry(repository, head.digest);
      untracked += 1;
    }
  }
  if (untracked) log(`deleted ${untracked} manifest(s) the index did not know (pushed behind Wharf's back)`);

  await step((tx) => tx.repository.deleteMany({ where: { id: repositoryId } }), { done, total: done, checkpoint: null, log: `done: ${done + untracked} manifest(s) deleted, repository removed` });
  return { manifests: done + untracked };
}
