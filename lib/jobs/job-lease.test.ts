import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The registry port is read once by getServerEnv() (getBackingRegistry), so it is fixed first.
const REGISTRY_PORT = await vi.hoisted(async () => {
  const { findFreePort } = await import("@/lib/registry/local-registry");
  const port = await findFreePort();
  process.env.WHARF_REGISTRY_URL = `http://127.0.0.1:${port}`;
  process.env.WHARF_RECONCILE_CRON = "off";
  return port;
});

import { ConflictError } from "@/lib/errors";
import { getBoss, setSharedBoss } from "@/lib/jobs/boss";
import { reconcileIndexJob } from "@/lib/jobs/definitions";
import { runAttempt } from "@/lib/jobs/attempt";
import { defineJob } from "@/lib/jobs/define-job";
import { startJobWorker } from "@/lib/jobs/worker";
import { backingRegistryCredentials } from "@/lib/registry/backing-registry";
import { startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { claimJobRun, createJobRun, JobLeaseLostError, recordJobStep, renewJobLease } from "@/lib/services/jobs/job-runs";
import { retryReconcile, startReconcile } from "@/lib/services/jobs/start-reconcile";
import { sweepExpiredJobRuns, WORKER_STOPPED } from "@/lib/services/jobs/sweep-job-leases";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";

const ROOT = path.resolve(__dirname, "../..");

let tmp: string;
let registry: LocalRegistry;
/** A registry whose catalog never ends: a reconcile attempt against it keeps running (counting) until it is killed. */
let endless: Server;
let endlessUrl: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-job-lease-test-"));
  // It accepts only the credentials Wharf's client sends (set for every test file by setup-env.ts).
  registry = await startLocalRegistry({ dataDir: path.join(tmp, "data"), port: REGISTRY_PORT, credentials: backingRegistryCredentials() });
  endless = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname !== "/v2/_catalog") {
      res.writeHead(url.pathname === "/v2/" ? 200 : 404, { "content-type": "application/json" }).end("{}");
      return;
    }
    const next = Number((url.searchParams.get("last") ?? "nowhere/r0").slice("nowhere/r".length)) + 1;
    const name = `nowhere/r${String(next).padStart(9, "0")}`;
    // A page every 200 ms: each request answers well within the client's timeout, and the walk never ends.
    setTimeout(() => {
      res
        .writeHead(200, { "content-type": "application/json", link: `</v2/_catalog?last=${encodeURIComponent(name)}&n=1000>; rel="next"` })
        .end(JSON.stringify({ repositories: [name] }));
    }, 200);
  });
  await new Promise<void>((resolve) => endless.listen(0, "127.0.0.1", resolve));
  endlessUrl = `http://127.0.0.1:${(endless.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  endless?.closeAllConnections();
  await new Promise((resolve) => endless?.close(resolve));
  await registry?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  const boss = await getBoss().catch(() => null);
  await boss?.stop({ graceful: false }).catch(() => undefined);
  setSharedBoss(undefined);
});

/** The real worker in a child process, on this test's database, pointed at `registryUrl`. */
function spawnWorker(registryUrl: string, lease: { leaseMs: number; renewMs: number }): { child: ChildProcess; output: () => string } {
  // node itself with tsx as a loader (not the tsx CLI, which runs the script in a child of its own
  // that a kill would not reach).
  const child = spawn(
    process.execPath,
    ["--conditions=react-server", "--import", "tsx", "lib/jobs/testing/worker-process.ts", String(lease.leaseMs), String(lease.renewMs)],
    { cwd: ROOT, env: { ...process.env, WHARF_REGISTRY_URL: registryUrl }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

/** Polls until `check` holds (no deadline of its own: the test's timeout is the bound). */
async function until(check: () => Promise<boolean>, what: string, describeState?: () => string): Promise<void> {
  for (let i = 0; ; i++) {
    if (await check()) return;
    if (i > 0 && i % 100 === 0) console.log(`still waiting for ${what}${describeState ? `: ${describeState()}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function leaseLapsed(runId: number): Promise<boolean> {
  const [row] = await db.$queryRaw<{ lapsed: boolean }[]>`SELECT lease_expires_at < now() AS lapsed FROM job_runs WHERE id = ${runId}`;
  return row?.lapsed === true;
}

async function bossState(jobId: string): Promise<string | undefined> {
  const boss = await getBoss();
  return (await boss.getJobById(reconcileIndexJob.id, jobId, { includeArchive: true }))?.state;
}

/**
 * What a sweep did to this test's own run. Test files share the database and their workers serve
 * every queue, so a sweep here may also take another file's abandoned runs (a scan job a stopped
 * worker left running, say); those are that file's business.
 */
async function sweptOf(runId: number, boss: Awaited<ReturnType<typeof getBoss>>) {
  return (await sweepExpiredJobRuns({ boss })).filter((swept) => swept.id === runId);
}

describe("job leases", () => {
  it("a run whose worker was killed is failed by the sweeper once its lease lapsed; the queue takes new runs and its retry resumes from the checkpoint", async () => {
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    // A run that got as far as the end of the catalog ("~" sorts after every name) before an
    // earlier attempt failed, then retried: the attempt that is killed below is its second.
    const run = await db.jobRun.create({
      data: { jobName: reconcileIndexJob.id, jobVersion: 1, trigger: "test", status: "failed", error: "registry down", checkpoint: "~", progressDone: 7, attempts: 1, result: { tagsAdded: 5 } },
    });
    await retryReconcile({ actor: admin, runId: run.id });

    const worker = spawnWorker(endlessUrl, { leaseMs: 1500, renewMs: 200 });
    let exited = false;
    worker.child.on("exit", () => (exited = true));
    try {
      // Running, and alive: its lease was renewed after the claim.
      await until(
        async () => {
          const row = await db.jobRun.findUniqueOrThrow({ where: { id: run.id } });
          return row.status === "running" && row.heartbeatAt !== null && row.startedAt !== null && row.heartbeatAt > row.startedAt;
        },
        "the child's attempt to run and renew its lease",
        worker.output,
      );
      expect(exited, worker.output()).toBe(false);
      // A live attempt's run is not taken.
      expect(await sweptOf(run.id, await getBoss())).toEqual([]);
    } finally {
      worker.child.kill("SIGKILL");
    }
    await until(async () => exited, "the child to exit");

    // What a killed instance leaves: the run running and its pg-boss job active (the singleton
    // queue is blocked), and a retry refused.
    const dead = await db.jobRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(dead).toMatchObject({ status: "running", attempts: 2 });
    expect(await bossState(dead.bossJobId!)).toBe("active");
    await expect(retryReconcile({ actor: admin, runId: run.id })).rejects.toBeInstanceOf(ConflictError);

    await until(() => leaseLapsed(run.id), "the lease to lapse");
    const sinceAudit = (await db.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0n;
    const swept = await sweptOf(run.id, await getBoss());
    expect(swept).toEqual([{ id: run.id, jobName: reconcileIndexJob.id, attempt: 2, status: "failed", bossState: "active" }]);
    const failed = await db.jobRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(failed).toMatchObject({ status: "failed", error: WORKER_STOPPED, checkpoint: "~", progressDone: 7, leaseExpiresAt: null });
    expect(failed.finishedAt).not.toBeNull();
    expect(await bossState(dead.bossJobId!)).toBe("cancelled");
    // Swept once, recorded once: a second sweep finds nothing.
    expect(await sweptOf(run.id, await getBoss())).toEqual([]);
    const audits = await db.auditEvent.findMany({ where: { id: { gt: sinceAudit }, resourceType: "job_run", resourceId: String(run.id) } });
    expect(audits.map((a) => [a.action, a.actorName, a.resourceId, a.result])).toEqual([["job_run.fail", "system:job-sweeper", String(run.id), "success"]]);
    expect(audits[0]?.detail).toMatchObject({ reason: WORKER_STOPPED, attempt: 2, retrying: false });

    // The queue is free: a worker here runs a new reconcile, then the retry, which resumes after
    // the checkpoint (nothing left to walk) and keeps the counts of the attempts before.
    const live = await startJobWorker({ log: () => undefined, reconcileCron: "off" });
    try {
      const { runId: fresh } = await startReconcile({ actor: admin });
      await until(async () => ["succeeded", "failed"].includes((await db.jobRun.findUniqueOrThrow({ where: { id: fresh } })).status), "the new reconcile to end");
      expect(await db.jobRun.findUniqueOrThrow({ where: { id: fresh } })).toMatchObject({ status: "succeeded", error: null });
      await retryReconcile({ actor: admin, runId: run.id });
      await until(async () => ["succeeded", "failed"].includes((await db.jobRun.findUniqueOrThrow({ where: { id: run.id } })).status), "the retry to end");
      const retried = await db.jobRun.findUniqueOrThrow({ where: { id: run.id } });
      expect(retried).toMatchObject({ status: "succeeded", error: null, attempts: 3, progressDone: 7, leaseExpiresAt: null });
      expect(retried.result).toMatchObject({ tagsAdded: 5 });
      expect(retried.log).toContain("resuming after ~");
    } finally {
      await live.stop();
    }
  }, 180_000);

  it("an attempt whose lease lapsed and was swept can no longer write to the run: progress is refused and its late outcome is not recorded", async () => {
    const runId = await createJobRun({ jobName: reconcileIndexJob.id, jobVersion: 1, trigger: "test" });
    const boss = await getBoss();
    // Fetched as a worker fetches it (active), ahead of anything else queued.
    const bossJobId = await boss.send(reconcileIndexJob.id, { version: 1, runId }, { priority: 100 });
    await db.jobRun.update({ where: { id: runId }, data: { bossJobId } });
    expect((await boss.fetch(reconcileIndexJob.id)).map((j) => j.id)).toEqual([bossJobId]);
    let progressAfterSweep: unknown;
    let renewedAfterSweep: boolean | undefined;
    // The reconcile job with a handler that waits, never renewing its lease: as if this process froze.
    const frozen = defineJob({
      ...reconcileIndexJob,
      handler: async () => ({
        default: async ({ run }) => {
          await until(() => leaseLapsed(runId), "the lease to lapse");
          expect(await sweptOf(runId, boss)).toMatchObject([{ id: runId, status: "failed" }]);
          progressAfterSweep = await recordJobStep(run, null, { done: 99, total: 99, checkpoint: "zzz" }).catch((e: unknown) => e);
          renewedAfterSweep = await renewJobLease(runId, run.attempt, 1000);
          return { late: true };
        },
      }),
    });
    const result = await runAttempt(frozen, { id: bossJobId!, data: { version: 1, runId } }, { lease: { leaseMs: 1000, renewMs: 3_600_000 } });
    expect(result).toEqual({ late: true });
    expect(progressAfterSweep).toBeInstanceOf(JobLeaseLostError);
    expect(renewedAfterSweep).toBe(false);
    const row = await db.jobRun.findUniqueOrThrow({ where: { id: runId } });
    // The sweeper's outcome stands; the late attempt left only a log line.
    expect(row).toMatchObject({ status: "failed", error: WORKER_STOPPED, progressDone: 0, checkpoint: null });
    expect(row.log).toContain("finished after its lease lapsed");
  }, 60_000);

  it("every worker sweeps on its own: a dead attempt's run left behind is failed and its pg-boss job cancelled", async () => {
    // What a worker that died right after claiming leaves: an active pg-boss job, a running run.
    const runId = await createJobRun({ jobName: reconcileIndexJob.id, jobVersion: 1, trigger: "test" });
    const boss = await getBoss();
    const bossJobId = (await boss.send(reconcileIndexJob.id, { version: 1, runId }, { priority: 100 }))!;
    expect((await boss.fetch(reconcileIndexJob.id)).map((j) => j.id)).toEqual([bossJobId]);
    await claimJobRun({ runId, bossJobId, jobName: reconcileIndexJob.id, jobVersion: 1, trigger: "test", leaseMs: 1000 });
    await until(() => leaseLapsed(runId), "the lease to lapse");

    const lines: string[] = [];
    const worker = await startJobWorker({ log: (line) => lines.push(line), reconcileCron: "off", sweepMs: 200 });
    try {
      await until(async () => (await db.jobRun.findUniqueOrThrow({ where: { id: runId } })).status !== "running", "the worker's sweep");
    } finally {
      await worker.stop();
    }
    expect(await db.jobRun.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: "failed", error: WORKER_STOPPED });
    expect(await bossState(bossJobId)).toBe("cancelled");
    expect(lines).toContain(`jobs: run #${runId} (${reconcileIndexJob.id}, attempt 1) stopped renewing its lease: marked failed, retryable`);
  }, 60_000);
});
