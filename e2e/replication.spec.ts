import { expect, type Page, test } from "@playwright/test";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { hashPassword } from "../lib/auth/password";
import { startLocalRegistry, type LocalRegistry } from "../lib/registry/local-registry";
import { type OciImageResult, skopeoCopy, writeOciImageLayout } from "../lib/testing/oci-layout";
import { ADMIN, signInAs } from "./helpers";
import { baseURL } from "./playwright.config";

/**
 * Administration → Replications, end to end: an administrator adds a second Distribution registry
 * (started here, htpasswd auth, on a free loopback port) as an endpoint, creates a push policy (a
 * bad cron is refused at its field, with what was typed kept), previews it, replicates it, sees the
 * execution succeed with its task and log, and skopeo finds the image at the destination with the
 * same digest. An auditor reads the same pages and is offered nothing that changes them. The
 * project and the auditor are seeded (their specs cover that UI); the image is pushed with skopeo.
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const HOST = new URL(baseURL).host;
const suffix = randomBytes(3).toString("hex");
const PROJECT = `repl-${suffix}`;
const REPOSITORY = `${PROJECT}/app`;
const AUDITOR = `rauditor-${suffix}`;
const AUDITOR_PASSWORD = "E2e-repl-Passw0rd";
const ENDPOINT = `remote-${suffix}`;
const POLICY = `push-${suffix}`;
const REMOTE = { username: "remote", password: randomBytes(12).toString("hex") };
/** Same list as e2e/policy.spec.ts, and the replication pages' own controls. */
const MUTATION_CONTROL = /^(Save|Create|Delete|Remove|Add|Edit|Copy(?! pull)|Disable|Enable|Refresh|Reset|Start|Retry|Purge|Change|New|Run|Dry run|Stop|Preview|Replicate|Test connection)\b/;

let db: pg.Client;
let tmp: string;
let remote: LocalRegistry;
let image: OciImageResult;
/** Where the admin's steps left the policy and its execution, for the auditor's test. */
let policyPath = "";
let executionPath = "";

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-e2e-replication-"));
  remote = await startLocalRegistry({ dataDir: path.join(tmp, "remote"), credentials: REMOTE });
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  await db.query(`INSERT INTO users (username, email, full_name, password_hash, is_auditor, updated_at) VALUES ($1, $2, $3, $4, true, now())`, [
    AUDITOR,
    `${AUDITOR}@example.test`,
    `E2E ${AUDITOR}`,
    await hashPassword(AUDITOR_PASSWORD),
  ]);
  const admin = await db.query<{ id: number }>(`SELECT id FROM users WHERE username = $1`, [ADMIN.username]);
  const project = await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, owner_id, updated_at) VALUES ($1, false, $2, now()) RETURNING id`, [PROJECT, admin.rows[0]!.id]);
  await db.query(`INSERT INTO project_members (project_id, user_id, role_id, updated_at) VALUES ($1, $2, 1, now())`, [project.rows[0]!.id, admin.rows[0]!.id]);
  image = await writeOciImageLayout(path.join(tmp, "oci"), { tag: "1.0", files: { "etc/version": `replicated ${suffix}\n` } });
  await skopeoCopy(image.ref, `docker://${HOST}/${REPOSITORY}:1.0`, { destCreds: `${ADMIN.username}:${ADMIN.password}` });
});

test.afterAll(async () => {
  await db?.end();
  await remote?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** `skopeo inspect --raw` at the remote registry: the manifest bytes as stored, so their sha256 is the digest. */
async function remoteManifest(repoTag: string): Promise<Buffer> {
  const authFile = path.join(tmp, `auth-${randomBytes(4).toString("hex")}.json`);
  await writeFile(authFile, JSON.stringify({ auths: {} }));
  const args = ["inspect", "--raw", "--retry-times", "0", "--tls-verify=false", "--authfile", authFile, "--creds", `${REMOTE.username}:${REMOTE.password}`, `docker://${new URL(remote.url).host}/${repoTag}`];
  return new Promise((resolve, reject) =>
    execFile("skopeo", args, { encoding: "buffer", maxBuffer: 8 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`skopeo inspect ${repoTag} failed: ${stderr.toString().trim()}`)) : resolve(stdout),
    ),
  );
}

async function expectNoMutationControl(page: Page) {
  const controls = page.getByRole("main").locator("button, a, input[type=submit]");
  const offered = (await controls.evaluateAll((els) => els.map((el) => (el.getAttribute("aria-label") ?? el.textContent ?? "").trim()))).filter((name) =>
    MUTATION_CONTROL.test(name),
  );
  expect(offered, page.url()).toEqual([]);
}

test("an administrator replicates an image to a second registry: endpoint, policy, preview, run, tasks, digest at the destination", async ({ page }) => {
  test.setTimeout(180_000);
  await signInAs(page, ADMIN.username, ADMIN.password);

  // The endpoint: the second Distribution, with its htpasswd user.
  await page.goto("/admin/registries/new");
  await page.getByLabel("Name", { exact: true }).fill(ENDPOINT);
  await page.getByLabel("Endpoint URL", { exact: true }).fill(remote.url);
  await page.getByLabel("Username", { exact: true }).fill(REMOTE.username);
  await page.getByLabel("Password", { exact: true }).fill(REMOTE.password);
  await page.getByRole("button", { name: "Create endpoint" }).click();
  await expect(page.getByTestId(`registry-${ENDPOINT}`)).toBeVisible();

  // The policy, from the sidebar.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Replications" }).click();
  await expect(page.getByRole("heading", { name: "Replications" })).toBeVisible();
  await page.getByRole("link", { name: "New policy" }).click();
  await page.getByLabel("Name", { exact: true }).fill(POLICY);
  await page.getByLabel("Description", { exact: true }).fill("e2e push");
  await page.getByLabel("Replication mode").selectOption("push");
  await page.getByLabel("Destination registry").selectOption({ label: `${ENDPOINT} (${remote.url})` });
  await page.getByLabel("Repositories: pattern", { exact: true }).fill(`${PROJECT}/**`);
  await page.getByLabel("Tags: pattern", { exact: true }).fill("1.*");
  await page.getByLabel("Trigger mode").selectOption("scheduled");
  await page.getByLabel("Cron expression", { exact: true }).fill("61 * * * *");
  await page.getByRole("button", { name: "Create policy" }).click();

  // A bad cron: refused at its field, nothing saved, everything typed still there.
  await expect(page.getByTestId("error-cron")).toBeVisible();
  await expect(page.getByLabel("Cron expression", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Cron expression", { exact: true })).toHaveValue("61 * * * *");
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue(POLICY);
  await expect(page.getByLabel("Repositories: pattern", { exact: true })).toHaveValue(`${PROJECT}/**`);
  expect((await db.query(`SELECT 1 FROM replication_policies WHERE name = $1`, [POLICY])).rowCount).toBe(0);

  await page.getByLabel("Trigger mode").selectOption("manual");
  await page.getByRole("button", { name: "Create policy" }).click();
  await expect(page).toHaveURL(/\/admin\/replications\/\d+\?created=1$/);
  await expect(page.getByRole("heading", { name: POLICY })).toBeVisible();
  await expect(page.getByTestId("policy-settings")).toContainText(`matching ${PROJECT}/**`);
  policyPath = new URL(page.url()).pathname;

  // The preview: the one artifact, to copy, with its reason; nothing copied yet.
  await page.getByRole("link", { name: "Preview", exact: true }).click();
  const planned = page.getByTestId(`preview-${REPOSITORY}-1.0`);
  await expect(planned).toContainText("Copy");
  await expect(planned).toContainText(REPOSITORY);
  await expect(page.getByTestId("preview-summary")).toContainText("1 artifact(s): 1 to copy");
  await expect(remoteManifest(`${REPOSITORY}:1.0`)).rejects.toThrow();

  // Replicate now: the execution's page follows the run until it has succeeded.
  await page.getByRole("button", { name: "Replicate now" }).click();
  await expect(page).toHaveURL(/\/executions\/\d+$/);
  executionPath = new URL(page.url()).pathname;
  await expect(page.getByTestId("execution-summary").getByText("Succeeded")).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId("execution-counts")).toContainText("1 task(s): 1 succeeded, 0 failed");
  const task = page.getByTestId(`task-${REPOSITORY}-1.0`);
  await expect(task).toContainText("copy");
  await expect(task).toContainText("Succeeded");
  const bytes = await db.query<{ bytes: string }>(
    `SELECT t.bytes::text AS bytes FROM replication_tasks t JOIN replication_executions e ON e.id = t.execution_id JOIN replication_policies p ON p.id = e.policy_id WHERE p.name = $1`,
    [POLICY],
  );
  expect(bytes.rows.map((r) => Number(r.bytes) > 0)).toEqual([true]);
  await task.getByRole("link", { name: /Log of task/ }).click();
  await expect(page.getByTestId("task-log")).not.toBeEmpty();

  // At the destination, with the same digest.
  expect(`sha256:${createHash("sha256").update(await remoteManifest(`${REPOSITORY}:1.0`)).digest("hex")}`).toBe(image.manifestDigest);

  // The list shows the last run.
  await page.goto("/admin/replications");
  const row = page.getByTestId(`policy-${POLICY}`);
  await expect(row).toContainText("Push");
  await expect(row).toContainText(ENDPOINT);
  await expect(row).toContainText("Manual");
  await expect(row).toContainText("Enabled");
  await expect(page.getByTestId(`last-run-${POLICY}`)).toContainText("Succeeded");
});

test("an auditor reads the policies, the policy, its execution and a task's log, and is offered no change", async ({ page }) => {
  expect(policyPath, "the administrator's test ran first").not.toBe("");
  await signInAs(page, AUDITOR, AUDITOR_PASSWORD);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Replications" }).click();
  await expect(page.getByTestId(`policy-${POLICY}`)).toBeVisible();
  await expectNoMutationControl(page);

  await page.getByRole("link", { name: POLICY }).click();
  await expect(page.getByTestId("policy-settings")).toContainText(ENDPOINT);
  await expect(page.getByTestId("replication-executions")).toContainText("Succeeded");
  await expectNoMutationControl(page);

  await page.goto(executionPath);
  await expect(page.getByTestId(`task-${REPOSITORY}-1.0`)).toContainText("Succeeded");
  await expectNoMutationControl(page);

  // Pages that change things are refused, whatever the URL.
  await page.goto(`${policyPath}/edit`);
  await expect(page.getByTestId("replication-policy-form")).toHaveCount(0);
  await page.goto("/admin/replications/new");
  await expect(page.getByTestId("replication-policy-form")).toHaveCount(0);
});
