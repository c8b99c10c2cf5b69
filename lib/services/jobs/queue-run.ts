import "server-only";
import { db, type DbTransaction } from "@/lib/db/client";
import { ConflictError, NotFoundError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { getBoss } from "@/lib/jobs/boss";
import type { AwaitingChildren, JobDefinition } from "@/lib/jobs/define-job";
import { settleParentOf } from "@/lib/services/jobs/job-runs";

/**
 * Queueing a run, the same way for every job: the JobRun row people see and its pg-boss job are
 * written in the caller's transaction, the one that also holds the change that asked for it and
 * its audit row. A rolled-back request leaves neither; a committed one has both, so a crash can
 * no longer leave a queued run without a job (which blocked every later run of a singleton job).
 *
 * pg-boss 10 sends through any `{ db }` that runs its SQL (`executeSql(text, values)`); here that
 * is the Prisma interactive transaction. The insert is pg-boss's own statement, so the job row is
 * exactly what `boss.send` writes on its own connection.
 *
 * Each job's service authorizes and audits first (explicit actor), then calls these.
 */

/** What pg-boss carries: the definition's version and the run; the payload stays on the run row. */
export type JobEnvelope = { version: number; runId: number };

export async function queueRun<P>(
  tx: DbTransaction,
  job: JobDefinition<P>,
  payload: P,
  trigger: string,
  options: { parentRunId?: number } = {},
): Promise<{ runId: number }> {
  const parsed = job.payload.parse(payload);
  const boss = await getBoss();
  const run = await tx.jobRun.create({
    data: {
      jobName: job.id,
      jobVersion: job.version,
      trigger: trigger.slice(0, 255),
      payload: parsed as Prisma.InputJsonValue,
      parentRunId: options.parentRunId ?? null,
    },
    select: { id: true },
  });
  const envelope: JobEnvelope = { version: job.version, runId: run.id };
  const bossJobId = await boss.send(job.id, envelope, { db: bossExecutor(tx) });
  // null: pg-boss refused it as a duplicate (a singleton queue's policy); nothing is queued then.
  if (!bossJobId) throw new ConflictError(`A ${job.id} run is already queued; wait for it.`);
  await tx.jobRun.update({ where: { id: run.id }, data: { bossJobId }, select: { id: true } });
  return { runId: run.id };
}

/**
 * Queues a failed run again (after pg-boss's own retries gave up): same row, same payload and
 * checkpoint, so it resumes instead of starting over. NotFoundError for a run of another job.
 */
export async function retryRun(tx: DbTransaction, job: JobDefinition<unknown>, runId: number, what = "run"): Promise<void> {
  const [run] = await tx.$queryRaw<{ status: string }[]>`SELECT status::text AS status FROM job_runs WHERE id = ${runId} AND job_name = ${job.id} FOR UPDATE`;
  if (!run) throw new NotFoundError(`No such ${what}.`);
  if (run.status !== "failed") throw new ConflictError(`Run #${runId} is ${run.status}; only a failed run can be retried.`);
  const boss = await getBoss();
  const envelope: JobEnvelope = { version: job.version, runId };
  const bossJobId = await boss.send(job.id, envelope, { db: bossExecutor(tx) });
  if (!bossJobId) throw new ConflictError(`A ${job.id} run is already queued; wait for it.`);
  await tx.jobRun.update({ where: { id: runId }, data: { status: "queued", error: null, finishedAt: null, bossJobId }, select: { id: true } });
  await settleParentOf(tx, runId);
}

/**
 * A parent attempt's fan-out: one child run per payload, queued with the parent's total in one
 * transaction. Idempotent: a retried parent that already fanned out queues nothing again.
 */
export async function queueChildRuns<C>(parent: { id: number; attempt: number }, child: JobDefinition<C>, payloads: readonly C[]): Promise<AwaitingChildren> {
  return db.$transaction(
    async (tx) => {
      const [row] = await tx.$queryRaw<{ trigger: string }[]>`
        SELECT trigger FROM job_runs WHERE id = ${parent.id} AND status = 'running' AND attempts = ${parent.attempt} FOR UPDATE`;
      if (!row) throw new ConflictError(`run #${parent.id} is no longer this attempt's`);
      const existing = await tx.jobRun.count({ where: { parentRunId: parent.id } });
      if (existing > 0) return { awaitingChildren: existing };
      for (const payload of payloads) await queueRun(tx, child, payload, `run #${parent.id}`, { parentRunId: parent.id });
      await tx.jobRun.update({
        where: { id: parent.id },
        data: { progressDone: 0, progressTotal: payloads.length, checkpoint: `fanned out: ${payloads.length} ${child.id}` },
        select: { id: true },
      });
      return { awaitingChildren: payloads.length };
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
}

/**
 * pg-boss's `{ db }` option: its SQL (positional parameters) through this Prisma transaction. A
 * job's data goes to a `jsonb` parameter: pg would serialize an object itself, Prisma's raw
 * parameters need it as JSON text.
 */
export function bossExecutor(tx: DbTransaction) {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const params = (values ?? []).map((v) => (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date) ? JSON.stringify(v) : v));
      return { rows: await tx.$queryRawUnsafe<Record<string, unknown>[]>(text, ...params) };
    },
  };
}
