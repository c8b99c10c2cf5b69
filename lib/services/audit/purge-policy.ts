import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { actorName } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ConflictError, ValidationError } from "@/lib/errors";
import { getBoss } from "@/lib/jobs/boss";
import { purgeAuditJob } from "@/lib/jobs/definitions";
import type { Prisma } from "@/lib/generated/prisma/client";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { listJobRuns, type JobRunView } from "@/lib/services/jobs/job-runs";
import { queueRun, retryRun } from "@/lib/services/jobs/queue-run";
import { fieldErrorsOf } from "@/lib/validation/common";
import { type TPurgePolicy, ZPurgePolicy } from "@/lib/validation/audit-retention";

/**
 * The audit log's retention (Harbor: Clean Up → Audit log purge), stored as SystemSetting
 * `audit_purge_policy`. Reading it and a dry run (a count) are for administrators and auditors
 * (`audit.list`); changing it and purging are administrators' (`setting.update`): an auditor
 * reads the log and must never be able to shorten it.
 */
export const PURGE_POLICY_KEY = "audit_purge_policy";

/** Off until an administrator decides: Wharf does not delete audit history on its own. */
export const DEFAULT_PURGE_POLICY: TPurgePolicy = { retentionDays: 365, schedule: null, enabled: false };

const POLICY_RESOURCE = { type: "audit_log", name: "purge_policy" } as const;

/** The stored policy, or the default; an unreadable stored value falls back to the default. */
export async function readPurgePolicy(): Promise<TPurgePolicy> {
  const row = await db.systemSetting.findUnique({ where: { key: PURGE_POLICY_KEY }, select: { value: true } });
  const parsed = ZPurgePolicy.safeParse(row?.value);
  return parsed.success ? parsed.data : DEFAULT_PURGE_POLICY;
}

export async function getPurgePolicy({ actor }: { actor: Actor }): Promise<TPurgePolicy> {
  await assertSystemPermission(actor, "audit.list", POLICY_RESOURCE);
  return readPurgePolicy();
}

/**
 * Saves the policy (one `audit_log.purge_policy.update` row with before and after), then brings
 * pg-boss's schedule in line with it. The schedule is pg-boss's own row, outside this
 * transaction: if that step fails the policy is still saved and the worker re-applies it on its
 * next start (`syncPurgeSchedule`), so `scheduleApplied` says whether it took effect now.
 */
export async function updatePurgePolicy({ actor, input }: { actor: Actor; input: unknown }): Promise<{ policy: TPurgePolicy; scheduleApplied: boolean }> {
  await assertSystemPermission(actor, "setting.update", POLICY_RESOURCE, "audit_log.purge_policy.update");
  const parsed = ZPurgePolicy.safeParse(input);
  if (!parsed.success) throw new ValidationError("Check the highlighted fields.", fieldErrorsOf(parsed.error));
  const policy = parsed.data;
  await db.$transaction(async (tx) => {
    const before = await tx.systemSetting.findUnique({ where: { key: PURGE_POLICY_KEY }, select: { value: true } });
    const value = policy as unknown as Prisma.InputJsonValue;
    await tx.systemSetting.upsert({ where: { key: PURGE_POLICY_KEY }, create: { key: PURGE_POLICY_KEY, value }, update: { value } });
    await recordAuditEvent(tx, {
      actor,
      action: "audit_log.purge_policy.update",
      resource: POLICY_RESOURCE,
      detail: { before: before?.value ?? DEFAULT_PURGE_POLICY, after: policy },
    });
  });
  let scheduleApplied = true;
  try {
    await syncPurgeSchedule(policy);
  } catch (err) {
    scheduleApplied = false;
    console.error("wharf: audit purge schedule not applied (the worker applies it on its next start)", err);
  }
  return { policy, scheduleApplied };
}

/**
 * pg-boss keeps one schedule row per queue in the database, so this is idempotent and any
 * process may call it; only the worker's pg-boss fires it. No schedule, or a disabled policy,
 * removes it.
 */
export async function syncPurgeSchedule(policy?: TPurgePolicy): Promise<string | null> {
  const current = policy ?? (await readPurgePolicy());
  const boss = await getBoss();
  if (current.enabled && current.schedule) {
    await boss.schedule(purgeAuditJob.id, current.schedule, { version: purgeAuditJob.version }, { tz: "UTC" });
    return current.schedule;
  }
  await boss.unschedule(purgeAuditJob.id);
  return null;
}

export type PurgeDryRun = { retentionDays: number; cutoff: string; rows: number };

/**
 * How many rows a purge with the saved retention would delete now, changing nothing. One count
 * over the `(occurred_at DESC, id DESC)` index (an index-only range scan, read backwards), so
 * it needs no job even with millions of rows. The cutoff is taken from the database clock, the
 * one that wrote `occurred_at`.
 */
export async function dryRunPurge({ actor, retentionDays }: { actor: Actor; retentionDays?: number }): Promise<PurgeDryRun> {
  await assertSystemPermission(actor, "audit.list", POLICY_RESOURCE);
  const days = retentionDays ?? (await readPurgePolicy()).retentionDays;
  const check = ZPurgePolicy.shape.retentionDays.safeParse(days);
  if (!check.success) throw new ValidationError("Check the highlighted fields.", { retentionDays: check.error.issues.map((i) => i.message) });
  const cutoff = await cutoffFor(check.data);
  const [row] = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM audit_events WHERE occurred_at < ${cutoff}`;
  return { retentionDays: check.data, cutoff: cutoff.toISOString(), rows: Number(row?.n ?? 0) };
}

/** now() − N days, on the database's clock. */
export async function cutoffFor(retentionDays: number): Promise<Date> {
  const [row] = await db.$queryRaw<{ cutoff: Date }[]>`SELECT now() - make_interval(days => ${retentionDays}::int) AS cutoff`;
  if (!row) throw new Error("the database returned no time");
  return new Date(row.cutoff);
}

/**
 * Queues a purge with the saved retention (administrators only). The cutoff is fixed now and kept
 * with the run, so the run deletes what the confirmation named (plus what aged past the cutoff in
 * between: nothing, since the cutoff does not move), and a retried attempt uses the same one.
 * Who asked is this row (`audit_log.purge.start`); what was deleted is the run's `audit_log.purge`.
 */
export async function startAuditPurge({ actor }: { actor: Actor }): Promise<{ runId: number; cutoff: string }> {
  await assertSystemPermission(actor, "setting.update", { type: "audit_log", name: "purge" }, "audit_log.purge.start");
  const { retentionDays } = await readPurgePolicy();
  const cutoff = await cutoffFor(retentionDays);
  const { runId } = await db.$transaction(async (tx) => {
    const active = await tx.jobRun.findFirst({ where: { jobName: purgeAuditJob.id, status: { in: ["queued", "running"] } }, select: { id: true } });
    if (active) throw new ConflictError(`Purge run #${active.id} is not finished yet; wait for it.`);
    const queued = await queueRun(tx, purgeAuditJob, { cutoff: cutoff.toISOString(), retentionDays, trigger: "manual" }, actorName(actor));
    await recordAuditEvent(tx, {
      actor,
      action: "audit_log.purge.start",
      resource: { type: "job_run", id: queued.runId, name: purgeAuditJob.id },
      detail: { cutoff: cutoff.toISOString(), retentionDays },
    });
    return queued;
  });
  return { runId, cutoff: cutoff.toISOString() };
}

/** Runs a failed purge again: same run row and cutoff; it continues with what is left. */
export async function retryAuditPurge({ actor, runId }: { actor: Actor; runId: number }): Promise<void> {
  await assertSystemPermission(actor, "setting.update", { type: "job_run", id: runId }, "audit_log.purge.retry");
  await db.$transaction(async (tx) => {
    await retryRun(tx, purgeAuditJob, runId, "purge run");
    await recordAuditEvent(tx, { actor, action: "audit_log.purge.retry", resource: { type: "job_run", id: runId, name: purgeAuditJob.id } });
  });
}

/** The latest purge runs, newest first (administrators and auditors). */
export async function listPurgeRuns({ actor, take = 5 }: { actor: Actor; take?: number }): Promise<JobRunView[]> {
  return listJobRuns({ actor, jobName: purgeAuditJob.id, take });
}
