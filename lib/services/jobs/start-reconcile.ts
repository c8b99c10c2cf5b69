import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { actorName } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { reconcileIndexJob } from "@/lib/jobs/definitions";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { queueRun, retryRun } from "@/lib/services/jobs/queue-run";

/**
 * Queues a run of the index reconcile (administrators only). The request returns at once with
 * the run's id; the worker does the walk and the System health page follows its progress. Who
 * asked is audited here (`index.reconcile.start`); what the run changed is the run's own
 * `index.reconcile` row, written by the system actor when it finishes.
 */
export async function startReconcile({ actor }: { actor: Actor }): Promise<{ runId: number }> {
  await assertSystemPermission(actor, "index.reconcile", { type: "index" }, "index.reconcile.start");
  return db.$transaction(async (tx) => {
    const queued = await queueRun(tx, reconcileIndexJob, {}, actorName(actor));
    await recordAuditEvent(tx, { actor, action: "index.reconcile.start", resource: { type: "job_run", id: queued.runId, name: reconcileIndexJob.id } });
    return queued;
  });
}

/**
 * Runs a failed run again (after pg-boss's own retries gave up): same run row, same counts, and
 * it resumes after its checkpoint instead of walking the registry from the start.
 */
export async function retryReconcile({ actor, runId }: { actor: Actor; runId: number }): Promise<void> {
  await assertSystemPermission(actor, "index.reconcile", { type: "job_run", id: runId }, "index.reconcile.retry");
  await db.$transaction(async (tx) => {
    await retryRun(tx, reconcileIndexJob, runId, "reconcile run");
    await recordAuditEvent(tx, { actor, action: "index.reconcile.retry", resource: { type: "job_run", id: runId, name: reconcileIndexJob.id } });
  });
}
