/**
 * `npm run bench <name>`: starts what a benchmark needs (a fresh wharf_bench database, a
 * Distribution registry on loopback, the production Wharf through its own launcher on a free
 * port), runs it, prints figures and stops everything it started. It asserts nothing.
 *
 * Wharf runs as a child process (the same `lib/runtime/wharf.ts` that `npm start` runs) rather
 * than in this process: the load generator must not share an event loop with the server it
 * measures, and a child can be stopped by its pid. Run `npm run build` first.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { basicAuthorization } from "../registry/credentials";
import { findFreePort, startLocalRegistry, type LocalRegistry } from "../registry/local-registry";
import { applyMigrations, ensureDatabase, recreateDatabase } from "../runtime/database";

export const BENCH_DATABASE_URL = process.env.WHARF_BENCH_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_bench";
export const BENCH_ADMIN_PASSWORD = "Bench-admin-Passw0rd";
/** Shared by Wharf and the bare token server, which must decrypt the same signing key. */
export const BENCH_SECRET_KEY = "bench-secret-key-bench-secret-key-0123456789";

export interface BenchContext {
  /** Wharf, e.g. http://127.0.0.1:41234 */
  wharfUrl: string;
  /** The backing registry Wharf fronts, for direct comparisons. */
  registryUrl: string;
  /** The Authorization header the registry asks of everyone (Wharf's credentials). */
  registryAuthorization: string;
  /** The bench database, for seeding. */
  db: pg.Client;
  tmp: string;
  /** The Wharf server's process id (the launcher serves in-process), for memory readings. */
  wharfPid: number;
  /** The backing registry's process id, for CPU readings. */
  registryPid: number;
}

interface Benchmark {
  run(ctx: BenchContext): Promise<void>;
  /**
   * Keep the bench database from the last run (migrations still applied) instead of recreating
   * it, so a benchmark with an expensive seed can skip it; `--reseed` recreates it anyway.
   */
  keepDatabase?: boolean;
}

/** A benchmark that needs none of Wharf, its registry or the database (only a scratch directory). */
interface StandaloneBenchmark {
  standalone: true;
  run(ctx: Pick<BenchContext, "tmp">): Promise<void>;
}

const BENCHMARKS: Record<string, () => Promise<Benchmark | StandaloneBenchmark>> = {
  token: () => import("./token-service"),
  gateway: () => import("./gateway"),
  browse: () => import("./browse"),
  audit: () => import("./audit"),
  replication: () => import("./replication"),
  retention: () => import("./retention"),
  scan: () => import("./scan"),
  "first-load": () => import("./first-load"),
  gc: () => import("./gc"),
  storage: () => import("./storage"),
  proxy: () => import("./proxy"),
};

const log = (message: string) => console.log(`bench: ${message}`);

async function main(): Promise<void> {
  const name = process.argv[2];
  if (name === "--serve-token") return serveBareTokenService(Number(process.argv[3]));
  if (name === "--scan-adapter-worker") return (await import("./scan")).serveAdapterWorker();
  const load = name ? BENCHMARKS[name] : undefined;
  if (!load) {
    console.error(`usage: npm run bench <${Object.keys(BENCHMARKS).join("|")}>`);
    process.exit(2);
  }
  const benchmark = await load();
  if ("standalone" in benchmark) {
    // Nothing else running beside it: no idle Wharf sharing the cores it is measured on.
    const tmp = await mkdtemp(path.join(tmpdir(), "wharf-bench-"));
    try {
      return await benchmark.run({ tmp });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  if (!existsSync(path.join(process.cwd(), ".next", "BUILD_ID"))) {
    console.error("bench: no production build found. Run `npm run build` first.");
    process.exit(1);
  }
  const keepDatabase = benchmark.keepDatabase === true && !process.argv.includes("--reseed");
  await withHarness((ctx) => benchmark.run(ctx), { keepDatabase });
}

async function withHarness(fn: (ctx: BenchContext) => Promise<void>, { keepDatabase = false } = {}): Promise<void> {
  const tmp = await mkdtemp(path.join(tmpdir(), "wharf-bench-"));
  let registry: LocalRegistry | undefined;
  let wharf: ChildProcess | undefined;
  const db = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  try {
    if (keepDatabase) {
      const created = await ensureDatabase(BENCH_DATABASE_URL);
      log(created ? "created the bench database" : "keeping the bench database from the last run (--reseed recreates it)");
    } else {
      log("recreating the bench database");
      await recreateDatabase(BENCH_DATABASE_URL);
    }
    await applyMigrations(BENCH_DATABASE_URL);
    registry = await startLocalRegistry({ dataDir: path.join(tmp, "registry-data") });
    log(`registry at ${registry.url}`);
    const port = await findFreePort();
    const wharfUrl = `http://127.0.0.1:${port}`;
    wharf = startWharfProcess(port, wharfUrl, registry, tmp);
    await waitForPing(wharfUrl, wharf);
    log(`wharf at ${wharfUrl} (pid ${wharf.pid})`);
    await db.connect();
    await fn({ wharfUrl, registryUrl: registry.url, registryAuthorization: basicAuthorization(registry.credentials), db, tmp, wharfPid: wharf.pid ?? 0, registryPid: registry.pid });
  } finally {
    await db.end().catch(() => undefined);
    if (wharf) await stopProcess(wharf);
    await registry?.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

function startWharfProcess(port: number, wharfUrl: string, registry: LocalRegistry, tmp: string): ChildProcess {
  // `node --import tsx` rather than tsx's CLI: one process, which node flags reach
  // (WHARF_BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles Wharf itself).
  const flags = (process.env.WHARF_BENCH_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...flags, "--import", "tsx", "lib/runtime/wharf.ts"], {
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: BENCH_DATABASE_URL,
      WHARF_REGISTRY_URL: registry.url,
      WHARF_REGISTRY_USERNAME: registry.credentials.username,
      WHARF_REGISTRY_PASSWORD: registry.credentials.password,
      // Wharf shares the registry's disk here, as the launcher's own registry does.
      WHARF_REGISTRY_STORAGE_DIR: registry.storageDir,
      WHARF_EXTERNAL_URL: wharfUrl,
      NEXTAUTH_URL: wharfUrl,
      WHARF_DATA_DIR: path.join(tmp, "wharf-data"),
      WHARF_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
      WHARF_SECRET_KEY: BENCH_SECRET_KEY,
      NEXT_TELEMETRY_DISABLED: "1",
      // No scheduled reconcile in the middle of a measurement (a benchmark queues its own run).
      WHARF_RECONCILE_CRON: "off",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Only problems are shown; the launcher's chatter would interleave with the figures.
  child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(`[wharf] ${chunk.toString()}`));
  child.stdout?.resume();
  return child;
}

async function waitForPing(wharfUrl: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wharf exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${wharfUrl}/api/v2.0/ping`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("wharf did not answer within 90 s");
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM"); // the launcher stops its server and exits on SIGTERM
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

// ---- the bare token service (for comparison only) ----

/**
 * Starts a child process serving GET /service/token with the very same service code
 * (issueRegistryToken) from a plain node:http server, without Wharf's front (Next.js loaded
 * beside it, Request/Response adaptation), to show how much of a token request's cost is the
 * service and how much the serving around it.
 */
export async function startBareTokenService(wharfUrl: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await findFreePort();
  const tsx = path.join(process.cwd(), "node_modules", "tsx", "dist", "cli.mjs");
  const child = spawn(process.execPath, [tsx, "lib/bench/run.ts", "--serve-token", String(port)], {
    env: {
      ...process.env,
      DATABASE_URL: BENCH_DATABASE_URL,
      WHARF_SECRET_KEY: BENCH_SECRET_KEY,
      WHARF_EXTERNAL_URL: wharfUrl,
      WHARF_REGISTRY_URL: "http://127.0.0.1:1",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the bare token server exited with code ${child.exitCode}`);
    try {
      await fetch(`${url}/ready`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error("the bare token server did not start");
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { url, stop: () => stopProcess(child) };
}

async function serveBareTokenService(port: number): Promise<void> {
  // Service modules import "server-only", which throws outside React Server Components (Next
  // and vitest alias it away); this process resolves it to an empty module instead.
  const { register } = await import("node:module");
  const hook = `export async function resolve(s, c, next) { return s === "server-only" ? { url: "data:text/javascript,", shortCircuit: true } : next(s, c); }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  const { issueRegistryToken } = await import("../services/registry-auth/issue-token");
  const { tokenServiceErrorResponse } = await import("../gateway/registry-response");
  const { clientInfoFromHeaders } = await import("../auth/client-info");
  const { createServer } = await import("node:http");
  createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://bare");
    const headers = new Headers(Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : [])));
    const respond = async (response: Response) => {
      res.writeHead(response.status, { "content-type": "application/json" });
      res.end(Buffer.from(await response.arrayBuffer()));
    };
    if (url.pathname !== "/service/token") return void respond(new Response("{}"));
    issueRegistryToken({
      authorization: headers.get("authorization"),
      service: url.searchParams.get("service"),
      scopes: url.searchParams.getAll("scope"),
      client: clientInfoFromHeaders(headers),
    })
      .then((token) => respond(Response.json(token)))
      .catch((error: unknown) => respond(tokenServiceErrorResponse(error)));
  }).listen(port, "127.0.0.1");
}

// ---- load generation ----

export type Reply = { status: number; headers: IncomingHttpHeaders; bytes: number };

export interface HttpTarget {
  method?: string;
  url: string;
  headers?: Record<string, string>;
}

/**
 * One request on a keep-alive agent; the body is counted and discarded (never buffered), so a
 * 200 MB blob costs the client as little as a 200-byte token.
 */
export function send(agent: Agent, target: HttpTarget, onChunk?: (chunk: Buffer) => void): Promise<Reply> {
  const url = new URL(target.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { agent, host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: target.method ?? "GET", headers: target.headers },
      (res) => {
        let bytes = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          onChunk?.(chunk);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** Statuses other than the expected one, by status. */
  unexpected: Record<number, number>;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Closed-loop load: `concurrency` workers, each sending its next request when the last one
 * answered, until `durationMs` passes or `maxRequests` were sent.
 */
export async function runLoad({
  target,
  concurrency,
  durationMs,
  maxRequests,
  expectStatus = 200,
}: {
  target: HttpTarget;
  concurrency: number;
  durationMs: number;
  maxRequests: number;
  expectStatus?: number;
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  const unexpected: Record<number, number> = {};
  let sent = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async () => {
    while (sent < maxRequests && performance.now() < deadline) {
      sent++;
      const t0 = performance.now();
      try {
        const reply = await send(agent, target);
        latencies.push(performance.now() - t0);
        if (reply.status !== expectStatus) unexpected[reply.status] = (unexpected[reply.status] ?? 0) + 1;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    unexpected,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.at(-1) ?? 0,
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); 0 when it cannot be read. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command (which may hold spaces) start after the last ')'; utime and stime are the 12th and 13th of those.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "n/a";
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(`bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  });
}
