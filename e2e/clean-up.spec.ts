import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { hashPassword } from "../lib/auth/password";
import { ADMIN, signInAs, signOut } from "./helpers";

/**
 * Administration → Clean up, end to end with the launcher's own Distribution and job worker: an
 * administrator starts a dry run and sees its result (status, what it found) and its log; an
 * auditor sees the same history and log but no control that would start, schedule or stop one.
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const AUDITOR = `gc-auditor-${randomBytes(3).toString("hex")}`;
const AUDITOR_PASSWORD = "E2e-auditor-Passw0rd";

let db: pg.Client;
let dryRunId = 0;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  await db.query(`INSERT INTO users (username, email, full_name, password_hash, is_auditor, updated_at) VALUES ($1, $2, $3, $4, true, now())`, [
    AUDITOR,
    `${AUDITOR}@example.test`,
    `E2E ${AUDITOR}`,
    await hashPassword(AUDITOR_PASSWORD),
  ]);
});

test.afterAll(async () => {
  await db?.end();
});

test("an administrator starts a dry run and sees what it found, and its log", async ({ page }) => {
  test.setTimeout(120_000);
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.getByRole("link", { name: "Clean up" }).click();
  await expect(page.getByRole("heading", { name: "Clean up", level: 1 })).toBeVisible();
  await expect(page.getByTestId("gc-unavailable")).toHaveCount(0);
  await expect(page.getByTestId("gc-dry-run")).toBeChecked();
  await page.getByRole("button", { name: "Start dry run" }).click();
  await expect(page.getByText(/^Dry run #\d+ started\.$/)).toBeVisible();
  dryRunId = Number(/#(\d+)/.exec((await page.getByText(/^Dry run #\d+ started\.$/).textContent()) ?? "")?.[1]);
  const row = page.getByTestId(`gc-row-${dryRunId}`);
  await expect(row).toContainText("Dry run");
  // The page polls while it runs; the launcher's worker runs garbage-collect --dry-run.
  await expect(row).toContainText("Succeeded", { timeout: 90_000 });
  await expect(page.getByTestId(`gc-found-${dryRunId}`)).toContainText(/\d+ blobs?, [\d.]+ (B|KiB|MiB|GiB)/);
  await page.getByTestId(`gc-log-toggle-${dryRunId}`).click();
  await expect(page.getByTestId(`gc-log-${dryRunId}`)).toContainText("dry run (nothing is deleted)");
  await expect(page.getByTestId(`gc-log-${dryRunId}`)).toContainText("blobs referenced");
  const audit = await db.query(`SELECT actor_name FROM audit_events WHERE action = 'gc.start' AND resource_id = $1 AND result = 'success'`, [String(dryRunId)]);
  expect(audit.rows).toEqual([{ actor_name: ADMIN.username }]);
  await signOut(page);
});

test("an auditor sees the history and the log, and no button that would run, schedule or stop", async ({ page }) => {
  await signInAs(page, AUDITOR, AUDITOR_PASSWORD);
  await page.goto("/admin/clean-up");
  await expect(page.getByRole("heading", { name: "Clean up", level: 1 })).toBeVisible();
  const row = page.getByTestId(`gc-row-${dryRunId}`);
  await expect(row).toContainText("Succeeded");
  await expect(row).toContainText(`by ${ADMIN.username}`);
  await expect(page.getByTestId("gc-schedule")).toBeVisible();
  await expect(page.getByTestId("gc-run-form")).toHaveCount(0);
  await expect(page.getByTestId("gc-schedule-form")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^(Start|Run|Save|Stop)\b/ })).toHaveCount(0);
  await page.getByTestId(`gc-log-toggle-${dryRunId}`).click();
  await expect(page.getByTestId(`gc-log-${dryRunId}`)).toContainText("blobs referenced");
});
