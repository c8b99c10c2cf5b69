import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { actorName } from "@/lib/auth/actor";
import { getBoss } from "@/lib/jobs/boss";
import { reconcileIndexJob } from "@/lib/jobs/definitions";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { attachBossJob, createJobRun } from "@/lib/services/jobs/job-runs";

/**
 * Queues a run of the index reconcile (administrators only). The request returns at once with
 * the run's id; the worker does the walk and the System health page follows its progress. The
 * run's own audit row (`index.reconcile`, with its counts) is written when it finishes.
 */
export async function startReconcile({ actor }: { actor: Actor }): Promise<{ runId: number }> {
  await assertSystemPermission(actor, "index.reconcile", { type: "index" });
  const runId = await createJobRun({ jobName: reconcileIndexJob.id, jobVersion: reconcileIndexJob.version, trigger: actorName(actor) });
  const boss = await getBoss();
  const bossJobId = await boss.send(reconcileIndexJob.id, reconcileIndexJob.payload.parse({ version: 1, runId }));
  if (bossJobId) await attachBossJob(runId, bossJobId);
  return { runId };
}
