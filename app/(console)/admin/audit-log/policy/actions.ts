"use server";

import { revalidatePath } from "next/cache";
import { type ActionResult, toActionError } from "@/lib/actions/action-result";
import { formAction } from "@/lib/actions/form-action";
import { type PollResult, pollResult } from "@/lib/actions/poll";
import { getActor } from "@/lib/auth/session";
import { type ForwardingStatus, getForwardingStatus, updateForwardingSettings } from "@/lib/services/audit/forward-audit-events";
import { dryRunPurge, listPurgeRuns, type PurgeDryRun, retryAuditPurge, startAuditPurge, updatePurgePolicy } from "@/lib/services/audit/purge-policy";
import type { JobRunView } from "@/lib/services/jobs/job-runs";
import { ZForwardingSettings, ZPurgePolicyForm } from "@/lib/validation/audit-retention";
import { isDatabaseId } from "@/lib/validation/common";

// Thin actions: the services authorize (setting.update to change or purge, audit.list to read).

const PAGE = "/admin/audit-log/policy";

export const updatePurgePolicyAction = formAction(
  ZPurgePolicyForm,
  (input, actor) => updatePurgePolicy({ actor, input }),
  (_input, { scheduleApplied }) => {
    revalidatePath(PAGE);
    return scheduleApplied
      ? { ok: true, message: "Purge policy saved." }
      : { ok: true, message: "Purge policy saved; the schedule takes effect when the job worker next starts." };
  },
);

export type DryRunResult = { ok: true; value: PurgeDryRun } | { ok: false; message: string };

/** Counts what a purge with the saved retention would delete now; changes nothing. */
export async function dryRunPurgeAction(): Promise<DryRunResult> {
  try {
    return { ok: true, value: await dryRunPurge({ actor: await getActor() }) };
  } catch (err) {
    return { ok: false, message: toActionError(err).message ?? "Dry run failed." };
  }
}

export async function startPurgeAction(): Promise<ActionResult> {
  try {
    const { runId, cutoff } = await startAuditPurge({ actor: await getActor() });
    return { ok: true, message: `Purge run #${runId} queued: rows older than ${cutoff.slice(0, 19).replace("T", " ")} UTC.` };
  } catch (err) {
    return toActionError(err);
  }
}

export async function retryPurgeAction(runId: number): Promise<ActionResult> {
  if (!isDatabaseId(runId)) return { ok: false, message: "No such run." };
  try {
    await retryAuditPurge({ actor: await getActor(), runId });
    return { ok: true, message: `Run #${runId} queued again; it continues with the rows left.` };
  } catch (err) {
    return toActionError(err);
  }
}

/** Polled by the page while it is open (react-query); the 5 latest runs. */
export async function listPurgeRunsAction(): Promise<PollResult<JobRunView[]>> {
  return pollResult(async () => listPurgeRuns({ actor: await getActor(), take: 5 }));
}

export const updateForwardingAction = formAction(
  ZForwardingSettings,
  (input, actor) => updateForwardingSettings({ actor, input }),
  (input) => {
    revalidatePath(PAGE);
    return { ok: true, message: input.enabled ? "Forwarding saved: new audit rows go to the endpoint from now on." : "Forwarding saved (off)." };
  },
);

/** Polled by the page: the forwarder's cursor, lag and last error. */
export async function getForwardingStatusAction(): Promise<PollResult<ForwardingStatus>> {
  return pollResult(async () => getForwardingStatus({ actor: await getActor() }));
}
