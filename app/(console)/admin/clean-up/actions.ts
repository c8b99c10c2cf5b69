"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction } from "@/lib/actions/form-action";
import { type PollResult, pollResult } from "@/lib/actions/poll";
import { getActor } from "@/lib/auth/session";
import { type GcExecutionView, type GcScheduleView, getGcSchedule, listGcExecutions, startGc, stopGc, updateGcSchedule } from "@/lib/services/gc/gc";
import { SCHEDULE_PRESETS } from "@/lib/validation/audit-retention";
import { ZCheckbox, ZId } from "@/lib/validation/common";
import { ZGcRunForm } from "@/lib/validation/gc";

// Thin actions: the service authorizes (gc.run to start, stop and schedule; gc.read to read) and
// writes the audit rows.

const PAGE = "/admin/clean-up";

export const startGcAction = formAction(
  ZGcRunForm,
  (input, actor) => startGc({ actor, input }),
  (input, { id }) => {
    revalidatePath(PAGE);
    return { ok: true, message: input.dryRun ? `Dry run #${id} started.` : `Garbage collection #${id} started.` };
  },
);

export const stopGcAction = formAction(
  z.object({ id: ZId }),
  (input, actor) => stopGc({ actor, id: input.id }),
  (input) => {
    revalidatePath(PAGE);
    return { ok: true, message: `Garbage collection #${input.id} is stopping.` };
  },
  { hiddenFieldsOnly: true },
);

/** The form: a preset, the cron only for Custom (the service checks it and names `cron`), and dry run. */
const ZGcScheduleForm = z
  .object({
    preset: z.enum(["none", "hourly", "daily", "weekly", "custom"], { error: "Choose a schedule" }),
    cron: z.string().max(200).optional(),
    dryRun: ZCheckbox,
  })
  .transform(({ preset, cron, dryRun }) => ({ cron: preset === "custom" ? (cron ?? "") : SCHEDULE_PRESETS[preset], dryRun, workers: 1 }));

export const updateGcScheduleAction = formAction(
  ZGcScheduleForm,
  (input, actor) => updateGcSchedule({ actor, input }),
  (_input, { schedule, scheduleApplied }) => {
    revalidatePath(PAGE);
    const what = schedule.cron ? `Garbage collection runs on "${schedule.cron}" (UTC).` : "Garbage collection runs only when started by hand.";
    return { ok: true, message: scheduleApplied ? what : `${what} Saved; the job worker applies it when it starts.` };
  },
);

export type GcPoll = { executions: GcExecutionView[]; total: number; schedule: GcScheduleView };

/** Polled by the page: the latest collections and the schedule. */
export async function pollGcAction(): Promise<PollResult<GcPoll>> {
  return pollResult(async () => {
    const actor = await getActor();
    const [page, schedule] = await Promise.all([listGcExecutions({ actor, pageSize: 20 }), getGcSchedule({ actor })]);
    return { executions: page.rows, total: page.total, schedule };
  });
}
