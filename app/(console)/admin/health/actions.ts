"use server";

import { type ActionResult, toActionError } from "@/lib/actions/action-result";
import { type PollResult, pollResult } from "@/lib/actions/poll";
import { getActor } from "@/lib/auth/session";
import { deleteRepositoryJob, reconcileIndexJob } from "@/lib/jobs/definitions";
import { listJobRuns, type JobRunView } from "@/lib/services/jobs/job-runs";
import { retryReconcile, startReconcile } from "@/lib/services/jobs/start-reconcile";
import { retryRepositoryDelete } from "@/lib/services/repositories/delete-repository";
import { isDatabaseId } from "@/lib/validation/common";

// Thin actions: the services authorize (index.reconcile to start, system.health.read to read).

export async function startReconcileAction(): Promise<ActionResult> {
  try {
    const { runId } = await startReconcile({ actor: await getActor() });
    return { ok: true, message: `Reconcile run #${runId} queued.` };
  } catch (err) {
    return toActionError(err);
  }
}

export async function retryReconcileAction(runId: number): Promise<ActionResult> {
  if (!isDatabaseId(runId)) return { ok: false, message: "No such run." };
  try {
    await retryReconcile({ actor: await getActor(), runId });
    return { ok: true, message: `Run #${runId} queued again; it continues after its last repository done.` };
  } catch (err) {
    return toActionError(err);
  }
}

/** Polled by the health page while it is open (react-query); at most the 5 latest runs, or the refusal. */
export async function listReconcileRunsAction(): Promise<PollResult<JobRunView[]>> {
  return pollResult(async () => listJobRuns({ actor: await getActor(), jobName: reconcileIndexJob.id, take: 5 }));
}

export async function retryRepositoryDeleteAction(runId: number): Promise<ActionResult> {
  if (!isDatabaseId(runId)) return { ok: false, message: "No such run." };
  try {
    await retryRepositoryDelete({ actor: await getActor(), runId });
    return { ok: true, message: `Run #${runId} queued again; it continues with the manifests left.` };
  } catch (err) {
    return toActionError(err);
  }
}

/** Polled by the health page: the latest repository deletes (system.health.read), or the refusal. */
export async function listRepositoryDeleteRunsAction(): Promise<PollResult<JobRunView[]>> {
  return pollResult(async () => listJobRuns({ actor: await getActor(), jobName: deleteRepositoryJob.id, take: 5 }));
}
