"use server";

import { revalidatePath } from "next/cache";
import { type ActionResult, toActionError } from "@/lib/actions/action-result";
import { getActor } from "@/lib/auth/session";
import { ZReconcileScheduleForm } from "@/lib/jobs/schedule";
import { updateReconcileSchedule } from "@/lib/services/jobs/reconcile-schedule";
import { fieldErrorsOf } from "@/lib/validation/common";

// Thin action: the service authorizes (setting.update: administrators only).

/** The index reconcile's schedule: one setting for every Wharf instance. */
export async function updateReconcileScheduleAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZReconcileScheduleForm.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: "Check the highlighted fields.", fieldErrors: fieldErrorsOf(parsed.error) };
  let scheduleApplied: boolean;
  try {
    ({ scheduleApplied } = await updateReconcileSchedule({ actor: await getActor(), input: parsed.data }));
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath("/admin/health");
  return scheduleApplied
    ? { ok: true, message: "Schedule saved; every Wharf instance follows it." }
    : { ok: true, message: "Schedule saved; it takes effect when a job worker next starts." };
}
