import { z } from "zod";
import { ZCronExpression } from "@/lib/validation/audit-retention";
import { ZCheckbox } from "@/lib/validation/common";

/**
 * The index reconcile's schedule: one value for every Wharf instance, stored in the database
 * (SystemSetting `reconcile_schedule`). `cron` is a 5-field UTC expression checked with the
 * cron-parser pg-boss schedules with, or null for no schedule (runs only when an administrator
 * starts one).
 */
export const ZReconcileSchedule = z.object({ cron: ZCronExpression.nullable() });

export type TReconcileSchedule = z.infer<typeof ZReconcileSchedule>;

/** The System health form: a switch, and the expression (required only while switched on). */
export const ZReconcileScheduleForm = z.record(z.string(), z.unknown()).transform((raw, ctx): TReconcileSchedule => {
  const enabled = ZCheckbox.safeParse(raw.enabled);
  if (!enabled.success || !enabled.data) return { cron: null };
  const cron = ZCronExpression.safeParse(raw.cron ?? "");
  if (!cron.success) {
    for (const issue of cron.error.issues) ctx.addIssue({ code: "custom", path: ["cron"], message: issue.message });
    return z.NEVER;
  }
  return { cron: cron.data };
});

/** WHARF_RECONCILE_CRON's value as a schedule (`off`: none). */
export function scheduleFromEnv(value: string): TReconcileSchedule {
  return { cron: value.trim() === "off" ? null : value.trim() };
}
