import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import type { JobRunStatus, Prisma } from "@/lib/generated/prisma/client";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";

/**
 * The visible side of background jobs (lib/jobs): one JobRun row per run, written by the worker
 * (status, progress, checkpoint, log) and read by the System health page. The worker acts as
 * Wharf itself, so these writers take no actor; `listJobRuns` is the only reader people reach.
 */

/** The log keeps its last 8,000 characters: enough for a run's story, bounded for a 10,000-repository registry. */
const LOG_MAX = 8000;

export type JobRunView = {
  id: number;
  jobName: string;
  status: JobRunStatus;
  trigger: string;
  progressDone: number;
  progressTotal: number | null;
  checkpoint: string | null;
  log: string;
  error: string | null;
  attempts: number;
  result: unknown;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
};

export async function createJobRun(input: { jobName: string; jobVersion: number; trigger: string; payload?: Record<string, unknown> }): Promise<number> {
  const row = await db.jobRun.create({
    data: { jobName: input.jobName, jobVersion: input.jobVersion, trigger: input.trigger.slice(0, 255), payload: (input.payload ?? {}) as Prisma.InputJsonValue },
    select: { id: true },
  });
  return row.id;
}

export async function attachBossJob(runId: number, bossJobId: string): Promise<void> {
  await db.jobRun.update({ where: { id: runId }, data: { bossJobId }, select: { id: true } });
}

/**
 * Marks the run started (one more attempt) and returns what a resumed attempt needs. A scheduled
 * (cron) job has no run row yet: it gets one here, keyed by pg-boss's job id.
 */
export async function claimJobRun(input: { runId: number | null; bossJobId: string; jobName: string; jobVersion: number; trigger: string }) {
  const now = new Date();
  const data = { status: "running" as const, startedAt: now, finishedAt: null, attempts: { increment: 1 } };
  const select = { id: true, checkpoint: true, progressDone: true, result: true, attempts: true } as const;
  if (input.runId !== null) return db.jobRun.update({ where: { id: input.runId }, data: { ...data, bossJobId: input.bossJobId }, select });
  return db.jobRun.upsert({
    where: { bossJobId: input.bossJobId },
    create: { jobName: input.jobName, jobVersion: input.jobVersion, trigger: input.trigger, bossJobId: input.bossJobId, status: "running", startedAt: now, attempts: 1 },
    update: data,
    select,
  });
}

export async function reportJobProgress(runId: number, progress: { done: number; total: number | null; checkpoint: string | null; result?: unknown }): Promise<void> {
  await db.jobRun.update({
    where: { id: runId },
    data: {
      progressDone: progress.done,
      progressTotal: progress.total,
      checkpoint: progress.checkpoint?.slice(0, 255) ?? null,
      ...(progress.result === undefined ? {} : { result: progress.result as Prisma.InputJsonValue }),
    },
    select: { id: true },
  });
}

export async function appendJobLog(runId: number, line: string): Promise<void> {
  const stamped = `${new Date().toISOString().slice(11, 19)} ${line.slice(0, 500)}\n`;
  // right(): keeps the tail in one statement, without reading the log back.
  await db.$executeRaw`UPDATE job_runs SET log = right(log || ${stamped}, ${LOG_MAX}) WHERE id = ${runId}`;
}

/** `willRetry`: pg-boss will run it again (it shows as queued, with the error of this attempt). */
export async function finishJobRun(runId: number, outcome: { status: "succeeded"; result?: unknown } | { status: "failed"; error: string; willRetry: boolean }): Promise<void> {
  if (outcome.status === "succeeded") {
    await db.jobRun.update({
      where: { id: runId },
      data: { status: "succeeded", finishedAt: new Date(), error: null, ...(outcome.result === undefined ? {} : { result: outcome.result as Prisma.InputJsonValue }) },
      select: { id: true },
    });
    return;
  }
  await db.jobRun.update({
    where: { id: runId },
    data: { status: outcome.willRetry ? "queued" : "failed", finishedAt: outcome.willRetry ? null : new Date(), error: outcome.error.slice(0, 2000) },
    select: { id: true },
  });
}

export async function getJobRunStatus(runId: number): Promise<JobRunStatus | null> {
  return (await db.jobRun.findUnique({ where: { id: runId }, select: { status: true } }))?.status ?? null;
}

/** The latest runs of one job, newest first, for the System health page. */
export async function listJobRuns({ actor, jobName, take = 5 }: { actor: Actor; jobName: string; take?: number }): Promise<JobRunView[]> {
  await assertSystemPermission(actor, "system.health.read", { type: "job_run" });
  const rows = await db.jobRun.findMany({ where: { jobName }, orderBy: [{ queuedAt: "desc" }, { id: "desc" }], take: Math.min(Math.max(take, 1), 20) });
  return rows.map((r) => ({
    id: r.id,
    jobName: r.jobName,
    status: r.status,
    trigger: r.trigger,
    progressDone: r.progressDone,
    progressTotal: r.progressTotal,
    checkpoint: r.checkpoint,
    log: r.log,
    error: r.error,
    attempts: r.attempts,
    result: r.result,
    queuedAt: r.queuedAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
  }));
}
