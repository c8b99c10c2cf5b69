/**
 * Scanning (issue 9's benchmarks), in one run, each figure with the load average beside it:
 *
 *  1. one image holding the fixture's npm lockfile (project-zot/zui, 1,499 packages) scanned
 *     against 100,000 imported advisories: time to extract the inventory, time to match, findings;
 *  2. scan all over N artifacts (1,000 by default, `--artifacts N`; each image its own lockfile of
 *     100 zui packages drawn per image), started as an administrator starts it (startScanAll: the
 *     scan.all run and its scan.artifact children), then an import that changes 1% of the
 *     advisories: the scan.reevaluate run it queues (reevaluateArtifacts over the touched digests)
 *     / the full scan all (goal <= 0.05);
 *  3. peak RSS of the adapter's worker process while it scans a 1 GiB layer / its idle RSS
 *     (goal <= 1.3).
 *
 * THE ADVISORY SET IS SYNTHESISED: there is no network here beyond npm/apt, so the 100,000 OSV
 * records are the 21 real npm records of lib/scan/fixtures/osv/npm (kept unchanged, real ids: the
 * ones the zui lockfile must match) plus copies of them with new ids (`BENCH-<template id>-<n>`)
 * and new package names: a share (1% by default) names a package installed in the zui lockfile,
 * the rest one of 40,000 names nothing installs. The version ranges are the templates'. They are
 * written as an osv.dev-style all.zip (zip64, one `<id>.json` per record) and imported through the
 * real path: the upload service the REST POST calls (startVulnDbUpload, as the administrator),
 * then the queued `scan.vuln_db_import` run through the job framework (runAttempt).
 *
 * Everything else is real: a fresh Postgres database (wharf_scan_bench), a Distribution registry,
 * Wharf's HTTP front in this process (the /v2 gateway and token service, and the built-in
 * adapter's route handlers as Next would call them; no Next build is needed), Wharf's job worker.
 * Images are built in code and pushed through Wharf's gateway (so the index knows them); every
 * scan starts as the console's Scan button starts one (the manual-scan service, as the
 * administrator): a scan_reports row and its `scan.artifact` run, which asks the built-in adapter
 * over HTTP (POST /scan), whose
 * `scan.adapter_scan` run pulls the image through Wharf's gateway with a scanner token, extracts
 * and stores the inventory and matches it in SQL; the client polls the report (Refresh-After).
 *
 * Part 3's adapter runs in a child process that runs only the adapter's job (a Wharf worker with
 * scan.adapter_scan): its RSS is sampled every 50 ms and its VmHWM read, against its RSS after
 * start-up. The 1 GiB file is zeros (compressible: the layer blob is ~1 MiB, the scanner still
 * inflates and walks 1 GiB), followed by a small lockfile that must be found.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createHash } from "node:crypto";
import { closeSync, createReadStream, createWriteStream, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { mkdir, readFile, readdir, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { loadavg } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Readable, Transform } from "node:stream";
import { buffer } from "node:stream/consumers";
import { pipeline } from "node:stream/promises";
import { crc32, createGzip, deflateRawSync, gzipSync } from "node:zlib";
import pg from "pg";
import { pack } from "tar-stream";
import type { BenchContext } from "./run";
import { BENCH_ADMIN_PASSWORD, BENCH_SECRET_KEY, fmt } from "./run";

const DEFAULT_ARTIFACTS = 1_000;
const ADVISORIES = Number(process.env.WHARF_BENCH_SCAN_ADVISORIES ?? 100_000);
/** Share of synthesised advisories that name a package installed in the zui lockfile. */
const INSTALLED_SHARE = Number(process.env.WHARF_BENCH_SCAN_INSTALLED_SHARE ?? 0.01);
/** Distinct package names the other synthesised advisories name (nothing installs them). */
const OTHER_NAMES = 40_000;
const CHANGED_SHARE = 0.01;
/** Packages of the zui lockfile in each scan-all image (drawn per image), plus one of its own. */
const PACKAGES_PER_IMAGE = Number(process.env.WHARF_BENCH_SCAN_PACKAGES_PER_IMAGE ?? 100);
/** WHARF_BENCH_SCAN_BIG_MB makes it smaller for a quick run (the figure is then not the benchmark's). */
const BIG_FILE_BYTES = Number(process.env.WHARF_BENCH_SCAN_BIG_MB ?? 1024) * 1024 * 1024;
const SEED = 9;

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
const PROJECT = "scan-bench";
const LOCK_PATH = "usr/src/app/package-lock.json";
const MiB = 1024 * 1024;

const SCAN_DATABASE_URL = process.env.WHARF_BENCH_SCAN_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_scan_bench";

/** Needs no production build: it starts its own database, registry, front and worker. */
export const standalone = true;

const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const seconds = (ms: number) => `${fmt(ms / 1000, 2)} s`;
const load = () => {
  const [one = 0, five = 0] = loadavg();
  return `load ${fmt(one, 2)} / ${fmt(five, 2)} (1 / 5 min)`;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function artifactCount(): number {
  const at = process.argv.indexOf("--artifacts");
  const value = at >= 0 ? Number(process.argv[at + 1]) : Number(process.env.WHARF_BENCH_SCAN_ARTIFACTS ?? DEFAULT_ARTIFACTS);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--artifacts must be a positive integer (got ${process.argv[at + 1]})`);
  return value;
}

// ---- an osv.dev-style all.zip (zip64: more than 65,535 entries) ------------------------------------

class ZipWriter {
  private readonly fd: number;
  private offset = 0;
  private readonly central: Buffer[] = [];
  private count = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(file: string) {
    this.fd = openSync(file, "w");
  }

  private write(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.offset += chunk.length;
    if (this.pendingBytes > 4 * MiB) this.flush();
  }

  private flush(): void {
    if (this.pendingBytes) writeSync(this.fd, Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
  }

  add(name: string, text: string): void {
    const data = Buffer.from(text, "utf8");
    const fileName = Buffer.from(name, "utf8");
    const compressed = deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(45, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(this.offset, 42);
    this.central.push(central, fileName);
    this.write(local);
    this.write(fileName);
    this.write(compressed);
    this.count++;
  }

  finish(): { entries: number; bytes: number } {
    const directoryOffset = this.offset;
    for (const part of this.central) this.write(part);
    const directorySize = this.offset - directoryOffset;
    const zip64EndOffset = this.offset;
    const zip64End = Buffer.alloc(56);
    zip64End.writeUInt32LE(0x06064b50, 0);
    zip64End.writeBigUInt64LE(44n, 4);
    zip64End.writeUInt16LE(45, 12);
    zip64End.writeUInt16LE(45, 14);
    zip64End.writeBigUInt64LE(BigInt(this.count), 24);
    zip64End.writeBigUInt64LE(BigInt(this.count), 32);
    zip64End.writeBigUInt64LE(BigInt(directorySize), 40);
    zip64End.writeBigUInt64LE(BigInt(directoryOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(zip64EndOffset), 8);
    locator.writeUInt32LE(1, 16);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(0xffff, 8);
    end.writeUInt16LE(0xffff, 10);
    end.writeUInt32LE(directorySize, 12);
    end.writeUInt32LE(directoryOffset, 16);
    this.write(zip64End);
    this.write(locator);
    this.write(end);
    this.flush();
    closeSync(this.fd);
    return { entries: this.count, bytes: this.offset };
  }
}

// ---- the synthesised advisory set ------------------------------------------------------------------

type OsvLike = {
  id: string;
  modified?: string;
  aliases?: string[];
  details?: string;
  references?: { type: string; url: string }[];
  affected?: { package?: { name: string; ecosystem: string; purl?: string } }[];
};

interface AdvisorySet {
  templates: { name: string; text: string }[];
  installedNames: string[];
  /** Indexes (into the synthesised records) changed by the second import. */
  changed: Set<number>;
  /** How many synthesised records name an installed package, in all and among the changed ones. */
  namingInstalled: number;
  changedNamingInstalled: number;
}

function synthesisedRecord(set: AdvisorySet, i: number, changed: boolean): { record: OsvLike; namesInstalled: boolean } {
  const template = set.templates[i % set.templates.length]!;
  const record = JSON.parse(template.text) as OsvLike;
  const rng = random(SEED * 1_000_003 + i);
  const namesInstalled = rng() < INSTALLED_SHARE;
  const name = namesInstalled ? set.installedNames[Math.floor(rng() * set.installedNames.length)]! : `bench-npm-pkg-${Math.floor(rng() * OTHER_NAMES)}`;
  const renamed = new Map<string, string>();
  for (const affected of record.affected ?? []) {
    if (!affected.package) continue;
    const original = affected.package.name;
    if (!renamed.has(original)) renamed.set(original, renamed.size === 0 ? name : `${name}-also-${renamed.size}`);
    affected.package.name = renamed.get(original)!;
    delete affected.package.purl;
  }
  record.id = `BENCH-${record.id}-${String(i).padStart(6, "0")}`;
  record.aliases = [`CVE-BENCH-${String(i).padStart(6, "0")}`];
  if (changed) {
    // A revision as osv.dev publishes them: a new modified time, text and a reference added.
    record.modified = "2026-12-01T00:00:00Z";
    record.details = `${record.details ?? ""}\n\nRevised (the benchmark's second import).`;
    record.references = [...(record.references ?? []), { type: "WEB", url: `https://example.invalid/bench-revision/${i}` }];
  }
  return { record, namesInstalled };
}

async function prepareAdvisorySet(lockPackages: Record<string, { version?: string }>): Promise<AdvisorySet> {
  const dir = path.join(process.cwd(), "lib/scan/fixtures/osv/npm");
  const names = (await readdir(dir)).filter((n) => n.endsWith(".json")).sort();
  const templates = await Promise.all(names.map(async (name) => ({ name, text: await readFile(path.join(dir, name), "utf8") })));
  const installedNames = [...new Set(Object.keys(lockPackages).flatMap((key) => {
    const at = key.lastIndexOf("node_modules/");
    return at < 0 ? [] : [key.slice(at + "node_modules/".length)];
  }))].sort();
  const synthesised = ADVISORIES - templates.length;
  const rng = random(SEED);
  const changed = new Set<number>();
  while (changed.size < Math.round(ADVISORIES * CHANGED_SHARE)) changed.add(Math.floor(rng() * synthesised));
  const set: AdvisorySet = { templates, installedNames, changed, namingInstalled: 0, changedNamingInstalled: 0 };
  for (let i = 0; i < synthesised; i++) {
    if (synthesisedRecord(set, i, false).namesInstalled) {
      set.namingInstalled++;
      if (changed.has(i)) set.changedNamingInstalled++;
    }
  }
  return set;
}

/** The whole DB as one all.zip; `withChanges` applies the second import's 1% revisions. */
function writeAdvisoryZip(set: AdvisorySet, file: string, withChanges: boolean): { entries: number; bytes: number } {
  const zip = new ZipWriter(file);
  for (const template of set.templates) zip.add(template.name, template.text);
  for (let i = 0; i < ADVISORIES - set.templates.length; i++) {
    const { record } = synthesisedRecord(set, i, withChanges && set.changed.has(i));
    zip.add(`${record.id}.json`, `${JSON.stringify(record, null, 2)}\n`);
  }
  return zip.finish();
}

// ---- images ----------------------------------------------------------------------------------------

async function tarOf(entries: { path: string; content: Buffer }[]): Promise<Buffer> {
  const tar = pack();
  const done = buffer(tar);
  for (const entry of entries) tar.entry({ name: entry.path, size: entry.content.length, mode: 0o644, mtime: new Date(0) }, entry.content);
  tar.finalize();
  return done;
}

type BlobSource = { digest: string; size: number; open: () => ReadableStream<Uint8Array> };

const bufferSource = (bytes: Buffer): BlobSource => ({
  digest: sha256(bytes),
  size: bytes.length,
  open: () => new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(new Uint8Array(bytes)), c.close()) }),
});

function lockfileWith(name: string, packages: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify({ name, version: "1.0.0", lockfileVersion: 3, requires: true, packages: { "": { name, version: "1.0.0" }, ...packages } }, null, 2));
}

// ---- the adapter worker child (part 3) ------------------------------------------------------------

type ChildMessage = { type: "ready"; rss: number } | { type: "marked"; rss: number } | { type: "report"; peak: number; hwm: number | null; samples: number };

function vmHwm(pid: number | "self" = "self"): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

async function registerServerOnlyStub(): Promise<void> {
  // Service modules import "server-only", which throws outside React Server Components (Next and
  // vitest alias it away); this process resolves it to an empty module instead.
  const { register } = await import("node:module");
  const hook = `export async function resolve(s, c, next) { return s === "server-only" ? { url: "data:text/javascript,", shortCircuit: true } : next(s, c); }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}

/** `run.ts --scan-adapter-worker`: a Wharf worker running only the built-in adapter's scans, its memory sampled. */
export async function serveAdapterWorker(): Promise<void> {
  await registerServerOnlyStub();
  const { startJobWorker } = await import("../jobs/worker");
  const { scanAdapterJob } = await import("../jobs/definitions");
  const worker = await startJobWorker({ log: () => undefined, reconcileCron: "off", jobs: [scanAdapterJob], pollingIntervalSeconds: 0.5, sweepMs: 24 * 3600 * 1000 });
  // Idle means ready to scan: the handler loaded, as every worker does right after it starts.
  await worker.handlersLoaded;
  let peak = 0;
  let samples = 0;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
    samples++;
  };
  const sampler = setInterval(sample, 50);
  const send = (message: ChildMessage) => process.send?.(message);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  send({ type: "ready", rss: process.memoryUsage.rss() });
  process.on("message", (message: { type: string }) => {
    if (message.type === "mark") {
      // From here on: the peak sampled and the kernel's high-water mark (reset where allowed).
      const rss = process.memoryUsage.rss();
      peak = rss;
      samples = 0;
      try {
        writeFileSync("/proc/self/clear_refs", "5");
      } catch {
        // not allowed here: VmHWM then covers the process's whole life
      }
      send({ type: "marked", rss });
    } else if (message.type === "report") {
      sample();
      send({ type: "report", peak, hwm: vmHwm(), samples });
    } else if (message.type === "stop") {
      clearInterval(sampler);
      void worker.stop().finally(() => process.exit(0));
    }
  });
}

class AdapterChild {
  private readonly waiting: ((message: ChildMessage) => void)[] = [];
  private constructor(readonly child: ChildProcess) {
    child.on("message", (message: ChildMessage) => this.waiting.shift()?.(message));
  }

  static async start(): Promise<{ child: AdapterChild; ready: number }> {
    const tsx = path.join(process.cwd(), "node_modules", "tsx", "dist", "cli.mjs");
    const process_ = spawn(process.execPath, [tsx, "lib/bench/run.ts", "--scan-adapter-worker"], { env: process.env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const child = new AdapterChild(process_);
    const ready = await child.next(90_000);
    if (ready.type !== "ready") throw new Error("the adapter worker did not start");
    return { child, ready: ready.rss };
  }

  next(timeoutMs = 60_000): Promise<ChildMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the adapter worker did not answer")), timeoutMs);
      this.child.once("exit", (code) => reject(new Error(`the adapter worker exited (${code})`)));
      this.waiting.push((message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
  }

  async ask(type: "mark" | "report"): Promise<ChildMessage> {
    const answer = this.next();
    this.child.send({ type });
    return answer;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.send({ type: "stop" });
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  if (!name.endsWith("_bench")) throw new Error(`refusing to drop ${name}: not a *_bench database`);
  url.pathname = "/postgres";
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

// ---- the benchmark ---------------------------------------------------------------------------------

export async function run({ tmp }: Pick<BenchContext, "tmp">): Promise<void> {
  const artifacts = artifactCount();
  const { findFreePort, startLocalRegistry } = await import("../registry/local-registry");
  const { applyMigrations, recreateDatabase } = await import("../runtime/database");
  console.log(`\nScan benchmark: ${ADVISORIES.toLocaleString("en")} advisories (synthesised from real npm OSV records, see below), ${artifacts} scan-all artifacts. Started at ${load()}.`);
  await recreateDatabase(SCAN_DATABASE_URL);
  await applyMigrations(SCAN_DATABASE_URL);
  const registry = await startLocalRegistry({ dataDir: path.join(tmp, "registry-data") });
  const frontPort = await findFreePort();
  const external = `http://127.0.0.1:${frontPort}`;
  Object.assign(process.env, {
    DATABASE_URL: SCAN_DATABASE_URL,
    WHARF_REGISTRY_URL: registry.url,
    WHARF_REGISTRY_USERNAME: registry.credentials.username,
    WHARF_REGISTRY_PASSWORD: registry.credentials.password,
    WHARF_REGISTRY_STORAGE_DIR: registry.storageDir,
    WHARF_EXTERNAL_URL: external,
    WHARF_DATA_DIR: path.join(tmp, "wharf-data"),
    WHARF_SECRET_KEY: BENCH_SECRET_KEY,
    NEXTAUTH_SECRET: BENCH_SECRET_KEY,
    WHARF_RECONCILE_CRON: "off",
  });
  const sql = new pg.Client({ connectionString: SCAN_DATABASE_URL });
  await sql.connect();
  const cleanups: (() => Promise<unknown>)[] = [() => registry.stop(), () => sql.end()];
  try {
    await runParts({ tmp, artifacts, external, frontPort, sql, cleanups });
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(`bench: cleanup: ${String(error)}`));
    // The database is dropped too: nothing of a run is kept (its pools still open in this process
    // are cut, which Wharf logs as "terminating connection due to administrator command").
    await dropDatabase(SCAN_DATABASE_URL);
  }
}

async function runParts({
  tmp,
  artifacts,
  external,
  frontPort,
  sql,
  cleanups,
}: {
  tmp: string;
  artifacts: number;
  external: string;
  frontPort: number;
  sql: pg.Client;
  cleanups: (() => Promise<unknown>)[];
}): Promise<void> {
  await registerServerOnlyStub();
  const { startFront } = await import("../runtime/server");
  const { ensureQueues, getBoss, stopSharedBoss } = await import("../jobs/boss");
  const { artifactScanJob, scanAdapterJob, scanAllJob, vulnDbImportJob, vulnReevaluateJob } = await import("../jobs/definitions");
  const { runQueuedRun } = await import("../jobs/testing/run-queued");
  const { startJobWorker } = await import("../jobs/worker");
  const { endpointClient } = await import("../registry/endpoint");
  const { extractInventory } = await import("../scan/inventory");
  const { registryLayerSources } = await import("../scan/inventory/registry-layers");
  const { ensureInitialAdmin } = await import("../services/system/ensure-initial-admin");
  const { createProject } = await import("../services/projects/create-project");
  const { ensureBuiltinScanner } = await import("../services/scan/scanners");
  const { startArtifactScan } = await import("../services/scan/manual-scan");
  const { startScanAll } = await import("../services/scan/scan-all");
  const { startVulnDbUpload } = await import("../services/scan/vuln-db-admin");
  const { findingsForArtifact, artifactsTouchedByImport } = await import("../services/scan/findings");
  const { reevaluateArtifacts } = await import("../services/scan/reevaluate");
  const { JOB_REGISTRY } = await import("../jobs/registry");
  const { saveInventory } = await import("../services/scan/inventory-store");
  const metadataRoute = await import("../../app/scanner/api/v1/metadata/route");
  const scanRoute = await import("../../app/scanner/api/v1/scan/route");
  const reportRoute = await import("../../app/scanner/api/v1/scan/[scan_request_id]/report/route");

  /** Node request -> the adapter's route handlers (what Next does for app/scanner/api/v1/…). */
  const serveAdapterRoutes = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", external);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const method = req.method ?? "GET";
    const request = new Request(url, { method, headers, body: method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks) });
    const report = /^\/scanner\/api\/v1\/scan\/([^/]+)\/report$/.exec(url.pathname);
    let response: Response;
    if (url.pathname === "/scanner/api/v1/metadata" && method === "GET") response = await metadataRoute.GET(request);
    else if (url.pathname === "/scanner/api/v1/scan" && method === "POST") response = await scanRoute.POST(request);
    else if (report && method === "GET") response = await reportRoute.GET(request, { params: Promise.resolve({ scan_request_id: decodeURIComponent(report[1]!) }) });
    else response = new Response("no such route", { status: 404 });
    const out: Record<string, string> = {};
    response.headers.forEach((value, name) => (out[name] = value));
    res.writeHead(response.status, out);
    res.end(Buffer.from(await response.arrayBuffer()));
  };
  const front = await startFront({ hostname: "127.0.0.1", port: frontPort, handleNext: serveAdapterRoutes });
  cleanups.push(() => front.close());
  cleanups.push(() => stopSharedBoss());
  await ensureQueues(await getBoss(), JOB_REGISTRY);

  await ensureInitialAdmin({ configuredPassword: BENCH_ADMIN_PASSWORD });
  const adminRow = await sql.query<{ id: number }>(`SELECT id FROM users WHERE username = 'admin'`);
  const admin = { kind: "user" as const, id: adminRow.rows[0]!.id, username: "admin", isAdmin: true, isAuditor: false, client: { ip: "127.0.0.1", userAgent: "wharf-bench" } };
  await createProject({ actor: admin, input: { name: PROJECT, isPublic: false } });
  await ensureBuiltinScanner();
  const scannerId = (await sql.query<{ id: number }>(`SELECT id FROM scanners WHERE builtin`)).rows[0]!.id;

  // Pushed through Wharf's gateway (Docker token flow as the administrator), so the index knows
  // each artifact and the manual-scan service can scan it, as the console's Scan button does.
  const gateway = endpointClient({ name: "wharf", url: external, auth: { kind: "token", credentials: { username: "admin", password: BENCH_ADMIN_PASSWORD } }, timeoutMs: 120_000 });
  const pushBlob = async (repository: string, blob: BlobSource) => {
    if (!(await gateway.headBlob(repository, blob.digest))) {
      const { uploadUrl } = await gateway.startBlobUpload(repository);
      await gateway.uploadBlob(uploadUrl, blob.digest, blob.open(), { size: blob.size });
    }
  };
  /** One image of one gzip'd layer, pushed through the gateway; its manifest digest. */
  const pushImage = async (repository: string, tag: string, layer: BlobSource, diffId: string): Promise<string> => {
    await pushBlob(repository, layer);
    const config = bufferSource(Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [diffId] }, config: {} })));
    await pushBlob(repository, config);
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size }, layers: [{ mediaType: OCI_LAYER, digest: layer.digest, size: layer.size }] }),
    );
    await gateway.putManifest(repository, tag, OCI_MANIFEST, manifest);
    return sha256(manifest);
  };
  const pushLockImage = async (repository: string, tag: string, lock: Buffer) => {
    const tar = await tarOf([{ path: LOCK_PATH, content: lock }]);
    return pushImage(repository, tag, bufferSource(gzipSync(tar)), sha256(tar));
  };

  /** Wharf's client path for one artifact: the manual-scan service (audit row, report row, its scan.artifact run). */
  const queueScan = async (repository: string, digest: string) => {
    const started = await startArtifactScan({ actor: admin, repository, reference: digest });
    const scan = started.scans[0];
    if (!scan || started.scannerId !== scannerId) throw new Error(`${repository}@${digest}: no scan queued by the built-in scanner`);
    return scan;
  };
  const reportOf = async (reportId: number) => {
    const row = (await sql.query<{ status: string; error: string | null; report: { vulnerabilities?: { id: string }[] } | null }>(`SELECT status, error, report FROM scan_reports WHERE id = $1`, [reportId])).rows[0]!;
    if (row.status !== "succeeded") throw new Error(`scan report ${reportId}: ${row.status}: ${row.error}`);
    return row.report?.vulnerabilities ?? [];
  };

  // ---- the advisory DB: 100,000 records through the upload service and the import job -------------
  const zuiLock = await readFile(path.join(process.cwd(), "lib/scan/fixtures/package-dbs/npm-zui/package-lock.json"));
  const zuiPackages = (JSON.parse(zuiLock.toString("utf8")) as { packages: Record<string, { version?: string }> }).packages;
  const set = await prepareAdvisorySet(zuiPackages);
  await mkdir(path.join(tmp, "osv"), { recursive: true });
  const zipFirst = path.join(tmp, "osv", "npm-all.zip");
  let t = performance.now();
  const written = writeAdvisoryZip(set, zipFirst, false);
  console.log(
    `Advisories: SYNTHESISED from the ${set.templates.length} real npm OSV records of lib/scan/fixtures/osv/npm (kept as they are) plus ${(ADVISORIES - set.templates.length).toLocaleString("en")} copies with new ids and package names: ` +
      `${set.namingInstalled.toLocaleString("en")} (${fmt((100 * set.namingInstalled) / (ADVISORIES - set.templates.length), 2)}%) name one of the ${set.installedNames.length} packages installed by the zui lockfile, the rest one of ${OTHER_NAMES.toLocaleString("en")} names nothing installs; ` +
      `version ranges are the templates'. all.zip: ${written.entries.toLocaleString("en")} records, ${fmt(written.bytes / MiB)} MiB, written in ${seconds(performance.now() - t)}.`,
  );
  const importZip = async (file: string, label: string) => {
    const started = performance.now();
    const queued = await startVulnDbUpload({ actor: admin, body: createReadStream(file), fileName: label, mediaType: "application/zip", declaredBytes: (await stat(file)).size });
    const result = (await runQueuedRun(vulnDbImportJob, queued.runId)) as { seen: number; added: number; changed: number; unchanged: number; malformed: number };
    return { ...queued, ...result, ms: performance.now() - started };
  };
  const first = await importZip(zipFirst, "npm-all.zip");
  console.log(
    `Import 1 (upload service + scan.vuln_db_import run): ${first.seen.toLocaleString("en")} records, ${first.added.toLocaleString("en")} added, ${first.malformed} malformed, in ${seconds(first.ms)} (${fmt(first.seen / (first.ms / 1000), 0)} records/s); ${load()}.`,
  );

  // ---- part 3 first (the adapter runs in a child; this process runs no adapter worker yet) ---------
  console.log(`\n[3] Peak RSS scanning a 1 GiB layer / idle RSS (adapter worker in a child process)`);
  const bigRepository = `${PROJECT}/big`;
  const smallLock = lockfileWith("bench-big", Object.fromEntries(Object.entries(zuiPackages).filter(([k]) => k.startsWith("node_modules/")).slice(0, 20)));
  const warmDigest = await pushLockImage(bigRepository, "warm-up", smallLock);
  t = performance.now();
  const big = await writeBigLayer(tmp, smallLock);
  const bigDigest = await pushImage(bigRepository, "1gib", { digest: big.digest, size: big.size, open: () => Readable.toWeb(createReadStream(big.file)) as ReadableStream<Uint8Array> }, big.diffId);
  console.log(`  layer: a ${fmt(BIG_FILE_BYTES / MiB, 0)} MiB file of zeros (compressible) then ${LOCK_PATH} (20 packages); blob ${fmt(big.size / MiB, 2)} MiB gzip, built and pushed in ${seconds(performance.now() - t)}`);
  const { child, ready } = await AdapterChild.start();
  cleanups.push(() => child.stop());
  const runScan = async (repository: string, digest: string) => {
    const queued = await queueScan(repository, digest);
    await runQueuedRun(artifactScanJob, queued.runId);
    return reportOf(queued.reportId);
  };
  await runScan(bigRepository, warmDigest);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const marked = await child.ask("mark");
  const idleWarm = marked.type === "marked" ? marked.rss : NaN;
  t = performance.now();
  await runScan(bigRepository, bigDigest);
  const bigMs = performance.now() - t;
  const report3 = await child.ask("report");
  await child.stop();
  const bigPackages = (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM scan_inventory_packages p JOIN scan_inventories i ON i.id = p.inventory_id WHERE i.artifact_digest = $1`, [bigDigest])).rows[0]?.n ?? 0;
  if (report3.type !== "report") throw new Error("no memory report from the adapter worker");
  const peak = Math.max(report3.peak, report3.hwm ?? 0);
  const part3 = {
    idle: ready,
    idleWarm,
    peak,
    ratio: peak / ready,
    ratioWarm: peak / idleWarm,
    load: load(),
  };
  console.log(`  scan (client -> adapter over HTTP -> child's scan.adapter_scan run -> report): ${seconds(bigMs)}, ${bigPackages} packages found after the 1 GiB file`);
  console.log(
    `  RSS of the adapter worker: idle after start-up ${fmt(ready / MiB)} MiB; idle after a warm-up scan of a small image ${fmt(idleWarm / MiB)} MiB; ` +
      `peak while scanning ${fmt(peak / MiB)} MiB (max of ${report3.samples} samples every 50 ms: ${fmt(report3.peak / MiB)} MiB, VmHWM ${report3.hwm === null ? "n/a" : `${fmt(report3.hwm / MiB)} MiB`})`,
  );
  console.log(`  ratio peak / idle after start-up: ${fmt(part3.ratio, 2)} (goal <= 1.3); peak / idle after warm-up: ${fmt(part3.ratioWarm, 2)}; ${part3.load}`);

  if (process.argv.includes("--memory-only")) {
    console.log(`\n| [3] peak RSS scanning a 1 GiB layer / idle RSS | ${fmt(peak / MiB)} / ${fmt(ready / MiB)} MiB = ${fmt(part3.ratio, 2)} (vs idle after warm-up: ${fmt(part3.ratioWarm, 2)}) | <= 1.3 | ${part3.load.replace(/^load | \(1 \/ 5 min\)$/g, "")} |`);
    return; // `npm run bench scan -- --memory-only`: the import and part 3 only
  }

  // ---- Wharf's worker in this process from here on: the client's runs and the adapter's ----------
  const worker = await startJobWorker({ log: () => undefined, reconcileCron: "off", jobs: [scanAllJob, artifactScanJob, scanAdapterJob], pollingIntervalSeconds: 0.5, sweepMs: 24 * 3600 * 1000 });
  cleanups.push(() => worker.stop());
  const waitForReports = async (reportIds: number[]) => {
    for (;;) {
      const { rows } = await sql.query<{ done: number; failed: number }>(
        `SELECT count(*) FILTER (WHERE status IN ('succeeded', 'failed'))::int AS done, count(*) FILTER (WHERE status = 'failed')::int AS failed FROM scan_reports WHERE id = ANY($1)`,
        [reportIds],
      );
      if (rows[0]!.done === reportIds.length) return rows[0]!.failed;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  // ---- part 1 ---------------------------------------------------------------------------------------
  console.log(`\n[1] The zui image (${LOCK_PATH}: 1,499 lockfile entries) against ${ADVISORIES.toLocaleString("en")} advisories`);
  const zuiRepository = `${PROJECT}/zui`;
  const zuiDigest = await pushLockImage(zuiRepository, "1.0", zuiLock);
  t = performance.now();
  const queued1 = await queueScan(zuiRepository, zuiDigest);
  if (await waitForReports([queued1.reportId])) throw new Error(`the zui scan failed: ${(await sql.query(`SELECT error FROM scan_reports WHERE id = $1`, [queued1.reportId])).rows[0]?.error}`);
  const e2eMs = performance.now() - t;
  const zuiFindings = await reportOf(queued1.reportId);
  const adapterRun = (await sql.query<{ ms: number }>(
    `SELECT extract(epoch FROM finished_at - started_at) * 1000 AS ms FROM job_runs WHERE job_name = $1 AND payload->>'requestId' = (SELECT request_id FROM scan_reports WHERE id = $2)`,
    [scanAdapterJob.id, queued1.reportId],
  )).rows[0]?.ms;
  const expected = (JSON.parse(await readFile(path.join(process.cwd(), "lib/scan/fixtures/expected.json"), "utf8")) as { databases: { db: string; expected_findings: { id: string }[] }[] }).databases.find((d) => d.db.includes("npm-zui"))!;
  const expectedIds = new Set(expected.expected_findings.map((f) => f.id));
  const foundExpected = new Set(zuiFindings.map((f) => f.id).filter((id) => expectedIds.has(id)));
  // The phases on their own, three times each (median): what the adapter's run does in one go.
  const extractMs: number[] = [];
  const storeMs: number[] = [];
  const matchMs: number[] = [];
  let packages = 0;
  let matched = 0;
  for (let round = 0; round < 3; round++) {
    t = performance.now();
    const inventory = await extractInventory(await registryLayerSources(gateway, zuiRepository, zuiDigest));
    extractMs.push(performance.now() - t);
    packages = inventory.packages.length;
    t = performance.now();
    await saveInventory(zuiDigest, inventory);
    storeMs.push(performance.now() - t);
    t = performance.now();
    matched = (await findingsForArtifact(zuiDigest))?.length ?? 0;
    matchMs.push(performance.now() - t);
  }
  const part1 = { load: load() };
  console.log(`  inventory: ${packages} packages (distinct name@version); findings: ${zuiFindings.length} in the report (${matched} from findingsForArtifact), of which ${foundExpected.size}/${expectedIds.size} are the fixture's real expected findings`);
  console.log(`  end to end (client -> adapter over HTTP -> scan.adapter_scan run -> report, incl. Refresh-After polling): ${seconds(e2eMs)}; the adapter's run alone: ${adapterRun === undefined ? "n/a" : seconds(Number(adapterRun))}`);
  console.log(`  phases, median of 3: extract inventory ${fmt(median(extractMs), 0)} ms (layer from the registry, gunzip, tar, lockfile parse), store it ${fmt(median(storeMs), 0)} ms, match ${fmt(median(matchMs), 0)} ms (SQL candidates + version ranges); ${part1.load}`);

  // ---- part 2 ---------------------------------------------------------------------------------------
  console.log(`\n[2] Scan all over ${artifacts} artifacts, then an import changing 1% of the advisories`);
  const appsRepository = `${PROJECT}/apps`;
  const lockEntries = Object.entries(zuiPackages).filter(([key]) => key.startsWith("node_modules/"));
  t = performance.now();
  const digests: string[] = new Array<string>(artifacts);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < artifacts; i = next++) {
        const rng = random(SEED * 7919 + i);
        const chosen = new Map<string, unknown>();
        while (chosen.size < Math.min(PACKAGES_PER_IMAGE, lockEntries.length)) {
          const [key, value] = lockEntries[Math.floor(rng() * lockEntries.length)]!;
          chosen.set(key, value);
        }
        chosen.set(`node_modules/bench-app-${i}`, { version: "1.0.0" });
        digests[i] = await pushLockImage(appsRepository, `app-${String(i).padStart(5, "0")}`, lockfileWith(`bench-app-${i}`, Object.fromEntries(chosen)));
      }
    }),
  );
  console.log(`  ${artifacts} distinct images (each a lockfile of ${PACKAGES_PER_IMAGE} zui packages drawn per image + one of its own) pushed in ${seconds(performance.now() - t)}`);
  // Scan all as an administrator starts it (Scan now): one scan.all run that queues a scan.artifact
  // run per image artifact as its fan-out children; it ends when the last of them has.
  const scanAllStart = performance.now();
  const started = await startScanAll({ actor: admin });
  for (;;) {
    const { rows } = await sql.query<{ status: string }>(`SELECT status::text AS status FROM job_runs WHERE id = $1`, [started.runId]);
    if (rows[0]?.status === "succeeded" || rows[0]?.status === "failed") break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const scanAllMs = performance.now() - scanAllStart;
  const children = `SELECT r.id FROM scan_reports r JOIN job_runs c ON (c.payload->>'reportId')::int = r.id WHERE c.parent_run_id = $1`;
  const scanned = (await sql.query<{ n: number; failed: number; findings: number; had_inventory: number }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE r.status <> 'succeeded')::int AS failed,
            coalesce(sum(jsonb_array_length(r.report->'vulnerabilities')), 0)::int AS findings,
            count(*) FILTER (WHERE r.artifact_digest <> ALL($2))::int AS had_inventory
     FROM scan_reports r WHERE r.id IN (${children})`,
    [started.runId, digests],
  )).rows[0]!;
  const adapterRuns = (await sql.query<{ n: number; total_ms: number; median_ms: number }>(
    `SELECT count(*)::int AS n, sum(extract(epoch FROM finished_at - started_at) * 1000)::float AS total_ms,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000)::float AS median_ms
     FROM job_runs WHERE job_name = $2 AND payload->>'requestId' IN (SELECT request_id FROM scan_reports WHERE id IN (${children}))`,
    [started.runId, scanAdapterJob.id],
  )).rows[0]!;
  const failed = scanned.failed;
  const scanAllLoad = load();
  console.log(
    `  full scan all (startScanAll: the scan.all run queued ${scanned.n} scans, ${artifacts} of them the new images and ${scanned.had_inventory} the images of [1] and [3] whose inventories were stored; ` +
      `Wharf's worker: ${artifactScanJob.concurrency} client runs and ${scanAdapterJob.concurrency} adapter runs at a time): ${seconds(scanAllMs)}, ${failed} failed, ${scanned.findings} findings; ` +
      `the adapter's runs: ${adapterRuns.n}, median ${fmt(adapterRuns.median_ms, 0)} ms, ${seconds(adapterRuns.total_ms)} in all; ${scanAllLoad}`,
  );

  const zipSecond = path.join(tmp, "osv", "npm-all-revised.zip");
  writeAdvisoryZip(set, zipSecond, true);
  const second = await importZip(zipSecond, "npm-all-revised.zip");
  console.log(
    `  import 2: ${second.seen.toLocaleString("en")} records, ${second.changed.toLocaleString("en")} changed (${fmt((100 * second.changed) / second.seen, 2)}%; ${set.changedNamingInstalled} of them name an installed package), ${second.unchanged.toLocaleString("en")} unchanged, in ${seconds(second.ms)}`,
  );
  // What the import's end queued in its own transaction: the scan.reevaluate run (the digests its
  // advisories touch, then reevaluateArtifacts in batches, progress committed with each), run here
  // through the job framework as the worker would run it. artifactsTouchedByImport is timed apart.
  t = performance.now();
  const touched = await artifactsTouchedByImport(second.importId);
  const touchedMs = performance.now() - t;
  const reevaluateRun = (await sql.query<{ id: number }>(`SELECT id FROM job_runs WHERE job_name = $1 AND (payload->>'importId')::int = $2 ORDER BY id DESC LIMIT 1`, [vulnReevaluateJob.id, second.importId])).rows[0];
  t = performance.now();
  let how: string;
  let counts: { artifacts?: number; reports?: number; changed?: number; unchanged?: number };
  if (reevaluateRun) {
    counts = (await runQueuedRun(vulnReevaluateJob, reevaluateRun.id)) as typeof counts;
    how = "the scan.reevaluate run the import queued (digestsToReevaluate + reevaluateArtifacts)";
  } else {
    counts = await reevaluateArtifacts(touched);
    how = "reevaluateArtifacts(artifactsTouchedByImport) (the import queued no scan.reevaluate run)";
  }
  const reevaluationMs = performance.now() - t;
  const reevaluation = { ms: reevaluationMs };
  const ratio = reevaluation.ms / scanAllMs;
  const strictRatio = reevaluation.ms / (adapterRuns.total_ms / scanAdapterJob.concurrency);
  const part2Load = load();
  console.log(
    `  re-evaluation, ${how}: ${seconds(reevaluation.ms)}; ${counts.artifacts ?? "?"} artifacts, ${counts.reports ?? "?"} reports evaluated, ${counts.changed ?? "?"} changed, ${counts.unchanged ?? "?"} unchanged ` +
      `(artifactsTouchedByImport alone: ${touched.length} of ${digests.length + 3} stored inventories, ${fmt(touchedMs, 0)} ms)`,
  );
  console.log(`  ratio re-evaluation / full scan all: ${fmt(ratio, 4)} (goal <= 0.05); against the adapter's own work only (its runs' total / ${scanAdapterJob.concurrency} at a time, no polling waits): ${fmt(strictRatio, 4)}; ${part2Load}`);

  console.log(`\nScan benchmark summary (one run, ${new Date().toISOString().slice(0, 10)}; advisories synthesised from real OSV templates)`);
  console.log(`| figure | value | goal | load (1 / 5 min) |`);
  console.log(`|---|---|---|---|`);
  console.log(`| [1] zui image (${packages} packages) vs ${ADVISORIES.toLocaleString("en")} advisories: extract / store / match | ${fmt(median(extractMs), 0)} / ${fmt(median(storeMs), 0)} / ${fmt(median(matchMs), 0)} ms; ${zuiFindings.length} findings (${foundExpected.size}/${expectedIds.size} real expected); end to end ${seconds(e2eMs)} | | ${part1.load.replace(/^load | \(1 \/ 5 min\)$/g, "")} |`);
  console.log(`| [2] re-evaluation / full scan all of ${artifacts} artifacts (+${scanned.had_inventory} already inventoried) | ${seconds(reevaluation.ms)} / ${seconds(scanAllMs)} = ${fmt(ratio, 4)} (vs adapter work only: ${fmt(strictRatio, 4)}) | <= 0.05 | ${part2Load.replace(/^load | \(1 \/ 5 min\)$/g, "")} |`);
  console.log(`| [3] peak RSS scanning a 1 GiB layer / idle RSS | ${fmt(peak / MiB)} / ${fmt(ready / MiB)} MiB = ${fmt(part3.ratio, 2)} (vs idle after warm-up: ${fmt(part3.ratioWarm, 2)}) | <= 1.3 | ${part3.load.replace(/^load | \(1 \/ 5 min\)$/g, "")} |`);
}


/** A gzip'd tar of a 1 GiB file of zeros then `lock`, written to a file; its digest and diff id. */
async function writeBigLayer(tmp: string, lock: Buffer): Promise<{ file: string; digest: string; diffId: string; size: number }> {
  const file = path.join(tmp, "big-layer.tar.gz");
  const tar = pack();
  const diff = createHash("sha256");
  const blob = createHash("sha256");
  let size = 0;
  const writing = pipeline(
    tar,
    new Transform({ transform: (chunk: Buffer, _e, done) => (diff.update(chunk), done(null, chunk)) }),
    createGzip(),
    new Transform({ transform: (chunk: Buffer, _e, done) => (blob.update(chunk), (size += chunk.length), done(null, chunk)) }),
    createWriteStream(file),
  );
  const zeros = Buffer.alloc(MiB);
  const entry = tar.entry({ name: "opt/data/big.bin", size: BIG_FILE_BYTES, mode: 0o644, mtime: new Date(0) });
  for (let written = zeros.length; written < BIG_FILE_BYTES; written += zeros.length) {
    if (!entry.write(zeros)) await once(entry as unknown as NodeJS.EventEmitter, "drain");
  }
  entry.end(zeros);
  tar.entry({ name: LOCK_PATH, size: lock.length, mode: 0o644, mtime: new Date(0) }, lock);
  tar.finalize();
  await writing;
  return { file, digest: `sha256:${blob.digest("hex")}`, diffId: `sha256:${diff.digest("hex")}`, size };
}
