import "server-only";
import cronParser from "cron-parser";
import { z } from "zod";
import { type Actor, actorName, systemActor } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import { ConflictError, ValidationError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { getBoss } from "@/lib/jobs/boss";
import type { AwaitingChildren, JobContext } from "@/lib/jobs/define-job";
import { scanAllJob, type ScanAllPayload } from "@/lib/jobs/definitions";
import { DOCKER_CONTAINER_CONFIG, DOCKER_MANIFEST_V2, OCI_IMAGE_CONFIG, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { bossExecutor, queueRun } from "@/lib/services/jobs/queue-run";
import { queueArtifactScan, stopScanReports } from "@/lib/services/scan/artifact-scans";
import { scannerIdForProject } from "@/lib/services/scan/scanners";
import { fieldErrorsOf } from "@/lib/validation/common";
import { ZCronExpression } from "@/lib/validation/audit-retention";

/**
 * Scan all (Harbor's Administration → Interrogation services → Vulnerability → Scan now, its
 * schedule, `/system/scanAll/*` and `/scans/all/metrics`). An execution is a `scan.all` run that
 * walks the index by artifact id in batches (each batch one transaction with the run's checkpoint,
 * so a retried attempt goes on after the last batch) and queues a vulnerability scan by each
 * project's scanner for every image manifest: an index's children are image artifacts of their own
 * and are queued one by one, the index itself is not; signatures, SBOMs and other non-image
 * artifacts are left out (as scan on push does). The queued scans are the run's fan-out children,
 * so their runs are the execution's progress (Harbor's Stats: Success, Error, Running, Pending,
 * Stopped) and the run ends when the last of them has. Nothing is queued in the request path: a
 * start is one transaction (the run, the execution, the audit row), whatever the index holds.
 *
 * A digest already being scanned by its project's scanner (by anything, or by an earlier batch
 * from another repository) is skipped, so each image is scanned once. With the built-in scanner an
 * image whose inventory is stored is not pulled again (scanArtifact keeps inventories per digest).
 *
 * Administrators start, schedule and stop (`scan_all.run`, one audit row each in the transaction
 * of the change); auditors read (`scan_all.read`). A stop queues no more scans, ends the queued
 * ones Stopped at once, and lets running ones finish.
 */

export const SCAN_ALL_SCHEDULE_KEY = "scan_all_schedule";
/** Artifacts looked at per step (one transaction): 100 queued scans are a few hundred statements. */
export const SCAN_ALL_BATCH = 100;

const RESOURCE = { type: "scan_all", name: "scan_all" } as const;
const SCHEDULE_ACTOR = systemActor("scan-all-schedule");
const IMAGE_MANIFESTS = [OCI_IMAGE_MANIFEST, DOCKER_MANIFEST_V2];
const IMAGE_CONFIGS = [OCI_IMAGE_CONFIG, DOCKER_CONTAINER_CONFIG];

/** The stored schedule: a 5-field UTC cron checked with the parser pg-boss schedules with, or none. */
export const ZScanAllSchedule = z.object({ cron: ZCronExpression.nullable() });
export type TScanAllSchedule = z.infer<typeof ZScanAllSchedule>;

export type ScanAllMetrics = { Success: number; Error: number; Running: number; Pending: number; Stopped: number };

export type ScanAllStats = {
  /** Harbor's Stats. */
  total: number;
  completed: number;
  metrics: ScanAllMetrics;
  ongoing: boolean;
  trigger: "Manual" | "Schedule" | null;
  /** Wharf's own: the execution, who started it, when, and what was left out. */
  executionId: number | null;
  runId: number | null;
  triggeredBy: string | null;
  startedAt: Date | null;
  endedAt: Date | null;
  stoppedAt: Date | null;
  stoppedBy: string | null;
  /** Still walking the index (more scans may be queued). */
  queueing: boolean;
  skipped: number;
  /** The run's failure (e.g. the walk itself failed), if any. */
  error: string | null;
};

const EMPTY_METRICS: ScanAllMetrics = { Success: 0, Error: 0, Running: 0, Pending: 0, Stopped: 0 };

type ExecutionRow = Prisma.ScanAllExecutionGetPayload<Record<string, never>>;

async function statsOf(execution: ExecutionRow | null): Promise<ScanAllStats> {
  if (!execution) {
    return { total: 0, completed: 0, metrics: { ...EMPTY_METRICS }, ongoing: false, trigger: null, executionId: null, runId: null, triggeredBy: null, startedAt: null, endedAt: null, stoppedAt: null, stoppedBy: null, queueing: false, skipped: 0, error: null };
  }
  const run = await db.jobRun.findUnique({ where: { id: execution.runId }, select: { status: true, finishedAt: true, leaseExpiresAt: true, error: true } });
  // One pass over the run's children (index on parent_run_id). A stopped scan's run says so in its
  // result, whether it was stopped while queued (failed) or while running (ended on its own).
  const [c] = await db.$queryRaw<{ total: number; success: number; error: number; running: number; pending: number; stopped: number }[]>`
    SELECT count(*)::int AS total,
      count(*) FILTER (WHERE status = 'succeeded' AND NOT coalesce(result @> '{"stopped": true}', false))::int AS success,
      count(*) FILTER (WHERE status = 'failed' AND NOT coalesce(result @> '{"stopped": true}', false))::int AS error,
      count(*) FILTER (WHERE status = 'running')::int AS running,
      count(*) FILTER (WHERE status = 'queued')::int AS pending,
      count(*) FILTER (WHERE status IN ('succeeded', 'failed') AND coalesce(result @> '{"stopped": true}', false))::int AS stopped
    FROM job_runs WHERE parent_run_id = ${execution.runId}`;
  const metrics: ScanAllMetrics = { Success: c?.success ?? 0, Error: c?.error ?? 0, Running: c?.running ?? 0, Pending: c?.pending ?? 0, Stopped: c?.stopped ?? 0 };
  const ongoing = run?.status === "queued" || run?.status === "running";
  return {
    total: c?.total ?? 0,
    completed: metrics.Success + metrics.Error + metrics.Stopped,
    metrics,
    ongoing,
    trigger: execution.trigger === "Schedule" ? "Schedule" : "Manual",
    executionId: execution.id,
    runId: execution.runId,
    triggeredBy: execution.triggeredBy,
    startedAt: execution.startedAt,
    endedAt: ongoing ? null : (run?.finishedAt ?? null),
    stoppedAt: execution.stoppedAt,
    stoppedBy: execution.stoppedBy,
    // The parent's attempt holds a lease while it walks; it lets go once every scan is queued.
    queueing: run?.status === "queued" || (run?.status === "running" && run.leaseExpiresAt !== null),
    skipped: execution.skipped,
    error: run?.status === "failed" && (c?.total ?? 0) === 0 ? (run.error ?? null) : null,
  };
}

/** The latest execution's Stats (`/scans/all/metrics`), or the latest scheduled one's (`/scans/schedule/metrics`). */
export async function getScanAllMetrics({ actor, trigger }: { actor: Actor; trigger?: "Schedule" }): Promise<ScanAllStats> {
  await assertSystemPermission(actor, "scan_all.read", RESOURCE);
  const execution = await db.scanAllExecution.findFirst({ where: trigger ? { trigger } : {}, orderBy: { id: "desc" } });
  return statsOf(execution);
}

/** The latest executions, newest first (the console's "last runs"). */
export async function listScanAllExecutions({ actor, take = 5 }: { actor: Actor; take?: number }): Promise<ScanAllStats[]> {
  await assertSystemPermission(actor, "scan_all.read", RESOURCE);
  const rows = await db.scanAllExecution.findMany({ orderBy: { id: "desc" }, take: Math.min(Math.max(take, 1), 20) });
  return Promise.all(rows.map((row) => statsOf(row)));
}

async function ongoingExecution(tx: DbTransaction): Promise<ExecutionRow | null> {
  const latest = await tx.scanAllExecution.findFirst({ orderBy: { id: "desc" } });
  if (!latest) return null;
  const run = await tx.jobRun.findUnique({ where: { id: latest.runId }, select: { status: true } });
  return run?.status === "queued" || run?.status === "running" ? latest : null;
}

/** Starts and stops take turns on one lock, so two starts at once do not both find nothing running. */
const lockScanAll = (tx: DbTransaction) => tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('scan.all'))`;

/** Scan now (administrators): one `scan.all` run and its execution, one `scan_all.start` row; 409 while one is going on. */
export async function startScanAll({ actor }: { actor: Actor }): Promise<{ executionId: number; runId: number }> {
  await assertSystemPermission(actor, "scan_all.run", RESOURCE, "scan_all.start");
  return db.$transaction(async (tx) => {
    await lockScanAll(tx);
    const ongoing = await ongoingExecution(tx);
    if (ongoing) throw new ConflictError(`Scan all #${ongoing.id} is still running; wait for it or stop it.`);
    const by = actorName(actor).slice(0, 255);
    const { runId } = await queueRun(tx, scanAllJob, {}, by);
    const execution = await tx.scanAllExecution.create({ data: { trigger: "Manual", triggeredBy: by, runId }, select: { id: true } });
    await recordAuditEvent(tx, { actor, action: "scan_all.start", resource: { ...RESOURCE, id: execution.id }, detail: { executionId: execution.id, runId, trigger: "Manual" } });
    return { executionId: execution.id, runId };
  });
}

/**
 * Stop (administrators): the ongoing execution queues nothing more, its queued scans end Stopped
 * now, running ones finish; one `scan_all.stop` row. 409 when none is going on.
 */
export async function stopScanAll({ actor }: { actor: Actor }): Promise<{ executionId: number; stopped: number; running: number }> {
  await assertSystemPermission(actor, "scan_all.run", RESOURCE, "scan_all.stop");
  return db.$transaction(
    async (tx) => {
      await lockScanAll(tx);
      const execution = await ongoingExecution(tx);
      if (!execution) throw new ConflictError("No scan all is running.");
      const by = actorName(actor).slice(0, 255);
      await tx.scanAllExecution.update({ where: { id: execution.id }, data: { stoppedAt: new Date(), stoppedBy: by }, select: { id: true } });
      const parent = await tx.jobRun.findUniqueOrThrow({ where: { id: execution.runId }, select: { status: true, bossJobId: true } });
      if (parent.status === "queued") {
        // Not started yet: it never will (its walk would find the stop first anyway).
        if (parent.bossJobId) await (await getBoss()).cancel(scanAllJob.id, parent.bossJobId, { db: bossExecutor(tx) });
        await tx.jobRun.update({ where: { id: execution.runId }, data: { status: "failed", error: `Stopped by ${by}.`, result: { stopped: true }, finishedAt: new Date() }, select: { id: true } });
      }
      const queued = await tx.$queryRaw<{ id: number }[]>`
        SELECT r.id FROM scan_reports r JOIN job_runs j ON j.id = r.run_id
        WHERE j.parent_run_id = ${execution.runId} AND r.status = 'queued'`;
      const { queued: stopped } = await stopScanReports(
        tx,
        queued.map((r) => r.id),
        by,
      );
      const [running] = await tx.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM job_runs WHERE parent_run_id = ${execution.runId} AND status = 'running'`;
      await recordAuditEvent(tx, { actor, action: "scan_all.stop", resource: { ...RESOURCE, id: execution.id }, detail: { executionId: execution.id, runId: execution.runId, stopped, running: running?.n ?? 0 } });
      return { executionId: execution.id, stopped, running: running?.n ?? 0 };
    },
    // A stop of 10,000 queued scans cancels them in a few statements; the minute is the backstop.
    { timeout: 60_000, maxWait: 30_000 },
  );
}

// ---- the run ------------------------------------------------------------------------------------

/**
 * The execution of this run: a manual start created it with the run; a scheduled run creates its
 * own (with its `scan_all.start` row by system:scan-all-schedule), unless another execution is
 * still going on, in which case this tick does nothing.
 */
async function executionOfRun(runId: number): Promise<ExecutionRow | null> {
  const existing = await db.scanAllExecution.findUnique({ where: { runId } });
  if (existing) return existing;
  return db.$transaction(async (tx) => {
    await lockScanAll(tx);
    const again = await tx.scanAllExecution.findUnique({ where: { runId } });
    if (again) return again;
    const latest = await tx.scanAllExecution.findFirst({ orderBy: { id: "desc" } });
    const latestRun = latest ? await tx.jobRun.findUnique({ where: { id: latest.runId }, select: { status: true } }) : null;
    if (latestRun && (latestRun.status === "queued" || latestRun.status === "running")) return null;
    const execution = await tx.scanAllExecution.create({ data: { trigger: "Schedule", triggeredBy: "schedule", runId } });
    await recordAuditEvent(tx, { actor: SCHEDULE_ACTOR, action: "scan_all.start", resource: { ...RESOURCE, id: execution.id }, detail: { executionId: execution.id, runId, trigger: "Schedule" } });
    return execution;
  });
}

export async function runScanAll(ctx: JobContext<ScanAllPayload>): Promise<AwaitingChildren | { skipped: string }> {
  const execution = await executionOfRun(ctx.run.id);
  if (!execution) {
    const message = "another scan all is still running; this scheduled one does nothing";
    ctx.log(message);
    return { skipped: message };
  }
  let cursor = ctx.run.checkpoint && /^\d+$/.test(ctx.run.checkpoint) ? Number(ctx.run.checkpoint) : 0;
  ctx.log(cursor ? `Scan all #${execution.id}: resuming after artifact ${cursor}.` : `Scan all #${execution.id}: queueing a vulnerability scan of every image artifact.`);
  const scanners = new Map<number, number | null>();
  const trigger = `scan all #${execution.id}`;
  for (;;) {
    const now = await db.scanAllExecution.findUniqueOrThrow({ where: { id: execution.id }, select: { stoppedAt: true, stoppedBy: true } });
    if (now.stoppedAt) {
      ctx.log(`Stopped by ${now.stoppedBy ?? "an administrator"}: no more scans are queued.`);
      break;
    }
    const batch = await db.artifact.findMany({
      where: {
        id: { gt: cursor },
        mediaType: { in: IMAGE_MANIFESTS },
        accessoryType: null,
        OR: [{ artifactType: null }, { artifactType: { in: IMAGE_CONFIGS } }],
        repository: { deletingAt: null },
      },
      select: { id: true, digest: true, mediaType: true, repository: { select: { name: true, projectId: true } } },
      orderBy: { id: "asc" },
      take: SCAN_ALL_BATCH,
    });
    if (batch.length === 0) break;
    for (const a of batch) if (!scanners.has(a.repository.projectId)) scanners.set(a.repository.projectId, await scannerIdForProject(a.repository.projectId));
    const last = batch.at(-1)!.id;
    // The framework's fan-out in batches (ctx.asChild, then ctx.awaitChildren), not ctx.fanOut:
    // a child is queued through queueArtifactScan (its report row, the refusal of a digest already
    // being scanned), and the index is walked a batch per step, with the checkpoint.
    await ctx.step(
      async (tx) => {
        let queued = 0;
        let noScanner = 0;
        let busy = 0;
        for (const a of batch) {
          const scannerId = scanners.get(a.repository.projectId) ?? null;
          if (scannerId === null) {
            noScanner++;
            continue;
          }
          try {
            await queueArtifactScan(tx, { repository: a.repository.name, digest: a.digest, scannerId, artifactMimeType: a.mediaType }, trigger, ctx.asChild);
            queued++;
          } catch (error) {
            // Being scanned already (by anything, or this execution from another repository): that scan stands.
            if (!(error instanceof ConflictError)) throw error;
            busy++;
          }
        }
        await tx.scanAllExecution.update({ where: { id: execution.id }, data: { queued: { increment: queued }, skipped: { increment: noScanner + busy } }, select: { id: true } });
        return { queued, noScanner, busy };
      },
      (c) => ({ checkpoint: String(last), log: `artifacts up to #${last}: ${c.queued} scan(s) queued${c.busy ? `, ${c.busy} already being scanned` : ""}${c.noScanner ? `, ${c.noScanner} in projects without an enabled scanner` : ""}` }),
    );
    cursor = last;
  }
  // Every scan this run queued, in this attempt or an earlier one.
  const awaiting = await ctx.awaitChildren();
  ctx.log(`${awaiting.awaitingChildren} scan(s) queued; the run ends when they have.`);
  return awaiting;
}

// ---- the schedule -------------------------------------------------------------------------------

export type ScanAllScheduleView = TScanAllSchedule & { nextRunAt: string | null; updatedAt: Date | null; createdAt: Date | null };

async function readSchedule(): Promise<TScanAllSchedule> {
  const row = await db.systemSetting.findUnique({ where: { key: SCAN_ALL_SCHEDULE_KEY }, select: { value: true } });
  const parsed = ZScanAllSchedule.safeParse(row?.value);
  return parsed.success ? parsed.data : { cron: null };
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
export async function getScanAllSchedule({ actor }: { actor: Actor }): Promise<ScanAllScheduleView> {
  await assertSystemPermission(actor, "scan_all.read", RESOURCE);
  const row = await db.systemSetting.findUnique({ where: { key: SCAN_ALL_SCHEDULE_KEY }, select: { value: true, updatedAt: true } });
  const parsed = ZScanAllSchedule.safeParse(row?.value);
  const cron = parsed.success ? parsed.data.cron : null;
  return { cron, nextRunAt: nextRun(cron), updatedAt: row?.updatedAt ?? null, createdAt: row?.updatedAt ?? null };
}

/**
 * Saves the schedule (administrators; one `scan_all.schedule.update` row with before and after),
 * then brings pg-boss's schedule row in line with it. A bad cron is a 400 naming `cron`, with
 * nothing saved. The pg-boss row is outside the transaction: if that step fails, the setting is
 * still saved and every worker re-applies it when it starts (`scheduleApplied` says which).
 */
export async function updateScanAllSchedule({ actor, input }: { actor: Actor; input: unknown }): Promise<{ schedule: TScanAllSchedule; scheduleApplied: boolean }> {
  await assertSystemPermission(actor, "scan_all.run", RESOURCE, "scan_all.schedule.update");
  const parsed = ZScanAllSchedule.safeParse(input);
  if (!parsed.success) {
    const fieldErrors = fieldErrorsOf(parsed.error);
    throw new ValidationError(Object.entries(fieldErrors).map(([k, v]) => `${k}: ${v.join("; ")}`).join("; ") || "Check the schedule.", fieldErrors);
  }
  const schedule = parsed.data;
  await db.$transaction(async (tx) => {
    const before = await tx.systemSetting.findUnique({ where: { key: SCAN_ALL_SCHEDULE_KEY }, select: { value: true } });
    const value = schedule as unknown as Prisma.InputJsonValue;
    await tx.systemSetting.upsert({ where: { key: SCAN_ALL_SCHEDULE_KEY }, create: { key: SCAN_ALL_SCHEDULE_KEY, value }, update: { value } });
    await recordAuditEvent(tx, { actor, action: "scan_all.schedule.update", resource: RESOURCE, detail: { before: before?.value ?? { cron: null }, after: schedule } });
  });
  let scheduleApplied = true;
  try {
    await syncScanAllSchedule(schedule);
  } catch (err) {
    scheduleApplied = false;
    console.error("wharf: scan all schedule not applied (every job worker applies it when it starts)", err);
  }
  return { schedule, scheduleApplied };
}

/** pg-boss keeps one schedule row per queue in the database: idempotent, any process may call it. */
export async function syncScanAllSchedule(schedule?: TScanAllSchedule): Promise<string | null> {
  const current = schedule ?? (await readSchedule());
  const boss = await getBoss();
  if (current.cron) await boss.schedule(scanAllJob.id, current.cron, { version: scanAllJob.version }, { tz: "UTC" });
  else await boss.unschedule(scanAllJob.id);
  return current.cron;
}
