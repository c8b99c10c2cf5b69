import type PgBoss from "pg-boss";
import { proxyCacheExpireJob } from "@/lib/jobs/definitions";
import { startAuditForwarder } from "@/lib/jobs/audit-forwarder";
import { createBoss, ensureQueues, setSharedBoss } from "@/lib/jobs/boss";
import { runAttempt } from "@/lib/jobs/attempt";
import { JOB_LEASE, type JobDefinition, type JobLeaseTiming } from "@/lib/jobs/define-job";
import { JOB_REGISTRY } from "@/lib/jobs/registry";
import { syncPurgeSchedule } from "@/lib/services/audit/purge-policy";
import { describeSchedule, seedReconcileSchedule, syncReconcileSchedule } from "@/lib/services/jobs/reconcile-schedule";
import { syncReplicationSchedule } from "@/lib/services/replication/schedule";
import { syncRetentionSchedule } from "@/lib/services/retention/schedule";
import { syncGcSchedule } from "@/lib/services/gc/gc";
import { syncScanAllSchedule } from "@/lib/services/scan/scan-all";
import { startArtifactEventDrainer } from "@/lib/services/events/drainer";
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
export type JobWorker = {
  boss: PgBoss;
  /**
   * Settles once the handlers of the jobs this worker runs are loaded. They are imported right
   * after start, in the background (start-up does not wait for them): the first run of each job
   * pays no import, and the process's memory at idle is its working size rather than growing by
   * a module graph at the first job of each kind (the scanner's memory figure counts from idle).
   */
  handlersLoaded: Promise<void>;
  stop(): Promise<void>;
};

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
  /** How often an idle loop asks pg-boss for a job (shorter in tests). */
  pollingIntervalSeconds?: number;
  /** The jobs this worker runs (tests add their own); the registry's when absent. */
  jobs?: readonly JobDefinition<unknown>[];
  /**
   * How often this instance checks for artifact events its consumers have not had yet and queues
   * a drain run (lib/services/events/drainer.ts); off when absent. The launcher turns it on; tests
   * that start a worker leave it off, so one file's events are not drained under another's feet.
   */
  artifactEventDrainMs?: number;
};

/** Minute 17 of every hour: off the hour, when other schedules fire. */
export const PROXY_CACHE_EXPIRE_CRON = "17 * * * *";

export async function startJobWorker(options: JobWorkerOptions = {}): Promise<JobWorker> {
  const log = options.log ?? ((line: string) => console.log(`wharf: ${line}`));
  const lease = options.lease ?? JOB_LEASE;
  const sweepMs = options.sweepMs ?? JOB_LEASE.sweepMs;
  const reconcileCron = "reconcileCron" in options ? options.reconcileCron : process.env.WHARF_RECONCILE_CRON ? getServerEnv().WHARF_RECONCILE_CRON : undefined;

  const boss = createBoss({ worker: true });
  await boss.start();
  const jobs = options.jobs ?? JOB_REGISTRY;
  await ensureQueues(boss, jobs);
  setSharedBoss(boss);

  // Per job, `concurrency` polling loops of one job each: pg-boss 10 runs a work() loop's batch to
  // the end before it fetches again, so this process runs at most `concurrency` attempts of the
  // job at once. Across instances each runs its own loops (N per instance), except for singleton
  // jobs, whose queue pg-boss lets hold one active job in the whole database.
  for (const job of jobs) {
    for (let i = 0; i < job.concurrency; i++) {
      const loop: { id?: string } = {};
      loop.id = await boss.work(job.id, { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2, includeMetadata: true }, async ([bossJob]) => {
        if (!bossJob) return;
        try {
          return await runAttempt(job, bossJob, { lease });
        } finally {
          // pg-boss 10 waits out the polling interval after every fetch, a job found or not, so a
          // loop would take one job per interval: a retention run's 1,000 repository tasks took
          // 1,000 intervals. A job handled means more may wait: this wakes the loop to fetch again
          // at once (an empty fetch then waits the interval as usual).
          if (loop.id) boss.notifyWorker(loop.id);
        }
      });
    }
  }
  // The purge schedule follows the stored policy; re-applied here in case a policy update could
  // not reach pg-boss when it was saved.
  try {
    const purgeCron = await syncPurgeSchedule();
    log(`jobs: audit purge ${purgeCron ? `on cron "${purgeCron}" UTC` : "not scheduled"}`);
  } catch (error) {
    log(`jobs: audit purge schedule not applied: ${error instanceof Error ? error.message : String(error)}`);
  }

  // The retention tick: present while a retention policy has a cron (lib/services/retention/schedule.ts).
  try {
    log(`jobs: retention schedules ${(await syncRetentionSchedule()) ? "ticking every minute" : "none"}`);
  } catch (error) {
    log(`jobs: retention schedule not applied: ${error instanceof Error ? error.message : String(error)}`);
  }

  // The replication tick: present while a scheduled replication policy is enabled (lib/services/replication/schedule.ts).
  try {
    log(`jobs: replication schedules ${(await syncReplicationSchedule()) ? "ticking every minute" : "none"}`);
  } catch (error) {
    log(`jobs: replication schedule not applied: ${error instanceof Error ? error.message : String(error)}`);
  }

  // Scan all's schedule: the stored setting (lib/services/scan/scan-all.ts), re-applied for the same reason.
  try {
    const scanAllCron = await syncScanAllSchedule();
    log(`jobs: scan all ${scanAllCron ? `on cron "${scanAllCron}" UTC` : "not scheduled"}`);
  } catch (error) {
    log(`jobs: scan all schedule not applied: ${error instanceof Error ? error.message : String(error)}`);
  }

  // Garbage collection's schedule: the stored setting (lib/services/gc/gc.ts), re-applied likewise.
  try {
    const gcCron = await syncGcSchedule();
    log(`jobs: garbage collection ${gcCron ? `on cron "${gcCron}" UTC` : "not scheduled"}`);
  } catch (error) {
    log(`jobs: garbage collection schedule not applied: ${error instanceof Error ? error.message : String(error)}`);
  }

  // Proxy caches drop what nobody pulled for their days: checked hourly (a cheap query when there is nothing to drop).
  try {
    await boss.schedule(proxyCacheExpireJob.id, PROXY_CACHE_EXPIRE_CRON, { version: proxyCacheExpireJob.version }, { tz: "UTC" });
    log(`jobs: proxy-cache expiry on cron "${PROXY_CACHE_EXPIRE_CRON}" UTC`);
  } catch (error) {
    log(`jobs: proxy-cache expiry schedule not applied: ${error instanceof Error ? error.message : String(error)}`);
  }

  // The reconcile schedule: the stored setting (seeded from WHARF_RECONCILE_CRON on the
  // database's first start), re-applied here for the same reason.
  const schedule = await syncReconcileSchedule(await seedReconcileSchedule({ envValue: reconcileCron, log }));
  log(`jobs: worker started (index reconcile ${schedule.cron ? `on ${describeSchedule(schedule)}` : "schedule off"})`);

  // Syslog forwarding of audit rows: a loop of its own (not a queued job), idle while switched off.
  const forwarder = startAuditForwarder({ log });
  const sweeper = startLeaseSweeper({ boss, jobs, everyMs: sweepMs, log });
  const drainer = options.artifactEventDrainMs ? startArtifactEventDrainer({ everyMs: options.artifactEventDrainMs, log }) : null;

  const handlersLoaded = Promise.allSettled(jobs.map((job) => job.handler())).then((loaded) => {
    const failed = loaded.filter((result) => result.status === "rejected").length;
    // Not fatal here: an attempt imports its handler again and fails visibly on its own run.
    if (failed > 0) log(`jobs: ${failed} job handler(s) could not be loaded in advance`);
  });

  return {
    boss,
    handlersLoaded,
    async stop() {
      await drainer?.stop();
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
function startLeaseSweeper({ boss, jobs, everyMs, log }: { boss: PgBoss; jobs: readonly JobDefinition<unknown>[]; everyMs: number; log: (line: string) => void }): {
  stop(): Promise<void>;
} {
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  let lastError: string | undefined;
  const sweep = async () => {
    try {
      for (const run of await sweepExpiredJobRuns({ boss, jobs })) {
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
