import { expect, type Page, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { hashPassword } from "../lib/auth/password";
import { type OciImageResult, skopeoCopy, writeOciImageLayout } from "../lib/testing/oci-layout";
import { signInAs } from "./helpers";
import { baseURL } from "./playwright.config";

/**
 * The Policy tab: a Project Admin writes a retention rule (a bad count is refused at its field and
 * kept as typed), dry-runs it and reads every decision with its reason, runs it for real and sees
 * the removal; adds an immutability rule and has a tag delete refused; an auditor reads the tab
 * and is offered nothing that changes it. The user, auditor, project and images are seeded (their
 * specs cover that UI); the server of e2e/start-server.ts runs the jobs' workers.
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const HOST = new URL(baseURL).host;
const PASSWORD = "E2e-policy-Passw0rd";
const suffix = randomBytes(3).toString("hex");
const PROJECT = `policy-${suffix}`;
const OWNER = `powner-${suffix}`;
const AUDITOR = `paudit-${suffix}`;
const REPOSITORY = `${PROJECT}/app`;
/** Same list as e2e/auditor.spec.ts: names of controls that would change something. */
const MUTATION_CONTROL = /^(Save|Create|Delete|Remove|Add|Edit|Copy(?! pull)|Disable|Enable|Refresh|Reset|Start|Retry|Purge|Change|New|Run|Dry run|Stop|Use the system)\b/;

let db: pg.Client;
let tmp: string;
let projectId: number;
/** The pushed images by tag: each tag is its own artifact. */
const images = new Map<string, OciImageResult>();

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-e2e-policy-"));
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const hash = await hashPassword(PASSWORD);
  const owner = await db.query<{ id: number }>(
    `INSERT INTO users (username, email, full_name, password_hash, updated_at) VALUES ($1, $2, $3, $4, now()) RETURNING id`,
    [OWNER, `${OWNER}@example.test`, `E2E ${OWNER}`, hash],
  );
  await db.query(`INSERT INTO users (username, email, full_name, password_hash, is_auditor, updated_at) VALUES ($1, $2, $3, $4, true, now())`, [
    AUDITOR,
    `${AUDITOR}@example.test`,
    `E2E ${AUDITOR}`,
    hash,
  ]);
  const project = await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, owner_id, updated_at) VALUES ($1, false, $2, now()) RETURNING id`, [PROJECT, owner.rows[0]!.id]);
  projectId = project.rows[0]!.id;
  await db.query(`INSERT INTO project_members (project_id, user_id, role_id, updated_at) VALUES ($1, $2, 1, now())`, [projectId, owner.rows[0]!.id]);
  // Three different images, pushed one after the other: 3.0 is the most recently pushed.
  for (const tag of ["1.0", "2.0", "3.0"]) {
    const image = await writeOciImageLayout(path.join(tmp, `oci-${tag}`), { tag, files: { "etc/version": `${tag} ${suffix}\n` } });
    await skopeoCopy(image.ref, `docker://${HOST}/${REPOSITORY}:${tag}`, { destCreds: `${OWNER}:${PASSWORD}` });
    images.set(tag, image);
  }
});

test.afterAll(async () => {
  await db?.end();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const policyPath = () => `/projects/${projectId}/policy`;
const artifactRow = (page: Page, tag: string) => page.getByTestId(`artifact-${images.get(tag)!.manifestDigest}`);

/** Starts a run from the Policy tab and opens its execution page once every task has finished. */
async function runAndOpen(page: Page, button: "Dry run" | "Run now") {
  await page.goto(policyPath());
  await page.getByRole("button", { name: button, exact: true }).click();
  // The real run asks first, in the confirmation dialog naming what it does.
  if (button === "Run now") await page.getByRole("dialog", { name: "Run the retention policy now?" }).getByRole("button", { name: "Run and delete" }).click();
  const link = page.getByRole("link", { name: /Open execution #\d+/ });
  await expect(link).toBeVisible();
  await link.click();
  await expect(page.getByTestId("execution-summary")).toBeVisible();
  // The run is a job: reload until it has finished (the status is the job run's).
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("execution-summary")).toContainText("Succeeded", { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
}

test("a Project Admin writes a retention rule; a bad count is refused at its field and kept", async ({ page }) => {
  await signInAs(page, OWNER, PASSWORD);
  await page.goto(`/projects/${projectId}`);
  await page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Policy" }).click();
  await expect(page.getByTestId("retention-in-force")).toContainText("No retention policy is in force");

  await page.getByRole("button", { name: "Add rule", exact: true }).first().click();
  await page.getByLabel("Rule 1 template").selectOption("latestPushedK");
  await page.getByLabel("Rule 1 count").fill("-3");
  await page.getByLabel("Rule 1 tags: pattern", { exact: true }).fill("**");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByTestId("error-rules.0.count")).toContainText("At least 0");
  await expect(page.getByLabel("Rule 1 count")).toHaveValue("-3");

  await page.getByLabel("Rule 1 count").fill("1");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Retention policy saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("retention-in-force")).toContainText("This project's own retention policy is in force.");
  await expect(page.getByLabel("Rule 1 count")).toHaveValue("1");
});

test("a dry run lists what would go and why everything else stays, and deletes nothing", async ({ page }) => {
  await signInAs(page, OWNER, PASSWORD);
  await runAndOpen(page, "Dry run");
  const results = page.getByTestId("retention-results");
  await expect(page.getByTestId("execution-summary")).toContainText("Dry run: nothing deleted");
  await expect(results.getByTestId(`result-${REPOSITORY}-3.0`)).toContainText("Retained");
  await expect(results.getByTestId(`result-${REPOSITORY}-3.0`)).toContainText("kept by rule 1 (the most recently pushed 1 artifacts)");
  for (const tag of ["1.0", "2.0"]) {
    await expect(results.getByTestId(`result-${REPOSITORY}-${tag}`)).toContainText("Would be removed");
    await expect(results.getByTestId(`result-${REPOSITORY}-${tag}`)).toContainText("no rule retained it");
  }
  await expect(page.getByTestId(`task-${REPOSITORY}`)).toBeVisible();

  await page.goto(`/projects/${projectId}/repositories/app`);
  for (const tag of ["1.0", "2.0", "3.0"]) await expect(artifactRow(page, tag)).toBeVisible();
});

test("the real run, after a confirmation, removes exactly what the dry run listed", async ({ page }) => {
  await signInAs(page, OWNER, PASSWORD);
  await runAndOpen(page, "Run now");
  const results = page.getByTestId("retention-results");
  await expect(page.getByTestId("execution-summary")).toContainText("Real run");
  await expect(results.getByTestId(`result-${REPOSITORY}-3.0`)).toContainText("Retained");
  for (const tag of ["1.0", "2.0"]) await expect(results.getByTestId(`result-${REPOSITORY}-${tag}`)).toContainText("Removed");
  await expect(page.getByTestId("execution-summary")).toContainText("2 removed (2 deleted so far)");

  await page.goto(`/projects/${projectId}/repositories/app`);
  await expect(artifactRow(page, "3.0")).toBeVisible();
  await expect(artifactRow(page, "1.0")).toHaveCount(0);
  await expect(artifactRow(page, "2.0")).toHaveCount(0);

  // A registry client agrees: what stays pulls (by tag and by digest), what went does not.
  await skopeoCopy(`docker://${HOST}/${REPOSITORY}:3.0`, `oci:${path.join(tmp, "pulled")}:kept`, { srcCreds: `${OWNER}:${PASSWORD}` });
  for (const tag of ["1.0", "2.0"]) {
    await expect(skopeoCopy(`docker://${HOST}/${REPOSITORY}@${images.get(tag)!.manifestDigest}`, `oci:${path.join(tmp, "pulled")}:gone-${tag}`, { srcCreds: `${OWNER}:${PASSWORD}` })).rejects.toThrow(/manifest unknown|not found/i);
  }
});

test("an immutability rule makes a tag delete refused, naming the rule", async ({ page }) => {
  await signInAs(page, OWNER, PASSWORD);
  await page.goto(policyPath());
  const form = page.getByTestId("immutable-rule-form");
  await form.getByLabel("Tags: pattern", { exact: true }).fill("3.*");
  await form.getByRole("button", { name: "Add rule" }).click();
  await expect(page.getByText("Immutability rule added.")).toBeVisible();
  await expect(page.getByTestId("immutable-rules")).toContainText("tags matching 3.*");

  await page.goto(`/projects/${projectId}/repositories/app/-/artifacts/3.0`);
  await page.getByRole("button", { name: "Delete tag 3.0" }).click();
  const confirm = page.getByRole("dialog");
  await confirm.getByRole("button", { name: "Delete tag 3.0" }).click();
  await expect(page.getByText(/3\.0 is immutable \(immutability rule \d+/).first()).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("tag-3.0")).toBeVisible();

  // Through the registry protocol too: skopeo cannot move 3.0 onto another image; a new tag the
  // rule does not cover still pushes.
  const other = await writeOciImageLayout(path.join(tmp, "oci-other"), { tag: "other", files: { "etc/version": `other ${suffix}\n` } });
  await expect(skopeoCopy(other.ref, `docker://${HOST}/${REPOSITORY}:3.0`, { destCreds: `${OWNER}:${PASSWORD}` })).rejects.toThrow(/denied.*3\.0 is immutable/i);
  await skopeoCopy(other.ref, `docker://${HOST}/${REPOSITORY}:4.0`, { destCreds: `${OWNER}:${PASSWORD}` });
  const tagged = await db.query<{ name: string; digest: string }>(
    `SELECT t.name, a.digest FROM tags t JOIN artifacts a ON a.id = t.artifact_id JOIN repositories r ON r.id = t.repository_id WHERE r.name = $1 AND t.name IN ('3.0', '4.0') ORDER BY t.name`,
    [REPOSITORY],
  );
  expect(tagged.rows).toEqual([
    { name: "3.0", digest: images.get("3.0")!.manifestDigest },
    { name: "4.0", digest: other.manifestDigest },
  ]);
});

test("only signed images (Configuration → Pull policy): skopeo's pull is refused naming the policy until it is switched off; a bad allowlist id is refused at its field", async ({ page }) => {
  await signInAs(page, OWNER, PASSWORD);
  await page.goto(`/projects/${projectId}/configuration`);
  const form = page.getByRole("region", { name: "Pull policy" });
  await form.getByLabel("Only signed images").check();
  await form.getByLabel("Use the system allowlist").uncheck();
  const ids = form.getByLabel("Allowlisted vulnerabilities");
  await ids.fill("CVE-2024-37890\nnot an id");
  await form.getByRole("button", { name: "Save pull policy" }).click();
  await expect(page.getByTestId("error-cveIds")).toContainText("Each entry must be a vulnerability id");
  await expect(ids).toHaveValue("CVE-2024-37890\nnot an id");
  const stored = () => db.query<{ require_signature: boolean }>(`SELECT require_signature FROM projects WHERE id = $1`, [projectId]).then((r) => r.rows[0]!.require_signature);
  expect(await stored()).toBe(false);

  await ids.fill("CVE-2024-37890");
  await form.getByRole("button", { name: "Save pull policy" }).click();
  await expect(page.getByText("Pull policy saved.")).toBeVisible();
  expect(await stored()).toBe(true);
  const pulled = (tag: string) => path.join(tmp, `pulled-signed-${tag}`);
  await expect(skopeoCopy(`docker://${HOST}/${REPOSITORY}:3.0`, `oci:${pulled("refused")}:x`, { srcCreds: `${OWNER}:${PASSWORD}` })).rejects.toThrow(/not signed and cannot be pulled/i);

  await page.reload();
  await expect(form.getByLabel("Only signed images")).toBeChecked();
  await expect(ids).toHaveValue("CVE-2024-37890");
  await form.getByLabel("Only signed images").uncheck();
  await form.getByRole("button", { name: "Save pull policy" }).click();
  await expect(page.getByText("Pull policy saved.")).toBeVisible();
  await skopeoCopy(`docker://${HOST}/${REPOSITORY}:3.0`, `oci:${pulled("served")}:x`, { srcCreds: `${OWNER}:${PASSWORD}` });
});

test("the auditor reads the Policy tab and an execution, and is offered nothing that changes them", async ({ page }) => {
  await signInAs(page, AUDITOR, PASSWORD);
  await page.goto(`/projects/${projectId}`);
  await page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Policy" }).click();
  await expect(page.getByTestId("refusal")).toHaveCount(0);
  await expect(page.getByTestId("retention-in-force")).toContainText("This project's own retention policy is in force.");
  await expect(page.getByLabel("Rule 1 count")).toHaveValue("1");
  await expect(page.getByTestId("immutable-rules")).toContainText("tags matching 3.*");
  await expect(page.getByTestId("retention-executions")).toContainText("Real run");
  await expectNoMutationControl(page);

  await page.getByTestId("retention-executions").getByRole("link").first().click();
  await expect(page.getByTestId("retention-results")).toContainText("kept by rule 1");
  await expectNoMutationControl(page);
});

async function expectNoMutationControl(page: Page) {
  const controls = page.getByRole("main").locator("button, a, input[type=submit]");
  const offered = (await controls.evaluateAll((els) => els.map((el) => (el.getAttribute("aria-label") ?? el.textContent ?? "").trim()))).filter((name) =>
    MUTATION_CONTROL.test(name),
  );
  expect(offered, page.url()).toEqual([]);
}
