import { createHash, randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { ADMIN, signInAs } from "./helpers";

/**
 * Administration → Vulnerability database → Scan all, end to end: an administrator clicks Scan
 * now and watches the progress (the launcher's worker runs the scan.all job and the scans it
 * queues), sees the run finish with its counts, and sets the schedule: a bad custom cron is refused
 * at its field with what was typed kept, Daily is saved and shown, None puts it back. The project
 * and its image artifacts are seeded in the index (the scans of images whose layers are not in the
 * registry fail, which the progress counts as errors: what is checked here is the console).
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const suffix = randomBytes(3).toString("hex");
const PROJECT = `scanall-${suffix}`;

let db: pg.Client;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const admin = await db.query<{ id: number }>(`SELECT id FROM users WHERE username = $1`, [ADMIN.username]);
  const project = await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, owner_id, updated_at) VALUES ($1, false, $2, now()) RETURNING id`, [PROJECT, admin.rows[0]!.id]);
  await db.query(`INSERT INTO project_members (project_id, user_id, role_id, updated_at) VALUES ($1, $2, 1, now())`, [project.rows[0]!.id, admin.rows[0]!.id]);
  const repo = await db.query<{ id: number }>(`INSERT INTO repositories (project_id, name, updated_at) VALUES ($1, $2, now()) RETURNING id`, [project.rows[0]!.id, `${PROJECT}/app`]);
  for (let i = 0; i < 3; i++) {
    const digest = `sha256:${createHash("sha256").update(randomBytes(16)).digest("hex")}`;
    await db.query(
      `INSERT INTO artifacts (repository_id, digest, media_type, artifact_type, manifest_size, total_size, pushed_at) VALUES ($1, $2, 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.config.v1+json', 10, 10, now())`,
      [repo.rows[0]!.id, digest],
    );
  }
});

test.afterAll(async () => {
  await db?.end();
});

test("an administrator clicks Scan now and sees the scan all's progress until it has finished", async ({ page }) => {
  test.setTimeout(180_000);
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/vulnerability-db");
  const panel = page.getByTestId("scan-all");
  await expect(panel.getByRole("heading", { name: "Scan all" })).toBeVisible();

  await panel.getByTestId("scan-all-start").getByRole("button", { name: "Scan now" }).click();
  // The flash belongs to the Scan now form, which the poll may replace by Stop before it is read:
  // the started run's own line is what must show.
  const progress = panel.getByTestId("scan-all-progress");
  await expect(progress).toContainText(`started by ${ADMIN.username}`);
  await expect(progress.getByRole("progressbar", { name: "Scan all progress" })).toBeVisible();
  // The seeded images at least are queued: the counts grow as the worker goes.
  await expect
    .poll(async () => Number(/of (\d+) done/.exec((await panel.getByTestId("scan-all-counts").textContent()) ?? "")?.[1] ?? 0), { timeout: 60_000 })
    .toBeGreaterThanOrEqual(3);
  // The page polls while it goes on; it ends (the seeded images have no layers: their scans fail).
  await expect(progress).toContainText(/finished|stopped/, { timeout: 150_000 });
  // The counts follow the run's children on the next poll: every queued scan ends counted.
  await expect
    .poll(
      async () => {
        const [, done, total] = /(\d+) of (\d+) done/.exec((await panel.getByTestId("scan-all-counts").textContent()) ?? "") ?? [];
        return Number(total) > 0 && Number(done) === Number(total);
      },
      { timeout: 60_000 },
    )
    .toBe(true);
  await expect(panel.getByTestId("scan-all-start").getByRole("button", { name: "Scan now" })).toBeVisible();
});

test("the schedule: a bad custom cron is refused at its field with what was typed kept; Daily is saved; None puts it back", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/vulnerability-db");
  const form = page.getByTestId("scan-all-schedule-form");
  await form.getByLabel("Schedule", { exact: true }).selectOption("custom");
  const cron = form.getByLabel("Cron (5 fields, UTC)");
  await cron.fill("61 * * * *");
  await form.getByRole("button", { name: "Save schedule" }).click();
  await expect(form.getByTestId("error-cron")).toHaveText("Not a valid cron expression");
  await expect(cron).toHaveValue("61 * * * *");
  await expect(page.getByTestId("scan-all-schedule")).toContainText("none");

  await form.getByLabel("Schedule", { exact: true }).selectOption("daily");
  await form.getByRole("button", { name: "Save schedule" }).click();
  await expect(form.getByText('Scan all runs on "0 0 * * *" (UTC).')).toBeVisible();
  await expect(page.getByTestId("scan-all-schedule")).toContainText("0 0 * * *");

  await form.getByLabel("Schedule", { exact: true }).selectOption("none");
  await form.getByRole("button", { name: "Save schedule" }).click();
  await expect(form.getByText("Scan all runs only when started by hand.")).toBeVisible();
  await expect(page.getByTestId("scan-all-schedule")).toContainText("none");
});
