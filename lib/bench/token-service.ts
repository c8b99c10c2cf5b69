/**
 * Token service throughput: requests per second and p99 latency at 50 concurrent keep-alive
 * connections, for a robot (secret: one SHA-256) and for a user (password: argon2id once, then
 * the verified-credential cache), each asking for pull,push on one repository. Loopback only;
 * the load generator, Wharf and Postgres share this machine's cores.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import { hashPassword } from "../auth/password";
import { hashRobotSecret } from "../services/robots/robot-secret";
import { basicAuth, type BenchContext, fmt, runLoad, startBareTokenService, type LoadResult } from "./run";

const CONCURRENCY = 50;
const DURATION_MS = 10_000;
const MAX_REQUESTS = 200_000;
const WARMUP_REQUESTS = 500;

export async function run({ wharfUrl, db }: BenchContext): Promise<void> {
  const password = "Bench-user-Passw0rd";
  const robotSecret = `${randomBytes(24).toString("base64url")}Rb7`;
  const { rows: [project] } = await db.query<{ id: number }>(
    `INSERT INTO projects (name, is_public, updated_at) VALUES ('bench', false, now()) RETURNING id`,
  );
  const { rows: [user] } = await db.query<{ id: number }>(
    `INSERT INTO users (username, email, full_name, password_hash, updated_at) VALUES ('bench-user', 'bench@example.test', 'Bench', $1, now()) RETURNING id`,
    [await hashPassword(password)],
  );
  await db.query(`INSERT INTO project_members (project_id, user_id, role_id, updated_at) VALUES ($1, $2, 2, now())`, [project!.id, user!.id]);
  const { rows: [robot] } = await db.query<{ id: number }>(
    `INSERT INTO robots (name, level, project_id, secret_hash, creator_name, updated_at) VALUES ('robot$bench+ci', 'project', $1, $2, 'bench', now()) RETURNING id`,
    [project!.id, hashRobotSecret(robotSecret)],
  );
  await db.query(
    `INSERT INTO robot_permissions (robot_id, namespace, resource, action) VALUES ($1, 'bench', 'repository', 'pull'), ($1, 'bench', 'repository', 'push')`,
    [robot!.id],
  );

  const url = `${wharfUrl}/service/token?service=wharf-registry&scope=${encodeURIComponent("repository:bench/app:pull,push")}`;
  const bare = await startBareTokenService(wharfUrl);
  const bareUrl = `${bare.url}/service/token?service=wharf-registry&scope=${encodeURIComponent("repository:bench/app:pull,push")}`;
  const scenarios = [
    { label: "robot (robot$bench+ci, secret)", url, authorization: basicAuth("robot$bench+ci", robotSecret) },
    { label: "user (bench-user, password)", url, authorization: basicAuth("bench-user", password) },
    // For comparison: the same service code alone on a bare node:http server (no console, no
    // gateway, no Request/Response adaptation): what Wharf's front costs on top.
    { label: "robot, bare service (comparison)", url: bareUrl, authorization: basicAuth("robot$bench+ci", robotSecret) },
  ];

  console.log(`\nToken service: GET /service/token, ${CONCURRENCY} connections, ${DURATION_MS / 1000} s per scenario, ${os.cpus().length} CPUs\n`);
  const results: [string, LoadResult][] = [];
  for (const scenario of scenarios) {
    const target = { url: scenario.url, headers: { authorization: scenario.authorization } };
    // Warm-up: JIT, connection pools, the signing key, the user's argon2 check (then cached).
    await runLoad({ target, concurrency: 10, durationMs: 30_000, maxRequests: WARMUP_REQUESTS });
    results.push([scenario.label, await runLoad({ target, concurrency: CONCURRENCY, durationMs: DURATION_MS, maxRequests: MAX_REQUESTS })]);
  }
  console.log("scenario                          requests   req/s     p50 ms   p99 ms   max ms   errors/unexpected");
  for (const [label, r] of results) {
    const odd = Object.entries(r.unexpected).map(([s, n]) => `${n}x${s}`).join(" ");
    console.log(
      `${label.padEnd(34)}${String(r.requests).padStart(8)}${fmt(r.perSecond, 0).padStart(8)}${fmt(r.p50Ms, 2).padStart(10)}${fmt(r.p99Ms, 2).padStart(9)}${fmt(r.maxMs, 1).padStart(9)}   ${r.errors}${odd ? ` ${odd}` : ""}`,
    );
  }
  await bare.stop();
  const robotRate = results[0]?.[1].perSecond ?? 0;
  console.log(`\nGoal: >= 2000 req/s for robots. Measured through Wharf: ${fmt(robotRate, 0)} req/s.`);
}
