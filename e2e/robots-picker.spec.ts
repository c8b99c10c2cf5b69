import { expect, type Page, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { hashPassword } from "../lib/auth/password";
import { type OciImageResult, skopeoCopy, writeOciImageLayout } from "../lib/testing/oci-layout";
import { ADMIN, signInAs, signOut } from "./helpers";
import { baseURL } from "./playwright.config";

/**
 * The robot permission picker (issue 16 item 11): a team lead creates a CI robot through the
 * resource × action table and its presets, a refused submit keeps what was typed and ticked, the
 * list shows creator, creation time and "expires in N days", "Export to file" downloads Harbor's
 * {name, secret} JSON, and skopeo pushes and pulls with that secret. An administrator creates a
 * system robot for all projects under Administration → Robot accounts, and it pulls too.
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const HOST = new URL(baseURL).host;
const PASSWORD = "E2e-robots-Passw0rd";
const suffix = randomBytes(3).toString("hex");
const PROJECT = `robots-${suffix}`;
const LEAD = `lead-${suffix}`;
const ROBOT = `robot$${PROJECT}+ci`;
const SYSTEM_ROBOT = `robot$sys${suffix}`;

let db: pg.Client;
let tmp: string;
let image: OciImageResult;
let projectId: number;
/** The CI robot's secret, from its exported file. */
let ciSecret = "";

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-e2e-robots-"));
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const user = await db.query<{ id: number }>(
    `INSERT INTO users (username, email, full_name, password_hash, updated_at) VALUES ($1, $2, $3, $4, now()) RETURNING id`,
    [LEAD, `${LEAD}@example.test`, `E2E ${LEAD}`, await hashPassword(PASSWORD)],
  );
  const project = await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, updated_at) VALUES ($1, false, now()) RETURNING id`, [PROJECT]);
  projectId = project.rows[0]!.id;
  await db.query(`INSERT INTO project_members (project_id, user_id, role_id, updated_at) VALUES ($1, $2, 1, now())`, [projectId, user.rows[0]!.id]);
  image = await writeOciImageLayout(path.join(tmp, "app"), { tag: "1.0", files: { "etc/robot.conf": `suffix=${suffix}\n` } });
});

test.afterAll(async () => {
  await db?.end();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Clicks "Export to file" and answers the download's name and parsed JSON. */
async function exportSecret(page: Page): Promise<{ filename: string; body: { name: string; secret: string } }> {
  const downloading = page.waitForEvent("download");
  await page.getByTestId("robot-secret").getByRole("button", { name: "Export to file" }).click();
  const download = await downloading;
  const file = path.join(tmp, `download-${randomBytes(3).toString("hex")}.json`);
  await download.saveAs(file);
  return { filename: download.suggestedFilename(), body: JSON.parse(await readFile(file, "utf8")) as { name: string; secret: string } };
}

async function robotCreateRows(name: string): Promise<number> {
  const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_events WHERE action = 'robot.create' AND resource_name = $1 AND result = 'success'`, [name]);
  return Number(rows.rows[0]!.n);
}

test("a team lead creates a CI robot through the permission table, exports its secret, and skopeo pushes and pulls with it", async ({ page }) => {
  test.setTimeout(180_000);
  await signInAs(page, LEAD, PASSWORD);
  await page.goto(`/projects/${projectId}/robots`);
  const table = page.getByTestId("permission-table");
  // Only what Wharf has: no P2P preheat rows (quotas, webhooks and labels are offered now that
  // services check them); member management is never offered to robots.
  await expect(table.getByLabel("Every repository permission")).toBeVisible();
  await expect(table.getByLabel("Every label permission")).toBeVisible();
  await expect(table.getByLabel("member:create")).toHaveCount(0);
  await expect(table.getByLabel("preheat-policy:read")).toHaveCount(0);
  // A new form starts at "push and pull".
  await expect(page.getByRole("button", { name: "Push and pull" })).toHaveAttribute("aria-pressed", "true");

  // Select all ticks every box; unticking it clears them.
  const selectAll = page.getByLabel("Select all");
  await selectAll.check();
  await expect(table.getByLabel("artifact:delete")).toBeChecked();
  await selectAll.uncheck();
  await expect(table.getByLabel("repository:pull")).not.toBeChecked();

  // The CI preset: push, pull, reading and tagging; no deletes.
  await page.getByRole("button", { name: "CI", exact: true }).click();
  await expect(page.getByRole("button", { name: "CI", exact: true })).toHaveAttribute("aria-pressed", "true");
  for (const p of ["repository:pull", "repository:push", "artifact:read", "tag:create", "tag:list"]) await expect(table.getByLabel(p, { exact: true })).toBeChecked();
  for (const p of ["artifact:delete", "repository:delete", "robot:create"]) await expect(table.getByLabel(p, { exact: true })).not.toBeChecked();

  // Bad input: a clear message at its field, nothing created, and what was typed and ticked stays.
  await page.getByLabel("Name", { exact: true }).fill("ci");
  await page.getByLabel("Description").fill("pipeline");
  await page.getByLabel("Expires after (days)").fill("0");
  await page.getByRole("button", { name: "Create robot" }).click();
  await expect(page.getByTestId("error-durationDays")).toContainText("1-3650 days");
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("ci");
  await expect(page.getByLabel("Description")).toHaveValue("pipeline");
  await expect(table.getByLabel("tag:create", { exact: true })).toBeChecked();
  await expect(page.getByRole("button", { name: "CI", exact: true })).toHaveAttribute("aria-pressed", "true");
  expect(await robotCreateRows(ROBOT)).toBe(0);

  await page.getByLabel("Expires after (days)").fill("30");
  await page.getByRole("button", { name: "Create robot" }).click();
  await expect(page.getByTestId("robot-secret")).toContainText(ROBOT);
  const shown = (await page.getByTestId("robot-secret-value").textContent())!;

  // Export to file: Harbor's {name, secret}, named after the robot, the secret the one shown.
  const exported = await exportSecret(page);
  expect(exported.filename).toBe(`${ROBOT}.json`);
  expect(exported.body).toEqual({ name: ROBOT, secret: shown });
  ciSecret = exported.body.secret;
  expect(await robotCreateRows(ROBOT)).toBe(1);

  // After success the form is fresh for the next robot.
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("");
  await expect(page.getByRole("button", { name: "Push and pull" })).toHaveAttribute("aria-pressed", "true");

  // The list: creator, creation time, "expires in 30 days", and the saved permissions on re-read.
  await page.reload();
  const row = page.getByTestId(`robot-${ROBOT}`);
  await expect(row.getByTestId("robot-creator")).toHaveText(LEAD);
  await expect(row.getByTestId("robot-created")).toContainText(new Date().toISOString().slice(0, 10));
  await expect(row.getByTestId("robot-expiry")).toHaveText("Expires in 30 days");
  await row.getByTestId("robot-permissions").locator("summary").click();
  await expect(row.getByTestId("robot-permissions")).toContainText("tag:create");
  await expect(row.getByTestId("robot-permissions")).not.toContainText("artifact:delete");
  await expect(page.getByTestId("robot-secret")).toHaveCount(0);
  expect(await page.content()).not.toContain(ciSecret);

  // The exported secret works with skopeo: push, then pull back.
  const creds = `${ROBOT}:${ciSecret}`;
  await skopeoCopy(image.ref, `docker://${HOST}/${PROJECT}/ci/app:1.0`, { destCreds: creds });
  await skopeoCopy(`docker://${HOST}/${PROJECT}/ci/app:1.0`, `oci:${path.join(tmp, "pulled")}:1.0`, { srcCreds: creds });
  const index = JSON.parse(await readFile(path.join(tmp, "pulled", "index.json"), "utf8")) as { manifests: { digest: string }[] };
  expect(index.manifests[0]!.digest).toBe(image.manifestDigest);

  // Refresh (confirmed) answers a new secret that can be exported too; the old one stops working.
  await row.getByRole("button", { name: "Refresh secret" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Refresh secret" }).click();
  await expect(page.getByTestId("robot-secret")).toBeVisible();
  const refreshed = await exportSecret(page);
  expect(refreshed.body.name).toBe(ROBOT);
  expect(refreshed.body.secret).not.toBe(ciSecret);
  await expect(skopeoCopy(`docker://${HOST}/${PROJECT}/ci/app:1.0`, `oci:${path.join(tmp, "stale")}:1.0`, { srcCreds: creds })).rejects.toThrow();
  ciSecret = refreshed.body.secret;
  await signOut(page);
});

test("an administrator creates a system robot for all projects under Administration → Robot accounts; a team lead cannot open it", async ({ page }) => {
  test.setTimeout(120_000);
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Robot accounts" }).click();
  await expect(page).toHaveURL(/\/admin\/robots$/);
  await page.getByLabel("Name", { exact: true }).fill(`sys${suffix}`);
  await page.getByLabel("Project 1").selectOption("*");
  await page.getByRole("button", { name: "Pull only" }).click();
  await page.getByRole("button", { name: "Create robot" }).click();
  await expect(page.getByTestId("robot-secret")).toContainText(SYSTEM_ROBOT);
  const exported = await exportSecret(page);
  expect(exported.body.name).toBe(SYSTEM_ROBOT);
  expect(await robotCreateRows(SYSTEM_ROBOT)).toBe(1);

  await page.reload();
  const row = page.getByTestId(`robot-${SYSTEM_ROBOT}`);
  await expect(row.getByTestId("robot-creator")).toHaveText(ADMIN.username);
  await row.getByTestId("robot-permissions").locator("summary").click();
  await expect(row.getByTestId("robot-permissions")).toContainText("All projects: repository:pull");

  // It pulls from a project it was never named in, and may not push there.
  const creds = `${SYSTEM_ROBOT}:${exported.body.secret}`;
  await skopeoCopy(`docker://${HOST}/${PROJECT}/ci/app:1.0`, `oci:${path.join(tmp, "sys-pulled")}:1.0`, { srcCreds: creds });
  await expect(skopeoCopy(image.ref, `docker://${HOST}/${PROJECT}/ci/app:sys`, { destCreds: creds })).rejects.toThrow();
  await signOut(page);

  // A team lead is no administrator: no link, and the page is refused by the service.
  await signInAs(page, LEAD, PASSWORD);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Robot accounts" })).toHaveCount(0);
  await page.goto("/admin/robots");
  await expect(page.getByTestId(`robot-${SYSTEM_ROBOT}`)).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Create robot" })).toHaveCount(0);
});
