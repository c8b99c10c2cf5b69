/**
 * Retention at scale (issue 10's benchmark): a dry run over 100,000 tags in 1,000 repositories
 * against a dry run over 1,000 tags in 10 repositories, measured in one run; goal: the ratio of
 * the two times <= 100 (linear or better), and under 5 s absolute as an indicator.
 *
 * The artifact index is seeded straight in SQL (retention reads Postgres only: what the registry
 * holds does not matter to a dry run). Each repository holds 100 tags on 90 artifacts (every
 * tenth tag is a second tag on the previous artifact), with distinct push times and pull times on
 * half of them. Both projects get the same policy through the REST API, Harbor's way: keep the 10
 * most recently pushed `v*` tags, and whatever was pulled in the last 30 days. Each dry run is
 * started through POST /retentions/{id}/executions and timed until the execution has finished
 * (every per-repository task ran on Wharf's job worker and recorded its decisions), polling its
 * status every 25 ms. Rounds alternate small and large so that both see the same machine.
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { BENCH_ADMIN_PASSWORD, type BenchContext, basicAuth, fmt } from "./run";

const TAGS_PER_REPOSITORY = 100;
const SHARED_EVERY = 10;
const ROUNDS = Number(process.env.WHARF_BENCH_RETENTION_ROUNDS ?? 2);
const LARGE_REPOSITORIES = Number(process.env.WHARF_BENCH_RETENTION_REPOSITORIES ?? 1_000);
const SMALL_REPOSITORIES = 10;
const GOAL_RATIO = 100;
const GOAL_LARGE_SECONDS = 5;
const RUN_TIMEOUT_MS = 30 * 60 * 1000;

type Scale = { label: string; project: string; repositories: number; policyId: number };

export async function run({ wharfUrl, db }: BenchContext): Promise<void> {
  const auth = basicAuth("admin", BENCH_ADMIN_PASSWORD);
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${wharfUrl}/api/v2.0${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };

  const scales: Scale[] = [];
  for (const [label, project, repositories] of [
    ["small", "retention-small", SMALL_REPOSITORIES],
    ["large", "retention-large", LARGE_REPOSITORIES],
  ] as const) {
    const seedStart = performance.now();
    const projectId = await seedProject(db, project, repositories);
    const created = await api("POST", "/retentions", {
      algorithm: "or",
      rules: [
        {
          template: "latestPushedK",
          params: { latestPushedK: 10 },
          tag_selectors: [{ kind: "doublestar", decoration: "matches", pattern: "v*", extras: '{"untagged":false}' }],
          scope_selectors: { repository: [{ kind: "doublestar", decoration: "repoMatches", pattern: "**" }] },
        },
        {
          template: "nDaysSinceLastPull",
          params: { nDaysSinceLastPull: 30 },
          tag_selectors: [{ kind: "doublestar", decoration: "matches", pattern: "**", extras: '{"untagged":true}' }],
          scope_selectors: { repository: [{ kind: "doublestar", decoration: "repoMatches", pattern: "**" }] },
        },
      ],
      trigger: { kind: "Schedule", settings: { cron: "" } },
      scope: { level: "project", ref: projectId },
    });
    const policyId = Number(created.headers.get("location")?.split("/").pop());
    if (!Number.isInteger(policyId)) throw new Error(`no policy id in ${created.headers.get("location")}`);
    scales.push({ label, project, repositories, policyId });
    console.log(`Retention: seeded ${project}: ${repositories} repositories, ${repositories * TAGS_PER_REPOSITORY} tags in ${fmt((performance.now() - seedStart) / 1000)} s`);
  }

  const dryRun = async (scale: Scale) => {
    const start = performance.now();
    const res = await api("POST", `/retentions/${scale.policyId}/executions`, { dry_run: true });
    const executionId = Number(res.headers.get("location")?.split("/").pop());
    for (;;) {
      // An execution's status is its retention.run job run's, which ends when its last task has.
      const rows = await db.query<{ status: string }>(`SELECT j.status::text AS status FROM retention_executions e JOIN job_runs j ON j.id = e.run_id WHERE e.id = $1`, [executionId]);
      const status = rows.rows[0]?.status;
      if (status === "succeeded") break;
      if (status === "failed") throw new Error(`dry run ${executionId} of ${scale.project} failed`);
      if (performance.now() - start > RUN_TIMEOUT_MS) throw new Error(`dry run ${executionId} of ${scale.project} did not finish`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const seconds = (performance.now() - start) / 1000;
    const counts = await db.query<{ total: string; removed: string }>(
      `SELECT count(*) AS total, count(*) FILTER (WHERE decision = 'remove') AS removed FROM retention_results WHERE execution_id = $1`,
      [executionId],
    );
    return { seconds, artifacts: Number(counts.rows[0]!.total), removed: Number(counts.rows[0]!.removed) };
  };

  console.log(`\nRetention: dry runs, ${ROUNDS} rounds alternating small and large (load average ${loadavg().map((n) => n.toFixed(2)).join(" ")})`);
  const times: Record<string, number[]> = { small: [], large: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const scale of scales) {
      const result = await dryRun(scale);
      times[scale.label]!.push(result.seconds);
      console.log(
        `  round ${round} ${scale.label.padEnd(5)} ${String(scale.repositories * TAGS_PER_REPOSITORY).padStart(7)} tags in ${String(scale.repositories).padStart(5)} repositories: ${fmt(result.seconds, 2)} s (${result.artifacts} artifacts decided, ${result.removed} would go)`,
      );
    }
  }
  const best = (label: string) => Math.min(...times[label]!);
  const ratio = best("large") / best("small");
  console.log(`\nRetention dry run, best of ${ROUNDS}: large ${fmt(best("large"), 2)} s, small ${fmt(best("small"), 2)} s`);
  console.log(`  ratio large / small: ${fmt(ratio, 1)} (goal <= ${GOAL_RATIO}, 100x the tags) ${ratio <= GOAL_RATIO ? "met" : "NOT met"}`);
  console.log(`  large under ${GOAL_LARGE_SECONDS} s: ${best("large") <= GOAL_LARGE_SECONDS ? "yes" : "no"}`);
  console.log(`  load average after: ${loadavg().map((n) => n.toFixed(2)).join(" ")}`);
}

/**
 * One project of `repositories` repositories, each with TAGS_PER_REPOSITORY tags on 90% as many
 * artifacts, in a handful of INSERT … SELECT statements.
 */
async function seedProject(db: BenchContext["db"], name: string, repositories: number): Promise<number> {
  const project = await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, updated_at) VALUES ($1, false, now()) RETURNING id`, [name]);
  const projectId = project.rows[0]!.id;
  const artifactsPerRepository = TAGS_PER_REPOSITORY - TAGS_PER_REPOSITORY / SHARED_EVERY;
  await db.query(
    `INSERT INTO repositories (project_id, name, artifact_count, updated_at)
     SELECT $1, $2 || '/app-' || lpad(r::text, 5, '0'), $3, now() FROM generate_series(1, $4) AS r`,
    [projectId, name, artifactsPerRepository, repositories],
  );
  // Artifact a of a repository: pushed a hours ago; every other one pulled a hours ago.
  await db.query(
    `INSERT INTO artifacts (repository_id, digest, media_type, artifact_type, manifest_size, total_size, pushed_at, pulled_at)
     SELECT r.id, 'sha256:' || encode(sha256((r.id || ':' || a)::bytea), 'hex'),
            'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.config.v1+json', 500, 1000000,
            now() - make_interval(hours => a), CASE WHEN a % 2 = 0 THEN now() - make_interval(hours => a) END
     FROM repositories r CROSS JOIN generate_series(1, $2) AS a WHERE r.project_id = $1`,
    [projectId, artifactsPerRepository],
  );
  // Tag t points at artifact t - floor(t / SHARED_EVERY) (every tenth tag a second tag on the previous artifact).
  await db.query(
    `INSERT INTO tags (repository_id, artifact_id, name, pushed_at, pulled_at)
     SELECT r.id, a.id, 'v' || lpad(t::text, 4, '0'), a.pushed_at, a.pulled_at
     FROM repositories r
     CROSS JOIN generate_series(1, $2) AS t
     JOIN artifacts a ON a.repository_id = r.id AND a.digest = 'sha256:' || encode(sha256((r.id || ':' || (t - t / $3))::bytea), 'hex')
     WHERE r.project_id = $1`,
    [projectId, TAGS_PER_REPOSITORY, SHARED_EVERY],
  );
  await db.query(`ANALYZE repositories; ANALYZE artifacts; ANALYZE tags`);
  return projectId;
}
