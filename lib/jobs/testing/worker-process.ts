/**
 * A job worker in a process of its own, for tests that kill it (lib/jobs/job-lease.test.ts):
 * `node --conditions=react-server --import tsx lib/jobs/testing/worker-process.ts <leaseMs> <renewMs>`.
 * It starts the real worker (pg-boss, leases) on DATABASE_URL and WHARF_REGISTRY_URL, never
 * sweeps (the test sweeps when it chooses), schedules nothing on a fresh database, prints "ready"
 * and runs until it is killed.
 */
import { startJobWorker } from "@/lib/jobs/worker";

const [leaseMs, renewMs] = process.argv.slice(2).map(Number);
if (!leaseMs || !renewMs) throw new Error("usage: worker-process.ts <leaseMs> <renewMs>");

await startJobWorker({
  log: (line) => process.stdout.write(`${line}\n`),
  lease: { leaseMs, renewMs },
  sweepMs: 24 * 3600 * 1000,
  reconcileCron: "off",
});
process.stdout.write("ready\n");
