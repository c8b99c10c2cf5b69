import { expect, test } from "@playwright/test";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { hashPassword } from "../lib/auth/password";
import { hashRobotSecret } from "../lib/services/robots/robot-secret";
import { skopeoCopy, writeOciImageLayout, writeOciIndexLayout, type OciImageResult, type OciIndexResult } from "../lib/testing/oci-layout";
import { baseURL } from "./playwright.config";

/**
 * docker-style clients through Wharf's /v2 gateway and token service, end to end: the production
 * build, its own Postgres database and Distribution registry, and the real skopeo. Users, projects,
 * members and robots are seeded straight into the e2e database (their own specs cover the UI).
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const HOST = new URL(baseURL).host;
const PASSWORD = "E2e-registry-Passw0rd";

let db: pg.Client;
let tmp: string;
let app: OciImageResult;
let big: OciImageResult;
let multi: OciIndexResult;

const suffix = randomBytes(3).toString("hex");
const names = {
  priv: `priv-${suffix}`,
  pub: `pub-${suffix}`,
  developer: `dev-${suffix}`,
  guest: `guest-${suffix}`,
  outsider: `out-${suffix}`,
};
const robots = {
  puller: { name: `robot$${names.priv}+puller`, secret: `${randomBytes(24).toString("base64url")}Rb7` },
  expired: { name: `robot$${names.priv}+expired`, secret: `${randomBytes(24).toString("base64url")}Rb7` },
  disabled: { name: `robot$${names.priv}+disabled`, secret: `${randomBytes(24).toString("base64url")}Rb7` },
};

// ---- seeding ----

async function insertUser(username: string, passwordHash: string): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO users (username, email, full_name, password_hash, updated_at) VALUES ($1, $2, $3, $4, now()) RETURNING id`,
    [username, `${username}@example.test`, `E2E ${username}`, passwordHash],
  );
  return rows[0]!.id;
}

async function insertProject(name: string, isPublic: boolean): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO projects (name, is_public, updated_at) VALUES ($1, $2, now()) RETURNING id`,
    [name, isPublic],
  );
  return rows[0]!.id;
}

async function insertRobot(
  projectId: number,
  projectName: string,
  robot: { name: string; secret: string },
  actions: string[],
  { disabled = false, expiresAt = null }: { disabled?: boolean; expiresAt?: Date | null } = {},
) {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO robots (name, level, project_id, secret_hash, disabled, expires_at, creator_name, updated_at)
     VALUES ($1, 'project', $2, $3, $4, $5, 'e2e', now()) RETURNING id`,
    [robot.name, projectId, hashRobotSecret(robot.secret), disabled, expiresAt],
  );
  for (const action of actions) {
    await db.query(`INSERT INTO robot_permissions (robot_id, namespace, resource, action) VALUES ($1, $2, 'repository', $3)`, [
      rows[0]!.id,
      projectName,
      action,
    ]);
  }
}

// ---- skopeo ----

function creds(user: string, secret = PASSWORD): string {
  return `${user}:${secret}`;
}

function push(src: string, repoTag: string, destCreds?: string, all = false) {
  return skopeoCopy(src, `docker://${HOST}/${repoTag}`, { destCreds, all });
}

async function pullToDir(repoTag: string, srcCreds?: string, all = false): Promise<string> {
  const dir = await mkdtemp(path.join(tmp, "pull-"));
  await skopeoCopy(`docker://${HOST}/${repoTag}`, `oci:${dir}:pulled`, { srcCreds, all });
  return dir;
}

/** `skopeo inspect --raw`: the manifest bytes exactly as served, so their sha256 is the digest. */
async function rawManifest(repoTag: string, credentials?: string): Promise<Buffer> {
  const authFile = path.join(tmp, `auth-${randomBytes(4).toString("hex")}.json`);
  await writeFile(authFile, JSON.stringify({ auths: {} }));
  const args = ["inspect", "--raw", "--retry-times", "0", "--tls-verify=false", "--authfile", authFile];
  if (credentials) args.push("--creds", credentials);
  args.push(`docker://${HOST}/${repoTag}`);
  return new Promise((resolve, reject) =>
    execFile("skopeo", args, { encoding: "buffer", maxBuffer: 8 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`skopeo inspect ${repoTag} failed: ${stderr.toString().trim()}`)) : resolve(stdout),
    ),
  );
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected skopeo to be refused, but it succeeded");
}

async function auditRows(action: string, resourceName: string) {
  const { rows } = await db.query<{ actor_name: string; principal_kind: string; result: string; detail: { digest?: string } }>(
    `SELECT actor_name, principal_kind, result, detail FROM audit_events WHERE action = $1 AND resource_name = $2 ORDER BY id`,
    [action, resourceName],
  );
  return rows;
}

/** A request with the path exactly as written (fetch and Playwright would normalize "..").*/
function rawGet(rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const url = new URL(baseURL);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: rawPath, method: "GET", headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

// ---- setup ----

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-e2e-gateway-"));
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const hash = await hashPassword(PASSWORD);
  const dev = await insertUser(names.developer, hash);
  const guest = await insertUser(names.guest, hash);
  await insertUser(names.outsider, hash);
  const priv = await insertProject(names.priv, false);
  await insertProject(names.pub, true);
  await db.query(`INSERT INTO project_members (project_id, user_id, role_id, updated_at) VALUES ($1, $2, 2, now()), ($1, $3, 3, now())`, [
    priv,
    dev,
    guest,
  ]);
  await insertRobot(priv, names.priv, robots.puller, ["pull"]);
  await insertRobot(priv, names.priv, robots.expired, ["pull"], { expiresAt: new Date(Date.now() - 60_000) });
  await insertRobot(priv, names.priv, robots.disabled, ["pull"], { disabled: true });

  app = await writeOciImageLayout(path.join(tmp, "oci-app"), { tag: "1.0", files: { "etc/app.conf": `suffix=${suffix}\n` } });
  big = await writeOciImageLayout(path.join(tmp, "oci-big"), { tag: "big", extraBytes: 3 * 1024 * 1024 });
  multi = await writeOciIndexLayout(path.join(tmp, "oci-multi"), {
    tag: "2.0",
    platforms: [
      { architecture: "amd64", os: "linux" },
      { architecture: "arm64", os: "linux", variant: "v8" },
    ],
  });
});

test.afterAll(async () => {
  await db?.end();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

// ---- tests ----

test("the /v2/ ping challenges with Wharf's realm; the token service refuses bad requests clearly", async ({ request }) => {
  const ping = await request.get("/v2/");
  expect(ping.status()).toBe(401);
  expect(ping.headers()["www-authenticate"]).toBe(`Bearer realm="${baseURL}/service/token",service="wharf-registry"`);
  expect(ping.headers()["docker-distribution-api-version"]).toBe("registry/2.0");

  const badScope = await request.get("/service/token?service=wharf-registry&scope=repository:Bad/Name:pull");
  expect(badScope.status()).toBe(400);
  expect(((await badScope.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(/not a valid repository name/);
  const badService = await request.get("/service/token?service=other");
  expect(badService.status()).toBe(400);
  const anonymousLogin = await request.get("/service/token?service=wharf-registry");
  expect(anonymousLogin.status()).toBe(401);

  const auth = `Basic ${Buffer.from(`${names.developer}:${PASSWORD}`).toString("base64")}`;
  const token = await request.get(`/service/token?service=wharf-registry&scope=repository:${names.priv}/app:pull,push,delete`, {
    headers: { Authorization: auth },
  });
  expect(token.status()).toBe(200);
  const body = (await token.json()) as { token: string; access_token: string; expires_in: number; issued_at: string };
  expect(body.access_token).toBe(body.token);
  expect(body.expires_in).toBe(300);
  const claims = JSON.parse(Buffer.from(body.token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
  expect(claims).toMatchObject({
    iss: "wharf-token-issuer",
    sub: names.developer,
    aud: "wharf-registry",
    access: [{ type: "repository", name: `${names.priv}/app`, actions: ["pull", "push"] }],
  });
  const ok = await request.get("/v2/", { headers: { Authorization: `Bearer ${body.token}` } });
  expect(ok.status()).toBe(200);
  expect(await ok.json()).toEqual({});
});

test("a developer pushes and pulls an image; the push and pull are recorded", async ({ request }) => {
  await push(app.ref, `${names.priv}/app:1.0`, creds(names.developer));
  const raw = await rawManifest(`${names.priv}/app:1.0`, creds(names.developer));
  expect(sha256(raw)).toBe(app.manifestDigest);
  const dir = await pullToDir(`${names.priv}/app:1.0`, creds(names.developer));
  const index = JSON.parse(await readFile(path.join(dir, "index.json"), "utf8")) as { manifests: { digest: string }[] };
  expect(index.manifests[0]!.digest).toBe(app.manifestDigest);

  const pushes = await auditRows("artifact.push", `${names.priv}/app:1.0`);
  expect(pushes).toHaveLength(1);
  expect(pushes[0]).toMatchObject({ actor_name: names.developer, principal_kind: "user", result: "success", detail: { digest: app.manifestDigest } });
  // A pull's row is written after the answer (queued, within a second): wait for it.
  await expect.poll(async () => (await auditRows("artifact.pull", `${names.priv}/app:1.0`)).length).toBeGreaterThanOrEqual(2); // inspect + copy, both GETs
  const pulls = await auditRows("artifact.pull", `${names.priv}/app:1.0`);
  expect(pulls.every((row) => row.actor_name === names.developer)).toBe(true);
  const { rows } = await db.query(`SELECT r.name FROM repositories r JOIN projects p ON p.id = r.project_id WHERE p.name = $1`, [names.priv]);
  expect(rows).toEqual([{ name: `${names.priv}/app` }]);

  // A multi-MiB layer streams through both ways, and a HEAD reports its size (Next.js drops
  // Content-Length unless the gateway carries it; docker needs it to skip existing layers).
  await push(big.ref, `${names.priv}/big:1`, creds(names.developer));
  const bigDir = await pullToDir(`${names.priv}/big:1`, creds(names.developer));
  const layer = big.layerDigests[0]!;
  const layerSize = (await stat(path.join(big.dir, "blobs", "sha256", layer.slice(7)))).size;
  expect(layerSize).toBeGreaterThan(3 * 1024 * 1024);
  expect(sha256(await readFile(path.join(bigDir, "blobs", "sha256", layer.slice(7))))).toBe(layer);
  const auth = `Basic ${Buffer.from(`${names.developer}:${PASSWORD}`).toString("base64")}`;
  const tokenRes = await request.get(`/service/token?service=wharf-registry&scope=repository:${names.priv}/big:pull`, { headers: { Authorization: auth } });
  const bearer = `Bearer ${((await tokenRes.json()) as { token: string }).token}`;
  for (let i = 0; i < 2; i++) {
    const head = await request.head(`/v2/${names.priv}/big/blobs/${layer}`, { headers: { Authorization: bearer } });
    expect(head.status()).toBe(200);
    expect(head.headers()["content-length"]).toBe(String(layerSize));
    expect(head.headers()["x-wharf-content-length"]).toBeUndefined();
  }
});

test("a guest pulls but cannot push", async () => {
  expect(sha256(await rawManifest(`${names.priv}/app:1.0`, creds(names.guest)))).toBe(app.manifestDigest);
  const message = await refusal(push(app.ref, `${names.priv}/app:guest`, creds(names.guest)));
  expect(message).toMatch(/denied|unauthorized|authentication required/i);
  // Nothing was pushed; each refused manifest PUT is a failure row naming the guest.
  const rows = await auditRows("artifact.push", `${names.priv}/app:guest`);
  expect(rows.length).toBeGreaterThanOrEqual(1);
  expect(rows.every((r) => r.actor_name === names.guest && r.result === "failure")).toBe(true);
});

test("a non-member cannot pull from a private project", async () => {
  const message = await refusal(rawManifest(`${names.priv}/app:1.0`, creds(names.outsider)));
  expect(message).toMatch(/denied|unauthorized|authentication required/i);
  // skopeo asks again for a token once refused, so one inspect is one or two refused GETs.
  const refused = (await auditRows("artifact.pull", `${names.priv}/app:1.0`)).filter((r) => r.actor_name === names.outsider);
  expect(refused.length).toBeGreaterThanOrEqual(1);
  expect(refused.every((r) => r.result === "failure")).toBe(true);
});

test("anonymous clients pull from a public project, not from a private one", async () => {
  await push(app.ref, `${names.pub}/app:1.0`, creds("admin", "E2e-admin-Passw0rd"));
  expect(sha256(await rawManifest(`${names.pub}/app:1.0`))).toBe(app.manifestDigest);
  await pullToDir(`${names.pub}/app:1.0`);
  const message = await refusal(rawManifest(`${names.priv}/app:1.0`));
  expect(message).toMatch(/denied|unauthorized|authentication required/i);
  await expect.poll(async () => (await auditRows("artifact.pull", `${names.pub}/app:1.0`)).some((row) => row.principal_kind === "anonymous")).toBe(true);
});

test("a pull-only robot pulls but cannot push; expired and disabled robots and a wrong password are refused", async () => {
  const { puller, expired, disabled } = robots;
  await pullToDir(`${names.priv}/app:1.0`, creds(puller.name, puller.secret));
  await expect
    .poll(async () => (await auditRows("artifact.pull", `${names.priv}/app:1.0`)).some((row) => row.actor_name === puller.name && row.principal_kind === "robot"))
    .toBe(true);
  expect(await refusal(push(app.ref, `${names.priv}/app:robot`, creds(puller.name, puller.secret)))).toMatch(
    /denied|unauthorized|authentication required/i,
  );
  for (const robot of [expired, disabled]) {
    expect(await refusal(rawManifest(`${names.priv}/app:1.0`, creds(robot.name, robot.secret)))).toMatch(
      /invalid username\/password|unauthorized/i,
    );
  }
  expect(await refusal(rawManifest(`${names.priv}/app:1.0`, creds(names.developer, "Wrong-passw0rd")))).toMatch(
    /invalid username\/password|unauthorized/i,
  );
  const { rows } = await db.query(`SELECT reason FROM audit_events WHERE action = 'registry.login' AND resource_name = ANY($1) ORDER BY id`, [
    [expired.name, disabled.name],
  ]);
  expect(rows.map((r: { reason: string }) => r.reason)).toEqual(expect.arrayContaining(["robot expired", "robot disabled"]));
});

test("a multi-arch OCI index round-trips with --all, digests unchanged", async () => {
  await push(multi.ref, `${names.priv}/multi:2.0`, creds(names.developer), true);
  const raw = await rawManifest(`${names.priv}/multi:2.0`, creds(names.developer));
  expect(sha256(raw)).toBe(multi.indexDigest);
  const index = JSON.parse(raw.toString()) as { mediaType: string; manifests: { digest: string }[] };
  expect(index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
  expect(index.manifests.map((m) => m.digest)).toEqual(multi.childDigests);
  for (const child of multi.childDigests) {
    expect(sha256(await rawManifest(`${names.priv}/multi@${child}`, creds(names.developer)))).toBe(child);
  }
  const dir = await pullToDir(`${names.priv}/multi:2.0`, creds(names.developer), true);
  const pulled = JSON.parse(await readFile(path.join(dir, "index.json"), "utf8")) as { manifests: { digest: string }[] };
  expect(pulled.manifests[0]!.digest).toBe(multi.indexDigest);
  expect(await auditRows("artifact.push", `${names.priv}/multi:2.0`)).toHaveLength(1);
});

test("a push to a project that does not exist is refused, and nothing is created", async () => {
  const missing = `missing-${suffix}`;
  const message = await refusal(push(app.ref, `${missing}/app:1.0`, creds("admin", "E2e-admin-Passw0rd")));
  expect(message).toContain(`project ${missing} does not exist`);
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM projects WHERE name = $1`, [missing]);
  expect(rows[0]).toEqual({ n: 0 });
});

test("path tricks are refused or normalized, never reach another project, and never fail with a 500", async ({ request }) => {
  const auth = `Basic ${Buffer.from(`${names.outsider}:${PASSWORD}`).toString("base64")}`;
  const token = await request.get(`/service/token?service=wharf-registry&scope=repository:${names.pub}/app:pull`, {
    headers: { Authorization: auth },
  });
  const bearer = { Authorization: `Bearer ${((await token.json()) as { token: string }).token}` };
  // A pull token for the public project, aimed at the private one through "..": Next.js resolves
  // the dots before Wharf sees the path, and the result is checked as the private repository.
  for (const raw of [
    `/v2/${names.pub}/app/../../${names.priv}/app/manifests/1.0`,
    `/v2/${names.pub}/app/%2e%2e/%2e%2e/${names.priv}/app/manifests/1.0`,
  ]) {
    const res = await rawGet(raw, bearer);
    expect([400, 401]).toContain(res.status);
    expect(res.body).not.toContain("schemaVersion");
  }
  const encoded = await rawGet(`/v2/${names.pub}%2Fapp/manifests/1.0`, bearer);
  expect(encoded.status).toBe(400);
  expect(encoded.body).toContain("NAME_INVALID");
  const badDigest = await rawGet(`/v2/${names.pub}/app/manifests/sha256:123`, bearer);
  expect([badDigest.status, badDigest.body.includes("DIGEST_INVALID")]).toEqual([400, true]);
  const still = await rawGet(`/v2/${names.pub}/app/manifests/1.0`, { ...bearer, Accept: "application/vnd.oci.image.manifest.v1+json" });
  expect(still.status).toBe(200);
});
