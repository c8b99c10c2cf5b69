import PgBoss from "pg-boss";
import { getServerEnv } from "@/lib/env";
import { JOB_DEFINITIONS } from "@/lib/jobs/definitions";

/**
 * pg-boss in Wharf's own database, schema `pgboss` (created and migrated by pg-boss on start).
 *
 * One instance per process, on globalThis: the launcher's worker (lib/jobs/worker.ts) and the
 * Next.js bundle (server actions that queue a job) are separate module graphs in one process, and
 * must share it. A process with no worker (dev, tests) gets a send-only instance on first use:
 * no supervision and no cron, those belong to the worker.
 */
export const BOSS_SCHEMA = "pgboss";

type BossState = { boss?: PgBoss; starting?: Promise<PgBoss> };
const state = globalThis as unknown as { wharfBoss?: BossState };
const shared: BossState = (state.wharfBoss ??= {});

export function setSharedBoss(boss: PgBoss | undefined): void {
  shared.boss = boss;
  shared.starting = undefined;
}

export function createBoss(options: { worker: boolean }): PgBoss {
  const boss = new PgBoss({
    connectionString: getServerEnv().DATABASE_URL,
    schema: BOSS_SCHEMA,
    max: options.worker ? 4 : 2,
    supervise: options.worker,
    schedule: options.worker,
  });
  // pg-boss emits background errors (maintenance, polling); unhandled they would crash the process.
  boss.on("error", (error: unknown) => console.error(`wharf: jobs: ${error instanceof Error ? error.message : String(error)}`));
  return boss;
}

/** The process's started pg-boss, for queueing. */
export async function getBoss(): Promise<PgBoss> {
  if (shared.boss) return shared.boss;
  shared.starting ??= (async () => {
    const boss = createBoss({ worker: false });
    await boss.start();
    await ensureQueues(boss);
    shared.boss = boss;
    return boss;
  })();
  return shared.starting;
}

/** pg-boss 10+ sends only to queues that exist; creating them is idempotent. */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  for (const def of JOB_DEFINITIONS) {
    if (!(await boss.getQueue(def.id))) {
      // "singleton": one active job per queue across every Wharf process (a manual run and the
      // cron's wait for each other instead of walking the registry twice at once).
      await boss.createQueue(def.id, {
        name: def.id,
        policy: "singleton",
        retryLimit: def.retryLimit,
        retryDelay: def.retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: def.expireInSeconds,
      });
    }
  }
}
