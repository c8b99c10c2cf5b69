import { expect, test, type Page } from "@playwright/test";
import { ADMIN, signInAs, uniqueUsername } from "./helpers";

/**
 * Proxy-cache projects (issue 13) in the production build, as an administrator: the New project
 * form's upstream choice, the project's Summary and Cache tab, the registry mirror switch with the
 * daemon.json lines, and Harbor's `registry_id` in REST. Pulling through the cache is exercised with
 * real registries, skopeo and podman in lib/gateway/proxy-cache.test.ts.
 */

const adminAuth = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString("base64")}`;

async function noSidewaysScroll(page: Page, what: string) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth, `${what} is ${scrollWidth} px wide in a ${innerWidth} px window`).toBeLessThanOrEqual(innerWidth);
}

test("an administrator creates a proxy-cache project over a registry endpoint, names it the registry mirror and reads the daemon.json lines", async ({ page, request }) => {
  test.setTimeout(90_000);
  const endpoint = uniqueUsername("hub");
  const created = await request.post("/api/v2.0/registries", {
    headers: { Authorization: adminAuth },
    data: { name: endpoint, type: "docker-registry", url: "http://127.0.0.1:9" },
  });
  expect(created.status(), await created.text()).toBe(201);
  const name = uniqueUsername("cache");

  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto("/projects/new");
  await page.getByLabel("Project name").fill(name);
  await page.getByLabel("Upstream registry").selectOption({ label: `${endpoint} (http://127.0.0.1:9)` });
  await page.getByLabel("Keep unpulled cached artifacts (days)").fill("0");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByTestId("error-cacheDays")).toHaveText("Keep cached artifacts 1 to 3650 days");
  await page.getByLabel("Keep unpulled cached artifacts (days)").fill("14");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByTestId("summary-proxy")).toContainText(`${endpoint} (http://127.0.0.1:9)`);
  const projectId = Number(new URL(page.url()).pathname.split("/")[2]);

  const rest = await request.get(`/api/v2.0/projects/${projectId}`, { headers: { Authorization: adminAuth } });
  const project = (await rest.json()) as { registry_id: number; metadata: Record<string, string> };
  expect(project.registry_id).toBeGreaterThan(0);
  expect(project.metadata.proxy_cache_days).toBe("14");

  await page.getByRole("link", { name: "Cache", exact: true }).click();
  await expect(page.getByTestId("proxy-upstream")).toHaveText(`${endpoint} (http://127.0.0.1:9)`);
  await expect(page.getByText("14 days")).toBeVisible();
  await expect(page.getByTestId("proxy-fetches")).toContainText("Nothing fetched yet.");
  await expect(page.getByTestId("proxy-mirror")).toHaveText("No");

  await page.getByRole("button", { name: "Use as registry mirror" }).click();
  await expect(page.getByTestId("mirror-form").getByRole("status")).toHaveText("This project is now the registry mirror.");
  const origin = new URL(page.url()).origin;
  await expect(page.getByTestId("daemon-json")).toContainText(`"registry-mirrors": ["${origin}"]`);
  await expect(page.getByTestId("daemon-json")).toContainText(`"insecure-registries": ["${new URL(origin).host}"]`);
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await noSidewaysScroll(page, `the Cache tab at ${width} px`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole("button", { name: "Stop mirror mode" }).click();
  await expect(page.getByTestId("proxy-mirror")).toHaveText("No");
  await expect(page.getByTestId("daemon-json")).toHaveCount(0);

  // Pushes are refused at the gateway with a registry error a client shows.
  const token = ((await (await request.get(`/service/token?service=wharf-registry&scope=repository:${name}/app:pull,push`, { headers: { Authorization: adminAuth } })).json()) as { token: string }).token;
  const push = await request.post(`/v2/${name}/app/blobs/uploads/`, { headers: { Authorization: `Bearer ${token}` } });
  expect(push.status()).toBe(403);
  expect(((await push.json()) as { errors: { code: string; message: string }[] }).errors[0]!.message).toContain("proxy cache");

  // The endpoint is in use: it is not deleted.
  const registryId = project.registry_id;
  expect((await request.delete(`/api/v2.0/registries/${registryId}`, { headers: { Authorization: adminAuth } })).status()).toBe(409);
});
