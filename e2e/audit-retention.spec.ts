import { expect, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import net from "node:net";
import pg from "pg";
import { ADMIN, signInAs } from "./helpers";

/**
 * Audit log retention and forwarding, as an administrator uses them: the policy form with its
 * field errors, a dry run, "Purge now" behind a confirmation that names the count, the run
 * followed to its end by the launcher's job worker, and syslog forwarding to a real TCP receiver.
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const tag = `aged-${randomBytes(3).toString("hex")}`;

let db: pg.Client;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  // 30 rows written 500 days ago (an INSERT is allowed; only changes are refused).
  await db.query(
    `INSERT INTO audit_events (occurred_at, principal_kind, actor_name, action, resource_type, resource_name, result)
     SELECT now() - interval '500 days' - make_interval(mins => g), 'system', 'system:e2e', 'test.aged', 'test', $1, 'success'
     FROM generate_series(1, 30) g`,
    [tag],
  );
});

test.afterAll(async () => {
  await db?.end();
});

test("an administrator sets the purge policy, dry-runs it and purges the old rows", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/audit-log");
  await page.getByTestId("audit-policy-link").click();
  await expect(page.getByRole("heading", { name: "Audit log retention" })).toBeVisible();

  const form = page.getByTestId("purge-policy-form");
  await form.getByLabel("Keep audit rows for (days)").fill("0");
  await form.getByLabel("Schedule", { exact: true }).selectOption("custom");
  await form.getByLabel("Cron expression (UTC)").fill("every night");
  await form.getByRole("button", { name: "Save policy" }).click();
  await expect(form.getByTestId("error-retentionDays")).toContainText("Keep at least 1 day");
  await expect(form.getByTestId("error-cron")).toBeVisible();

  await form.getByLabel("Keep audit rows for (days)").fill("400");
  await form.getByLabel("Cron expression (UTC)").fill("30 2 * * *");
  await form.getByLabel("Run the purge on this schedule").check();
  await form.getByRole("button", { name: "Save policy" }).click();
  await expect(form.getByText("Purge policy saved.")).toBeVisible();
  const saved = await db.query(`SELECT value FROM system_settings WHERE key = 'audit_purge_policy'`);
  expect(saved.rows[0]?.value).toEqual({ retentionDays: 400, schedule: "30 2 * * *", enabled: true });

  const panel = page.getByTestId("purge-panel");
  await panel.getByTestId("purge-dry-run").click();
  await expect(panel.getByTestId("purge-dry-run-result")).toContainText("30 rows older than");
  expect(Number((await db.query(`SELECT count(*) FROM audit_events WHERE resource_name = $1`, [tag])).rows[0]?.count)).toBe(30);

  await panel.getByTestId("purge-now").click();
  const confirm = panel.getByTestId("purge-confirm");
  await expect(confirm).toContainText("Delete 30 rows older than");
  await confirm.getByTestId("purge-confirm-yes").click();
  await expect(panel.getByText(/Purge run #\d+ queued/)).toBeVisible();
  const run = panel.locator('[data-testid^="purge-run-"]').first();
  await expect(run).toContainText(`by ${ADMIN.username}`);
  await expect(run).toContainText("succeeded", { timeout: 30_000 });
  await expect(run).toContainText("30 / 30 rows deleted");
  expect(Number((await db.query(`SELECT count(*) FROM audit_events WHERE resource_name = $1`, [tag])).rows[0]?.count)).toBe(0);
  const purged = await db.query(`SELECT detail FROM audit_events WHERE action = 'audit_log.purge' ORDER BY id DESC LIMIT 1`);
  expect(purged.rows[0]?.detail).toMatchObject({ rowsDeleted: 30, dryRun: false, trigger: "manual" });
});

test("an administrator forwards audit rows to a syslog receiver over TCP", async ({ page }) => {
  const received: string[] = [];
  const server = net.createServer((socket) => socket.on("data", (chunk) => received.push(chunk.toString("utf8"))));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    await signInAs(page, ADMIN.username, ADMIN.password);
    await page.goto("/admin/audit-log/policy");
    const panel = page.getByTestId("forwarding-panel");
    await panel.getByLabel("Host").fill("127.0.0.1");
    await panel.getByLabel("Port").fill("70000");
    await panel.getByLabel("Forward audit rows to this endpoint").check();
    await panel.getByRole("button", { name: "Save forwarding" }).click();
    await expect(panel.getByTestId("error-port")).toContainText("1–65535");

    await panel.getByLabel("Port").fill(String(port));
    await panel.getByRole("button", { name: "Save forwarding" }).click();
    await expect(panel.getByText("Forwarding saved")).toBeVisible();
    // The change's own row is the first one forwarded, by the launcher's worker.
    await expect.poll(() => received.join(""), { timeout: 20_000 }).toMatch(/<110>1 \S+ \S+ wharf \d+ audit \[audit@32473 id="\d+" action="audit_log\.forwarding\.update"/);
    await expect(panel.getByTestId("forwarding-status")).toContainText(`127.0.0.1:${port}`);
    await expect(panel.getByTestId("forwarding-lag")).toHaveText("0 rows", { timeout: 20_000 });

    await panel.getByLabel("Forward audit rows to this endpoint").uncheck();
    await panel.getByRole("button", { name: "Save forwarding" }).click();
    await expect(panel.getByText("Forwarding saved (off).")).toBeVisible();
  } finally {
    server.close();
  }
});
