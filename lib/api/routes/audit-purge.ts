/**
 * `/system/purgeaudit/schedule` in Harbor's shapes (ExecHistory for GET, Schedule for PUT) over
 * Wharf's purge policy. Harbor's crons have a seconds field: Wharf schedules at minute resolution,
 * so it answers with `0 <5 fields>` and accepts 6 fields only when the seconds are `0`. Retention
 * is Harbor's `audit_retention_hour`, in whole days (a multiple of 24).
 */
import { parseInput, readJsonObject } from "@/lib/api/body";
import { ZPurgeScheduleReq } from "@/lib/api/requests";
import type { HarborPurgeSchedule } from "@/lib/api/shapes";
import { withApi } from "@/lib/api/with-api";
import { ValidationError } from "@/lib/errors";
import { getPurgePolicy, updatePurgePolicy } from "@/lib/services/audit/purge-policy";
import { presetOf, SCHEDULE_PRESETS, type TPurgePolicy } from "@/lib/validation/audit-retention";

const TYPE_OF_PRESET = { none: "None", hourly: "Hourly", daily: "Daily", weekly: "Weekly", custom: "Custom" } as const;

function toExecHistory(policy: TPurgePolicy): HarborPurgeSchedule {
  const type = policy.enabled ? TYPE_OF_PRESET[presetOf(policy.schedule)] : "None";
  return {
    job_name: "PURGE_AUDIT_LOG",
    job_kind: "SCHEDULE",
    job_parameters: JSON.stringify({ audit_retention_hour: policy.retentionDays * 24, dry_run: false }),
    schedule: { type, cron: policy.schedule ? `0 ${policy.schedule}` : "" },
    // Wharf's own fields: the schedule is kept while switched off.
    enabled: policy.enabled,
    audit_retention_days: policy.retentionDays,
  };
}

/** Harbor's 6-field cron with seconds `0` → Wharf's 5 fields; 5 fields pass as they are. */
function fiveFieldCron(cron: string | undefined): string {
  const fields = (cron ?? "").trim().split(/\s+/).filter(Boolean);
  if (fields.length === 6) {
    if (fields[0] !== "0") throw new ValidationError("schedule.cron: the seconds field must be 0 (Wharf schedules at minute resolution)");
    return fields.slice(1).join(" ");
  }
  return fields.join(" ");
}

/** Administrators and auditors. */
export const getSchedule = withApi(async ({ actor }) => Response.json(toExecHistory(await getPurgePolicy({ actor }))));

/** Administrators only; one `audit_log.purge_policy.update` row. 400 changes nothing. */
export const putSchedule = withApi(async ({ req, actor }) => {
  // The current policy fills what the body leaves out (None keeps the cron, switched off).
  const current = await getPurgePolicy({ actor });
  const raw = await readJsonObject(req);
  const input = parseInput(ZPurgeScheduleReq, raw);
  const type = input.schedule.type;
  if (type === "Manual") throw new ValidationError("schedule.type: Manual (run now) is not supported here; start a purge from the console");
  const schedule =
    type === "None" ? current.schedule : type === "Custom" || type === "Schedule" ? fiveFieldCron(input.schedule.cron) : SCHEDULE_PRESETS[type.toLowerCase() as "hourly" | "daily" | "weekly"];
  if ((type === "Custom" || type === "Schedule") && !schedule) throw new ValidationError("schedule.cron: required for a Custom schedule");
  const hours = input.parameters?.audit_retention_hour;
  const policy = { retentionDays: hours === undefined ? current.retentionDays : hours / 24, schedule, enabled: type !== "None" };
  try {
    await updatePurgePolicy({ actor, input: policy });
  } catch (err) {
    // The service names its own fields; say them in Harbor's words.
    if (err instanceof ValidationError && Object.keys(err.fieldErrors).length) {
      const harbor: Record<string, string> = { schedule: "schedule.cron", retentionDays: "parameters.audit_retention_hour" };
      throw new ValidationError(Object.entries(err.fieldErrors).map(([k, m]) => `${harbor[k] ?? k}: ${m.join("; ")}`).join("; "));
    }
    throw err;
  }
  return new Response(null, { status: 200 });
});
