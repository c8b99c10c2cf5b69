import "server-only";
import { systemActor } from "@/lib/auth/actor";
import { proxyCacheWriteRefusal } from "@/lib/services/proxy-cache/write-policy";
import { db } from "@/lib/db/client";
import type { AwaitingChildren, JobContext } from "@/lib/jobs/define-job";
import { replicationTaskJob, type ReplicationRunPayload, type ReplicationTaskPayload } from "@/lib/jobs/definitions";
import { type CopiedAccessory, copy } from "@/lib/registry/copy";
import { planReplication } from "@/lib/services/replication/plan";
import { policyEnds } from "@/lib/services/replication/preview";
import { prepareManifest, writeArtifact } from "@/lib/services/repositories/index-manifest";
import { queueReplicationWebhooks } from "@/lib/services/webhooks/replication";

/** A task's log keeps its last lines only; the copy engine's own retries can make many. */
const TASK_LOG_MAX_CHARS = 16_000;
/** How often a copying task looks for a stop of its execution (stopReplication runs in another process). */
export const STOP_POLL_MS = 1_000;

/** The copy was interrupted because its execution was stopped. */
class ReplicationStoppedError extends Error {
  constructor() {
    super("the execution was stopped");
    this.name = "ReplicationStoppedError";
  }
}

/**
 * Aborts `controller` once the execution has a stop recorded: polled, since the stop is written
 * by whichever process answered it. Call the returned function to stop watching.
 */
function watchForStop(executionId: number, controller: AbortController): () => void {
  let checking = false;
  const timer = setInterval(() => {
    if (checking || controller.signal.aborted) return;
    checking = true;
    db.replicationExecution
      .findUnique({ where: { id: executionId }, select: { stoppedAt: true } })
      .then((row) => {
        if (row?.stoppedAt) controller.abort(new ReplicationStoppedError());
      })
      // A failed look is tried again at the next tick; the copy goes on meanwhile.
      .catch(() => undefined)
      .finally(() => (checking = false));
  }, STOP_POLL_MS);
  return () => clearInterval(timer);
}

function appendLog(log: string, line: string): string {
  const next = `${log}${new Date().toISOString()} ${line}\n`;
  return next.length > TASK_LOG_MAX_CHARS ? next.slice(next.length - TASK_LOG_MAX_CHARS) : next;
}

/**
 * The run: a first attempt plans (the preview's code path) and writes every decision as a task in
 * one step, so a retried attempt finds them and plans nothing again; then one `replication.task`
 * child per copy. A retry of the failed tasks (`retryFailed`) resets those to Pending and fans
 * out only them: what succeeded is never copied twice.
 */
export async function runReplicationExecution(ctx: JobContext<ReplicationRunPayload>): Promise<AwaitingChildren | { tasks: 0 }> {
  const { executionId, retryFailed } = ctx.payload;
  const execution = await db.replicationExecution.findUnique({ where: { id: executionId }, select: { policyId: true, stoppedAt: true } });
  if (!execution) throw new Error(`Replication execution ${executionId} does not exist.`);
  if (execution.stoppedAt) return { tasks: 0 };

  if (retryFailed) {
    const failed = await ctx.step(
      async (tx) => {
        const rows = await tx.replicationTask.findMany({ where: { executionId, status: "Failed" }, select: { id: true }, orderBy: { id: "asc" } });
        await tx.replicationTask.updateMany({ where: { id: { in: rows.map((r) => r.id) } }, data: { status: "Pending", finishedAt: null } });
        await tx.replicationExecution.update({ where: { id: executionId }, data: { status: "InProgress", endedAt: null }, select: { id: true } });
        return rows;
      },
      (rows) => ({ log: `retrying ${rows.length} failed task(s)` }),
    );
    return finishOrFanOut(ctx, executionId, failed.map((t) => t.id));
  }

  const planned = await db.replicationTask.count({ where: { executionId } });
  if (planned === 0) {
    const ends = await policyEnds(execution.policyId);
    const plan = await planReplication({ policy: ends.policy, sources: ends.sources, destination: ends.destination });
    await ctx.step(
      async (tx) => {
        const now = new Date();
        await tx.replicationTask.createMany({
          data: plan.map((p) => ({
            executionId,
            operation: p.operation,
            resourceType: p.resourceType,
            srcRepository: p.srcRepository,
            dstRepository: p.dstRepository,
            digest: p.digest,
            tags: p.tags,
            reason: p.reason,
            // A skip is decided, not done: it ends here, with its reason as its log.
            status: p.operation === "skip" ? "Succeed" : "Pending",
            log: p.operation === "skip" ? appendLog("", p.reason) : "",
            ...(p.operation === "skip" ? { startedAt: now, finishedAt: now } : {}),
          })),
        });
      },
      { log: `planned ${plan.length} artifact(s): ${plan.filter((p) => p.operation === "copy").length} to copy` },
    );
  }
  const pending = await db.replicationTask.findMany({ where: { executionId, status: "Pending" }, select: { id: true }, orderBy: { id: "asc" } });
  return finishOrFanOut(ctx, executionId, pending.map((t) => t.id));
}

async function finishOrFanOut(ctx: JobContext<ReplicationRunPayload>, executionId: number, taskIds: number[]): Promise<AwaitingChildren | { tasks: 0 }> {
  if (taskIds.length === 0) {
    await settleExecution(executionId);
    return { tasks: 0 };
  }
  return ctx.fanOut(replicationTaskJob, taskIds.map((taskId) => ({ taskId })));
}

/**
 * Sets the execution's status once no task is left to run: Stopped after a stop, Failed when a
 * task failed, else Succeed. Each task calls it when it ends; the last one settles it, and queues
 * the REPLICATION webhooks in the same transaction.
 */
export async function settleExecution(executionId: number): Promise<void> {
  await db.$transaction(async (tx) => {
    // Locked, so two tasks ending at once settle it (and send its webhooks) once.
    const [execution] = await tx.$queryRaw<{ stoppedAt: Date | null; endedAt: Date | null }[]>`
      SELECT stopped_at AS "stoppedAt", ended_at AS "endedAt" FROM replication_executions WHERE id = ${executionId} FOR UPDATE`;
    if (!execution || execution.endedAt) return;
    const counts = await tx.replicationTask.groupBy({ by: ["status"], where: { executionId }, _count: { _all: true } });
    const count = (status: string) => counts.find((c) => c.status === status)?._count._all ?? 0;
    if (count("Pending") + count("InProgress") > 0) return;
    const status = execution.stoppedAt ? "Stopped" : count("Failed") > 0 ? "Failed" : "Succeed";
    const total = counts.reduce((n, c) => n + c._count._all, 0);
    const statusText = `${count("Succeed")} of ${total} task(s) succeeded${count("Failed") ? `, ${count("Failed")} failed` : ""}${count("Stopped") ? `, ${count("Stopped")} stopped` : ""}`;
    await tx.replicationExecution.update({ where: { id: executionId }, data: { status, statusText, endedAt: new Date() }, select: { id: true } });
    await queueReplicationWebhooks(tx, executionId);
  });
}

/**
 * One task: copies its artifact with the copy engine, once per tag (by digest when untagged), with
 * the policy's bandwidth limit and copy parallelism, and a repository this policy already copied
 * into as the mount hint (blobs shared with it are linked, not sent); for a pull, writes each tag
 * into Wharf's index through writeArtifact as any arrival. A stopped execution's pending task
 * ends Stopped without copying; a copy under way when the stop comes is aborted mid-blob (the
 * engine writes no tag after an abort) and ends Stopped too. Failure is recorded on the task
 * (status, log) and the run; the task is then retried by hand (retry failed tasks).
 */
export async function runReplicationTask(ctx: JobContext<ReplicationTaskPayload>): Promise<{ bytes: number }> {
  const { taskId } = ctx.payload;
  const task = await db.replicationTask.findUnique({
    where: { id: taskId },
    select: {
      executionId: true,
      operation: true,
      srcRepository: true,
      dstRepository: true,
      digest: true,
      tags: true,
      log: true,
      execution: { select: { policyId: true, stoppedAt: true, policy: { select: { bandwidthLimit: true, copyParallelism: true } } } },
    },
  });
  if (!task) throw new Error(`Replication task ${taskId} does not exist.`);
  if (task.execution.stoppedAt) {
    await db.replicationTask.update({ where: { id: taskId }, data: { status: "Stopped", finishedAt: new Date(), log: appendLog(task.log, "stopped before it started") } });
    await settleExecution(task.executionId);
    return { bytes: 0 };
  }
  let log = appendLog(task.log, task.operation === "delete" ? `deleting ${task.dstRepository}@${task.digest}` : `copying ${task.srcRepository}@${task.digest} to ${task.dstRepository}${task.tags.length ? ` as ${task.tags.join(", ")}` : ""}`);
  await db.replicationTask.update({ where: { id: taskId }, data: { status: "InProgress", startedAt: new Date(), finishedAt: null, attempts: { increment: 1 }, runId: ctx.run.id, log } });
  let bytes = 0;
  const stop = new AbortController();
  const unwatch = watchForStop(task.executionId, stop);
  // The lease's signal (the run was taken back) or the stop, whichever comes first.
  const signal = AbortSignal.any([ctx.signal, stop.signal]);
  try {
    const ends = await policyEnds(task.execution.policyId);
    if (task.operation === "delete") {
      // Already gone at the destination is what a deletion wants.
      if (await ends.destination.headManifest(task.dstRepository, task.digest)) await ends.destination.deleteManifest(task.dstRepository, task.digest);
      await db.replicationTask.update({ where: { id: taskId }, data: { status: "Succeed", finishedAt: new Date(), log: appendLog(log, `deleted ${task.dstRepository}@${task.digest}`) } });
      await settleExecution(task.executionId);
      return { bytes: 0 };
    }
    const { bandwidthLimit, copyParallelism } = task.execution.policy;
    // A proxy-cache project is filled by its own upstream only (issue 13): checked before any byte moves.
    if (ends.policy.direction === "pull") await assertPullDestinationWritable(task.dstRepository);
    const mountFrom = await mountHint(task.execution.policyId, task.dstRepository);
    const references: (string | null)[] = task.tags.length ? task.tags : [null];
    // A policy for every kind of artifact carries signatures and SBOMs with their subject (Harbor
    // does the same); an images-only policy leaves them behind.
    const withAccessories = ends.policy.filters.resource === "artifact";
    const accessories: CopiedAccessory[] = [];
    for (const [n, tag] of references.entries()) {
      const result = await copy(
        ends.source,
        ends.destination,
        { srcRepository: task.srcRepository, dstRepository: task.dstRepository, reference: task.digest, tag },
        {
          signal,
          parallelism: copyParallelism,
          withAccessories: withAccessories && n === 0,
          ...(bandwidthLimit ? { bandwidthLimit } : {}),
          ...(mountFrom ? { mountFrom } : {}),
        },
      );
      accessories.push(...(result.accessories ?? []));
      bytes += result.bytesStreamed;
      log = appendLog(log, `${tag ?? task.digest}: ${result.manifests} manifest(s), ${result.blobsStreamed} blob(s) streamed (${result.bytesStreamed} bytes), ${result.blobsSkipped} already there, ${result.blobsMounted} mounted${mountFrom ? ` from ${mountFrom}` : ""}`);
      log = appendLog(
        log,
        `${tag ?? task.digest}: at most ${result.maxBlobsInFlight} of ${copyParallelism} blob(s) at a time; ${
          result.throttle ? `bandwidth limit ${result.throttle.bytesPerSecond} B/s: ${result.throttle.bytes} bytes paced, ${result.throttle.waits} wait(s)` : "no bandwidth limit"
        }`,
      );
      if (ends.policy.direction === "pull") await indexPulled(task.dstRepository, { digest: result.digest, mediaType: result.mediaType, bytes: result.bytes }, tag, ends.destination);
      signal.throwIfAborted();
    }
    if (withAccessories && ends.policy.direction === "push") {
      // OCI referrers Wharf's index links to the subject but no tag of the tag schema names: a
      // remote registry cannot list them, so only a push knows to carry them (by digest).
      for (const referrer of await indexedReferrers(task.srcRepository, task.digest)) {
        if (accessories.some((a) => a.digest === referrer.digest)) continue;
        for (const tag of referrer.tags.length ? referrer.tags : [null]) {
          const result = await copy(
            ends.source,
            ends.destination,
            { srcRepository: task.srcRepository, dstRepository: task.dstRepository, reference: referrer.digest, tag },
            { signal, parallelism: copyParallelism, withAccessories: true, ...(bandwidthLimit ? { bandwidthLimit } : {}) },
          );
          bytes += result.bytesStreamed;
          accessories.push({ digest: result.digest, tag: tag ?? "", mediaType: result.mediaType, bytes: result.bytes }, ...(result.accessories ?? []));
        }
      }
    }
    for (const accessory of accessories) {
      if (ends.policy.direction === "pull") await indexPulled(task.dstRepository, accessory, accessory.tag || null, ends.destination);
      log = appendLog(log, `accessory ${accessory.tag || accessory.digest}: copied with its subject (${accessory.digest})`);
    }
    ctx.log(`task ${taskId}: copied ${bytes} bytes`);
    await db.replicationTask.update({ where: { id: taskId }, data: { status: "Succeed", bytes, finishedAt: new Date(), log: appendLog(log, "done") } });
  } catch (error) {
    if (stop.signal.aborted) {
      // Stopped by hand: not a failure, and nothing for retry-failed to pick up.
      await db.replicationTask.update({ where: { id: taskId }, data: { status: "Stopped", bytes, finishedAt: new Date(), log: appendLog(log, "stopped during the copy") } });
      await settleExecution(task.executionId);
      return { bytes };
    }
    const message = error instanceof Error ? error.message : String(error);
    await db.replicationTask.update({ where: { id: taskId }, data: { status: "Failed", bytes, finishedAt: new Date(), log: appendLog(log, `failed: ${message}`) } });
    await settleExecution(task.executionId);
    throw error;
  } finally {
    unwatch();
  }
  await settleExecution(task.executionId);
  return { bytes };
}

/**
 * Another destination repository this policy has copied into (its latest), where blobs an image
 * shares with earlier ones (base layers) are likely to be: the copy engine asks the destination
 * to mount from it before sending bytes. A wrong guess costs one request per blob, no bytes.
 */
async function mountHint(policyId: number, dstRepository: string): Promise<string | null> {
  const done = await db.replicationTask.findFirst({
    where: { execution: { policyId }, operation: "copy", status: "Succeed", dstRepository: { not: dstRepository } },
    orderBy: { finishedAt: "desc" },
    select: { dstRepository: true },
  });
  return done?.dstRepository ?? null;
}

/** Digests of the artifacts Wharf's index records as referring to `digest` in `repository`. */
async function indexedReferrers(repository: string, digest: string): Promise<{ digest: string; tags: string[] }[]> {
  const rows = await db.artifact.findMany({
    where: { repository: { name: repository }, subjectDigest: digest },
    select: { digest: true, tags: { select: { name: true }, orderBy: { name: "asc" } } },
    orderBy: { id: "asc" },
  });
  return rows.map((r) => ({ digest: r.digest, tags: r.tags.map((t) => t.name) }));
}

/** A pull into a proxy-cache project fails its task, naming why, as a push into one is refused at the gateway. */
async function assertPullDestinationWritable(repository: string): Promise<void> {
  const projectName = repository.split("/")[0]!;
  const project = await db.project.findUnique({ where: { name: projectName }, select: { proxyRegistryId: true } });
  const refused = proxyCacheWriteRefusal(project?.proxyRegistryId ?? null, "manifest-put");
  if (refused) throw new Error(`${projectName}: ${refused.message} Set a destination namespace that is an ordinary project.`);
}

/** A pulled artifact enters Wharf's index as any arrival does; its project must exist in Wharf. */
async function indexPulled(repository: string, manifest: { digest: string; mediaType: string; bytes: Uint8Array }, tag: string | null, registry: Parameters<typeof prepareManifest>[0]["registry"]): Promise<void> {
  const projectName = repository.split("/")[0]!;
  const project = await db.project.findUnique({ where: { name: projectName }, select: { id: true } });
  if (!project) throw new Error(`Wharf has no project ${projectName} to index ${repository} into; create it or set a destination namespace.`);
  const prepared = await prepareManifest({ registry, repository, manifest, tag });
  await writeArtifact({ actor: systemActor("replication"), projectId: project.id, repository, prepared, tag });
}
