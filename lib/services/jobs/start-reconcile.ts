import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { actorName } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { getBoss } from "@/lib/jobs/boss";
import { reconcileIndexJob } from "@/lib/jobs/definitions";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { attachBossJob } from "@/lib/services/jobs/job-runs";

/**
 * Queues a run of the index reconcile (administrators only). The request returns at once with
 * the run's id; the worker does the walk and the System health page follows its progress. Who
 * asked is audited here (`index.reconcile.start`); what the run changed is the run's own
 * `index.reconcile` row, written by the system actor when it finishes.
 */
export async function startReconcile({ actor }: { actor: Actor }): Promise<{ runId: number }> {
  await assertSystemPermission(actor, "index.reconcile", { type: "index" }, "index.reconcile.start");
  const runId = await db.$transaction(async (tx) => {
    const run = await tx.jobRun.create({
      data: { jobName: reconcileIndexJob.id, jobVersion: reconcileIndexJob.version, trigger: actorName(actor).slice(0, 255) },
      select: { id: true },
    });
    await recordAuditEvent(tx, { actor, action: "index.reconcile.start", resource: { type: "job_run", id: run.id, name: reconcileIndexJob.id } });
    return run.id;
  });
  await enqueue(runId);
  return { runId };
}

/**
 * Runs a failed run again (after pg-boss's own retries gave up): same run row, same counts, and
 * it resumes after its checkpoint instead of walking the registry from the start.
 */
export async function retryReconcile({ actor, runId }: { actor: Actor; runId: number }): Promise<void> {
  await assertSystemPermission(actor, "index.reconcile", { type: "job_run", id: runId }, "index.reconcile.retry");
  await db.$transaction(async (tx) => {
    const run = await tx.jobRun.findFirst({ where: { id: runId, jobName: reconcileIndexJob.id }, select: { status: true } });
    if (!run) throw new NotFoundError("No such reconcile run.");
    if (run.status !== "failed") throw new ConflictError(`Run #${runId} is ${run.status}; only a failed run can be retried.`);
    await tx.jobRun.update({ where: { id: runId }, data: { status: "queued", error: null, finishedAt: null }, select: { id: true } });
    await recordAuditEvent(tx, { actor, action: "index.reconcile.retry", resource: { type: "job_run", id: runId, name: reconcileIndexJob.id } });
  });
  await enqueue(runId);
}

async function enqueue(runId: number): Promise<void> {
  const boss = await getBoss();
  const bossJobId = await boss.send(reconcileIndexJob.id, reconcileIndexJob.payload.parse({ version: 1, runId }));
  if (bossJobId) await attachBossJob(runId, bossJobId);
}
