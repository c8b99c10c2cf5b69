/**
 * Storage at scale (issue 11's benchmark): the usage and "where the space goes" reads for a
 * project with 10,000 artifacts beside one with 10, in the same Wharf process, interleaved.
 * Seeded straight into the index (artifacts and their blob references through the artifact_blobs
 * triggers, as pushes write them): 100 repositories of 100 images each, every image with its own
 * manifest, config and top layer over three base layers drawn from a pool of 20 that the whole
 * project (and the small one) shares. Measured, to the last body byte, admin session or Basic:
 * the project Storage page (usage bar, shared/unique, repositories largest first, largest
 * artifacts), the project summary REST call (quota.used) and /quotas/{id}. Printed: medians and
 * p95 per project, the ratio big/small (goal <= 1.5) and the load average.
 */
import { Agent } from "node:http";
import { cpus, loadavg } from "node:os";
import { signIn } from "./browse";
import { BENCH_ADMIN_PASSWORD, type BenchContext, basicAuth, fmt, type HttpTarget, percentile, send } from "./run";

const BIG = Number(process.env.WHARF_BENCH_STORAGE_ARTIFACTS ?? 10_000);
const SMALL = 10;
const PER_REPOSITORY = 100;
const REQUESTS = Number(process.env.WHARF_BENCH_STORAGE_REQUESTS ?? 60);
const WARMUP = 5;
const GOAL = 1.5;

async function seed(db: BenchContext["db"], name: string, artifacts: number): Promise<number> {
  const project = await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, updated_at, storage_limit) VALUES ($1, false, now(), 1099511627776) RETURNING id`, [name]);
  const projectId = project.rows[0]!.id;
  const repositories = Math.max(1, Math.ceil(artifacts / PER_REPOSITORY));
  await db.query(
    `INSERT INTO repositories (project_id, name, artifact_count, updated_at)
     SELECT $1, $2 || '/app-' || lpad(g::text, 4, '0'), 0, now() FROM generate_series(1, $3) g`,
    [projectId, name, repositories],
  );
  // One statement for the artifacts, one for their blob references (the trigger counts usage once).
  await db.query(
    `INSERT INTO artifacts (repository_id, digest, media_type, artifact_type, manifest_size, total_size, pushed_at)
     SELECT r.id, 'sha256:' || encode(sha256(($2 || ':' || g)::bytea), 'hex'), 'application/vnd.oci.image.manifest.v1+json',
            'application/vnd.oci.image.config.v1+json', 900, 3 * 4000000 + 1500 + (g % 977) * 1000, now() - (g || ' seconds')::interval
     FROM generate_series(1, $3) g
     JOIN repositories r ON r.project_id = $1 AND r.name = $2 || '/app-' || lpad((1 + (g - 1) / ${PER_REPOSITORY})::text, 4, '0')`,
    [projectId, name, artifacts],
  );
  await db.query(
    `INSERT INTO artifact_blobs (artifact_id, project_id, repository_id, digest, size)
     SELECT a.id, $1, a.repository_id, b.digest, b.size
     FROM artifacts a JOIN repositories r ON r.id = a.repository_id AND r.project_id = $1
     CROSS JOIN LATERAL (VALUES
       (a.digest, 900::bigint),
       ('sha256:' || encode(sha256(('config:' || a.digest)::bytea), 'hex'), 1500::bigint),
       ('sha256:' || encode(sha256(('top:' || a.digest)::bytea), 'hex'), (a.id % 977) * 1000::bigint),
       ('sha256:' || encode(sha256(('base:' || (a.id % 20))::bytea), 'hex'), 4000000::bigint),
       ('sha256:' || encode(sha256(('base:' || ((a.id + 7) % 20))::bytea), 'hex'), 4000000::bigint),
       ('sha256:' || encode(sha256(('base:' || ((a.id + 13) % 20))::bytea), 'hex'), 4000000::bigint)
     ) AS b(digest, size)`,
    [projectId],
  );
  await db.query(`UPDATE repositories r SET artifact_count = (SELECT count(*) FROM artifacts a WHERE a.repository_id = r.id) WHERE r.project_id = $1`, [projectId]);
  await db.query(`ANALYZE artifacts; ANALYZE artifact_blobs; ANALYZE project_blobs; ANALYZE repositories`);
  return projectId;
}

export async function run({ wharfUrl, db }: BenchContext): Promise<void> {
  console.log(`\nStorage: seeding a project with ${BIG} artifacts and one with ${SMALL}…`);
  const t0 = performance.now();
  const big = await seed(db, "storage-big", BIG);
  const small = await seed(db, "storage-small", SMALL);
  console.log(`  seeded in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  const used = await db.query<{ name: string; storage_used: string }>(`SELECT name, storage_used FROM projects WHERE id = ANY($1) ORDER BY id`, [[big, small]]);
  for (const r of used.rows) console.log(`  ${r.name}: usage ${r.storage_used} bytes`);

  const cookie = await signIn(wharfUrl);
  const basic = basicAuth("admin", BENCH_ADMIN_PASSWORD);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const targets = (id: number, name: string): (HttpTarget & { label: string })[] => [
    { label: "Storage page (where the space goes)", url: `${wharfUrl}/projects/${id}/storage`, headers: { cookie } },
    { label: "REST project summary (quota.used)", url: `${wharfUrl}/api/v2.0/projects/${name}/summary`, headers: { authorization: basic } },
    { label: "REST /quotas/{id}", url: `${wharfUrl}/api/v2.0/quotas/${id}`, headers: { authorization: basic } },
  ];
  const bigTargets = targets(big, "storage-big");
  const smallTargets = targets(small, "storage-small");
  const load0 = loadavg();
  console.log(`\nStorage: response time to the last body byte, ${REQUESTS} requests each (interleaved big/small) after ${WARMUP} warm-up:`);
  for (const [i, b] of bigTargets.entries()) {
    const s = smallTargets[i]!;
    for (let w = 0; w < WARMUP; w++) {
      await send(agent, b);
      await send(agent, s);
    }
    const bigMs: number[] = [];
    const smallMs: number[] = [];
    for (let n = 0; n < REQUESTS; n++) {
      for (const [target, into] of [[b, bigMs], [s, smallMs]] as const) {
        const start = performance.now();
        const reply = await send(agent, target);
        if (reply.status !== 200) throw new Error(`${target.url}: HTTP ${reply.status}`);
        into.push(performance.now() - start);
      }
    }
    bigMs.sort((x, y) => x - y);
    smallMs.sort((x, y) => x - y);
    const ratio = percentile(bigMs, 0.5) / percentile(smallMs, 0.5);
    console.log(
      `  ${b.label}: ${BIG} artifacts p50 ${fmt(percentile(bigMs, 0.5))} ms p95 ${fmt(percentile(bigMs, 0.95))} ms; ${SMALL} artifacts p50 ${fmt(percentile(smallMs, 0.5))} ms p95 ${fmt(percentile(smallMs, 0.95))} ms; ratio (p50) ${fmt(ratio, 2)}   (goal <= ${GOAL})`,
    );
  }
  console.log(`load average (1 min) before/after: ${fmt(load0[0] ?? NaN, 1)} / ${fmt(loadavg()[0] ?? NaN, 1)} on ${cpus().length} CPUs`);
  agent.destroy();
}
