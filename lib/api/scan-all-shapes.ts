import { z } from "zod";

/**
 * Scan all's request and response bodies in Harbor's shapes (Schedule, Stats), shared by its
 * routes (lib/api/routes/scan-all.ts) and the OpenAPI document.
 */

/** Harbor's Schedule body for scan all. */
export const ZScanAllScheduleReq = z.object({
  schedule: z.object({
    type: z.enum(["Hourly", "Daily", "Weekly", "Custom", "Schedule", "None", "Manual"], { error: "must be Hourly, Daily, Weekly, Custom, Manual or None" }),
    cron: z.string().max(120).optional().describe("Custom: 6 fields with seconds 0 (Harbor's form) or 5 fields, UTC."),
  }),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

/** Harbor's Schedule as answered. */
export const ZHarborScanAllSchedule = z.object({
  schedule: z.object({
    type: z.enum(["Hourly", "Daily", "Weekly", "Custom", "None"]),
    cron: z.string().describe("6 fields (seconds first), empty when none."),
    next_scheduled_time: z.string().optional().describe("UTC, when scheduled."),
  }),
  update_time: z.string().optional(),
});
export type HarborScanAllSchedule = z.infer<typeof ZHarborScanAllSchedule>;

/** Harbor's Stats (the metrics of the latest scan all). */
export const ZHarborScanAllStats = z.object({
  total: z.number().int(),
  completed: z.number().int(),
  metrics: z.object({ Success: z.number().int(), Error: z.number().int(), Running: z.number().int(), Pending: z.number().int(), Stopped: z.number().int() }),
  ongoing: z.boolean(),
  trigger: z.enum(["Manual", "Schedule"]).optional().describe("Absent before the first scan all."),
});
export type HarborScanAllStats = z.infer<typeof ZHarborScanAllStats>;

