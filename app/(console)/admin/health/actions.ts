"use server";

import { z } from "zod";
import { valueAction } from "@/lib/actions/form-action";
import { type PollResult, pollResult } from "@/lib/actions/poll";
import { getActor } from "@/lib/auth/session";
import { deleteRepositoryJob, reconcileIndexJob } from "@/lib/jobs/definitions";
import { listJobRuns, type JobRunView } from "@/lib/services/jobs/job-runs";
import { retryReconcile, startReconcile } from "@/lib/services/jobs/start-reconcile";
import { retryRepositoryDelete } from "@/lib/services/repositories/delete-repository";
import { isDatabaseId } from "@/lib/validation/common";

// Thin actions: the services authorize (index.reconcile to start, system.health.read to read).

/** A run's id as the Retry button sends it: a number (never coerced from a string) in the id range. */
const ZRunId = z.custom<number>(isDatabaseId);
const NO_SUCH_RUN = { invalid: "No such run." };

export const startReconcileAction = valueAction(
  z.void(),
  (_input, actor) => startReconcile({ actor }),
  (_input, { runId }) => ({ ok: true, message: `Reconcile run #${runId} queued.` }),
);

export const retryReconcileAction = valueAction(
  ZRunId,
  (runId, actor) => retryReconcile({ actor, runId }),
  (runId) => ({ ok: true, message: `Run #${runId} queued again; it continues after its last repository done.` }),
  NO_SUCH_RUN,
);

/** Polled by the health page while it is open (react-query); at most the 5 latest runs, or the refusal. */
export async function listReconcileRunsAction(): Promise<PollResult<JobRunView[]>> {
  return pollResult(async () => listJobRuns({ actor: await getActor(), jobName: reconcileIndexJob.id, take: 5 }));
}

export const retryRepositoryDeleteAction = valueAction(
  ZRunId,
  (runId, actor) => retryRepositoryDelete({ actor, runId }),
  (runId) => ({ ok: true, message: `Run #${runId} queued again; it continues with the manifests left.` }),
  NO_SUCH_RUN,
);

/** Polled by the health page: the latest repository deletes (system.health.read), or the refusal. */
export async function listRepositoryDeleteRunsAction(): Promise<PollResult<JobRunView[]>> {
  return pollResult(async () => listJobRuns({ actor: await getActor(), jobName: deleteRepositoryJob.id, take: 5 }));
}
