import "server-only";
import cronParser from "cron-parser";
import { type Actor, actorName, systemActor } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import { getServerEnv } from "@/lib/env";
import { ConflictError, NotFoundError, ValidationError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { getBoss } from "@/lib/jobs/boss";
import type { JobContext } from "@/lib/jobs/define-job";
import { registryGcJob, type RegistryGcPayload } from "@/lib/jobs/definitions";
import { GcStoppedError, gcTargetFrom, type GcTarget, removePin, removeStalePins, runGarbageCollect, statBlobs, writePin } from "@/lib/registry/garbage-collect";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { closeGcWindow, forgetGcWindow, openGcWindow, WINDOW_CACHE_MS } from "@/lib/services/gc/window";
import { bossExecutor, queueRun } from "@/lib/services/jobs/queue-run";
import type { Page } from "@/lib/services/pagination";
import { fieldErrorsOf } from "@/lib/validation/common";
import { type TGcParameters, type TGcSchedule, ZGcParameters, ZGcSchedule } from "@/lib/validation/gc";

/**
 * Registry garbage collection (Harbor's Administration → Clean up, `/system/gc*`). An execution
 * (gc_executions, Harbor's gc_id) is one `registry.gc` run; its status, log and duration are the
 * run's, its findings (blobs and bytes eligible, deleted, freed, pinned) the execution's.
 *
 * A run: Distribution's `garbage-collect --dry-run` lists the blobs no manifest revision
 * references; those younger than WHARF_GC_KEEP_RECENT_HOURS are left alone (an upload whose
 * manifest is still to come); the rest is what a real run frees (count, bytes on disk). A real run
 * first opens the gateway's read-only window (lib/services/gc/window.ts) and waits out the grace
 * period, so no write reaches the registry between the mark and the sweep; writes the pin over the
 * young unreferenced blobs (lib/registry/garbage-collect.ts), runs `garbage-collect` (never
 * --delete-untagged), removes the pin, checks on disk which blobs went, and closes the window,
 * whatever happened. Manifests are never deleted here: Wharf deletes artifacts through the
 * registry's API when people (or retention) delete them, and the collection frees their blobs.
 *
 * Administrators start, schedule and stop (`gc.run`; one audit row each: gc.start, gc.stop,
 * gc.schedule.update); auditors read (`gc.read`). When Wharf does not know the registry's config
 * and storage (an external registry without WHARF_REGISTRY_CONFIG/WHARF_REGISTRY_STORAGE_DIR), a
 * start is a 409 saying why, and the page says so.
 */

export const GC_SCHEDULE_KEY = "gc_schedule";
const RESOURCE = { type: "gc", name: "registry" } as const;
const SCHEDULE_ACTOR = systemActor("gc-schedule");

/**
 * Timings of a real run; tests shorten them. `graceMs`: after the window opens, before the mark
 * (longer than the window cache's life plus a request in flight). `renewMs`: the window's lease.
 */
export const GC_TIMING = { graceMs: WINDOW_CACHE_MS + 4_000, renewMs: 30_000, stopPollMs: 500 };

/** Test hooks: called inside a real run's window, after the pin and before the sweep. */
export const gcTestHooks: { beforeSweep?: (executionId: number) => Promise<void> } = {};

export type GcStatus = "Pending" | "Running" | "Success" | "Error" | "Stopped";

export type GcExecutionView = {
  id: number;
  runId: number;
  trigger: "Manual" | "Schedule";
  triggeredBy: string;
  dryRun: boolean;
  workers: number;
  status: GcStatus;
  blobsEligible: number | null;
  bytesEligible: number | null;
  blobsDeleted: number | null;
  freedBytes: number | null;
  pinnedBlobs: number | null;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  stoppedBy: string | null;
  error: string | null;
  progressDone: number;
  progressTotal: number | null;
};

/** Whether this Wharf can collect its registry's garbage, and if not, why. */
export function gcAvailability(): { available: true } | { available: false; reason: string } {
  const target = gcTargetFrom(getServerEnv());
  return "unavailable" in target ? { available: false, reason: target.unavailable } : { available: true };
}

type ExecutionRow = Prisma.GcExecutionGetPayload<Record<string, never>>;
type RunRow = { id: number; status: string; startedAt: Date | null; finishedAt: Date | null; error: string | null; progressDone: number; progressTotal: number | null };

function viewOf(e: ExecutionRow, run: RunRow | undefined): GcExecutionView {
  const status: GcStatus =
    !run || run.status === "queued"
      ? "Pending"
      : run.status === "running"
        ? "Running"
        : e.stoppedAt
          ? "Stopped"
          : run.status === "succeeded"
            ? "Success"
            : "Error";
  const endedAt = run && (run.status === "succeeded" || run.status === "failed") ? run.finishedAt : null;
  const began = run?.startedAt ?? e.startedAt;
  return {
    id: e.id,
    runId: e.runId,
    trigger: e.trigger === "Schedule" ? "Schedule" : "Manual",
    triggeredBy: e.triggeredBy,
    dryRun: e.dryRun,
    workers: e.workers,
    status,
    blobsEligible: e.blobsEligible,
    bytesEligible: e.bytesEligible === null ? null : Number(e.bytesEligible),
    blobsDeleted: e.blobsDeleted,
    freedBytes: e.freedBytes === null ? null : Number(e.freedBytes),
    pinnedBlobs: e.pinnedBlobs,
    startedAt: e.startedAt.toISOString(),
    endedAt: endedAt?.toISOString() ?? null,
    durationMs: endedAt ? Math.max(0, endedAt.getTime() - began.getTime()) : null,
    stoppedBy: e.stoppedBy,
    error: status === "Error" ? (run?.error ?? null) : null,
    progressDone: run?.progressDone ?? 0,
    progressTotal: run?.progressTotal ?? null,
  };
}

async function viewsOf(rows: ExecutionRow[]): Promise<GcExecutionView[]> {
  const runs = await db.jobRun.findMany({
    where: { id: { in: rows.map((r) => r.runId) } },
    select: { id: true, status: true, startedAt: true, finishedAt: true, error: true, progressDone: true, progressTotal: true },
  });
  const byId = new Map(runs.map((r) => [r.id, r]));
  return rows.map((r) => viewOf(r, byId.get(r.runId)));
}

/** The history, newest first (administrators and auditors). */
export async function listGcExecutions({ actor, page = 1, pageSize = 10 }: { actor: Actor; page?: number; pageSize?: number }): Promise<Page<GcExecutionView>> {
  await assertSystemPermission(actor, "gc.read", RESOURCE);
  const [rows, total] = await Promise.all([db.gcExecution.findMany({ orderBy: { id: "desc" }, skip: (page - 1) * pageSize, take: pageSize }), db.gcExecution.count()]);
  return { rows: await viewsOf(rows), total, page, pageSize };
}

export async function getGcExecution({ actor, id }: { actor: Actor; id: number }): Promise<GcExecutionView> {
  await assertSystemPermission(actor, "gc.read", RESOURCE);
  const row = await db.gcExecution.findUnique({ where: { id } });
  if (!row) throw new NotFoundError(`No garbage collection #${id}.`);
  return (await viewsOf([row]))[0]!;
}

/** The run's log (the last 8,000 characters, as every job keeps). */
export async function getGcLog({ actor, id }: { actor: Actor; id: number }): Promise<string> {
  await assertSystemPermission(actor, "gc.read", RESOURCE);
  const row = await db.gcExecution.findUnique({ where: { id }, select: { runId: true } });
  if (!row) throw new NotFoundError(`No garbage collection #${id}.`);
  const run = await db.jobRun.findUnique({ where: { id: row.runId }, select: { log: true, error: true } });
  return `${run?.log ?? ""}${run?.error ? `error: ${run.error}\n` : ""}`;
}

const lockGc = (tx: DbTransaction) => tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('registry.gc'))`;

async function ongoingExecution(tx: DbTransaction): Promise<ExecutionRow | null> {
  const latest = await tx.gcExecution.findFirst({ orderBy: { id: "desc" } });
  if (!latest) return null;
  const run = await tx.jobRun.findUnique({ where: { id: latest.runId }, select: { status: true } });
  return run?.status === "queued" || run?.status === "running" ? latest : null;
}

function parseOrThrow<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: import("zod").ZodError } }, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fieldErrors = fieldErrorsOf(parsed.error);
  throw new ValidationError(Object.entries(fieldErrors).map(([k, v]) => `${k}: ${v.join("; ")}`).join("; ") || `Check the ${what}.`, fieldErrors);
}

/**
 * Starts a collection now (administrators): one `registry.gc` run and its execution, one
 * `gc.start` row. 400 for bad parameters (delete_untagged is refused, see lib/validation/gc.ts),
 * 409 while one is going on or when Wharf cannot collect this registry.
 */
export async function startGc({ actor, input }: { actor: Actor; input: unknown }): Promise<{ id: number; runId: number }> {
  await assertSystemPermission(actor, "gc.run", RESOURCE, "gc.start");
  const params: TGcParameters = parseOrThrow(ZGcParameters, input, "parameters");
  const availability = gcAvailability();
  if (!availability.available) throw new ConflictError(availability.reason);
  return db.$transaction(async (tx) => {
    await lockGc(tx);
    const ongoing = await ongoingExecution(tx);
    if (ongoing) throw new ConflictError(`Garbage collection #${ongoing.id} is still running; wait for it or stop it.`);
    const by = actorName(actor).slice(0, 255);
    const { runId } = await queueRun(tx, registryGcJob, {}, by);
    const execution = await tx.gcExecution.create({ data: { trigger: "Manual", triggeredBy: by, runId, dryRun: params.dryRun, workers: params.workers }, select: { id: true } });
    await tx.jobRun.update({ where: { id: runId }, data: { payload: { executionId: execution.id } }, select: { id: true } });
    await recordAuditEvent(tx, { actor, action: "gc.start", resource: { ...RESOURCE, id: execution.id }, detail: { executionId: execution.id, runId, trigger: "Manual", dryRun: params.dryRun, workers: params.workers } });
    return { id: execution.id, runId };
  });
}

/**
 * Stops a collection (administrators; one `gc.stop` row): a queued one never runs; a running one
 * ends its garbage-collect process within a second, removes its pin and closes the window (blobs
 * already swept stay swept: each is one whole deletion). 404 unknown, 409 when it is not going on.
 */
export async function stopGc({ actor, id }: { actor: Actor; id: number }): Promise<void> {
  await assertSystemPermission(actor, "gc.run", RESOURCE, "gc.stop");
  await db.$transaction(async (tx) => {
    await lockGc(tx);
    const execution = await tx.gcExecution.findUnique({ where: { id } });
    if (!execution) throw new NotFoundError(`No garbage collection #${id}.`);
    const run = await tx.jobRun.findUniqueOrThrow({ where: { id: execution.runId }, select: { status: true, bossJobId: true } });
    if (run.status !== "queued" && run.status !== "running") throw new ConflictError(`Garbage collection #${id} is not running.`);
    const by = actorName(actor).slice(0, 255);
    await tx.gcExecution.update({ where: { id }, data: { stoppedAt: new Date(), stoppedBy: by }, select: { id: true } });
    if (run.status === "queued") {
      if (run.bossJobId) await (await getBoss()).cancel(registryGcJob.id, run.bossJobId, { db: bossExecutor(tx) });
      await tx.jobRun.update({ where: { id: execution.runId }, data: { status: "failed", error: `Stopped by ${by}.`, result: { stopped: true }, finishedAt: new Date() }, select: { id: true } });
    }
    await recordAuditEvent(tx, { actor, action: "gc.stop", resource: { ...RESOURCE, id }, detail: { executionId: id, runId: execution.runId, was: run.status } });
  });
}

// ---- the run ------------------------------------------------------------------------------------

/** A manual start created the execution with the run; a scheduled run creates its own (unless one is going on). */
async function executionOfRun(runId: number): Promise<ExecutionRow | null> {
  const existing = await db.gcExecution.findUnique({ where: { runId } });
  if (existing) return existing;
  return db.$transaction(async (tx) => {
    await lockGc(tx);
    const again = await tx.gcExecution.findUnique({ where: { runId } });
    if (again) return again;
    if (await ongoingExecution(tx)) return null;
    const schedule = await readSchedule(tx);
    const execution = await tx.gcExecution.create({ data: { trigger: "Schedule", triggeredBy: "schedule", runId, dryRun: schedule.dryRun, workers: schedule.workers } });
    await recordAuditEvent(tx, { actor: SCHEDULE_ACTOR, action: "gc.start", resource: { ...RESOURCE, id: execution.id }, detail: { executionId: execution.id, runId, trigger: "Schedule", dryRun: schedule.dryRun, workers: schedule.workers } });
    return execution;
  });
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export type GcRunResult = { executionId: number; dryRun: boolean; blobsEligible: number; bytesEligible: number; pinnedBlobs: number; blobsDeleted?: number; freedBytes?: number; stopped?: boolean; skipped?: string };

export async function runRegistryGc(ctx: JobContext<RegistryGcPayload>): Promise<GcRunResult | { skipped: string }> {
  const execution = await executionOfRun(ctx.run.id);
  if (!execution) {
    const message = "another garbage collection is still running; this scheduled one does nothing";
    ctx.log(message);
    return { skipped: message };
  }
  const env = getServerEnv();
  const target = gcTargetFrom(env);
  if ("unavailable" in target) throw new Error(target.unavailable);
  const keepMs = env.WHARF_GC_KEEP_RECENT_HOURS * 3_600_000;

  // Stopped by an administrator (polled), or the attempt lost its run: garbage-collect is ended.
  const stop = new AbortController();
  const onLost = () => stop.abort();
  ctx.signal.addEventListener("abort", onLost, { once: true });
  const poll = setInterval(() => {
    void db.gcExecution
      .findUnique({ where: { id: execution.id }, select: { stoppedAt: true } })
      .then((e) => {
        if (e?.stoppedAt) stop.abort();
      })
      .catch(() => undefined);
  }, GC_TIMING.stopPollMs);

  let windowOpen = false;
  let renew: ReturnType<typeof setInterval> | null = null;
  try {
    ctx.log(`Garbage collection #${execution.id}: ${execution.dryRun ? "dry run (nothing is deleted)" : "real run"}; blobs younger than ${env.WHARF_GC_KEEP_RECENT_HOURS} h are kept.`);
    await ctx.report({ done: 0, total: execution.dryRun ? 1 : 3 });
    if (!execution.dryRun) {
      await db.$transaction((tx) => openGcWindow(tx, execution.id));
      forgetGcWindow();
      windowOpen = true;
      renew = setInterval(() => void db.$transaction((tx) => openGcWindow(tx, execution.id)).catch(() => undefined), GC_TIMING.renewMs);
      ctx.log(`The registry is read-only for pushes; waiting ${GC_TIMING.graceMs / 1000} s for writes in flight.`);
      await sleep(GC_TIMING.graceMs, stop.signal);
      const stale = await removeStalePins(target.storageDir);
      if (stale) ctx.log(`Removed ${stale} pin(s) an earlier run left behind.`);
    }
    if (stop.signal.aborted) throw new GcStoppedError();

    // Mark: what nothing references.
    const dry = await runGarbageCollect(target, { dryRun: true, signal: stop.signal });
    const stats = await statBlobs(target.storageDir, dry.eligible);
    const cutoff = Date.now() - keepMs;
    const young = dry.eligible.filter((d) => (stats.get(d)?.mtimeMs ?? 0) >= cutoff);
    const old = dry.eligible.filter((d) => stats.has(d) && (stats.get(d)?.mtimeMs ?? 0) < cutoff);
    const bytesEligible = old.reduce((sum, d) => sum + (stats.get(d)?.size ?? 0), 0);
    await ctx.step(
      (tx) => tx.gcExecution.update({ where: { id: execution.id }, data: { blobsEligible: old.length, bytesEligible: BigInt(bytesEligible), pinnedBlobs: young.length }, select: { id: true } }),
      {
        done: 1,
        log: `${dry.marked} blobs referenced; ${old.length} unreferenced blob(s), ${formatBytes(bytesEligible)}, ${execution.dryRun ? "would be" : "to be"} deleted${young.length ? `; ${young.length} younger unreferenced blob(s) kept` : ""}.`,
      },
    );
    for (const d of old.slice(0, 50)) ctx.log(`${execution.dryRun ? "eligible" : "to delete"}: ${d} (${formatBytes(stats.get(d)?.size ?? 0)})`);
    if (old.length > 50) ctx.log(`… and ${old.length - 50} more`);

    const base = { executionId: execution.id, dryRun: execution.dryRun, blobsEligible: old.length, bytesEligible, pinnedBlobs: young.length };
    if (execution.dryRun) return base;

    // Pin the young ones, sweep, unpin.
    const pin = young.length ? await writePin(target.storageDir, execution.id, young) : null;
    if (pin) ctx.log(`Pinned ${young.length} young blob(s) in ${pin.repository} for the sweep.`);
    let swept;
    try {
      await gcTestHooks.beforeSweep?.(execution.id);
      await ctx.report({ done: 2, log: "Sweeping: garbage-collect (Distribution) deletes the unreferenced blobs." });
      let deletions = 0;
      swept = await runGarbageCollect(target, {
        dryRun: false,
        signal: stop.signal,
        onLog: (line) => {
          if (line.startsWith("Deleting blob") && ++deletions > 50) return;
          ctx.log(line);
        },
      });
    } finally {
      if (pin) await removePin(target.storageDir, pin);
    }
    // What went, on disk (sizes as measured before the sweep).
    const candidates = [...new Set([...old, ...swept.eligible])];
    const after = await statBlobs(target.storageDir, candidates);
    const gone = candidates.filter((d) => !after.has(d));
    const freedBytes = gone.reduce((sum, d) => sum + (stats.get(d)?.size ?? 0), 0);
    await ctx.step(
      (tx) => tx.gcExecution.update({ where: { id: execution.id }, data: { blobsDeleted: gone.length, freedBytes: BigInt(freedBytes) }, select: { id: true } }),
      { done: 3, log: `Deleted ${gone.length} blob(s), freed ${formatBytes(freedBytes)}.` },
    );
    return { ...base, blobsDeleted: gone.length, freedBytes };
  } catch (error) {
    if (error instanceof GcStoppedError || (stop.signal.aborted && !ctx.signal.aborted)) {
      const by = (await db.gcExecution.findUnique({ where: { id: execution.id }, select: { stoppedBy: true } }))?.stoppedBy;
      ctx.log(`Stopped by ${by ?? "an administrator"}.`);
      return { executionId: execution.id, dryRun: execution.dryRun, blobsEligible: 0, bytesEligible: 0, pinnedBlobs: 0, stopped: true };
    }
    throw error;
  } finally {
    clearInterval(poll);
    if (renew) clearInterval(renew);
    ctx.signal.removeEventListener("abort", onLost);
    if (windowOpen) {
      await db.$transaction((tx) => closeGcWindow(tx, execution.id));
      forgetGcWindow();
      ctx.log("The registry accepts pushes again.");
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

// ---- the schedule -------------------------------------------------------------------------------

export type GcScheduleView = TGcSchedule & { nextRunAt: string | null; updatedAt: Date | null };

async function readSchedule(client: Pick<DbTransaction, "systemSetting"> = db): Promise<TGcSchedule> {
  const row = await client.systemSetting.findUnique({ where: { key: GC_SCHEDULE_KEY }, select: { value: true } });
  const parsed = ZGcSchedule.safeParse(row?.value);
  return parsed.success ? parsed.data : { cron: null, dryRun: false, workers: 1 };
}

function nextRun(cron: string | null): string | null {
  if (!cron) return null;
  try {
    return cronParser.parseExpression(cron, { tz: "UTC" }).next().toDate().toISOString();
  } catch {
    return null;
  }
}

/** Administrators and auditors. */
export async function getGcSchedule({ actor }: { actor: Actor }): Promise<GcScheduleView> {
  await assertSystemPermission(actor, "gc.read", RESOURCE);
  const row = await db.systemSetting.findUnique({ where: { key: GC_SCHEDULE_KEY }, select: { value: true, updatedAt: true } });
  const parsed = ZGcSchedule.safeParse(row?.value);
  const schedule = parsed.success ? parsed.data : { cron: null, dryRun: false, workers: 1 };
  return { ...schedule, nextRunAt: nextRun(schedule.cron), updatedAt: row?.updatedAt ?? null };
}

/**
 * Saves the schedule (administrators; one `gc.schedule.update` row with before and after), then
 * brings pg-boss's schedule in line. A bad cron is a 400 naming `cron`, nothing saved.
 */
export async function updateGcSchedule({ actor, input }: { actor: Actor; input: unknown }): Promise<{ schedule: TGcSchedule; scheduleApplied: boolean }> {
  await assertSystemPermission(actor, "gc.run", RESOURCE, "gc.schedule.update");
  const schedule: TGcSchedule = parseOrThrow(ZGcSchedule, input, "schedule");
  await db.$transaction(async (tx) => {
    const before = await tx.systemSetting.findUnique({ where: { key: GC_SCHEDULE_KEY }, select: { value: true } });
    const value = schedule as unknown as Prisma.InputJsonValue;
    await tx.systemSetting.upsert({ where: { key: GC_SCHEDULE_KEY }, create: { key: GC_SCHEDULE_KEY, value }, update: { value } });
    await recordAuditEvent(tx, { actor, action: "gc.schedule.update", resource: RESOURCE, detail: { before: before?.value ?? { cron: null }, after: schedule } });
  });
  let scheduleApplied = true;
  try {
    await syncGcSchedule(schedule);
  } catch (err) {
    scheduleApplied = false;
    console.error("wharf: garbage collection schedule not applied (every job worker applies it when it starts)", err);
  }
  return { schedule, scheduleApplied };
}

/** pg-boss keeps one schedule row per queue: idempotent, any process may call it. */
export async function syncGcSchedule(schedule?: TGcSchedule): Promise<string | null> {
  const current = schedule ?? (await readSchedule());
  const boss = await getBoss();
  if (current.cron) await boss.schedule(registryGcJob.id, current.cron, { version: registryGcJob.version }, { tz: "UTC" });
  else await boss.unschedule(registryGcJob.id);
  return current.cron;
}

/** For the page: whether collection is possible here and why not (no permission needed: no data). */
export type GcTargetInfo = { available: boolean; reason: string | null };
export function gcTargetInfo(): GcTargetInfo {
  const a = gcAvailability();
  return a.available ? { available: true, reason: null } : { available: false, reason: a.reason };
}

export type { GcTarget };
