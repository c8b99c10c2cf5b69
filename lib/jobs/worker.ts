import type PgBoss from "pg-boss";
import { startAuditForwarder } from "@/lib/jobs/audit-forwarder";
import { createBoss, ensureQueues, setSharedBoss } from "@/lib/jobs/boss";
import { JOB_LEASE, type JobLeaseTiming, purgeAuditJob, reconcileIndexJob } from "@/lib/jobs/definitions";
import { runPurgeAuditAttempt } from "@/lib/jobs/handlers/purge-audit";
import { runReconcileAttempt } from "@/lib/jobs/run-job";
import { syncPurgeSchedule } from "@/lib/services/audit/purge-policy";
import { describeSchedule, seedReconcileSchedule, syncReconcileSchedule } from "@/lib/services/jobs/reconcile-schedule";
import { sweepExpiredJobRuns } from "@/lib/services/jobs/sweep-job-leases";
import { getServerEnv } from "@/lib/env";

/**
 * The job worker, started by the launcher after migrations (pg-boss creates or migrates its own
 * schema `pgboss` on start) and stopped on shutdown. It also owns the schedules: pg-boss's cron
 * keeps one schedule row per queue in the database, so several Wharf processes do not each add
 * their own run, and each schedule follows a stored setting rather than this process's
 * environment. And it sweeps: runs whose worker died (lease lapsed) are failed and their
 * pg-boss job cancelled, whichever instance's worker it was.
 */
export type JobWorker = { boss: PgBoss; stop(): Promise<void> };

export type JobWorkerOptions = {
  log?: (line: string) => void;
  /** Lease timing of the attempts this worker runs, and how often it sweeps (shorter in tests). */
  lease?: JobLeaseTiming;
  sweepMs?: number;
  /**
   * WHARF_RECONCILE_CRON as this instance was started with it (undefined: not set). Read from the
   * environment when the option is absent.
   */
  reconcileCron?: string | undefined;
};

export async function startJobWorker(options: JobWorkerOptions = {}): Promise<JobWorker> {
  const log = options.log ?? ((line: string) => console.log(`wharf: ${line}`));
  const lease = options.lease ?? JOB_LEASE;
  const sweepMs = options.sweepMs ?? JOB_LEASE.sweepMs;
  const reconcileCron = "reconcileCron" in options ? options.reconcileCron : process.env.WHARF_RECONCILE_CRON ? getServerEnv().WHARF_RECONCILE_CRON : undefined;

  const boss = createBoss({ worker: true });
  await boss.start();
  await ensureQueues(boss);
  setSharedBoss(boss);

  // One reconcile at a time per process: it walks the whole registry, a second would only race it.
  await boss.work(reconcileIndexJob.id, { batchSize: 1, pollingIntervalSeconds: 2, includeMetadata: true }, async ([job]) => {
    if (!job) return;
    return runReconcileAttempt(job, { lease });
  });

  // The audit purge: batches of short transactions; one run at a time (singleton queue).
  await boss.work(purgeAuditJob.id, { batchSize: 1, pollingIntervalSeconds: 2, includeMetadata: true }, async ([job]) => {
    if (!job) return;
    return runPurgeAuditAttempt(job, { lease });
  });
  // The purge schedule follows the stored policy; re-applied here in case a policy update could
  // not reach pg-boss when it was saved.
  try {
    const purgeCron = await syncPurgeSchedule();
    log(`jobs: audit purge ${purgeCron ? `on cron "${purgeCron}" UTC` : "not scheduled"}`);
  } catch (error) {
    log(`jobs: audit purge schedule not applied: ${error instanceof Error ? error.message : String(error)}`);
  }

  // The reconcile schedule: the stored setting (seeded from WHARF_RECONCILE_CRON on the
  // database's first start), re-applied here for the same reason.
  const schedule = await syncReconcileSchedule(await seedReconcileSchedule({ envValue: reconcileCron, log }));
  log(`jobs: worker started (index reconcile ${schedule.cron ? `on ${describeSchedule(schedule)}` : "schedule off"})`);

  // Syslog forwarding of audit rows: a loop of its own (not a queued job), idle while switched off.
  const forwarder = startAuditForwarder({ log });
  const sweeper = startLeaseSweeper({ boss, everyMs: sweepMs, log });

  return {
    boss,
    async stop() {
      await sweeper.stop();
      await forwarder.stop();
      // Graceful: a running attempt gets time to finish; pg-boss fails one still running after the
      // timeout, and it is retried and resumes from its checkpoint.
      await boss.stop({ graceful: true, timeout: 20_000 });
      setSharedBoss(undefined);
    },
  };
}

/** Sweeps at start (a restarted instance recovers its own dead run once the lease lapsed) and every `everyMs`. */
function startLeaseSweeper({ boss, everyMs, log }: { boss: PgBoss; everyMs: number; log: (line: string) => void }): { stop(): Promise<void> } {
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  let lastError: string | undefined;
  const sweep = async () => {
    try {
      for (const run of await sweepExpiredJobRuns({ boss })) {
        log(`jobs: run #${run.id} (${run.jobName}, attempt ${run.attempt}) stopped renewing its lease: marked ${run.status}${run.status === "failed" ? ", retryable" : ""}`);
      }
      lastError = undefined;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Once per distinct error, not every sweep while the database is away.
      if (message !== lastError) log(`jobs: lease sweep failed (tried again in ${Math.round(everyMs / 1000)} s): ${message}`);
      lastError = message;
    }
  };
  let sweeping = false;
  const tick = () => {
    // A sweep still running (slow database) is not joined by a second one.
    if (stopped || sweeping) return;
    sweeping = true;
    current = sweep().finally(() => {
      sweeping = false;
    });
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
