import type { JobHandler } from "@/lib/jobs/define-job";
import type { RetentionSchedulePayload } from "@/lib/jobs/definitions";
import { fireRetentionSchedules } from "@/lib/services/retention/schedule";

/** One tick of the retention schedules: starts the runs whose cron fired (each its own transaction). */
const handleRetentionSchedule: JobHandler<RetentionSchedulePayload> = async ({ log }) => {
  const { started, skipped } = await fireRetentionSchedules({ log });
  return { started: started.length, skipped: skipped.length };
};

export default handleRetentionSchedule;
