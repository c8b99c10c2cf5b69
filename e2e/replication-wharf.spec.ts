import { expect, test } from "@playwright/test";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { findFreePort } from "../lib/registry/local-registry";
import { recreateDatabase } from "../lib/runtime/database";
import { type OciImageResult, skopeoCopy, writeOciImageLayout } from "../lib/testing/oci-layout";
import { ADMIN } from "./helpers";
import { baseURL } from "./playwright.config";

/**
 * Issue 12: replication with a second Wharf instance as the remote, every part real. The remote is
 * the production launcher (lib/runtime/wharf.ts) started here as a child process, as
 * e2e/scale-out.spec.ts starts its instances, on its own fresh database, data directory (so its own
 * Distribution registry) and free port. Everything is done through the two REST APIs and skopeo:
 * on the remote a project and project robots (push+pull, and pull only); on the primary (the
 * e2e config's server) registry endpoints of type `wharf` with a robot's name and secret, and
 * push, pull and event-based policies. Digests are compared from the manifest bytes skopeo reads
 * through each Wharf's own /v2 gateway.
 */

const PRIMARY_DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
/** The primary's database name with `_remote`: a run against another e2e database gets another remote database. */
const REMOTE_DATABASE_URL = (() => {
  const url = new URL(PRIMARY_DATABASE_URL);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}_remote`;
  return url.toString();
})();
const PRIMARY_HOST = new URL(baseURL).host;
const REMOTE_PASSWORD = "E2e-remote-Passw0rd";
const suffix = randomBytes(3).toString("hex");
const names = {
  /** On the remote: where pushes land, and the image the pull test fetches. */
  mirror: `mirror-${suffix}`,
  /** On the primary: the pushed images' project, and where the pull lands. */
  source: `wsrc-${suffix}`,
  pulled: `wpulled-${suffix}`,
};
/** Execution end states and the wait bounds (a run of one small image takes a few seconds). */
const EXECUTION_TIMEOUT_MS = 120_000;
const EVENT_TIMEOUT_MS = 60_000;

type Remote = { port: number; url: string; host: string; child: ChildProcess | null; output: string[] };
type Robot = { name: string; secret: string };

let tmp = "";
const remote: Remote = { port: 0, url: "", host: "", child: null, output: [] };
let pusher: Robot;
let reader: Robot;
/** Registry endpoint ids on the primary: the push+pull robot's, and the pull-only robot's. */
let endpointId = 0;
let readOnlyEndpointId = 0;
/** Every policy created on the primary, deleted (before the endpoints they use) in afterAll. */
const policyIds: number[] = [];
/** Pushed to the primary (push tests) and straight to the remote (pull test). */
let appImage: OciImageResult;
let baseImage: OciImageResult;

// ---- the remote Wharf: the production launcher in a child process ----

function spawnRemote(): void {
  remote.output.length = 0;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(remote.port),
    DATABASE_URL: REMOTE_DATABASE_URL,
    WHARF_DATA_DIR: path.join(tmp, "data"),
    WHARF_EXTERNAL_URL: remote.url,
    NEXTAUTH_URL: remote.url,
    NEXTAUTH_SECRET: randomBytes(32).toString("hex"),
    WHARF_SECRET_KEY: randomBytes(32).toString("hex"),
    WHARF_ADMIN_PASSWORD: REMOTE_PASSWORD,
    WHARF_RECONCILE_CRON: "off",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  // Its own Distribution registry (the launcher starts one when none is configured), whatever
  // the environment this test runs in says.
  for (const name of ["WHARF_REGISTRY_URL", "WHARF_REGISTRY_USERNAME", "WHARF_REGISTRY_PASSWORD", "WHARF_REGISTRY_STORAGE_DIR", "WHARF_REGISTRY_LISTEN", "WHARF_LISTEN_HOST"]) {
    delete env[name];
  }
  // One process (tsx as a loader, not its CLI, which would run Wharf in a child of its own), so
  // the SIGTERM of afterAll reaches Wharf itself; it stops its registry on the way out.
  const child = spawn(process.execPath, ["--import", "tsx", "lib/runtime/wharf.ts"], { cwd: process.cwd(), env, stdio: ["ignore", "pipe", "pipe"] });
  const keep = (chunk: Buffer) => remote.output.push(chunk.toString());
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  remote.child = child;
}

async function waitRemoteReady(): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (remote.child?.exitCode !== null) throw new Error(`the remote Wharf exited:\n${remote.output.join("")}`);
    try {
      const res = await fetch(`${remote.url}/api/v2.0/health/ready`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the remote Wharf was not ready within 120 s:\n${remote.output.join("")}`);
}

async function stopRemote(): Promise<void> {
  const child = remote.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  await exited;
  remote.child = null;
}

async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.slice(1));
  url.pathname = "/postgres";
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${database.replaceAll('"', '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

// ---- REST and registry helpers ----

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

const PRIMARY_ADMIN = basic(ADMIN.username, ADMIN.password);
const REMOTE_ADMIN = basic("admin", REMOTE_PASSWORD);

async function api(base: string, auth: string, method: string, apiPath: string, body?: unknown): Promise<Response> {
  return fetch(`${base}/api/v2.0${apiPath}`, {
    method,
    headers: { authorization: auth, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** A call that must succeed with `status`; the answer's body is in the failure message. */
async function expectStatus(res: Response, status: number, what: string): Promise<Response> {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status}: ${await res.text()}`);
  return res;
}

/** The id at the end of a 201's Location. */
function createdId(res: Response): number {
  const location = res.headers.get("location") ?? "";
  const id = Number(location.split("/").pop());
  if (!Number.isInteger(id) || id < 1) throw new Error(`no id in Location ${JSON.stringify(location)}`);
  return id;
}

const primary = (method: string, apiPath: string, body?: unknown) => api(baseURL, PRIMARY_ADMIN, method, apiPath, body);
const remoteApi = (method: string, apiPath: string, body?: unknown) => api(remote.url, REMOTE_ADMIN, method, apiPath, body);

async function createProject(call: typeof primary, name: string): Promise<void> {
  await expectStatus(await call("POST", "/projects", { project_name: name, metadata: { public: "false" } }), 201, `create project ${name}`);
}

async function createRobot(name: string, actions: ("push" | "pull")[]): Promise<Robot> {
  const res = await expectStatus(
    await remoteApi("POST", "/robots", {
      name,
      description: "replication from the primary Wharf (e2e)",
      level: "project",
      duration: -1,
      permissions: [{ kind: "project", namespace: names.mirror, access: actions.map((action) => ({ resource: "repository", action })) }],
    }),
    201,
    `create robot ${name}`,
  );
  const body = (await res.json()) as { name: string; secret: string };
  expect(body.name).toBe(`robot$${names.mirror}+${name}`);
  return { name: body.name, secret: body.secret };
}

async function createEndpoint(name: string, robot: Robot): Promise<number> {
  const res = await primary("POST", "/registries", {
    name,
    type: "wharf",
    url: remote.url,
    description: "the second Wharf (e2e)",
    insecure: false,
    credential: { type: "basic", access_key: robot.name, access_secret: robot.secret },
  });
  return createdId(await expectStatus(res, 201, `create endpoint ${name}`));
}

type Execution = { id: number; policy_id: number; status: string; trigger: string; total: number; failed: number; succeed: number; triggered_by: string };
type Task = { id: number; status: string; operation: string; src_resource: string; dst_resource: string; digest: string; tags: string[] };

async function createPolicy(body: Record<string, unknown>): Promise<number> {
  const res = await primary("POST", "/replication/policies", { override: true, enabled: true, replicate_deletion: false, ...body });
  const id = createdId(await expectStatus(res, 201, `create policy ${String(body.name)}`));
  policyIds.push(id);
  return id;
}

async function startExecution(policyId: number): Promise<number> {
  return createdId(await expectStatus(await primary("POST", "/replication/executions", { policy_id: policyId }), 201, `start policy ${policyId}`));
}

/** Every task of an execution with its log, for failure messages and the refusal's assertion. */
async function taskReport(executionId: number): Promise<{ tasks: Task[]; logs: string[]; text: string }> {
  const res = await expectStatus(await primary("GET", `/replication/executions/${executionId}/tasks?page_size=100`), 200, `tasks of execution ${executionId}`);
  const tasks = (await res.json()) as Task[];
  const logs: string[] = [];
  for (const task of tasks) {
    logs.push(await (await expectStatus(await primary("GET", `/replication/executions/${executionId}/tasks/${task.id}/log`), 200, `log of task ${task.id}`)).text());
  }
  const text = tasks.map((t, i) => `task ${t.id} ${t.operation} ${t.src_resource} -> ${t.dst_resource}: ${t.status}\n${logs[i]}`).join("\n");
  return { tasks, logs, text: text || "(no tasks)" };
}

/** Polls the execution until it has ended (bounded), and answers it. */
async function executionEnded(executionId: number, timeoutMs = EXECUTION_TIMEOUT_MS): Promise<Execution> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const execution = (await (await expectStatus(await primary("GET", `/replication/executions/${executionId}`), 200, `execution ${executionId}`)).json()) as Execution;
    if (execution.status !== "InProgress") return execution;
    if (Date.now() > deadline) {
      throw new Error(`execution ${executionId} still InProgress after ${timeoutMs / 1000} s: ${JSON.stringify(execution)}\n${(await taskReport(executionId)).text}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function expectSucceeded(executionId: number): Promise<Execution> {
  const execution = await executionEnded(executionId);
  if (execution.status !== "Succeed") {
    throw new Error(`execution ${executionId} ended ${execution.status}: ${JSON.stringify(execution)}\n${(await taskReport(executionId)).text}`);
  }
  return execution;
}

/**
 * The digest of `repoTag` as a Wharf's /v2 gateway serves it: `skopeo inspect --raw` gives the
 * manifest bytes as stored, so their sha256 is the digest. Rejects when skopeo fails.
 */
async function digestAt(host: string, repoTag: string, creds: string): Promise<string> {
  const authFile = path.join(tmp, `auth-${randomBytes(4).toString("hex")}.json`);
  await writeFile(authFile, JSON.stringify({ auths: {} }), { mode: 0o600 });
  const args = ["inspect", "--raw", "--retry-times", "0", "--tls-verify=false", "--authfile", authFile, "--creds", creds, `docker://${host}/${repoTag}`];
  try {
    const raw = await new Promise<Buffer>((resolve, reject) =>
      execFile("skopeo", args, { encoding: "buffer", maxBuffer: 8 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) =>
        // Never the arguments in the message: they hold credentials.
        error ? reject(new Error(`skopeo inspect ${host}/${repoTag} failed: ${stderr.toString().trim()}`)) : resolve(stdout),
      ),
    );
    return `sha256:${createHash("sha256").update(raw).digest("hex")}`;
  } finally {
    await rm(authFile, { force: true });
  }
}

const robotCreds = (robot: Robot) => `${robot.name}:${robot.secret}`;
const PRIMARY_CREDS = `${ADMIN.username}:${ADMIN.password}`;

/** The remote's index (its REST API) for one repository of the mirror project: digest → tags; 404 → null. */
async function remoteArtifacts(repository: string): Promise<Map<string, string[]> | null> {
  const res = await remoteApi("GET", `/projects/${names.mirror}/repositories/${encodeURIComponent(repository)}/artifacts?with_tag=true`);
  if (res.status === 404) return null;
  await expectStatus(res, 200, `remote artifacts of ${names.mirror}/${repository}`);
  const rows = (await res.json()) as { digest: string; tags: { name: string }[] | null }[];
  return new Map(rows.map((a) => [a.digest, (a.tags ?? []).map((t) => t.name).sort()]));
}

// ---- setup ----

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-e2e-replication-wharf-"));
  await recreateDatabase(REMOTE_DATABASE_URL);
  remote.port = await findFreePort();
  remote.url = `http://127.0.0.1:${remote.port}`;
  remote.host = `127.0.0.1:${remote.port}`;
  spawnRemote();

  // The images, built while the remote starts.
  appImage = await writeOciImageLayout(path.join(tmp, "oci-app"), { tag: "1.0", files: { "etc/app": `pushed to the remote Wharf ${suffix}\n` } });
  baseImage = await writeOciImageLayout(path.join(tmp, "oci-base"), { tag: "2.0", files: { "etc/base": `pulled from the remote Wharf ${suffix}\n` } });
  await createProject(primary, names.source);
  await createProject(primary, names.pulled);
  await skopeoCopy(appImage.ref, `docker://${PRIMARY_HOST}/${names.source}/app:1.0`, { destCreds: PRIMARY_CREDS });

  await waitRemoteReady();
  await createProject(remoteApi, names.mirror);
  pusher = await createRobot("replicator", ["push", "pull"]);
  reader = await createRobot("reader", ["pull"]);
  // The pull test's image, pushed straight to the remote.
  await skopeoCopy(baseImage.ref, `docker://${remote.host}/${names.mirror}/base:2.0`, { destCreds: `admin:${REMOTE_PASSWORD}` });
});

test.afterAll(async () => {
  test.setTimeout(60_000);
  // Errors here are reported after everything was tried, so a failed stop still drops the database.
  const problems: unknown[] = [];
  // The primary outlives this file: its policies (the event-based one would still run on pushes to
  // its repository) and endpoints (pointing at a stopped Wharf) go first.
  for (const id of policyIds) await primary("DELETE", `/replication/policies/${id}`).then((res) => expectStatus(res, 200, `delete policy ${id}`)).catch((e: unknown) => problems.push(e));
  for (const id of [endpointId, readOnlyEndpointId].filter((id) => id > 0)) {
    await primary("DELETE", `/registries/${id}`).then((res) => expectStatus(res, 200, `delete endpoint ${id}`)).catch((e: unknown) => problems.push(e));
  }
  await stopRemote().catch((e: unknown) => problems.push(e));
  await dropDatabase(REMOTE_DATABASE_URL).catch((e: unknown) => problems.push(e));
  if (tmp) await rm(tmp, { recursive: true, force: true }).catch((e: unknown) => problems.push(e));
  if (problems.length) throw problems[0];
});

// ---- tests ----

test("an endpoint of type wharf with a remote project robot's name and secret answers Test connection", async () => {
  endpointId = await createEndpoint(`wharf-${suffix}`, pusher);
  readOnlyEndpointId = await createEndpoint(`wharf-ro-${suffix}`, reader);
  for (const id of [endpointId, readOnlyEndpointId]) {
    await expectStatus(await primary("POST", "/registries/ping", { id }), 200, `ping endpoint ${id}`);
    const endpoint = (await (await primary("GET", `/registries/${id}`)).json()) as { type: string; url: string; status: string; credential: { access_key: string } };
    expect(endpoint).toMatchObject({ type: "wharf", url: remote.url, status: "healthy" });
  }
  // A wrong secret is told apart from an unreachable remote.
  const wrong = await primary("POST", "/registries/ping", { type: "wharf", url: remote.url, credential_type: "basic", access_key: pusher.name, access_secret: "not-the-secret" });
  expect(wrong.status).toBe(400);
  expect(await wrong.text()).toMatch(/username or password/i);
});

test("a push policy replicates an image into the remote Wharf's project: same digest through its /v2, listed in its index", async () => {
  test.setTimeout(EXECUTION_TIMEOUT_MS + 30_000);
  expect(endpointId, "the endpoint test ran first").toBeGreaterThan(0);
  const policyId = await createPolicy({
    name: `wharf-push-${suffix}`,
    description: "e2e push to the second Wharf",
    dest_registry: { id: endpointId },
    dest_namespace: names.mirror,
    dest_namespace_replace_count: 1,
    trigger: { type: "manual" },
    filters: [{ type: "name", value: `${names.source}/app` }],
  });
  await expect(digestAt(remote.host, `${names.mirror}/app:1.0`, robotCreds(pusher))).rejects.toThrow();

  const executionId = await startExecution(policyId);
  const execution = await expectSucceeded(executionId);
  expect(execution).toMatchObject({ total: 1, succeed: 1, failed: 0, trigger: "manual" });
  const { tasks } = await taskReport(executionId);
  expect(tasks.map((t) => ({ status: t.status, operation: t.operation, digest: t.digest, tags: t.tags }))).toEqual([
    { status: "Succeed", operation: "copy", digest: appImage.manifestDigest, tags: ["1.0"] },
  ]);

  // Through the remote Wharf's gateway, as the robot: the same manifest.
  expect(await digestAt(remote.host, `${names.mirror}/app:1.0`, robotCreds(pusher))).toBe(appImage.manifestDigest);
  // And in the remote's artifact index (written by its gateway on the manifest PUT).
  expect(await remoteArtifacts("app")).toEqual(new Map([[appImage.manifestDigest, ["1.0"]]]));
});

test("a pull policy replicates an image pushed straight to the remote into a primary project, same digest", async () => {
  test.setTimeout(EXECUTION_TIMEOUT_MS + 30_000);
  expect(endpointId, "the endpoint test ran first").toBeGreaterThan(0);
  const policyId = await createPolicy({
    name: `wharf-pull-${suffix}`,
    description: "e2e pull from the second Wharf",
    src_registry: { id: endpointId },
    dest_namespace: names.pulled,
    dest_namespace_replace_count: 1,
    trigger: { type: "manual" },
    filters: [{ type: "name", value: `${names.mirror}/base` }],
  });
  const remoteDigest = await digestAt(remote.host, `${names.mirror}/base:2.0`, robotCreds(pusher));
  expect(remoteDigest).toBe(baseImage.manifestDigest);

  const executionId = await startExecution(policyId);
  const execution = await expectSucceeded(executionId);
  expect(execution).toMatchObject({ total: 1, succeed: 1, failed: 0 });
  expect(await digestAt(PRIMARY_HOST, `${names.pulled}/base:2.0`, PRIMARY_CREDS)).toBe(remoteDigest);
  const listed = await primary("GET", `/projects/${names.pulled}/repositories/base/artifacts`);
  expect(((await (await expectStatus(listed, 200, "primary artifacts of the pulled repository")).json()) as { digest: string }[]).map((a) => a.digest)).toEqual([remoteDigest]);
});

test("an event-based push policy copies a newly pushed tag to the remote Wharf with nobody starting an execution", async () => {
  test.setTimeout(EVENT_TIMEOUT_MS + 60_000);
  expect(endpointId, "the endpoint test ran first").toBeGreaterThan(0);
  const policyId = await createPolicy({
    name: `wharf-events-${suffix}`,
    description: "e2e on push to the second Wharf",
    dest_registry: { id: endpointId },
    dest_namespace: names.mirror,
    dest_namespace_replace_count: 1,
    trigger: { type: "event_based" },
    filters: [{ type: "name", value: `${names.source}/events` }],
  });
  const image = await writeOciImageLayout(path.join(tmp, "oci-events"), { tag: "3.0", files: { "etc/events": `replicated on push ${suffix}\n` } });
  await skopeoCopy(image.ref, `docker://${PRIMARY_HOST}/${names.source}/events:3.0`, { destCreds: PRIMARY_CREDS });

  // Polled at the remote: the launcher's artifact-events drainer (every 2 s) queues the run.
  const deadline = Date.now() + EVENT_TIMEOUT_MS;
  let seen: string | null = null;
  let lastError = "";
  while (seen === null) {
    try {
      seen = await digestAt(remote.host, `${names.mirror}/events:3.0`, robotCreds(pusher));
    } catch (error) {
      lastError = (error as Error).message;
      if (Date.now() > deadline) {
        const executions = await (await primary("GET", `/replication/executions?policy_id=${policyId}`)).text();
        throw new Error(`${names.mirror}/events:3.0 not at the remote ${EVENT_TIMEOUT_MS / 1000} s after the push (last: ${lastError}); executions of the policy: ${executions}`);
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  expect(seen).toBe(image.manifestDigest);

  // One execution, started by the push event, not by anyone's request.
  const res = await expectStatus(await primary("GET", `/replication/executions?policy_id=${policyId}`), 200, "executions of the event-based policy");
  const executions = (await res.json()) as Execution[];
  expect(executions.map((e) => ({ trigger: e.trigger, triggered_by: e.triggered_by }))).toEqual([{ trigger: "event_based", triggered_by: "event" }]);
  expect((await expectSucceeded(executions[0]!.id)).succeed).toBe(1);
  // Read the remote's index only once the execution has ended: the remote's registry holds the
  // manifest a moment before the remote Wharf answers the PUT (and writes its index), so a poll
  // that sees the digest can still race that write.
  expect(await remoteArtifacts("events")).toEqual(new Map([[image.manifestDigest, ["3.0"]]]));
});

test("a pull-only robot as the endpoint's credentials: the push execution fails with the remote's refusal, nothing arrives", async () => {
  test.setTimeout(EXECUTION_TIMEOUT_MS + 30_000);
  expect(readOnlyEndpointId, "the endpoint test ran first").toBeGreaterThan(0);
  const image = await writeOciImageLayout(path.join(tmp, "oci-blocked"), { tag: "4.0", files: { "etc/blocked": `refused by the remote ${suffix}\n` } });
  await skopeoCopy(image.ref, `docker://${PRIMARY_HOST}/${names.source}/blocked:4.0`, { destCreds: PRIMARY_CREDS });
  const policyId = await createPolicy({
    name: `wharf-readonly-${suffix}`,
    description: "e2e push with a pull-only robot",
    dest_registry: { id: readOnlyEndpointId },
    dest_namespace: names.mirror,
    dest_namespace_replace_count: 1,
    trigger: { type: "manual" },
    filters: [{ type: "name", value: `${names.source}/blocked` }],
  });

  const executionId = await startExecution(policyId);
  const execution = await executionEnded(executionId);
  const report = await taskReport(executionId);
  expect(execution.status, report.text).toBe("Failed");
  expect(execution).toMatchObject({ total: 1, failed: 1, succeed: 0 });
  expect(report.tasks.map((t) => t.status)).toEqual(["Failed"]);
  // The log itself (the repository's name says nothing of it): the remote's refusal of this robot,
  // not a connection that failed.
  const [log] = report.logs;
  expect(log).toContain(reader.name);
  expect(log).toMatch(/refused|denied|unauthori[sz]ed/i);
  expect(log).not.toMatch(/ECONNREFUSED|connection refused|timed out/i);

  // Nothing at the remote: not through its /v2 (as its administrator), not in its index.
  await expect(digestAt(remote.host, `${names.mirror}/blocked:4.0`, `admin:${REMOTE_PASSWORD}`)).rejects.toThrow(/manifest unknown|name unknown|not found/i);
  expect(await remoteArtifacts("blocked")).toBeNull();
});
