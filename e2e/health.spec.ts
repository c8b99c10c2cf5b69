import { expect, test } from "@playwright/test";
import { ADMIN, signInAs } from "./helpers";

test("the health page shows core, database and registry healthy", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "System health" }).click();
  await expect(page.getByTestId("health-overall")).toContainText("healthy");
  for (const component of ["core", "database", "registry"]) {
    await expect(page.getByTestId(`health-${component}`)).toContainText("healthy");
    await expect(page.getByTestId(`health-${component}`)).not.toContainText("unhealthy");
  }
});

test("the health and ping APIs answer in Harbor's shape without signing in", async ({ request }) => {
  const health = await request.get("/api/v2.0/health");
  expect(health.status()).toBe(200);
  expect(await health.json()).toEqual({
    status: "healthy",
    components: [
      { name: "core", status: "healthy" },
      { name: "database", status: "healthy" },
      { name: "registry", status: "healthy" },
    ],
  });
  const ping = await request.get("/api/v2.0/ping");
  expect(await ping.text()).toBe("Pong");
  expect(ping.headers()["x-content-type-options"]).toBe("nosniff");
  expect(ping.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
});

test("an administrator starts an index reconcile and follows it to the end", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/health");
  const panel = page.getByTestId("reconcile-panel");
  await panel.getByTestId("reconcile-start").click();
  await expect(panel.getByText(/Reconcile run #\d+ queued\./)).toBeVisible();
  // The launcher's pg-boss worker picks it up; the panel polls until it is done.
  const run = panel.locator('[data-testid^="reconcile-run-"]').first();
  await expect(run).toContainText(`by ${ADMIN.username}`);
  await expect(run).toContainText("succeeded", { timeout: 30_000 });
});
