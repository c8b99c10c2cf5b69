import { expect, test } from "@playwright/test";
import { ADMIN, signInAs } from "./helpers";

/**
 * The audit log viewer: filter by user through the GET form (state in the URL), expand a row to
 * its detail, a bad filter value is a field error (not a 500), and the Export CSV link downloads
 * the current filter as CSV.
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
  await form.getByRole("button", { name: "Apply filter" }).click();
  await expect(page).toHaveURL(/[?&]user=admin\b/);
  await expect(page).toHaveURL(/[?&]op=session\.sign_in\b/);

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
  expect(lines[0]).toBe("id,time,username,principal_kind,operation,resource_type,resource,project,result,reason,client_ip,user_agent,detail");
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
