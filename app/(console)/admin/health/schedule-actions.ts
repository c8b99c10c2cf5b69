"use server";

import { revalidatePath } from "next/cache";
import { formAction } from "@/lib/actions/form-action";
import { ZReconcileScheduleForm } from "@/lib/jobs/schedule";
import { updateReconcileSchedule } from "@/lib/services/jobs/reconcile-schedule";

// Thin action: the service authorizes (setting.update: administrators only).

/** The index reconcile's schedule: one setting for every Wharf instance. */
export const updateReconcileScheduleAction = formAction(
  ZReconcileScheduleForm,
  (input, actor) => updateReconcileSchedule({ actor, input }),
  (_input, { scheduleApplied }) => {
    revalidatePath("/admin/health");
    return scheduleApplied
      ? { ok: true, message: "Schedule saved; every Wharf instance follows it." }
      : { ok: true, message: "Schedule saved; it takes effect when a job worker next starts." };
  },
);
