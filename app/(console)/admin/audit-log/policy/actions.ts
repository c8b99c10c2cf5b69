"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction, valueAction } from "@/lib/actions/form-action";
import { type PollResult, pollResult } from "@/lib/actions/poll";
import { getActor } from "@/lib/auth/session";
import { type ForwardingStatus, getForwardingStatus, updateForwardingSettings } from "@/lib/services/audit/forward-audit-events";
import { dryRunPurge, listPurgeRuns, type PurgeDryRun, retryAuditPurge, startAuditPurge, updatePurgePolicy } from "@/lib/services/audit/purge-policy";
import type { JobRunView } from "@/lib/services/jobs/job-runs";
import { ZForwardingSettings, ZPurgePolicyForm } from "@/lib/validation/audit-retention";
import { isDatabaseId } from "@/lib/validation/common";

// Thin actions: the services authorize (setting.update to change or purge, audit.list to read).

const PAGE = "/admin/audit-log/policy";
/** A run's id as the Retry button sends it: a number (never coerced from a string) in the id range. */
const ZRunId = z.custom<number>(isDatabaseId);

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

export type DryRunResult = PollResult<PurgeDryRun>;

/** Counts what a purge with the saved retention would delete now; changes nothing. */
export async function dryRunPurgeAction(): Promise<DryRunResult> {
  return pollResult(async () => dryRunPurge({ actor: await getActor() }));
}

export const startPurgeAction = valueAction(
  z.void(),
  (_input, actor) => startAuditPurge({ actor }),
  (_input, { runId, cutoff }) => ({ ok: true, message: `Purge run #${runId} queued: rows older than ${cutoff.slice(0, 19).replace("T", " ")} UTC.` }),
);

export const retryPurgeAction = valueAction(
  ZRunId,
  (runId, actor) => retryAuditPurge({ actor, runId }),
  (runId) => ({ ok: true, message: `Run #${runId} queued again; it continues with the rows left.` }),
  { invalid: "No such run." },
);

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
