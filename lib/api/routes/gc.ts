/**
 * Registry garbage collection in Harbor's shapes: `/system/gc` (history), `/system/gc/{gc_id}`
 * (GET; PUT stops it), `/system/gc/{gc_id}/log`, `/system/gc/schedule` (GET; POST with `Manual`
 * runs now, another type saves the schedule; PUT saves it). Parameters: `dry_run`, `workers`
 * (recorded), `delete_untagged` (refused when true: lib/validation/gc.ts).
 */
import { parseInput, readJsonObject } from "@/lib/api/body";
import { listResponse, parsePaging } from "@/lib/api/pagination";
import { locationUnder, pathId } from "@/lib/api/params";
import { ZGcScheduleReq } from "@/lib/api/requests";
import { fiveFieldCron } from "@/lib/api/routes/scan-all";
import type { HarborGcHistory, HarborGcSchedule } from "@/lib/api/shapes";
import { withApi } from "@/lib/api/with-api";
import type { Actor } from "@/lib/auth/actor";
import { ValidationError } from "@/lib/errors";
import { type GcExecutionView, gcTargetInfo, getGcExecution, getGcLog, getGcSchedule, listGcExecutions, startGc, stopGc, updateGcSchedule } from "@/lib/services/gc/gc";
import { presetOf, SCHEDULE_PRESETS } from "@/lib/validation/audit-retention";
import { DELETE_UNTAGGED_REFUSED } from "@/lib/validation/gc";

const TYPE_OF_PRESET = { none: "None", hourly: "Hourly", daily: "Daily", weekly: "Weekly", custom: "Custom" } as const;

export function toHarborGc(e: GcExecutionView): HarborGcHistory {
  return {
    id: e.id,
    job_name: "GARBAGE_COLLECTION",
    job_kind: e.trigger === "Schedule" ? "SCHEDULE" : "MANUAL",
    job_parameters: JSON.stringify({ delete_untagged: false, dry_run: e.dryRun, workers: e.workers, freed_space: e.freedBytes ?? 0, purged_number: e.blobsDeleted ?? 0 }),
    schedule: { type: e.trigger === "Schedule" ? "Schedule" : "Manual" },
    job_status: e.status,
    deleted: false,
    creation_time: e.startedAt,
    update_time: e.endedAt ?? e.startedAt,
    dry_run: e.dryRun,
    triggered_by: e.triggeredBy,
    blobs_eligible: e.blobsEligible,
    bytes_eligible: e.bytesEligible,
    blobs_deleted: e.blobsDeleted,
    freed_bytes: e.freedBytes,
    pinned_blobs: e.pinnedBlobs,
    duration_seconds: e.durationMs === null ? null : e.durationMs / 1000,
    error: e.error,
  };
}

type GcParams = { gc_id: string };

/** Administrators and auditors: newest first, paged. */
export const list = withApi(async ({ url, actor }) => {
  const paging = parsePaging(url.searchParams);
  const page = await listGcExecutions({ actor, page: paging.page, pageSize: paging.pageSize });
  return listResponse(url, page.rows.map(toHarborGc), page.total, paging);
});

export const get = withApi<GcParams>(async ({ actor, params }) => Response.json(toHarborGc(await getGcExecution({ actor, id: pathId(params.gc_id, "gc_id") }))));

/** Harbor's stopGC: administrators; one `gc.stop` row; 409 when it is not running. */
export const stop = withApi<GcParams>(async ({ actor, params }) => {
  await stopGc({ actor, id: pathId(params.gc_id, "gc_id") });
  return new Response(null, { status: 200 });
});

export const log = withApi<GcParams>(async ({ actor, params }) => {
  const text = await getGcLog({ actor, id: pathId(params.gc_id, "gc_id") });
  return new Response(text, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
});

export const getSchedule = withApi(async ({ actor }) => {
  const view = await getGcSchedule({ actor });
  const target = gcTargetInfo();
  const body: HarborGcSchedule = {
    schedule: { type: TYPE_OF_PRESET[view.cron ? presetOf(view.cron) : "none"], cron: view.cron ? `0 ${view.cron}` : "", ...(view.nextRunAt ? { next_scheduled_time: view.nextRunAt } : {}) },
    job_name: "GARBAGE_COLLECTION",
    job_kind: "SCHEDULE",
    job_parameters: JSON.stringify({ delete_untagged: false, dry_run: view.dryRun, workers: view.workers }),
    ...(view.updatedAt ? { update_time: view.updatedAt.toISOString() } : {}),
    available: target.available,
    ...(target.reason ? { unavailable_reason: target.reason } : {}),
  };
  return Response.json(body);
});

type ScheduleBody = ReturnType<typeof ZGcScheduleReq.parse>;

/** Harbor's parameters as the service's input; delete_untagged=true is a 400 naming it. */
function parametersOf(body: ScheduleBody) {
  const p = body.parameters ?? {};
  if (p.delete_untagged === true) throw new ValidationError(`parameters.delete_untagged: ${DELETE_UNTAGGED_REFUSED}`, { "parameters.delete_untagged": [DELETE_UNTAGGED_REFUSED] });
  return { dryRun: p.dry_run ?? false, workers: p.workers ?? 1 };
}

/** A service's field errors in Harbor's names (`cron` → schedule.cron, others under parameters). */
async function harborFields<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ValidationError && Object.keys(err.fieldErrors).length) {
      const renamed = Object.fromEntries(Object.entries(err.fieldErrors).map(([k, v]) => [k === "cron" ? "schedule.cron" : `parameters.${k === "dryRun" ? "dry_run" : k === "deleteUntagged" ? "delete_untagged" : k}`, v]));
      throw new ValidationError(Object.entries(renamed).map(([k, v]) => `${k}: ${v.join("; ")}`).join("; "), renamed);
    }
    throw err;
  }
}

async function saveSchedule(actor: Actor, body: ScheduleBody) {
  const type = body.schedule.type;
  const params = parametersOf(body);
  const cron = type === "None" ? null : type === "Custom" || type === "Schedule" ? fiveFieldCron(body.schedule.cron) : SCHEDULE_PRESETS[type.toLowerCase() as "hourly" | "daily" | "weekly"];
  await harborFields(() => updateGcSchedule({ actor, input: { cron, ...params } }));
}

/** Administrators: `Manual` runs now (201, Location of the execution; one `gc.start` row; 409 while one runs or when GC is off); else saves the schedule. */
export const postSchedule = withApi(async ({ req, url, actor }) => {
  const body = parseInput(ZGcScheduleReq, await readJsonObject(req));
  if (body.schedule.type === "Manual") {
    const params = parametersOf(body);
    const { id } = await harborFields(() => startGc({ actor, input: params }));
    return new Response(null, { status: 201, headers: { Location: locationUnder(new URL(url.pathname.replace(/\/schedule\/?$/, ""), url), id) } });
  }
  await saveSchedule(actor, body);
  return new Response(null, { status: 201, headers: { Location: url.pathname } });
});

/** Administrators; one `gc.schedule.update` row. Manual is a POST. */
export const putSchedule = withApi(async ({ req, actor }) => {
  const body = parseInput(ZGcScheduleReq, await readJsonObject(req));
  if (body.schedule.type === "Manual") throw new ValidationError("schedule.type: Manual (run now) is a POST to this path", { "schedule.type": ["Use POST to run now."] });
  await saveSchedule(actor, body);
  return new Response(null, { status: 200 });
});
