import type { z } from "zod";
import type { Prisma } from "@/lib/generated/prisma/client";

/**
 * A job, defined once: its name, payload schema, retry policy, concurrency and a lazy handler.
 * Services import a definition to queue a run (lib/services/jobs/queue-run.ts) without loading
 * what runs it; the worker registers every definition of lib/jobs/registry.ts and imports the
 * handlers in the background once it has started (JobWorker.handlersLoaded), so neither Next's
 * bundle nor a service that only queues carries them (lib/jobs/attempt.ts runs them).
 */
export type JobDefinition<P = unknown> = {
  /** Also the pg-boss queue name. */
  readonly id: string;
  /** Kept with every run; an attempt refuses a pg-boss job queued by another version. */
  readonly version: number;
  /** What a run is asked to do; stored on its JobRun row, parsed again by every attempt. */
  readonly payload: z.ZodType<P>;
  /** pg-boss retries a failed attempt this many times (a resumable job continues from its checkpoint). */
  readonly retryLimit: number;
  readonly retryDelaySeconds: number;
  /**
   * pg-boss fails (and retries) an attempt still active after this long. A dead worker's attempt
   * is taken back much sooner by the lease sweeper; this is the backstop for a live attempt stuck
   * while still renewing its lease.
   */
  readonly expireInSeconds: number;
  /**
   * At most this many attempts of the job at once in one worker process. `singleton: true` makes
   * it one across every Wharf instance (pg-boss's singleton queue: one active job per queue); a
   * job without it may run `concurrency` attempts in each instance.
   */
  readonly concurrency: number;
  readonly singleton: boolean;
  readonly handler: () => Promise<{ default: JobHandler<P> }>;
  /**
   * Called once a run has ended for good (succeeded, or failed with no retry left), by itself or,
   * for a fan-out parent, when its last child ended; in the transaction that records the end, so
   * what it writes (a webhook delivery, say) commits with it. Lazy, as the handler.
   */
  readonly settled?: () => Promise<RunSettledHandler>;
};

/** What a job does when one of its runs has ended for good (see JobDefinition.settled). */
export type RunSettledHandler = (tx: JobTransaction, run: { id: number; status: "succeeded" | "failed" }) => Promise<void>;

/** The transaction a step's work runs in (the work and its progress commit together). */
export type JobTransaction = Prisma.TransactionClient;

/**
 * What a step records on the run, in the step's own transaction. Absent fields are left as they
 * are; `done`/`total` are the run's progress (items), `checkpoint` where a retried attempt
 * resumes, `result` what the run reports when it ends (and what a resumed attempt starts from).
 */
export type StepRecord = {
  done?: number;
  total?: number | null;
  checkpoint?: string | null;
  result?: unknown;
  log?: string;
};

/** The run as the attempt found it when it claimed it (a retried attempt resumes from this). */
export type ClaimedRun = {
  id: number;
  /** This attempt's number: every write of the attempt is fenced by it. */
  attempt: number;
  trigger: string;
  checkpoint: string | null;
  progressDone: number;
  progressTotal: number | null;
  result: unknown;
};

/** Returned by `ctx.fanOut` or `ctx.awaitChildren`: the handler returns it, and the run ends when its children have. */
export type AwaitingChildren = { readonly awaitingChildren: number };

export type JobContext<P> = {
  run: ClaimedRun;
  payload: P;
  /** Aborts when the run was taken back from this attempt (its lease lapsed and was swept). */
  signal: AbortSignal;
  /**
   * Runs `work` in one transaction together with the run's record (progress, checkpoint, result,
   * a log line), so a crash leaves both or neither: a retried attempt resumes exactly after the
   * last committed step. The record is refused (and the work rolled back, JobLeaseLostError) when
   * the run is no longer this attempt's. `record` may depend on what the work returned.
   */
  step<T>(work: (tx: JobTransaction) => Promise<T>, record: StepRecord | ((value: T) => StepRecord)): Promise<T>;
  /** A record without work (progress of work done outside the database, e.g. in the registry). */
  report(record: StepRecord): Promise<void>;
  /** A log line, written in order without holding up the work; all are written before the attempt ends. */
  log(line: string): void;
  /**
   * Queues one run of `child` per payload, in one transaction with the parent's mark: the
   * parent's total becomes the number of children and its progress their count done; it ends
   * (succeeded, or failed naming how many children failed) when the last child ends. Return
   * what it returns from the handler. All at once: idempotent, a retried attempt that already
   * fanned out queues nothing again (for children queued in batches, see `asChild`).
   */
  fanOut<C>(child: JobDefinition<C>, payloads: readonly C[]): Promise<AwaitingChildren>;
  /**
   * Fan-out in batches, for children too many for one transaction or queued by a service of their
   * own (a scan all's scans, through queueArtifactScan): each batch is a `step` whose work queues
   * its runs with these queueRun options, so they are this run's children exactly as fanOut's
   * are, and commit with the batch's checkpoint (a retried attempt resumes after the last batch,
   * and what earlier attempts queued stays queued). The handler then returns `awaitChildren()`.
   * Not together with fanOut, which would find these children and queue nothing.
   */
  readonly asChild: { readonly parentRunId: number };
  /**
   * After children were queued with `asChild`: how many this run has, whichever attempt queued
   * them, counted in a transaction fenced as a step's (JobLeaseLostError when the run is no longer
   * this attempt's). Return what it returns from the handler: the run ends as a fanOut's does,
   * when the last child ends, and at once (succeeded) when there is none.
   */
  awaitChildren(): Promise<AwaitingChildren>;
};

/**
 * A job's handler (the default export of its module). Declared as a method so that a definition of
 * any payload fits the registry's list of `JobDefinition<unknown>`: the attempt runner parses the
 * payload with the definition's own schema before calling it.
 */
export type JobHandler<P> = { handle(ctx: JobContext<P>): Promise<unknown> }["handle"];

type JobOptions<P> = Omit<JobDefinition<P>, "concurrency" | "singleton"> & { concurrency?: number; singleton?: boolean };

/** A job definition with defaults: one attempt at a time per process, not a singleton across instances. */
export function defineJob<P>(options: JobOptions<P>): JobDefinition<P> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`${options.id}: concurrency must be a positive integer`);
  return Object.freeze({ ...options, concurrency, singleton: options.singleton ?? false });
}

/**
 * How a running attempt holds its run (lib/jobs/job-lease.ts): it renews a lease on its JobRun
 * row every `renewMs`; the sweeper in every worker process (every `sweepMs`) takes back a run
 * whose lease lapsed, that is whose worker stopped renewing (killed, frozen, cut off from the
 * database). A dead worker's run is recovered at most leaseMs + sweepMs after its last renewal.
 * Four renewals fit in one lease, so a few slow or failed renewals do not lose it.
 */
export type JobLeaseTiming = { leaseMs: number; renewMs: number };

export const JOB_LEASE: JobLeaseTiming & { sweepMs: number } = { leaseMs: 60_000, renewMs: 15_000, sweepMs: 30_000 };
