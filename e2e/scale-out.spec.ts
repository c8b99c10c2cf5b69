import { expect, test, type Page } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, Socket, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { hashPassword } from "../lib/auth/password";
import { findFreePort, startLocalRegistry, type LocalRegistry } from "../lib/registry/local-registry";
import { recreateDatabase } from "../lib/runtime/database";
import { skopeoCopy, writeOciImageLayout } from "../lib/testing/oci-layout";
import { ADMIN } from "./helpers";

/**
 * The scale-out the README promises, with real processes: two Wharf launchers (the production
 * build) on one Postgres database and one Distribution registry, started at the same moment on a
 * fresh database. What one instance does, the other must see: the lockout, tokens, the artifact
 * index; a cron job runs once across both; pull counts are written when an instance stops; and a
 * job whose instance was killed is taken back by the other and can be retried.
 *
 * The registry sits behind a TCP relay the test can stall, so that a reconcile run is provably
 * in flight (waiting on the registry) at the moment its instance is killed.
 */

const DATABASE_URL = process.env.WHARF_E2E_SCALE_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e_scale";
const PASSWORD = "E2e-scale-Passw0rd";
const SHARED_SECRETS = {
  NEXTAUTH_SECRET: randomBytes(32).toString("hex"),
  WHARF_SECRET_KEY: randomBytes(32).toString("hex"),
};
const suffix = randomBytes(3).toString("hex");
const names = { user: `scale-${suffix}`, guessed: `guessed-${suffix}`, project: `scale-${suffix}` };

type Instance = { name: string; port: number; url: string; child: ChildProcess | null; output: string[] };

let tmp = "";
let db: pg.Client;
let registry: LocalRegistry;
let relay: StallableRelay;
const instances: Record<"a" | "b", Instance> = {
  a: { name: "a", port: 0, url: "", child: null, output: [] },
  b: { name: "b", port: 0, url: "", child: null, output: [] },
};

// ---- a TCP relay in front of the registry that the test can stall ----

type StallableRelay = { port: number; stall(): void; resume(): void; close(): Promise<void> };

async function startRelay(targetPort: number): Promise<StallableRelay> {
  let stalled = false;
  const pairs = new Set<[Socket, Socket]>();
  const waiting: (() => void)[] = [];
  const server: Server = createServer((client) => {
    const connect = () => {
      const upstream = new Socket();
      const pair: [Socket, Socket] = [client, upstream];
      pairs.add(pair);
      const drop = () => {
        pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      upstream.connect(targetPort, "127.0.0.1", () => {
        client.pipe(upstream);
        upstream.pipe(client);
        if (stalled) {
          client.pause();
          upstream.pause();
        }
      });
    };
    if (stalled) waiting.push(connect);
    else connect();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    stall() {
      stalled = true;
      // Open (keep-alive) connections stop relaying too: neither side's bytes are read.
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    resume() {
      stalled = false;
      for (const [client, upstream] of pairs) {
        client.pipe(upstream);
        upstream.pipe(client);
      }
      for (const connect of waiting.splice(0)) connect();
    },
    async close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---- the two instances ----

function spawnInstance(instance: Instance): void {
  instance.output.length = 0;
  // One process (tsx as a loader, not its CLI, which would run Wharf in a child of its own): a
  // SIGKILL must kill Wharf itself.
  const child = spawn(process.execPath, ["--import", "tsx", "lib/runtime/wharf.ts"], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      ...SHARED_SECRETS,
      PORT: String(instance.port),
      DATABASE_URL,
      WHARF_DATA_DIR: path.join(tmp, `data-${instance.name}`),
      WHARF_EXTERNAL_URL: instance.url,
      NEXTAUTH_URL: instance.url,
      WHARF_ADMIN_PASSWORD: ADMIN.password,
      WHARF_REGISTRY_URL: `http://127.0.0.1:${relay.port}`,
      WHARF_REGISTRY_USERNAME: registry.credentials.username,
      WHARF_REGISTRY_PASSWORD: registry.credentials.password,
      WHARF_REGISTRY_STORAGE_DIR: registry.storageDir,
      WHARF_RECONCILE_CRON: "off",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => instance.output.push(chunk.toString());
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  instance.child = child;
}

async function waitReady(instance: Instance): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (instance.child?.exitCode !== null) throw new Error(`instance ${instance.name} exited:\n${instance.output.join("")}`);
    try {
      const res = await fetch(`${instance.url}/api/v2.0/health/ready`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`instance ${instance.name} was not ready within 120 s:\n${instance.output.join("")}`);
}

async function stopInstance(instance: Instance, signal: NodeJS.Signals): Promise<void> {
  const child = instance.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  await exited;
  instance.child = null;
}

// ---- helpers ----

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

async function tokenFrom(instance: Instance, username: string, password: string, scope: string): Promise<{ status: number; token?: string }> {
  const url = `${instance.url}/service/token?service=${encodeURIComponent("wharf-registry")}&scope=${encodeURIComponent(scope)}`;
  const res = await fetch(url, { headers: { authorization: basic(username, password) } });
  if (res.status !== 200) return { status: res.status };
  const body = (await res.json()) as { token: string };
  return { status: 200, token: body.token };
}

async function signInAt(page: Page, instance: Instance): Promise<void> {
  await page.goto(`${instance.url}/sign-in`);
  await page.getByLabel("Username").fill(ADMIN.username);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-user")).toHaveText(ADMIN.username);
}

async function reconcileRuns(): Promise<{ id: number; status: string; trigger: string; error: string | null; queued_at: Date }[]> {
  const { rows } = await db.query(`SELECT id, status::text AS status, trigger, error, queued_at FROM job_runs WHERE job_name = 'index.reconcile' ORDER BY id`);
  return rows;
}

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs / 1000} s; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 500));
    last = await read();
  }
  return last;
}

// ---- setup ----

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(240_000);
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-e2e-scale-"));
  await recreateDatabase(DATABASE_URL);
  registry = await startLocalRegistry({ dataDir: path.join(tmp, "registry-host"), port: 0 });
  relay = await startRelay(registry.port);
  for (const instance of Object.values(instances)) {
    instance.port = await findFreePort();
    instance.url = `http://127.0.0.1:${instance.port}`;
  }
  // Both at once on a database that does not exist yet: create, migrate and the initial admin race.
  spawnInstance(instances.a);
  spawnInstance(instances.b);
  await Promise.all([waitReady(instances.a), waitReady(instances.b)]);

  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const hash = await hashPassword(PASSWORD);
  const users = await db.query<{ id: number }>(
    `INSERT INTO users (username, email, full_name, password_hash, updated_at)
     VALUES ($1::text, $1::text || '@example.test', 'Scale', $3, now()), ($2::text, $2::text || '@example.test', 'Guessed', $3, now()) RETURNING id`,
    [names.user, names.guessed, hash],
  );
  const project = await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, updated_at) VALUES ($1, false, now()) RETURNING id`, [names.project]);
  await db.query(`INSERT INTO project_members (project_id, user_id, role_id, updated_at) VALUES ($1, $2, 2, now())`, [project.rows[0]!.id, users.rows[0]!.id]);
});

test.afterAll(async () => {
  await Promise.all(Object.values(instances).map((instance) => stopInstance(instance, "SIGTERM").catch(() => undefined)));
  await relay?.close();
  await registry?.stop();
  await db?.end();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

// ---- tests ----

test("two instances started together on a fresh database both serve, with one admin and one schedule", async () => {
  // The job worker starts after the server answers; the schedule is seeded as it starts.
  for (const instance of Object.values(instances)) {
    await until(`instance ${instance.name}'s job worker`, async () => instance.output.join(""), (out) => out.includes("jobs: worker started"), 60_000);
  }
  const admins = await db.query(`SELECT count(*)::int AS n FROM users WHERE username = 'admin'`);
  expect(admins.rows[0].n).toBe(1);
  const seeded = await db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'index.reconcile.schedule.update'`);
  expect(seeded.rows[0].n).toBe(1);
  for (const instance of Object.values(instances)) {
    const ping = await fetch(`${instance.url}/api/v2.0/ping`);
    expect(await ping.text()).toBe("Pong");
  }
});

test("a token issued by one instance is honoured by the other; a push through one is in the other's index", async () => {
  const repository = `${names.project}/app`;
  const issued = await tokenFrom(instances.a, names.user, PASSWORD, `repository:${repository}:pull,push`);
  expect(issued.status).toBe(200);
  const atB = await fetch(`${instances.b.url}/v2/${repository}/tags/list`, { headers: { authorization: `Bearer ${issued.token}` } });
  // The repository does not exist yet: the registry's NAME_UNKNOWN, not an authentication failure.
  expect(atB.status).toBe(404);
  expect(((await atB.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe("NAME_UNKNOWN");

  const image = await writeOciImageLayout(path.join(tmp, "oci-app"), { tag: "1.0", files: { "etc/scale.conf": `suffix=${suffix}\n` } });
  await skopeoCopy(image.ref, `docker://${new URL(instances.a.url).host}/${repository}:1.0`, { destCreds: `${names.user}:${PASSWORD}` });

  const listed = await fetch(`${instances.b.url}/api/v2.0/projects/${names.project}/repositories/app/artifacts`, {
    headers: { authorization: basic(names.user, PASSWORD) },
  });
  expect(listed.status).toBe(200);
  const artifacts = (await listed.json()) as { digest: string; tags: { name: string }[] }[];
  expect(artifacts.map((a) => a.digest)).toEqual([image.manifestDigest]);
  expect(artifacts[0]!.tags.map((t) => t.name)).toEqual(["1.0"]);
});

test("guesses spread over both instances lock the name on both", async () => {
  const scope = `repository:${names.project}/app:pull`;
  for (let guess = 0; guess < 5; guess++) {
    const instance = guess % 2 === 0 ? instances.a : instances.b;
    expect((await tokenFrom(instance, names.guessed, `Wrong-guess-${guess}9x`, scope)).status).toBe(401);
  }
  // The right password, at either door, is now refused.
  expect((await tokenFrom(instances.a, names.guessed, PASSWORD, scope)).status).toBe(401);
  expect((await tokenFrom(instances.b, names.guessed, PASSWORD, scope)).status).toBe(401);
  const locked = await db.query(`SELECT count(*)::int AS n FROM sign_in_throttles WHERE username = $1 AND locked_until > now()`, [names.guessed]);
  expect(locked.rows[0].n).toBeGreaterThan(0);
});

test("pull counts still pending in an instance are written when it stops", async () => {
  const repository = `${names.project}/app`;
  const dir = await mkdtemp(path.join(tmp, "pull-"));
  await skopeoCopy(`docker://${new URL(instances.b.url).host}/${repository}:1.0`, `oci:${dir}:pulled`, { srcCreds: `${names.user}:${PASSWORD}` });
  // Stopped normally within the 3-second batching window: the count must not be lost.
  await stopInstance(instances.b, "SIGTERM");
  const { rows } = await db.query(
    `SELECT r.pull_count::int AS pulls, a.pulled_at IS NOT NULL AS pulled FROM repositories r JOIN artifacts a ON a.repository_id = r.id WHERE r.name = $1`,
    [repository],
  );
  expect(rows).toEqual([{ pulls: 1, pulled: true }]);
});

test("a job whose instance is killed is failed by the other instance's sweeper, and its retry succeeds", async ({ page }) => {
  test.setTimeout(300_000);
  // Only A runs now (B was stopped above), so A's worker takes the run.
  await signInAt(page, instances.a);
  await page.goto(`${instances.a.url}/admin/health`);
  const before = (await reconcileRuns()).length;
  relay.stall();
  await page.getByTestId("reconcile-panel").getByTestId("reconcile-start").click();
  const [run] = await until(
    "a running reconcile",
    async () => (await reconcileRuns()).slice(before),
    (runs) => runs.length === 1 && runs[0]!.status === "running",
    60_000,
  );
  await stopInstance(instances.a, "SIGKILL");
  relay.resume();

  // B comes back (a restart, no migrations to apply) and its sweeper takes the run back once the
  // dead attempt's lease (60 s) lapsed and a sweep (every 30 s) found it.
  spawnInstance(instances.b);
  await waitReady(instances.b);
  const swept = await until(
    "the run failed by the sweeper",
    async () => (await reconcileRuns()).find((r) => r.id === run!.id)!,
    (r) => r.status === "failed",
    150_000,
  );
  expect(swept.error).toMatch(/stopped responding/i);
  expect(instances.b.output.join("")).not.toMatch(/applying migrations|migrate deploy/i);

  // The session signed in at A holds at B (cookies are per host, not per port; one session table).
  await page.goto(`${instances.b.url}/admin/health`);
  await expect(page.getByTestId("signed-in-user")).toHaveText(ADMIN.username);
  const panel = page.getByTestId("reconcile-panel");
  await panel.getByTestId(`reconcile-retry-${run!.id}`).click();
  await expect(panel.getByTestId(`reconcile-run-${run!.id}`)).toContainText("succeeded", { timeout: 60_000 });
});

test("a cron schedule set on one instance runs once per tick across both", async ({ page }) => {
  test.setTimeout(240_000);
  spawnInstance(instances.a);
  await waitReady(instances.a);
  await signInAt(page, instances.a);
  await page.goto(`${instances.a.url}/admin/health`);
  await expect(page.getByTestId("signed-in-user")).toHaveText(ADMIN.username);
  const form = page.getByTestId("reconcile-schedule-form");
  await form.getByLabel("Run on a schedule").check();
  await form.getByLabel("Cron expression (UTC)").fill("* * * * *");
  await form.getByRole("button", { name: "Save schedule" }).click();
  await expect(page.getByTestId("reconcile-schedule")).toContainText("* * * * *");

  // Two whole minutes with both instances up: each tick makes exactly one run.
  const start = new Date();
  await until("two scheduled runs finished", async () => (await reconcileRuns()).filter((r) => r.trigger === "schedule" && r.queued_at > start), (runs) => runs.length >= 2 && runs.every((r) => r.status === "succeeded"), 180_000);
  const scheduled = (await reconcileRuns()).filter((r) => r.trigger === "schedule" && r.queued_at > start);
  const minutes = scheduled.map((r) => Math.floor(r.queued_at.getTime() / 60_000));
  expect(new Set(minutes).size).toBe(minutes.length);

  await form.getByLabel("Run on a schedule").uncheck();
  await form.getByRole("button", { name: "Save schedule" }).click();
  await expect(page.getByTestId("reconcile-schedule")).toContainText("off");
});
