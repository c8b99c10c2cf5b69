import { expect, test } from "@playwright/test";
import { hkdfSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { hashPassword } from "../lib/auth/password";
import { ADMIN, signInAs, signOut } from "./helpers";
import { baseURL } from "./playwright.config";

/**
 * Administration → Interrogation services, end to end: an administrator registers a second
 * scanner at Wharf's own built-in adapter (a bad URL is refused at its field first, with what was
 * typed kept), tests the connection before saving, tests the stored registration (healthy, with
 * the adapter's name), makes it the default, and picks it as a project's scanner on the project's
 * Configuration page; a reload shows the choice kept, and a guest of the project sees it in words
 * with nothing to change. The default goes back to the built-in registration and the new one is
 * deleted (with its confirmation) at the end, so other specs see the scanner set-up they expect.
 * An auditor reads the pages and is offered nothing that changes them. The project, the guest and
 * the auditor are seeded (their specs cover that UI).
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const suffix = randomBytes(3).toString("hex");
const PROJECT = `scanners-${suffix}`;
const GUEST = `sguest-${suffix}`;
const GUEST_PASSWORD = "E2e-scan-Passw0rd";
const AUDITOR = `sauditor-${suffix}`;
const SCANNER = `adapter-${suffix}`;
const ADAPTER_URL = `${baseURL}/scanner`;

/**
 * The built-in adapter's Bearer key, as Wharf derives it (lib/services/scan/builtin-adapter-key.ts,
 * which is server-only) from the WHARF_SECRET_KEY the launcher generated into the e2e data dir
 * (the same dir playwright.config.ts gives the server).
 */
function builtinAdapterKey(): string {
  const dataDir = process.env.WHARF_E2E_PORT ? `.wharf/e2e-${process.env.WHARF_E2E_PORT}` : ".wharf/e2e";
  const { WHARF_SECRET_KEY } = JSON.parse(readFileSync(path.resolve(dataDir, "secrets.json"), "utf8")) as { WHARF_SECRET_KEY: string };
  return Buffer.from(hkdfSync("sha256", WHARF_SECRET_KEY, "wharf", "wharf built-in scanner adapter key v1", 32)).toString("base64url");
}

let db: pg.Client;
let projectId: number;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const admin = await db.query<{ id: number }>(`SELECT id FROM users WHERE username = $1`, [ADMIN.username]);
  const guest = await db.query<{ id: number }>(`INSERT INTO users (username, email, full_name, password_hash, updated_at) VALUES ($1, $2, $3, $4, now()) RETURNING id`, [
    GUEST,
    `${GUEST}@example.test`,
    `E2E ${GUEST}`,
    await hashPassword(GUEST_PASSWORD),
  ]);
  const project = await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, owner_id, updated_at) VALUES ($1, false, $2, now()) RETURNING id`, [PROJECT, admin.rows[0]!.id]);
  projectId = project.rows[0]!.id;
  await db.query(`INSERT INTO users (username, email, full_name, password_hash, is_auditor, updated_at) VALUES ($1, $2, $3, $4, true, now())`, [
    AUDITOR,
    `${AUDITOR}@example.test`,
    `E2E ${AUDITOR}`,
    await hashPassword(GUEST_PASSWORD),
  ]);
  await db.query(`INSERT INTO project_members (project_id, user_id, role_id, updated_at) VALUES ($1, $2, 1, now()), ($1, $3, 3, now())`, [projectId, admin.rows[0]!.id, guest.rows[0]!.id]);
});

test.afterAll(async () => {
  await db?.end();
});

test("an administrator registers a scanner, tests it, makes it the default and a project's scanner; a guest reads the choice", async ({ page }) => {
  test.setTimeout(120_000);
  const key = builtinAdapterKey();
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Interrogation services" }).click();
  await expect(page.getByRole("heading", { name: "Interrogation services" })).toBeVisible();
  // The built-in registration, made on the first start: marked, and the default.
  const builtin = page.getByTestId("scanner-Wharf");
  await expect(builtin).toContainText("Built-in");
  await expect(builtin).toContainText("Default");

  await page.getByRole("link", { name: "New scanner" }).click();
  const form = page.getByTestId("scanner-form");
  await form.getByLabel("Name", { exact: true }).fill(SCANNER);
  await form.getByLabel("Endpoint URL", { exact: true }).fill("not a url");
  await form.getByLabel("Authorization", { exact: true }).selectOption("Bearer");
  await form.getByLabel("Credential", { exact: true }).fill(key);
  await form.getByRole("button", { name: "Create scanner" }).click();

  // A bad URL: refused at its field, nothing saved, everything typed still there.
  await expect(form.getByTestId("error-url")).toBeVisible();
  await expect(form.getByLabel("Endpoint URL", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByLabel("Endpoint URL", { exact: true })).toHaveValue("not a url");
  await expect(form.getByLabel("Name", { exact: true })).toHaveValue(SCANNER);
  await expect(form.getByLabel("Authorization", { exact: true })).toHaveValue("Bearer");
  await expect(form.getByLabel("Credential", { exact: true })).toHaveValue(key);
  expect((await db.query(`SELECT 1 FROM scanners WHERE name = $1`, [SCANNER])).rowCount).toBe(0);

  // Test connection of what is typed, before saving: the built-in adapter answers its metadata.
  await form.getByLabel("Endpoint URL", { exact: true }).fill(ADAPTER_URL);
  await form.getByRole("button", { name: "Test connection" }).click();
  await expect(form.getByRole("status")).toContainText(`answered at ${ADAPTER_URL}`);
  expect((await db.query(`SELECT 1 FROM scanners WHERE name = $1`, [SCANNER])).rowCount).toBe(0);
  await form.getByRole("button", { name: "Create scanner" }).click();
  await expect(page).toHaveURL(/\/admin\/scanners\?created=1$/);
  const row = page.getByTestId(`scanner-${SCANNER}`);
  await expect(row).toContainText(ADAPTER_URL);
  await expect(row.getByTestId("scanner-health")).toContainText("Not tested");
  await expect(row.getByTestId("scanner-enabled")).toContainText("Enabled");

  // Test connection of the stored registration: healthy, with the adapter's name and capabilities.
  await row.getByRole("button", { name: "Test connection" }).click();
  await expect(row.getByRole("status")).toContainText("answered at");
  await expect(row.getByTestId("scanner-health")).toContainText("Healthy");
  await expect(row.getByTestId("scanner-adapter")).toContainText("vulnerabilities");

  // The default moves to it.
  await row.getByRole("button", { name: "Set default" }).click();
  await expect(row).toContainText("Default");
  await expect(builtin).not.toContainText("Default");
  await expect(row.getByRole("button", { name: "Delete" })).toHaveCount(0);

  // The project's scanner: chosen, saved, and still chosen after a reload.
  await page.goto(`/projects/${projectId}/configuration`);
  const scannerForm = page.getByTestId("project-scanner-form");
  await expect(scannerForm.getByLabel("Scanner", { exact: true })).toHaveValue("");
  const chosen = (await db.query<{ id: number }>(`SELECT id FROM scanners WHERE name = $1`, [SCANNER])).rows[0]!.id;
  await scannerForm.getByLabel("Scanner", { exact: true }).selectOption(String(chosen));
  await scannerForm.getByRole("button", { name: "Save scanner" }).click();
  await expect(scannerForm.getByRole("status")).toHaveText(`Scans use ${SCANNER}.`);
  await page.reload();
  await expect(page.getByTestId("project-scanner-form").getByLabel("Scanner", { exact: true })).toHaveValue(String(chosen));
  expect((await db.query(`SELECT scanner_id FROM project_scanners WHERE project_id = $1`, [projectId])).rows).toEqual([{ scanner_id: chosen }]);

  // A guest reads the choice and is offered nothing to change it.
  await signOut(page);
  await signInAs(page, GUEST, GUEST_PASSWORD);
  await page.goto(`/projects/${projectId}/configuration`);
  await expect(page.getByTestId("project-scanner-summary")).toHaveText(`Scanned with ${SCANNER}.`);
  await expect(page.getByTestId("project-scanner-form")).toHaveCount(0);
  await signOut(page);

  // Back as it was: the built-in registration is the default again, and the new one is deleted.
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/scanners");
  await page.getByTestId("scanner-Wharf").getByRole("button", { name: "Set default" }).click();
  await expect(page.getByTestId("scanner-Wharf")).toContainText("Default");
  await page.getByTestId(`scanner-${SCANNER}`).getByRole("button", { name: "Delete" }).click();
  const confirm = page.getByRole("dialog");
  await expect(confirm).toContainText(`Delete scanner ${SCANNER}?`);
  await confirm.getByRole("button", { name: "Delete scanner" }).click();
  await expect(page.getByTestId(`scanner-${SCANNER}`)).toHaveCount(0);
  expect((await db.query(`SELECT 1 FROM scanners WHERE name = $1`, [SCANNER])).rowCount).toBe(0);
  // The project's choice went with the registration: it scans with the default again.
  expect((await db.query(`SELECT 1 FROM project_scanners WHERE project_id = $1`, [projectId])).rowCount).toBe(0);
});

test("an auditor reads the scanners and their edit page, and is offered nothing that changes them", async ({ page }) => {
  await signInAs(page, AUDITOR, GUEST_PASSWORD);
  await page.goto("/admin/scanners");
  await expect(page.getByTestId("scanner-Wharf")).toContainText("Built-in");
  const main = page.getByRole("main");
  for (const name of ["New scanner", "Test connection", "Set default", "Disable", "Enable", "Delete"]) {
    await expect(main.getByRole("button", { name, exact: true }).or(main.getByRole("link", { name, exact: true }))).toHaveCount(0);
  }
  await page.getByTestId("scanner-Wharf").getByRole("link", { name: "Wharf", exact: true }).click();
  await expect(main.getByRole("heading", { name: "Wharf", exact: true })).toBeVisible();
  await expect(page.getByTestId("scanner-form")).toHaveCount(0);
  await expect(main.getByText("Bearer token")).toBeVisible();
});
