/**
 * The audit log at scale (issue 5): with 2,000,000 audit rows, server time to the full body of
 * the Audit log page and `GET /api/v2.0/audit-logs` (first page, a deep page, three typical
 * filters) and of one busy project's Logs tab, then the CSV export: rows/s, bytes and the Wharf
 * process's memory while it streams. Goals: p95 < 200 ms; export memory flat.
 *
 * The rows are written straight in SQL (one INSERT ... SELECT over generate_series per chunk):
 * the append-only trigger refuses only UPDATE, DELETE and TRUNCATE. The database is kept between
 * runs (`keepDatabase`) and the seed skipped when it is already there; `--reseed` starts over.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { cpus, loadavg } from "node:os";
import { basicAuth, BENCH_ADMIN_PASSWORD, type BenchContext, fmt, percentile, send, type HttpTarget } from "./run";

export const keepDatabase = true;

const ROWS = 2_000_000;
const CHUNK = 250_000;
const USERS = 300;
const PROJECTS = 1_000;
const DAYS = 180;
/** Marks a database this benchmark seeded (a project name no other benchmark uses). */
const SEED_MARK = "audit-bench-p0000";
const WARMUP = 8;
const SAMPLES = 50;
const GOAL_P95_MS = 200;

export async function run(ctx: BenchContext): Promise<void> {
  const { db, wharfUrl } = ctx;
  const seeded = await seed(db);
  const cookie = await signIn(wharfUrl);
  const admin = basicAuth("admin", BENCH_ADMIN_PASSWORD);
  const api = (path: string): HttpTarget => ({ url: `${wharfUrl}${path}`, headers: { authorization: admin } });
  const page = (path: string): HttpTarget => ({ url: `${wharfUrl}${path}`, headers: { cookie } });

  const { busyProject: busy, busyUser: user } = seeded;
  const dayAgo = new Date(Date.now() - 24 * 3600 * 1000);
  const harborTime = (d: Date) => d.toISOString().slice(0, 19).replace("T", " ");
  const q = (expr: string) => `q=${encodeURIComponent(expr)}`;
  // A cursor ~1,000,000 rows deep, in the viewer's opaque format (audit-query.ts encodeCursor):
  // the key of the row at that depth in (occurred_at DESC, id DESC) order.
  const deep = await deepCursor(db, DEEP_ROWS);

  const scenarios: Scenario[] = [
    {
      // The floor on this machine: a console page and an API call that read almost nothing.
      label: "floor: /account page, /users/current",
      page: page(`/account`),
      api: api(`/api/v2.0/users/current`),
      floor: true,
    },
    {
      label: "first page",
      page: page(`/admin/audit-log`),
      api: api(`/api/v2.0/audit-logs?page_size=${PAGE_SIZE}`),
    },
    {
      label: `deep page (keyset, ${(DEEP_ROWS / 1e6).toFixed(0)}M rows in)`,
      page: page(`/admin/audit-log?cursor=${deep.cursor}`),
      api: api(`/api/v2.0/audit-logs?page_size=${PAGE_SIZE}&cursor=${deep.cursor}`),
      check: (row) => BigInt(row.id as number) < deep.id,
      pageBelowId: deep.id,
    },
    {
      // The API allows Harbor's page/page_size as an OFFSET only up to 10,000 rows (deeper is a
      // 400 pointing at the Link header's cursor): this is the deepest page it serves that way.
      label: `deepest offset page (page ${MAX_OFFSET_ROWS / PAGE_SIZE})`,
      api: api(`/api/v2.0/audit-logs?page=${MAX_OFFSET_ROWS / PAGE_SIZE}&page_size=${PAGE_SIZE}`),
    },
    {
      label: `one user (${user})`,
      page: page(`/admin/audit-log?user=${user}`),
      api: api(`/api/v2.0/audit-logs?page_size=${PAGE_SIZE}&${q(`username=${user}`)}`),
      check: (row) => row.username === user,
    },
    {
      label: `one project (${busy.name})`,
      page: page(`/admin/audit-log?project=${busy.name}`),
      api: api(`/api/v2.0/audit-logs?page_size=${PAGE_SIZE}&${q(`project_id=${busy.id}`)}`),
      check: (row) => row.project_id === busy.id,
    },
    {
      label: "failures in the last day",
      page: page(`/admin/audit-log?result=failure&from=${encodeURIComponent(dayAgo.toISOString())}`),
      api: api(`/api/v2.0/audit-logs?page_size=${PAGE_SIZE}&${q(`result=failure,op_time=[${harborTime(dayAgo)}~${harborTime(new Date(Date.now() + 3600_000))}]`)}`),
      check: (row) => row.result === "failure",
    },
    {
      label: `project Logs tab (${busy.name})`,
      page: page(`/projects/${busy.id}/logs`),
      api: api(`/api/v2.0/projects/${busy.name}/logs?page_size=${PAGE_SIZE}`),
      check: (row) => row.project_id === undefined || row.project_id === busy.id,
    },
  ];

  console.log(`\nAudit viewer: ${WARMUP} warm-up + ${SAMPLES} sequential requests per row, server time to the full body, admin (cookie for pages, Basic for the API)`);
  const load0 = loadavg();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const results: { label: string; page?: Stats; api?: Stats }[] = [];
  for (const scenario of scenarios) {
    const result: (typeof results)[number] = { label: scenario.label };
    if (scenario.page) result.page = await measure(agent, scenario.page, "text/html", undefined, scenario.floor ? undefined : { below: scenario.pageBelowId });
    if (scenario.api) result.api = await measure(agent, scenario.api, "application/json", scenario.check);
    results.push(result);
  }
  agent.destroy();
  printLatencyTable(results);
  // Other work on the machine (builds, tests) shows up in every percentile: say how busy it was.
  console.log(`load average (1 min) before/after the latency runs: ${fmt(load0[0] ?? NaN, 1)} / ${fmt(loadavg()[0] ?? NaN, 1)} on ${cpus().length} CPUs`);
  const refused = await fetch(`${wharfUrl}/api/v2.0/audit-logs?page=${DEEP_ROWS / PAGE_SIZE}&page_size=${PAGE_SIZE}`, { headers: { authorization: admin } });
  console.log(`page=${DEEP_ROWS / PAGE_SIZE}&page_size=${PAGE_SIZE} (an OFFSET of ${DEEP_ROWS.toLocaleString("en")} rows): HTTP ${refused.status} ${(await refused.text()).slice(0, 160)}`);

  await exportCsv(ctx, "all rows", api(`/api/v2.0/audit-logs?format=csv`));
  await exportCsv(ctx, `one project (${busy.name})`, api(`/api/v2.0/audit-logs?format=csv&${q(`project_id=${busy.id}`)}`));
}

const DEEP_ROWS = 1_000_000;
/** lib/api/routes/audit-logs.ts MAX_OFFSET. */
const MAX_OFFSET_ROWS = 10_000;
const PAGE_SIZE = 20;

type ApiRow = Record<string, unknown>;
/** `check` is what every row of the API's answer must satisfy (the page's rows are checked by id). */
type Scenario = { label: string; page?: HttpTarget; api?: HttpTarget; check?: (row: ApiRow) => boolean; floor?: boolean; pageBelowId?: bigint };
type Stats = { p50: number; p95: number; p99: number; bytes: number; rows?: number; error?: string };

async function deepCursor(db: BenchContext["db"], depth: number): Promise<{ cursor: string; id: bigint }> {
  const {
    rows: [row],
  } = await db.query<{ ms: string; id: string }>(
    `SELECT (extract(epoch FROM occurred_at) * 1000)::bigint::text AS ms, id::text AS id
     FROM audit_events ORDER BY occurred_at DESC, id DESC OFFSET $1 LIMIT 1`,
    [depth - 1],
  );
  if (!row) throw new Error(`the table holds fewer than ${depth} rows`);
  return { cursor: Buffer.from(`o.${row.ms}.${row.id}`, "utf8").toString("base64url"), id: BigInt(row.id) };
}

/**
 * One untimed request to check the answer (status, content type, for JSON the rows and the
 * scenario's filter), then warm-up and timed sequential requests on one keep-alive connection.
 */
async function measure(
  agent: Agent,
  target: HttpTarget,
  type: string,
  check?: (row: ApiRow) => boolean,
  pageRows?: { below?: bigint },
): Promise<Stats> {
  const probe = await fetch(target.url, { headers: target.headers, redirect: "manual" });
  const body = await probe.text();
  if (probe.status !== 200 || !(probe.headers.get("content-type") ?? "").startsWith(type)) {
    return { p50: NaN, p95: NaN, p99: NaN, bytes: body.length, error: `HTTP ${probe.status} ${probe.headers.get("content-type") ?? ""}`.trim() };
  }
  let rows: number | undefined;
  if (type === "text/html" && pageRows) {
    // The page's rows carry data-testid="audit-row-<id>"; an error shown with HTTP 200 has none.
    const ids = [...body.matchAll(/data-testid="audit-row-(\d+)"/g)].map((m) => BigInt(m[1]!));
    rows = ids.length;
    if (rows === 0) return { p50: NaN, p95: NaN, p99: NaN, bytes: body.length, rows, error: "no rows on the page" };
    if (pageRows.below !== undefined && !ids.every((id) => id < pageRows.below!)) {
      return { p50: NaN, p95: NaN, p99: NaN, bytes: body.length, rows, error: "page rows above the cursor" };
    }
  }
  if (type === "application/json") {
    const json = JSON.parse(body) as ApiRow[] | ApiRow;
    const parsed = Array.isArray(json) ? json : [json];
    rows = parsed.length;
    if (rows === 0) return { p50: NaN, p95: NaN, p99: NaN, bytes: body.length, rows, error: "no rows" };
    if (check && !parsed.every(check)) return { p50: NaN, p95: NaN, p99: NaN, bytes: body.length, rows, error: "rows outside the filter" };
  }
  for (let i = 0; i < WARMUP; i++) await send(agent, target);
  const ms: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    const reply = await send(agent, target);
    ms.push(performance.now() - t0);
    if (reply.status !== 200) return { p50: NaN, p95: NaN, p99: NaN, bytes: reply.bytes, error: `HTTP ${reply.status} during the run` };
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 0.5), p95: percentile(ms, 0.95), p99: percentile(ms, 0.99), bytes: body.length, rows };
}

function printLatencyTable(results: { label: string; page?: Stats; api?: Stats }[]): void {
  const cell = (s?: Stats) => {
    if (!s) return "—".padEnd(27);
    if (s.error) return s.error.slice(0, 26).padEnd(27);
    return `${fmt(s.p50, 0).padStart(5)} ${fmt(s.p95, 0).padStart(5)} ${fmt(s.p99, 0).padStart(5)} ${s.p95 < GOAL_P95_MS ? "ok  " : "MISS"}     `;
  };
  console.log(`\n${"".padEnd(42)}${"page (ms)".padEnd(27)}${"API (ms)".padEnd(27)}`);
  console.log(`${"scenario".padEnd(42)}${"  p50   p95   p99 goal     ".repeat(2)}`);
  for (const r of results) console.log(`${r.label.padEnd(42)}${cell(r.page)}${cell(r.api)}`);
  console.log(`goal: p95 < ${GOAL_P95_MS} ms ("ok" meets it). Page bytes: ${results.map((r) => (r.page && !r.page.error ? `${Math.round(r.page.bytes / 1024)} KB` : "-")).join(", ")}`);
}

// ---- CSV export and memory ----

/** VmRSS and VmHWM of a process, in MiB (null once it is gone). */
function memoryOf(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
  } catch {
    return null;
  }
}

/** The process and its descendants (the launcher serves in-process today; a server could fork). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

/** User + system CPU seconds a process has used so far. */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
}

async function exportCsv(ctx: BenchContext, label: string, target: HttpTarget): Promise<void> {
  // The launcher serves in-process, so the Wharf pid is the server; its descendants (tsx's
  // esbuild service) are listed for completeness.
  const pid = ctx.wharfPid;
  const others = processTree(pid).slice(1);
  const before = memoryOf(pid)?.rss ?? NaN;
  // Resets VmHWM to the current RSS (Linux >= 4.0), so the peak read at the end is this export's.
  let hwmReset = true;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    hwmReset = false;
  }
  const cpu0 = cpuSecondsOf(pid);
  const samples: { t: number; rows: number; rss: number }[] = [];
  let rows = 0;
  let firstByteMs = NaN;
  const t0 = performance.now();
  const timer = setInterval(() => {
    const rss = memoryOf(pid)?.rss;
    if (rss !== undefined) samples.push({ t: performance.now() - t0, rows, rss });
  }, 100);
  const agent = new Agent({ keepAlive: false });
  let reply;
  try {
    reply = await send(agent, target, (chunk) => {
      if (Number.isNaN(firstByteMs)) firstByteMs = performance.now() - t0;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
    });
  } finally {
    clearInterval(timer);
    agent.destroy();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSecondsOf(pid) - cpu0;
  const peak = memoryOf(pid)?.hwm ?? NaN;
  const url = new URL(target.url);
  console.log(`\nCSV export, ${label}: GET ${url.pathname}${url.search}`);
  if (reply.status !== 200) {
    console.log(`  HTTP ${reply.status} (${reply.bytes} bytes): not measured`);
    return;
  }
  const dataRows = Math.max(0, rows - 1); // minus the header line
  console.log(
    `  ${dataRows.toLocaleString("en")} rows, ${fmt(reply.bytes / 1024 / 1024, 1)} MiB in ${fmt(seconds, 1)} s: ${fmt(dataRows / seconds, 0)} rows/s (first byte after ${fmt(firstByteMs, 0)} ms); Wharf used ${fmt(cpu, 1)} CPU-s (${fmt((100 * cpu) / seconds, 0)}% of one core)`,
  );
  const streaming = samples.filter((s) => s.rows > 0).map((s) => s.rss);
  console.log(
    `  Wharf RSS (pid ${pid}, ${commandOf(pid)}): ${fmt(before, 0)} MiB before; while streaming min ${fmt(Math.min(...streaming), 0)} / max ${fmt(Math.max(...streaming), 0)} MiB over ${streaming.length} samples (every 100 ms); peak VmHWM${hwmReset ? " since the export started" : " since start"} ${fmt(peak, 0)} MiB`,
  );
  // The curve: RSS at each tenth of the export, with how many rows had arrived by then.
  const curve = Array.from({ length: 10 }, (_, i) => samples[Math.min(samples.length - 1, Math.floor(((i + 1) * samples.length) / 10) - 1)]).filter(
    (s): s is (typeof samples)[number] => s !== undefined,
  );
  console.log(`  curve (rows so far: RSS MiB): ${curve.map((s) => `${Math.round(s.rows / 1000)}k: ${fmt(s.rss, 0)}`).join(", ")}`);
  if (others.length) console.log(`  (descendants, not counted: ${others.map((o) => `${o} ${commandOf(o)} ${fmt(memoryOf(o)?.rss ?? NaN, 0)} MiB`).join(", ")})`);
}

// ---- seeding ----

type Seeded = { busyProject: { id: number; name: string }; busyUser: string };

async function seed(db: BenchContext["db"]): Promise<Seeded> {
  const {
    rows: [state],
  } = await db.query<{ marked: boolean; rows: string }>(
    `SELECT EXISTS (SELECT 1 FROM projects WHERE name = $1) AS marked, (SELECT count(*) FROM audit_events) AS rows`,
    [SEED_MARK],
  );
  if (state?.marked && Number(state.rows) >= ROWS) {
    console.log(`\nAudit: ${Number(state.rows).toLocaleString("en")} audit rows already seeded (kept from the last run; --reseed starts over)`);
  } else {
    if (state?.marked || Number(state?.rows ?? 0) > 1_000) throw new Error("the bench database holds a partial seed: run with --reseed");
    await seedRows(db);
  }
  const {
    rows: [busy],
  } = await db.query<{ id: number; name: string }>(`SELECT id, name FROM projects WHERE name = $1`, [SEED_MARK]);
  return { busyProject: busy!, busyUser: "dev-0007" };
}

async function seedRows(db: BenchContext["db"]): Promise<void> {
  console.log(`\nAudit: seeding ${ROWS.toLocaleString("en")} audit rows (${USERS} users, ${PROJECTS} projects, ${DAYS} days)…`);
  const t0 = performance.now();
  // Every project is a real row (so each Logs tab resolves); their ids in a lookup table.
  await db.query(
    `INSERT INTO projects (name, is_public, updated_at)
     SELECT 'audit-bench-p' || lpad(i::text, 4, '0'), i % 10 = 0, now() FROM generate_series(0, $1 - 1) i`,
    [PROJECTS],
  );
  await db.query(
    `CREATE TEMP TABLE bench_project AS
     SELECT substr(name, 14)::int AS idx, id, name FROM projects WHERE name LIKE 'audit-bench-p%'`,
  );
  await db.query(`CREATE TEMP TABLE bench_kind (action text, resource_type text, lo float8, hi float8, scope text, reason text)`);
  // The mix: pulls dominate (every manifest GET through the gateway is a row), then pushes,
  // console sign-ins, deletes and the occasional member, robot, user or project change.
  const kinds: [string, string, number, "project" | "user" | "system", string][] = [
    ["artifact.pull", "artifact", 0.7, "project", "Permission denied: pull requires a project role."],
    ["artifact.push", "artifact", 0.11, "project", "Permission denied: push requires Developer or above."],
    ["session.sign_in", "session", 0.07, "user", "Invalid username or password."],
    ["session.sign_out", "session", 0.025, "user", "Session already ended."],
    ["artifact.delete", "artifact", 0.02, "project", "Permission denied: delete requires Maintainer or above."],
    ["tag.create", "tag", 0.01, "project", "Tag name is not valid."],
    ["tag.delete", "tag", 0.01, "project", "Permission denied: delete requires Maintainer or above."],
    ["repository.delete", "repository", 0.004, "project", "Permission denied: delete requires Maintainer or above."],
    ["registry.login", "registry", 0.015, "user", "Invalid username or password."],
    ["member.create", "member", 0.006, "project", "Permission denied: members require Project Admin."],
    ["member.update", "member", 0.004, "project", "Permission denied: members require Project Admin."],
    ["member.delete", "member", 0.003, "project", "A project keeps at least one Project Admin."],
    ["robot.create", "robot", 0.004, "project", "Permission denied: robots require Project Admin."],
    ["robot.refresh_secret", "robot", 0.002, "project", "Permission denied: robots require Project Admin."],
    ["robot.delete", "robot", 0.002, "project", "Permission denied: robots require Project Admin."],
    ["project.create", "project", 0.002, "project", "A project with this name already exists."],
    ["project.update", "project", 0.002, "project", "Permission denied: requires Project Admin."],
    ["user.create", "user", 0.0015, "user", "A user with this name already exists."],
    ["user.update", "user", 0.001, "user", "Permission denied: requires an administrator."],
    ["user.reset_password", "user", 0.0005, "user", "Permission denied: requires an administrator."],
    ["setting.update", "setting", 0.001, "system", "Permission denied: requires an administrator."],
  ];
  const total = kinds.reduce((sum, k) => sum + k[2], 0);
  let lo = 0;
  for (const [action, resourceType, weight, scope, reason] of kinds) {
    const hi = lo + weight / total;
    await db.query(`INSERT INTO bench_kind VALUES ($1, $2, $3, $4, $5, $6)`, [action, resourceType, lo, hi, scope, reason]);
    lo = hi;
  }
  await db.query(`UPDATE bench_kind SET hi = 2 WHERE hi = (SELECT max(hi) FROM bench_kind)`);
  await db.query(`SELECT setseed(0.42)`);
  await db.query(`SET synchronous_commit = off`);
  await db.query(`SET maintenance_work_mem = '256MB'`);
  // A bulk load builds its secondary indexes once at the end (whatever the migrations define),
  // which is several times faster than maintaining them row by row, GIN trigram ones above all.
  const { rows: indexes } = await db.query<{ name: string; def: string }>(
    `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
     WHERE i.tablename = 'audit_events' AND i.schemaname = current_schema()
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
  );
  for (const index of indexes) await db.query(`DROP INDEX "${index.name}"`);
  const endsAt = new Date();
  const seedStarted = performance.now();
  for (let from = 1; from <= ROWS; from += CHUNK) {
    const to = Math.min(ROWS, from + CHUNK - 1);
    // Row g happens at a time proportional to g over 180 days ending now, so ids ascend with
    // time as they do in a real append-only table. Project index p = floor(1000 * r^3): a few
    // busy projects (p0000 holds ~10% of the rows) and a long tail.
    await db.query(
      `INSERT INTO audit_events (occurred_at, principal_kind, actor_id, actor_name, action, resource_type, resource_id,
                                 resource_name, project_id, result, reason, client_ip, user_agent, detail)
       SELECT s.at,
              (CASE WHEN k.scope = 'project' AND s.r_actor < 0.25 THEN 'robot'
                    WHEN k.action = 'artifact.pull' AND s.r_actor > 0.97 THEN 'anonymous'
                    ELSE 'user' END)::"PrincipalKind",
              CASE WHEN k.scope = 'project' AND (s.r_actor < 0.25 OR (k.action = 'artifact.pull' AND s.r_actor > 0.97)) THEN NULL ELSE 100 + s.u END,
              CASE WHEN k.scope = 'project' AND s.r_actor < 0.25 THEN 'robot$' || p.name || '+ci'
                   WHEN k.action = 'artifact.pull' AND s.r_actor > 0.97 THEN 'anonymous'
                   ELSE 'dev-' || lpad(s.u::text, 4, '0') END,
              k.action, k.resource_type,
              CASE WHEN k.resource_type IN ('session', 'user', 'member') THEN (100 + s.v)::text
                   WHEN k.resource_type = 'project' THEN p.id::text
                   WHEN k.resource_type = 'robot' THEN (s.g % 5000)::text
                   ELSE NULL END,
              CASE k.resource_type
                WHEN 'artifact' THEN p.name || '/app-' || (s.g % 12) || ':v1.' || (s.g % 40)
                WHEN 'tag' THEN p.name || '/app-' || (s.g % 12) || ':v1.' || (s.g % 40)
                WHEN 'repository' THEN p.name || '/app-' || (s.g % 12)
                WHEN 'member' THEN 'dev-' || lpad(s.v::text, 4, '0')
                WHEN 'robot' THEN 'robot$' || p.name || '+ci-' || (s.g % 5)
                WHEN 'project' THEN p.name
                WHEN 'session' THEN 'dev-' || lpad(s.u::text, 4, '0')
                WHEN 'registry' THEN 'dev-' || lpad(s.u::text, 4, '0')
                WHEN 'user' THEN 'dev-' || lpad(s.v::text, 4, '0')
                ELSE 'project_creation_restriction' END,
              CASE WHEN k.scope = 'project' THEN p.id END,
              (CASE WHEN s.r_fail < 0.02 THEN 'failure' ELSE 'success' END)::"AuditResult",
              CASE WHEN s.r_fail < 0.02 THEN k.reason END,
              '10.' || (s.u % 8) || '.' || (s.g % 250) || '.' || (s.v % 250),
              CASE WHEN k.resource_type IN ('artifact', 'registry') THEN 'docker/27.3.1 go/go1.22.7 os/linux arch/amd64'
                   ELSE 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36' END,
              CASE WHEN k.resource_type = 'artifact'
                   THEN jsonb_build_object('digest', 'sha256:' || md5(s.g::text) || md5((s.g + 1)::text),
                                           'mediaType', 'application/vnd.oci.image.manifest.v1+json')
                   WHEN k.resource_type = 'member' THEN jsonb_build_object('roleId', 1 + s.g % 5)
                   ELSE '{}'::jsonb END
       FROM (SELECT g,
                    $7::timestamptz - make_interval(days => $3) + make_interval(secs => g::float8 * $3 * 86400 / $4) AS at,
                    random() AS r_kind, random() AS r_fail, random() AS r_actor,
                    floor(random() * $5)::int AS u, floor(random() * $5)::int AS v,
                    floor($6 * power(random(), 3))::int AS pidx
             FROM generate_series($1::int, $2::int) g) s
       JOIN bench_kind k ON s.r_kind >= k.lo AND s.r_kind < k.hi
       JOIN bench_project p ON p.idx = s.pidx
       ORDER BY s.g`,
      [from, to, DAYS, ROWS, USERS, PROJECTS, endsAt.toISOString()],
    );
    const done = to;
    const seconds = (performance.now() - seedStarted) / 1000;
    process.stdout.write(`  ${done.toLocaleString("en")} rows, ${fmt(seconds, 1)} s (${fmt(done / seconds, 0)} rows/s)\n`);
  }
  const insertSeconds = (performance.now() - seedStarted) / 1000;
  const i0 = performance.now();
  for (const index of indexes) await db.query(index.def);
  const indexSeconds = (performance.now() - i0) / 1000;
  const v0 = performance.now();
  // Autovacuum does this to a real table after bulk inserts anyway (visibility map, statistics).
  await db.query(`VACUUM (ANALYZE) audit_events`);
  await db.query(`ANALYZE projects`);
  const {
    rows: [size],
  } = await db.query<{ table: string; indexes: string }>(
    `SELECT pg_size_pretty(pg_table_size('audit_events')) AS table, pg_size_pretty(pg_indexes_size('audit_events')) AS indexes`,
  );
  console.log(
    `  seeded in ${fmt((performance.now() - t0) / 1000, 1)} s: inserts ${fmt(insertSeconds, 1)} s (${fmt(ROWS / insertSeconds, 0)} rows/s), ${indexes.length} indexes ${fmt(indexSeconds, 1)} s, VACUUM ANALYZE ${fmt((performance.now() - v0) / 1000, 1)} s; table ${size?.table}, indexes ${size?.indexes}`,
  );
}

// ---- signing in ----

/** The console's next-auth credentials flow, as the sign-in form posts it: returns the cookie header. */
async function signIn(wharfUrl: string): Promise<string> {
  const csrf = await fetch(`${wharfUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  };
  keep(csrf);
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const res = await fetch(`${wharfUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader() },
    body: new URLSearchParams({ csrfToken, username: "admin", password: BENCH_ADMIN_PASSWORD, callbackUrl: wharfUrl, json: "true" }),
  });
  keep(res);
  if (![...jar.keys()].some((k) => k.endsWith("next-auth.session-token"))) throw new Error(`signing in as admin failed: HTTP ${res.status}`);
  return cookieHeader();
}
