import { expect, type Page, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { hashPassword } from "../lib/auth/password";
import { ADMIN, signIn, signInAs, uniqueUsername, USER_PASSWORD } from "./helpers";

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";

/**
 * The audit log viewer: filter by user through the GET form (state in the URL), expand a row to
 * its detail, a bad filter value is a field error (not a 500), and the Export CSV link downloads
 * the current filter as CSV. Failed sign-ins are filed under the name tried, marked unverified;
 * the table fits 1280 px with long names and reasons cut (full text in the expanded row).
 */

test("an administrator filters the audit log by user, expands a row and exports the filter as CSV", async ({ page }) => {
  // Signing in writes a session.sign_in row for admin.
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/audit-log");
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  await expect(page.getByTestId("audit-policy-link")).toHaveAttribute("href", "/admin/audit-log/policy");

  const form = page.getByTestId("audit-filter");
  await form.getByLabel("User").fill(ADMIN.username);
  await form.getByLabel("Operation").fill("session.sign_in");
  // Successful ones: a failed attempt as "admin" (another spec signs in wrongly on purpose) is
  // filed under the name tried, marked unverified, and a user filter finds it too.
  await form.getByLabel("Result").selectOption("success");
  await form.getByRole("button", { name: "Apply filter" }).click();
  await expect(page).toHaveURL(/[?&]user=admin\b/);
  await expect(page).toHaveURL(/[?&]op=session\.sign_in\b/);
  await expect(page).toHaveURL(/[?&]result=success\b/);

  const table = page.getByTestId("audit-table");
  const rows = table.locator('tbody tr[data-testid^="audit-row-"]');
  await expect(rows.first()).toBeVisible();
  for (const row of await rows.all()) {
    await expect(row.locator("td").nth(2)).toHaveText(ADMIN.username);
    await expect(row.locator("td").nth(3)).toHaveText("session.sign_in");
  }

  const first = rows.first();
  const id = (await first.getAttribute("data-testid"))!.replace("audit-row-", "");
  await first.getByRole("button", { name: "Show details" }).click();
  const detail = page.getByTestId(`audit-detail-${id}`);
  await expect(detail).toBeVisible();
  await expect(detail).toContainText("Event id");
  await expect(detail).toContainText(id);
  await expect(detail).toContainText("User agent");

  const exportLink = page.getByTestId("audit-export");
  const href = (await exportLink.getAttribute("href"))!;
  expect(href).toMatch(/^\/api\/v2\.0\/audit-logs\?format=csv&q=/);
  expect(decodeURIComponent(href)).toContain("username=admin,operation=session.sign_in");
  const [download] = await Promise.all([page.waitForEvent("download"), exportLink.click()]);
  expect(download.suggestedFilename()).toMatch(/^wharf-audit-log-\d{8}-\d{6}\.csv$/);
  const stream = await download.createReadStream();
  let csv = "";
  for await (const chunk of stream) csv += String(chunk);
  const lines = csv.split("\r\n").filter(Boolean);
  expect(lines[0]).toBe("id,time,username,principal_kind,operation,resource_type,resource,project,result,reason,client_ip,user_agent,detail,actor_verified,count");
  expect(lines.length).toBeGreaterThan(1);
  for (const line of lines.slice(1)) expect(line).toMatch(/^\d+,[^,]+,admin,user,session\.sign_in,/);
  expect(lines.map((l) => l.split(",")[0])).toContain(id);

  // The export itself is in the log.
  await page.goto("/admin/audit-log?op=audit_log.export");
  await expect(page.getByTestId("audit-table").locator('tbody tr[data-testid^="audit-row-"]').first()).toContainText("audit_log.export");
});

test("a bad filter value is shown as a field error", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  const response = await page.goto("/admin/audit-log?from=yesterday&result=maybe");
  expect(response?.status()).toBe(200);
  await expect(page.getByTestId("error-from")).toBeVisible();
  await expect(page.getByTestId("error-result")).toBeVisible();
  await expect(page.getByTestId("audit-filter-invalid")).toBeVisible();
});

/** Page width against the viewport, and the audit table's width against its scroll box. */
async function widths(page: Page) {
  return page.evaluate(() => {
    const table = document.querySelector<HTMLElement>('[data-testid="audit-table"]')!;
    return { page: document.documentElement.scrollWidth, viewport: window.innerWidth, table: table.scrollWidth, box: table.parentElement!.clientWidth };
  });
}

test.describe("failed sign-ins, repeated refusals and the layout", () => {
  test.describe.configure({ mode: "serial" });
  const suffix = randomBytes(3).toString("hex");
  const AUDITOR = `auditor-log-${suffix}`;
  const PROJECT = `logs-${suffix}`;
  // Long, unbroken names: the table must cut them, never break them mid-word or widen the page.
  const GHOST = `ghost-${suffix}-${"x".repeat(60)}`;
  const LONG_REASON = `refused because ${"the tag matches an immutable rule and ".repeat(8)}nothing was changed`;
  let db: pg.Client;
  let projectId = 0;

  test.beforeAll(async () => {
    db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    // An auditor, a project and a counted refusal in it are seeded (other specs cover their UI).
    await db.query(`INSERT INTO users (username, email, full_name, password_hash, is_auditor, updated_at) VALUES ($1, $2, $3, $4, true, now())`, [
      AUDITOR,
      `${AUDITOR}@example.test`,
      `E2E ${AUDITOR}`,
      await hashPassword(USER_PASSWORD),
    ]);
    const project = await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, updated_at) VALUES ($1, false, now()) RETURNING id`, [PROJECT]);
    projectId = project.rows[0]!.id;
    await db.query(
      `INSERT INTO audit_events (principal_kind, actor_name, action, resource_type, resource_name, project_id, result, reason, client_ip, repeat_count, dedupe_key)
       VALUES ('user', $1, 'artifact.push', 'repository', $2, $3, 'failure', $4, '203.0.113.50', 12, $5)`,
      [ADMIN.username, `${PROJECT}/${"very-long-repository-name-".repeat(4)}app`, projectId, LONG_REASON, `e2e-${suffix}`],
    );
  });

  test.afterAll(async () => {
    await db?.end();
  });

  test("a failed sign-in is found by the name tried, marked unverified, never as that user's own action", async ({ page }) => {
    const ghost = uniqueUsername("ghost");
    await signIn(page, ghost, "Not-the-passw0rd");
    await expect(page.getByTestId("sign-in-error")).toHaveText("Wrong username or password.");
    // One wrong password for the real administrator (far below the lockout).
    await signIn(page, ADMIN.username, "Not-the-passw0rd");
    await expect(page.getByTestId("sign-in-error")).toHaveText("Wrong username or password.");
    await signInAs(page, AUDITOR, USER_PASSWORD);

    await page.goto("/admin/audit-log");
    const form = page.getByTestId("audit-filter");
    await form.getByLabel("User").fill(ghost);
    await form.getByRole("button", { name: "Apply filter" }).click();
    await expect(page).toHaveURL(new RegExp(`[?&]user=${ghost}\\b`));
    const rows = page.getByTestId("audit-table").locator('tbody tr[data-testid^="audit-row-"]');
    await expect(rows).toHaveCount(1);
    await expect(rows.first().locator("td").nth(2)).toHaveText(`${ghost}(unverified)`);
    await expect(rows.first()).toContainText("session.sign_in");
    await expect(rows.first()).toContainText("unknown username");
    await rows.first().getByRole("button", { name: "Show details" }).click();
    await expect(page.locator('tr[data-testid^="audit-detail-"]')).toContainText("nobody proved to be this user");

    // The administrator's failed sign-in: under "admin", marked; the successful ones are not.
    await page.goto(`/admin/audit-log?user=${ADMIN.username}&op=session.sign_in`);
    const adminRows = page.getByTestId("audit-table").locator('tbody tr[data-testid^="audit-row-"]');
    await expect(adminRows.filter({ hasText: "failure" }).first().locator("td").nth(2)).toHaveText(`${ADMIN.username}(unverified)`);
    for (const row of await adminRows.filter({ hasText: "success" }).all()) {
      await expect(row.locator("td").nth(2)).toHaveText(ADMIN.username);
      await expect(row.getByTestId("unverified-mark")).toHaveCount(0);
    }
    // The export says so too (name and flag).
    const csv = await (await page.request.get(`/api/v2.0/audit-logs?format=csv&q=${encodeURIComponent(`username=${ghost}`)}`)).text();
    const lines = csv.split("\r\n").filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(new RegExp(`^\\d+,[^,]+,${ghost} \\(unverified\\),anonymous,session\\.sign_in,.*,false,1$`));
  });

  test("at 1280 px the audit table fits without horizontal scrolling: long names and reasons are cut, full in the expanded row", async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await signIn(page, GHOST, "Not-the-passw0rd");
    await expect(page.getByTestId("sign-in-error")).toBeVisible();
    await signInAs(page, AUDITOR, USER_PASSWORD);

    await page.goto("/admin/audit-log");
    // Auditors reach the retention and forwarding settings, read-only.
    await expect(page.getByTestId("audit-policy-link")).toHaveText("Retention & forwarding (read-only)");
    const table = page.getByTestId("audit-table");
    await expect(table.locator("thead")).toContainText("Project");
    const w = await widths(page);
    expect(w.page).toBeLessThanOrEqual(w.viewport);
    expect(w.table).toBeLessThanOrEqual(w.box);

    // The seeded refusal: one line high despite its long resource and reason; its count shown.
    const counted = table.locator('tbody tr[data-testid^="audit-row-"]').filter({ hasText: PROJECT });
    await expect(counted).toHaveCount(1);
    await expect(counted.getByTestId("audit-count-badge")).toHaveText("×12");
    const oneLine = await table.locator('tbody tr[data-testid^="audit-row-"]').first().evaluate((el) => el.getBoundingClientRect().height);
    expect(await counted.evaluate((el) => el.getBoundingClientRect().height)).toBeLessThanOrEqual(oneLine + 1);
    const ghostRow = table.locator('tbody tr[data-testid^="audit-row-"]').filter({ hasText: GHOST.slice(0, 20) });
    await expect(ghostRow.getByTestId("unverified-mark")).toBeVisible();
    expect(await ghostRow.evaluate((el) => el.getBoundingClientRect().height)).toBeLessThanOrEqual(oneLine + 1);
    await counted.getByRole("button", { name: "Show details" }).click();
    await expect(page.getByTestId("audit-detail-reason")).toHaveText(LONG_REASON);
    await expect(page.locator('tr[data-testid^="audit-detail-"]')).toContainText("12 identical refusals");
    const open = await widths(page);
    expect(open.page).toBeLessThanOrEqual(open.viewport);
    expect(open.table).toBeLessThanOrEqual(open.box);

    // The project's own Logs tab: no Project column, still fits.
    await page.goto(`/projects/${projectId}/logs`);
    const projectTable = page.getByTestId("audit-table");
    await expect(projectTable.locator('tbody tr[data-testid^="audit-row-"]').filter({ hasText: "×12" })).toHaveCount(1);
    await expect(projectTable.locator("thead th")).toHaveText(["Details", "Time (UTC)", "User", "Operation", "Resource type", "Resource", "Result", "Reason", "Client IP"]);
    const p = await widths(page);
    expect(p.page).toBeLessThanOrEqual(p.viewport);
    expect(p.table).toBeLessThanOrEqual(p.box);

    // The auditor sees the Policy tab, marked read-only, and it opens.
    const tabs = page.getByRole("navigation", { name: "Project" });
    await expect(tabs.getByRole("link", { name: /Policy/ })).toContainText("read-only");
    await tabs.getByRole("link", { name: /Policy/ }).click();
    await expect(page).toHaveURL(new RegExp(`/projects/${projectId}/policy$`));
  });
});
