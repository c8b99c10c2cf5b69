import PgBoss from "pg-boss";
import { getServerEnv } from "@/lib/env";
import type { JobDefinition } from "@/lib/jobs/define-job";
import { JOB_REGISTRY } from "@/lib/jobs/registry";

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

/** Stops the process's pg-boss if one was started (tests, at the end). */
export async function stopSharedBoss(): Promise<void> {
  const boss = shared.boss ?? (await shared.starting?.catch(() => undefined));
  setSharedBoss(undefined);
  await boss?.stop({ graceful: false }).catch(() => undefined);
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
/**
 * pg-boss creates a queue as DDL (a partition of its job table). Two Wharf processes starting
 * together on a fresh database create the same queues at once, and Postgres may pick one of them
 * as a deadlock victim (40P01) or find the other's row or table first (23505, 42P07). Each is a
 * race the other process won: try again, and the queue is then there.
 */
const LOST_DDL_RACE = new Set(["40P01", "23505", "42P07"]);
const DDL_ATTEMPTS = 6;

export async function ensureQueues(boss: PgBoss, jobs: readonly JobDefinition<unknown>[] = JOB_REGISTRY): Promise<void> {
  for (const def of jobs) {
    for (let attempt = 1; ; attempt++) {
      try {
        if (!(await boss.getQueue(def.id))) {
          // A singleton job's queue holds one active job across every Wharf process (a manual run and
          // the cron's wait for each other instead of walking the registry twice at once); the others
          // are limited per process by the worker's loops (lib/jobs/worker.ts).
          await boss.createQueue(def.id, {
            name: def.id,
            policy: def.singleton ? "singleton" : "standard",
            retryLimit: def.retryLimit,
            retryDelay: def.retryDelaySeconds,
            retryBackoff: true,
            expireInSeconds: def.expireInSeconds,
          });
        }
        break;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt >= DDL_ATTEMPTS || typeof code !== "string" || !LOST_DDL_RACE.has(code)) throw error;
        // Jittered, so the two processes do not collide again on the same beat.
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 200));
      }
    }
  }
}
