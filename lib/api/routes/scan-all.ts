/**
 * Scan all and the stop / log of one artifact's scan, in Harbor's shapes:
 * `/system/scanAll/schedule` (GET, PUT, POST), `/system/scanAll/stop`, `/scans/all/metrics`,
 * `/scans/schedule/metrics`, and `…/artifacts/{reference}/scan/stop`, `…/scan/{report_id}/log`.
 *
 * Harbor's crons have a seconds field: Wharf schedules at minute resolution, so it answers with
 * `0 <5 fields>` and accepts 6 fields only when the seconds are `0` (as /system/purgeaudit/schedule).
 * POST with `type: Manual` is Harbor's "Scan now".
 */
import type { z } from "zod";
import { parseInput, readJsonObject } from "@/lib/api/body";
import { ZScanTypeReq } from "@/lib/api/requests";
import { repositoryFromPath } from "@/lib/api/routes/repositories";
import { type HarborScanAllSchedule, type HarborScanAllStats, ZScanAllScheduleReq } from "@/lib/api/scan-all-shapes";
import { withApi } from "@/lib/api/with-api";
import { ValidationError } from "@/lib/errors";
import { getScanAllMetrics, getScanAllSchedule, type ScanAllStats, startScanAll, stopScanAll, updateScanAllSchedule } from "@/lib/services/scan/scan-all";
import { artifactScanLog, stopArtifactScan } from "@/lib/services/scan/stop-scan";
import { presetOf, SCHEDULE_PRESETS } from "@/lib/validation/audit-retention";

const TYPE_OF_PRESET = { none: "None", hourly: "Hourly", daily: "Daily", weekly: "Weekly", custom: "Custom" } as const;

function toHarborStats(stats: ScanAllStats): HarborScanAllStats {
  return { total: stats.total, completed: stats.completed, metrics: stats.metrics, ongoing: stats.ongoing, ...(stats.trigger ? { trigger: stats.trigger } : {}) };
}

/** Harbor's 6-field cron with seconds `0` → Wharf's 5 fields; 5 fields pass as they are. */
export function fiveFieldCron(cron: string | undefined): string {
  const fields = (cron ?? "").trim().split(/\s+/).filter(Boolean);
  if (fields.length === 0) throw new ValidationError("schedule.cron: required for a Custom schedule", { "schedule.cron": ["Required for a Custom schedule."] });
  if (fields.length === 6) {
    if (fields[0] !== "0") throw new ValidationError("schedule.cron: the seconds field must be 0 (Wharf schedules at minute resolution)", { "schedule.cron": ["The seconds field must be 0."] });
    return fields.slice(1).join(" ");
  }
  return fields.join(" ");
}

/** Administrators and auditors. */
export const getSchedule = withApi(async ({ actor }) => {
  const view = await getScanAllSchedule({ actor });
  const body: HarborScanAllSchedule = {
    schedule: { type: TYPE_OF_PRESET[view.cron ? presetOf(view.cron) : "none"], cron: view.cron ? `0 ${view.cron}` : "", ...(view.nextRunAt ? { next_scheduled_time: view.nextRunAt } : {}) },
    ...(view.updatedAt ? { update_time: view.updatedAt.toISOString() } : {}),
  };
  return Response.json(body);
});

/** The schedule's cron from Harbor's body (Manual is not a schedule). */
async function saveSchedule(actor: Parameters<typeof updateScanAllSchedule>[0]["actor"], type: Exclude<z.infer<typeof ZScanAllScheduleReq>["schedule"]["type"], "Manual">, cron: string | undefined) {
  const value = type === "None" ? null : type === "Custom" || type === "Schedule" ? fiveFieldCron(cron) : SCHEDULE_PRESETS[type.toLowerCase() as "hourly" | "daily" | "weekly"];
  try {
    await updateScanAllSchedule({ actor, input: { cron: value } });
  } catch (err) {
    // The service names its own field; say it in Harbor's words.
    if (err instanceof ValidationError && err.fieldErrors.cron) throw new ValidationError(`schedule.cron: ${err.fieldErrors.cron.join("; ")}`, { "schedule.cron": err.fieldErrors.cron });
    throw err;
  }
}

/** Administrators only; one `scan_all.schedule.update` row. 400 (bad type or cron) changes nothing. */
export const putSchedule = withApi(async ({ req, actor }) => {
  const input = parseInput(ZScanAllScheduleReq, await readJsonObject(req));
  if (input.schedule.type === "Manual") throw new ValidationError("schedule.type: Manual (scan now) is a POST to this path", { "schedule.type": ["Use POST to scan now."] });
  await saveSchedule(actor, input.schedule.type, input.schedule.cron);
  return new Response(null, { status: 200 });
});

/**
 * Administrators only. `Manual`: scan all now (one `scan_all.start` row; 409 while one is going
 * on), 201 with the execution in Location; any other type saves the schedule, as PUT does.
 */
export const postSchedule = withApi(async ({ req, url, actor }) => {
  const input = parseInput(ZScanAllScheduleReq, await readJsonObject(req));
  if (input.schedule.type === "Manual") {
    const { executionId } = await startScanAll({ actor });
    return new Response(null, { status: 201, headers: { Location: `${url.pathname.replace(/\/schedule\/?$/, "")}/executions/${executionId}` } });
  }
  await saveSchedule(actor, input.schedule.type, input.schedule.cron);
  return new Response(null, { status: 201 });
});

/** Administrators only: 202; 409 when no scan all is running. */
export const stopRoute = withApi(async ({ actor }) => {
  await stopScanAll({ actor });
  return new Response(null, { status: 202 });
});

/** Administrators and auditors: Harbor's Stats of the latest scan all. */
export const allMetrics = withApi(async ({ actor }) => Response.json(toHarborStats(await getScanAllMetrics({ actor }))));

/** Administrators and auditors: the latest scheduled scan all's Stats (deprecated in Harbor, kept for clients). */
export const scheduleMetrics = withApi(async ({ actor }) => Response.json(toHarborStats(await getScanAllMetrics({ actor, trigger: "Schedule" }))));

type ArtifactParams = { project_name_or_id: string; repository_name: string; reference: string };

function referenceOf(params: ArtifactParams): string {
  let ref = params.reference;
  if (ref.includes("%")) {
    try {
      ref = decodeURIComponent(ref);
    } catch {
      throw new ValidationError("reference: not a valid URL-encoded reference");
    }
  }
  if (!ref) throw new ValidationError("reference: is required");
  return ref;
}

/** Harbor's POST …/scan/stop, body ScanType (`scan_type`, vulnerability by default): 202; 404 nothing scanned, 409 nothing running. */
export const stopArtifactScanRoute = withApi<ArtifactParams>(async ({ req, actor, params }) => {
  const input = parseInput(ZScanTypeReq, await readJsonObject(req));
  await stopArtifactScan({ actor, repository: repositoryFromPath(params), reference: referenceOf(params), input: { scanType: input.scan_type ?? "vulnerability" } });
  return new Response(null, { status: 202 });
});

/** Harbor's GET …/scan/{report_id}/log: the report's log as text/plain. */
export const scanLogRoute = withApi<ArtifactParams & { report_id: string }>(async ({ actor, params }) => {
  const log = await artifactScanLog({ actor, repository: repositoryFromPath(params), reference: referenceOf(params), reportId: params.report_id });
  return new Response(log, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
});
