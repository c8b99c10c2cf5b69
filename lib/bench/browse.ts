/**
 * Browsing at scale (issue 4's benchmark): 10,000 repositories in one project plus one repository
 * with 10,000 tags, written straight to the backing registry (behind Wharf's back) through the
 * registry HTTP API, then indexed by Wharf's own reconcile job (queued on pg-boss, run by the
 * worker inside the Wharf process). Printed: seeding time, reconcile time, and server response
 * time (to the last body byte) of the Repositories and Artifacts pages and their REST
 * equivalents, signed in as the admin, beside the goal (p95 < 150 ms).
 *
 * The 10,000-tag repository holds 9,000 image manifests, each with its own config (so its own
 * digest); every tenth tag is a second tag on the previous manifest. Push times are those the
 * reconcile records, one tag after the other, so they are distinct.
 */
import { createHash } from "node:crypto";
import { Agent } from "node:http";
import PgBoss from "pg-boss";
import { BENCH_ADMIN_PASSWORD, BENCH_DATABASE_URL, type BenchContext, fmt, percentile, send, type HttpTarget } from "./run";

const PROJECT = "bench";
const REPOSITORIES = Number(process.env.WHARF_BENCH_BROWSE_REPOSITORIES ?? 10_000);
const TAGS = Number(process.env.WHARF_BENCH_BROWSE_TAGS ?? 10_000);
/** Every SHARED_EVERY-th tag points at the previous tag's manifest: 10,000 tags, 9,000 artifacts. */
const SHARED_EVERY = 10;
const TAG_REPO = `${PROJECT}/tags`;
const SEED_CONCURRENCY = 24;
const REQUESTS = Number(process.env.WHARF_BENCH_BROWSE_REQUESTS ?? 80);
const WARMUP = 5;
/** Measurement rounds: the machine is shared, so every figure is taken twice. */
const ROUNDS = Number(process.env.WHARF_BENCH_BROWSE_ROUNDS ?? 2);
const GOAL_P95_MS = 150;
/** A second reconcile over the unchanged registry (the steady state: a HEAD per tag, no writes) costs minutes more: opt-in. */
const RECONCILE_AGAIN = process.env.WHARF_BENCH_BROWSE_RECONCILE_AGAIN === "1";
const UI_PAGE_SIZE = 25; // CONSOLE_DEFAULT_PAGE_SIZE
const API_PAGE_SIZE = 10; // Harbor's default page_size
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
const RECONCILE_QUEUE = "index.reconcile";

const repoName = (i: number) => `${PROJECT}/app-${String(i).padStart(5, "0")}`;
const tagName = (i: number) => `v${String(i).padStart(5, "0")}`;

export async function run({ wharfUrl, registryUrl, registryAuthorization, db }: BenchContext): Promise<void> {
  const project = await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, updated_at) VALUES ($1, false, now()) RETURNING id`, [PROJECT]);
  const projectId = project.rows[0]!.id;
  const registry = new Registry(registryUrl, registryAuthorization);

  // ---- seed, straight into the registry ----
  console.log(`\nBrowse: seeding ${REPOSITORIES} repositories and ${TAGS} tags in ${TAG_REPO} straight into the registry (${SEED_CONCURRENCY} requests in flight)…`);
  const seedStart = performance.now();
  const layer = Buffer.from("wharf browse bench layer\n");
  const layerDigest = sha256(layer);
  const sharedConfig = imageConfig(-1);
  const sharedConfigDigest = sha256(sharedConfig);
  const source = repoName(0);
  await registry.upload(source, layer, layerDigest);
  await registry.upload(source, sharedConfig, sharedConfigDigest);
  const sharedManifest = imageManifest(sharedConfig, layer);
  const reposSeconds = await inParallel("repositories", REPOSITORIES, async (i) => {
    const name = repoName(i);
    if (i > 0) {
      await registry.mount(name, source, layerDigest, layer);
      await registry.mount(name, source, sharedConfigDigest, sharedConfig);
    }
    await registry.putManifest(name, "latest", sharedManifest);
  });
  await registry.mount(TAG_REPO, source, layerDigest, layer);
  const distinct = Array.from({ length: TAGS }, (_, i) => i).filter((i) => i % SHARED_EVERY !== SHARED_EVERY - 1);
  const manifestOf = (i: number) => imageManifest(imageConfig(i), layer);
  const tagsSeconds = await inParallel(`${TAG_REPO} manifests`, distinct.length, async (k) => {
    const i = distinct[k]!;
    const config = imageConfig(i);
    await registry.upload(TAG_REPO, config, sha256(config));
    await registry.putManifest(TAG_REPO, tagName(i), manifestOf(i));
  });
  const shared = Array.from({ length: TAGS }, (_, i) => i).filter((i) => i % SHARED_EVERY === SHARED_EVERY - 1);
  const sharedSeconds = await inParallel(`${TAG_REPO} second tags`, shared.length, async (k) => {
    const i = shared[k]!;
    await registry.putManifest(TAG_REPO, tagName(i), manifestOf(i - 1));
  });
  const seedSeconds = (performance.now() - seedStart) / 1000;
  console.log(
    `  seeded in ${fmt(seedSeconds)} s: ${REPOSITORIES} repositories in ${fmt(reposSeconds)} s, ${distinct.length} manifests in ${fmt(tagsSeconds)} s, ` +
      `${shared.length} second tags in ${fmt(sharedSeconds)} s (${registry.requests} registry requests)`,
  );

  // ---- Wharf's reconcile job builds the index ----
  console.log(`\nBrowse: running the index reconcile job (pg-boss worker in the Wharf process)…`);
  const reconcile = await runReconcileJob(db, "initial");
  const indexed = await db.query<{ repositories: number; tags: number; artifacts: number; listed: number }>(
    `SELECT (SELECT count(*)::int FROM repositories) AS repositories,
            (SELECT count(*)::int FROM tags t JOIN repositories r ON r.id = t.repository_id WHERE r.name = $1) AS tags,
            (SELECT count(*)::int FROM artifacts a JOIN repositories r ON r.id = a.repository_id WHERE r.name = $1) AS artifacts,
            (SELECT artifact_count FROM repositories WHERE name = $1) AS listed`,
    [TAG_REPO],
  );
  const counts = indexed.rows[0]!;
  console.log(`  index: ${counts.repositories} repositories, ${TAG_REPO}: ${counts.tags} tags on ${counts.artifacts} artifacts (${counts.listed} listed)`);
  if (counts.repositories !== REPOSITORIES + 1 || counts.tags !== TAGS || counts.artifacts !== distinct.length) {
    throw new Error("the index does not match what was seeded; figures would be meaningless");
  }
  const totalTags = REPOSITORIES + TAGS;
  console.log(
    `  reconcile (first run, empty index): ${fmt(reconcile.seconds)} s for ${REPOSITORIES + 1} repositories and ${totalTags} tags: ` +
      `${fmt((REPOSITORIES + 1) / reconcile.seconds, 0)} repositories/s, ${fmt(totalTags / reconcile.seconds, 0)} tags/s`,
  );
  if (RECONCILE_AGAIN) {
    const again = await runReconcileJob(db, "unchanged");
    console.log(
      `  reconcile (second run, nothing changed): ${fmt(again.seconds)} s: ${fmt((REPOSITORIES + 1) / again.seconds, 0)} repositories/s, ${fmt(totalTags / again.seconds, 0)} tags/s`,
    );
  }

  // ---- response times ----
  // Planner statistics after the bulk load, as autovacuum's analyze would take them within a
  // minute (this machine's Postgres runs with autovacuum off; without statistics the planner
  // takes 10,000-row tables for empty ones).
  const autovacuum = (await db.query<{ autovacuum: string }>(`SHOW autovacuum`)).rows[0]?.autovacuum;
  if (process.env.WHARF_BENCH_BROWSE_ANALYZE === "0") {
    console.log(`\n  no ANALYZE after the bulk load (WHARF_BENCH_BROWSE_ANALYZE=0; autovacuum is ${autovacuum} on this server)`);
  } else {
    await db.query(`ANALYZE repositories, artifacts, tags, artifact_references`);
    console.log(`\n  ANALYZE after the bulk load (autovacuum is ${autovacuum} on this server)`);
  }
  const cookie = await signIn(wharfUrl);
  const listed = counts.listed;
  const uiLast = Math.ceil(listed / UI_PAGE_SIZE);
  const apiLast = Math.ceil(listed / API_PAGE_SIZE);
  const middleDigest = await db.query<{ digest: string }>(
    `SELECT a.digest FROM artifacts a JOIN repositories r ON r.id = a.repository_id WHERE r.name = $1 ORDER BY a.pushed_at DESC, a.id DESC OFFSET $2 LIMIT 1`,
    [TAG_REPO, Math.floor(listed / 2)],
  );
  const digest = middleDigest.rows[0]!.digest;
  const repoPage = `/projects/${projectId}/repositories`;
  const tagsPage = `${repoPage}/tags`;
  const api = `/api/v2.0/projects/${PROJECT}/repositories`;
  const artifactsApi = `${api}/tags/artifacts?page_size=${API_PAGE_SIZE}&sort=-push_time&with_tag=true`;
  // `expect`: a string the first response's body must hold, so a sign-in page or an empty list is not measured.
  const targets: { label: string; path: string; expect: string }[] = [
    { label: "UI  Repositories, page 1 (by name)", path: repoPage, expect: "app-00000" },
    { label: "UI  Repositories, search \"app-0500\"", path: `${repoPage}?q=app-0500`, expect: "app-05009" },
    { label: "UI  Artifacts, first page", path: `${tagsPage}?page=1`, expect: tagName(TAGS - 1) },
    { label: `UI  Artifacts, middle page (${Math.ceil(uiLast / 2)})`, path: `${tagsPage}?page=${Math.ceil(uiLast / 2)}`, expect: "sha256:" },
    { label: `UI  Artifacts, last page (${uiLast})`, path: `${tagsPage}?page=${uiLast}`, expect: tagName(0) },
    { label: "UI  Artifact detail", path: `${tagsPage}/-/artifacts/${digest}`, expect: digest },
    { label: "API repositories, page 1", path: `${api}?page=1&page_size=${API_PAGE_SIZE}`, expect: "app-00000" },
    { label: "API repositories, q=name=~app-0500", path: `${api}?page=1&page_size=${API_PAGE_SIZE}&q=${encodeURIComponent("name=~app-0500")}`, expect: "app-05009" },
    { label: `API repositories, page ${Math.ceil(REPOSITORIES / API_PAGE_SIZE / 2)}`, path: `${api}?page=${Math.ceil(REPOSITORIES / API_PAGE_SIZE / 2)}&page_size=${API_PAGE_SIZE}`, expect: "app-0" },
    { label: "API artifacts, first page", path: `${artifactsApi}&page=1`, expect: tagName(TAGS - 1) },
    { label: `API artifacts, middle page (${Math.ceil(apiLast / 2)})`, path: `${artifactsApi}&page=${Math.ceil(apiLast / 2)}`, expect: "sha256:" },
    { label: `API artifacts, last page (${apiLast})`, path: `${artifactsApi}&page=${apiLast}`, expect: tagName(0) },
  ];
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (const t of targets) await checkBody(agent, { url: `${wharfUrl}${t.path}`, headers: { cookie } }, t.label, t.expect);
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(
      `\nBrowse: response time to the last body byte, admin session, ${REQUESTS} sequential requests each after ${WARMUP} warm-up (round ${round} of ${ROUNDS}):`,
    );
    console.log(`  ${"".padEnd(42)}${"p50".padStart(8)}${"p95".padStart(8)}${"p99".padStart(8)}${"max".padStart(8)}   goal`);
    for (const t of targets) {
      const target: HttpTarget = { url: `${wharfUrl}${t.path}`, headers: { cookie } };
      for (let i = 0; i < WARMUP; i++) await send(agent, target);
      const ms: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const t0 = performance.now();
        const reply = await send(agent, target);
        if (reply.status !== 200) throw new Error(`${t.label}: HTTP ${reply.status}`);
        ms.push(performance.now() - t0);
      }
      ms.sort((a, b) => a - b);
      const p95 = percentile(ms, 0.95);
      console.log(
        `  ${t.label.padEnd(42)}${fmt(percentile(ms, 0.5)).padStart(8)}${fmt(p95).padStart(8)}${fmt(percentile(ms, 0.99)).padStart(8)}${fmt(ms.at(-1) ?? NaN).padStart(8)}` +
          `   p95 < ${GOAL_P95_MS} ms ${p95 < GOAL_P95_MS ? "met" : "MISSED"}`,
      );
    }
  }
  agent.destroy();
}

// ---- seeding helpers ----

function sha256(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** An image config; `i` makes it (and so the manifest digest) unique per tag. */
function imageConfig(i: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      created: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
      author: "wharf bench",
      config: { Labels: { "bench.build": String(i) } },
      rootfs: { type: "layers", diff_ids: [] },
      history: [{ created_by: `RUN build ${i}` }],
    }),
  );
}

function imageManifest(config: Buffer, layer: Buffer): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
      layers: [{ mediaType: OCI_LAYER, digest: sha256(layer), size: layer.length }],
    }),
  );
}

/** The registry's HTTP API, with a retry for the odd refused connection under load. */
class Registry {
  requests = 0;
  constructor(
    private readonly url: string,
    private readonly authorization: string,
  ) {}

  private async call(path: string | URL, init: RequestInit, expect: number[]): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      this.requests++;
      try {
        const res = await fetch(new URL(path, this.url), { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: this.authorization } });
        if (expect.includes(res.status)) return res;
        const body = await res.text();
        if (res.status < 500 || attempt >= 3) throw new Error(`${init.method ?? "GET"} ${String(path)}: HTTP ${res.status} ${body.slice(0, 200)}`);
      } catch (error) {
        if (attempt >= 3 || (error instanceof Error && error.message.includes(": HTTP "))) throw error;
      }
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }

  /** Monolithic upload: POST, then PUT with the bytes. */
  async upload(repository: string, bytes: Buffer, digest: string): Promise<void> {
    const start = await this.call(`/v2/${repository}/blobs/uploads/`, { method: "POST" }, [202]);
    await start.arrayBuffer();
    await this.finish(start, bytes, digest);
  }

  /** Cross-repository mount; a registry that starts an upload instead (202) gets the bytes. */
  async mount(repository: string, from: string, digest: string, bytes: Buffer): Promise<void> {
    const res = await this.call(`/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, { method: "POST" }, [201, 202]);
    await res.arrayBuffer();
    if (res.status === 202) await this.finish(res, bytes, digest);
  }

  private async finish(started: Response, bytes: Buffer, digest: string): Promise<void> {
    const location = started.headers.get("location");
    if (!location) throw new Error("an upload started without a Location");
    const url = new URL(location, this.url);
    url.searchParams.set("digest", digest);
    const done = await this.call(url, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: new Uint8Array(bytes) }, [201]);
    await done.arrayBuffer();
  }

  async putManifest(repository: string, reference: string, manifest: Buffer): Promise<void> {
    const res = await this.call(`/v2/${repository}/manifests/${reference}`, { method: "PUT", headers: { "content-type": OCI_MANIFEST }, body: new Uint8Array(manifest) }, [201]);
    await res.arrayBuffer();
  }
}

/** Runs fn(0..count-1), SEED_CONCURRENCY at a time, printing progress every 10 s; returns seconds. */
async function inParallel(label: string, count: number, fn: (i: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  let next = 0;
  let done = 0;
  const timer = setInterval(() => console.log(`  … ${label}: ${done} / ${count} (${fmt((performance.now() - started) / 1000, 0)} s)`), 10_000);
  try {
    await Promise.all(
      Array.from({ length: SEED_CONCURRENCY }, async () => {
        while (next < count) {
          const i = next++;
          await fn(i);
          done++;
        }
      }),
    );
  } finally {
    clearInterval(timer);
  }
  return (performance.now() - started) / 1000;
}

// ---- the reconcile job ----

/**
 * Queues `index.reconcile` as the console's Start button does (a job_runs row, then the pg-boss
 * job naming it) and waits for Wharf's worker to finish it. Seconds are the run's own
 * started_at..finished_at, as the System health page shows them.
 */
async function runReconcileJob(db: BenchContext["db"], label: string): Promise<{ seconds: number }> {
  const run = await db.query<{ id: number }>(
    `INSERT INTO job_runs (job_name, job_version, trigger) VALUES ($1, 1, $2) RETURNING id`,
    [RECONCILE_QUEUE, `bench (${label})`],
  );
  const runId = run.rows[0]!.id;
  const boss = new PgBoss({ connectionString: BENCH_DATABASE_URL, schema: "pgboss", max: 1, supervise: false, schedule: false });
  boss.on("error", (error: unknown) => console.error(`bench: pg-boss: ${String(error)}`));
  await boss.start();
  try {
    const jobId = await boss.send(RECONCILE_QUEUE, { version: 1, runId });
    if (!jobId) throw new Error("pg-boss did not queue the reconcile job (another run active?)");
    await db.query(`UPDATE job_runs SET boss_job_id = $1 WHERE id = $2`, [jobId, runId]);
  } finally {
    await boss.stop({ graceful: false });
  }
  let lastPrint = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const row = (
      await db.query<{ status: string; done: number; total: number | null; error: string | null; seconds: number | null }>(
        `SELECT status, progress_done AS done, progress_total AS total, error,
                EXTRACT(EPOCH FROM (finished_at - started_at))::float8 AS seconds
         FROM job_runs WHERE id = $1`,
        [runId],
      )
    ).rows[0]!;
    if (row.status === "succeeded") return { seconds: row.seconds ?? NaN };
    if (row.status === "failed") throw new Error(`reconcile run #${runId} failed: ${row.error}`);
    if (Date.now() - lastPrint > 10_000) {
      lastPrint = Date.now();
      console.log(`  … reconcile (${label}): ${row.status}, ${row.done} / ${row.total ?? "?"} repositories`);
    }
  }
}

// ---- signing in and checking ----

/** next-auth's credentials sign-in, as the form posts it: CSRF token first, then the session cookie. */
export async function signIn(wharfUrl: string): Promise<string> {
  const csrf = await fetch(`${wharfUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const csrfCookie = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const res = await fetch(`${wharfUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrfCookie },
    body: new URLSearchParams({ csrfToken, username: "admin", password: BENCH_ADMIN_PASSWORD, callbackUrl: wharfUrl, json: "true" }),
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith("next-auth.session-token="));
  if (!session) throw new Error(`signing in as admin failed: HTTP ${res.status}`);
  return session.split(";")[0]!;
}

async function checkBody(agent: Agent, target: HttpTarget, label: string, expect: string): Promise<void> {
  const chunks: Buffer[] = [];
  const reply = await send(agent, target, (chunk) => chunks.push(chunk));
  const body = Buffer.concat(chunks).toString("utf8");
  if (reply.status !== 200 || !body.includes(expect)) {
    throw new Error(`${label}: HTTP ${reply.status}, the body does not hold ${JSON.stringify(expect)}: ${body.slice(0, 300)}`);
  }
}
