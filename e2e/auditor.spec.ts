import { expect, type Page, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { hashPassword } from "../lib/auth/password";
import { skopeoCopy, writeOciImageLayout, type OciImageResult } from "../lib/testing/oci-layout";
import { ADMIN, createUserThroughUi, signInAs, signOut, USER_PASSWORD } from "./helpers";
import { baseURL } from "./playwright.config";
import { callServerAction } from "./server-actions";

/**
 * The auditor reads everything and changes nothing: an administrator makes a user an auditor on
 * the user's page; the auditor, a member of no project, opens every console page of a private
 * project and of the administration, sees what is there and no control that would change it,
 * and server actions forged past the UI are refused (and recorded as failures).
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const HOST = new URL(baseURL).host;
const suffix = randomBytes(3).toString("hex");
const PROJECT = `audited-${suffix}`;
const REPOSITORY = `${PROJECT}/app`;
const OWNER = `owner-${suffix}`;
const AUDITOR = `auditor-${suffix}`;
const OWNER_PASSWORD = "E2e-owner-Passw0rd";
const ROBOT = `robot$${PROJECT}+ci`;

/**
 * Names of buttons and links that would change something (none may be offered to an auditor).
 * "Copy pull ..." copies a pull command to the clipboard and changes nothing.
 */
const MUTATION_CONTROL = /^(Save|Create|Delete|Remove|Add|Edit|Copy(?! (?:\w+ )?pull)|Disable|Enable|Refresh|Reset|Start|Retry|Purge|Change|New|Run|Apply policy)\b/;

let db: pg.Client;
let tmp: string;
let image: OciImageResult;
let projectId: number;
let ownerId: number;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-e2e-auditor-"));
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  // The project, its Project Admin, a robot and a pushed image are seeded (their specs cover the UI).
  const owner = await db.query<{ id: number }>(
    `INSERT INTO users (username, email, full_name, password_hash, updated_at) VALUES ($1, $2, $3, $4, now()) RETURNING id`,
    [OWNER, `${OWNER}@example.test`, `E2E ${OWNER}`, await hashPassword(OWNER_PASSWORD)],
  );
  ownerId = owner.rows[0]!.id;
  const project = await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, owner_id, updated_at) VALUES ($1, false, $2, now()) RETURNING id`, [PROJECT, ownerId]);
  projectId = project.rows[0]!.id;
  await db.query(`INSERT INTO project_members (project_id, user_id, role_id, updated_at) VALUES ($1, $2, 1, now())`, [projectId, ownerId]);
  const robot = await db.query<{ id: number }>(
    `INSERT INTO robots (name, level, project_id, secret_hash, creator_name, description, updated_at) VALUES ($1, 'project', $2, $3, $4, '', now()) RETURNING id`,
    [ROBOT, projectId, randomBytes(32).toString("hex"), OWNER],
  );
  await db.query(`INSERT INTO robot_permissions (robot_id, namespace, resource, action) VALUES ($1, $2, 'repository', 'pull')`, [robot.rows[0]!.id, PROJECT]);

  image = await writeOciImageLayout(path.join(tmp, "oci-app"), { tag: "1.0", files: { "etc/app.conf": `suffix=${suffix}\n` } });
  await skopeoCopy(image.ref, `docker://${HOST}/${REPOSITORY}:1.0`, { destCreds: `${OWNER}:${OWNER_PASSWORD}` });
});

test.afterAll(async () => {
  await db?.end();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** The page shows `content` and offers no control that changes anything. */
async function readOnly(page: Page, url: string, content: (page: Page) => Promise<void>) {
  await page.goto(url);
  await expect(page.getByTestId("refusal")).toHaveCount(0);
  await content(page);
  // Named in the failure, so a control that appears for auditors is easy to find.
  const controls = page.getByRole("main").locator("button, a, input[type=submit]");
  const offered = (await controls.evaluateAll((els) => els.map((el) => (el.getAttribute("aria-label") ?? el.textContent ?? "").trim()))).filter((name) =>
    MUTATION_CONTROL.test(name),
  );
  expect(offered, url).toEqual([]);
}

test("an administrator makes a user an auditor on the user's page", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  await createUserThroughUi(page, AUDITOR);
  await page.getByLabel("System role").selectOption("auditor");
  await page.getByRole("button", { name: "Save system role" }).click();
  await expect(page.getByText("System role saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("System role")).toHaveValue("auditor");
  await signOut(page);
});

test("the auditor sees every page of a private project they are not a member of, without controls", async ({ page }) => {
  await signInAs(page, AUDITOR, USER_PASSWORD);
  const p = `/projects/${projectId}`;

  await readOnly(page, "/projects", async () => {
    await expect(page.getByRole("link", { name: PROJECT })).toBeVisible();
  });
  await readOnly(page, p, async () => {
    await expect(page.getByRole("heading", { name: PROJECT })).toBeVisible();
    await expect(page.getByTestId("summary-repositories")).toContainText("1");
  });
  const tabs = page.getByRole("navigation", { name: "Project" });
  for (const tab of ["Repositories", "Members", "Robot accounts", "Logs", "Configuration"]) await expect(tabs.getByRole("link", { name: tab })).toBeVisible();

  await readOnly(page, `${p}/repositories`, async () => {
    await expect(page.getByTestId(`repository-${REPOSITORY}`)).toBeVisible();
  });
  await readOnly(page, `${p}/repositories/app`, async () => {
    await expect(page.getByTestId("repository-name")).toHaveText(REPOSITORY);
    await expect(page.getByTestId(`artifact-${image.manifestDigest}`)).toContainText("1.0");
  });
  await readOnly(page, `${p}/repositories/app/-/artifacts/1.0`, async () => {
    await expect(page.getByTestId("artifact-digest")).toContainText(REPOSITORY);
    await expect(page.getByTestId("tag-1.0")).toBeVisible();
    await expect(page.getByTestId("manifest-json")).toContainText(image.configDigest);
  });
  await readOnly(page, `${p}/members`, async () => {
    await expect(page.getByTestId(`member-${OWNER}`)).toBeVisible();
  });
  await readOnly(page, `${p}/robots`, async () => {
    await expect(page.getByTestId(`robot-${ROBOT}`)).toBeVisible();
    await expect(page.getByTestId("robot-secret")).toHaveCount(0);
  });
  await readOnly(page, `${p}/configuration`, async () => {
    await expect(page.getByRole("main")).toContainText(/private|public/i);
  });
  await readOnly(page, `${p}/logs`, async () => {
    await expect(page.getByRole("main")).toContainText(REPOSITORY);
  });
});

test("the auditor sees the administration pages (users, settings, health, audit log, retention) without controls", async ({ page }) => {
  await signInAs(page, AUDITOR, USER_PASSWORD);
  await readOnly(page, "/admin/users", async () => {
    await expect(page.getByRole("main")).toContainText(OWNER);
  });
  await readOnly(page, `/admin/users/${ownerId}`, async () => {
    await expect(page.getByRole("heading", { name: OWNER })).toBeVisible();
    await expect(page.getByLabel("System role")).toHaveCount(0);
  });
  await readOnly(page, "/admin/settings", async () => {
    await expect(page.getByRole("group", { name: "Who may create projects" })).toBeVisible();
    await expect(page.getByRole("radio", { name: "Administrators only" })).toBeDisabled();
  });
  await readOnly(page, "/admin/health", async () => {
    await expect(page.getByTestId("health-overall")).toBeVisible();
    await expect(page.getByTestId("reconcile-start")).toHaveCount(0);
  });
  await readOnly(page, "/admin/audit-log", async () => {
    await expect(page.getByRole("main")).toContainText(AUDITOR);
  });
  // The retention policy and forwarding settings: read, and a dry run (a count) is allowed.
  await readOnly(page, "/admin/audit-log/policy", async () => {
    await expect(page.getByRole("heading", { name: "Audit log retention" })).toBeVisible();
    await expect(page.getByTestId("purge-dry-run")).toBeVisible();
    await expect(page.getByTestId("purge-now")).toHaveCount(0);
  });
});

test("server actions forged past the UI refuse the auditor and are recorded as failures", async ({ page }) => {
  await signInAs(page, AUDITOR, USER_PASSWORD);
  const before = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE actor_name = $1 AND result = 'failure'`, [AUDITOR]);

  const forgedDelete = await callServerAction(page.request, {
    page: `/projects/${projectId}/repositories/app`,
    action: "deleteRepositoryAction",
    fields: { projectId: String(projectId), repository: REPOSITORY },
    origin: baseURL,
  });
  expect(forgedDelete.status()).toBe(200);
  expect(await forgedDelete.text()).toContain("You do not have permission to do that.");

  const forgedSettings = await callServerAction(page.request, {
    page: "/admin/settings",
    action: "updateSystemSettingsAction",
    fields: { projectCreationRestriction: "adminonly" },
    origin: baseURL,
  });
  expect(forgedSettings.status()).toBe(200);
  expect(await forgedSettings.text()).toContain("You do not have permission to do that.");

  const forgedRole = await callServerAction(page.request, {
    page: `/admin/users/${ownerId}`,
    action: "setUserSystemRoleAction",
    fields: { userId: String(ownerId), role: "admin" },
    origin: baseURL,
  });
  expect(await forgedRole.text()).toContain("You do not have permission to do that.");

  const after = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE actor_name = $1 AND result = 'failure'`, [AUDITOR]);
  expect(after.rows[0]!.n - before.rows[0]!.n).toBe(3);
  // Nothing changed: the repository is still there, the setting and the owner's role too.
  const repo = await db.query(`SELECT 1 FROM repositories WHERE name = $1`, [REPOSITORY]);
  expect(repo.rowCount).toBe(1);
  const owner = await db.query<{ is_admin: boolean }>(`SELECT is_admin FROM users WHERE id = $1`, [ownerId]);
  expect(owner.rows[0]!.is_admin).toBe(false);
  const setting = await db.query<{ value: unknown }>(`SELECT value FROM system_settings WHERE key = 'project_creation_restriction'`);
  expect(setting.rows[0]?.value ?? "everyone").not.toBe("adminonly");
});
