import type PgBoss from "pg-boss";
import { startAuditForwarder } from "@/lib/jobs/audit-forwarder";
import { createBoss, ensureQueues, setSharedBoss } from "@/lib/jobs/boss";
import { purgeAuditJob, reconcileIndexJob } from "@/lib/jobs/definitions";
import { runPurgeAuditAttempt } from "@/lib/jobs/handlers/purge-audit";
import { runReconcileAttempt } from "@/lib/jobs/run-job";
import { syncPurgeSchedule } from "@/lib/services/audit/purge-policy";
import { getServerEnv } from "@/lib/env";

/**
 * The job worker, started by the launcher after migrations (pg-boss creates or migrates its own
 * schema `pgboss` on start) and stopped on shutdown. It also owns the schedule: pg-boss's cron
 * keeps one schedule row per queue in the database, so several Wharf processes do not each add
 * their own run.
 */
export type JobWorker = { boss: PgBoss; stop(): Promise<void> };

export async function startJobWorker({ log = (line: string) => console.log(`wharf: ${line}`) } = {}): Promise<JobWorker> {
  const boss = createBoss({ worker: true });
  await boss.start();
  await ensureQueues(boss);
  setSharedBoss(boss);

  // One reconcile at a time per process: it walks the whole registry, a second would only race it.
  await boss.work(reconcileIndexJob.id, { batchSize: 1, pollingIntervalSeconds: 2, includeMetadata: true }, async ([job]) => {
    if (!job) return;
    return runReconcileAttempt(job);
  });

  // The audit purge: batches of short transactions; one run at a time (singleton queue).
  await boss.work(purgeAuditJob.id, { batchSize: 1, pollingIntervalSeconds: 2, includeMetadata: true }, async ([job]) => {
    if (!job) return;
    return runPurgeAuditAttempt(job);
  });
  // The purge schedule follows the stored policy; re-applied here in case a policy update could
  // not reach pg-boss when it was saved.
  try {
    const purgeCron = await syncPurgeSchedule();
    log(`jobs: audit purge ${purgeCron ? `on cron "${purgeCron}" UTC` : "not scheduled"}`);
  } catch (error) {
    log(`jobs: audit purge schedule not applied: ${error instanceof Error ? error.message : String(error)}`);
  }

  const cron = getServerEnv().WHARF_RECONCILE_CRON;
  if (cron === "off") {
    await boss.unschedule(reconcileIndexJob.id);
    log("jobs: worker started (index reconcile schedule off)");
  } else {
    await boss.schedule(reconcileIndexJob.id, cron, { version: reconcileIndexJob.version }, { tz: "UTC" });
    log(`jobs: worker started (index reconcile on cron "${cron}" UTC)`);
  }

  // Syslog forwarding of audit rows: a loop of its own (not a queued job), idle while switched off.
  const forwarder = startAuditForwarder({ log });

  return {
    boss,
    async stop() {
      await forwarder.stop();
      // Graceful: a running attempt gets time to finish; one cut off is retried and resumes from its checkpoint.
      await boss.stop({ graceful: true, timeout: 20_000 });
      setSharedBoss(undefined);
    },
  };
}
