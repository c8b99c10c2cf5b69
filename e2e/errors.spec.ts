import { expect, type Page, test } from "@playwright/test";
import { ADMIN, signInAs, uniqueUsername } from "./helpers";

async function createProject(page: Page, name: string): Promise<string> {
  await page.goto("/projects/new");
  await page.getByLabel("Project name").fill(name);
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  return new URL(page.url()).pathname;
}

test("a missing project, repository, artifact or route answers 404 with the console's not-found page", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  const projectPath = await createProject(page, uniqueUsername("errs"));
  for (const path of [
    "/projects/999999999",
    "/projects/not-a-number",
    `${projectPath}/repositories/no-such-repo`,
    `${projectPath}/repositories/no-such-repo/-/artifacts/latest`,
    "/admin/users/999999999",
    "/no/such/route",
  ]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByTestId("not-found"), path).toContainText("Not found");
    if (!path.includes("repositories")) await expect(page).toHaveTitle("Not found · Wharf");
  }
});

test("every page has its own title; the favicon and logo are served", async ({ page, request }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  const name = uniqueUsername("titles");
  const projectPath = await createProject(page, name);
  await page.goto(`${projectPath}/repositories`);
  await expect(page).toHaveTitle(`${name} · Repositories · Wharf`);
  await page.goto(`${projectPath}/members`);
  await expect(page).toHaveTitle(`${name} · Members · Wharf`);
  await page.goto("/admin/health");
  await expect(page).toHaveTitle("System health · Wharf");
  const icon = await page.locator('link[rel="icon"]').getAttribute("href");
  expect(icon).toContain("/favicon.svg");
  for (const asset of ["/favicon.svg", "/logo.svg"]) {
    const response = await request.get(asset);
    expect(response.status(), asset).toBe(200);
    expect(response.headers()["content-type"]).toContain("image/svg+xml");
  }
});

test("System health hydrates without a React error; the push commands can be focused", async ({ page }) => {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/health");
  await expect(page.getByTestId("health-overall")).toContainText("healthy");
  await expect(page.getByText(/Last checked \d\d:\d\d:\d\d UTC/)).toBeVisible();
  // Wait for hydration to have run: the reconcile panel's client button is interactive.
  await expect(page.getByTestId("reconcile-start")).toBeEnabled();
  expect(errors.filter((e) => /Hydration|#418|did not match/i.test(e))).toEqual([]);
  for (const bar of await page.getByRole("progressbar").all()) await expect(bar).toHaveAttribute("aria-label", /.+/);

  const projectPath = await createProject(page, uniqueUsername("push"));
  await page.goto(projectPath);
  const push = page.getByRole("region", { name: "Push an image" }).or(page.getByTestId("push-commands"));
  const commands = page.getByTestId("push-commands");
  await expect(commands).toHaveAttribute("tabindex", "0");
  await expect(commands).toHaveAttribute("aria-label", "Push commands");
  await commands.focus();
  await expect(commands).toBeFocused();
  await expect(push.first()).toBeVisible();
});

test("pages and scripts are served gzipped to a client that asks; the registry protocol is never re-encoded", async ({ request }) => {
  const page = await request.get("/sign-in", { headers: { "accept-encoding": "gzip" } });
  expect(page.status()).toBe(200);
  expect(page.headers()["content-encoding"]).toBe("gzip");
  const html = await page.text();
  const script = html.match(/src="(\/_next\/static\/[^"]+\.js)"/)?.[1];
  expect(script, "a script on the sign-in page").toBeTruthy();
  const js = await request.get(script!, { headers: { "accept-encoding": "gzip" } });
  expect(js.status()).toBe(200);
  expect(js.headers()["content-encoding"]).toBe("gzip");
  // A client that does not ask gets the bytes as they are.
  const plain = await request.get(script!, { headers: { "accept-encoding": "identity" } });
  expect(plain.headers()["content-encoding"]).toBeUndefined();
  expect(await plain.text()).toBe(await js.text());
  // The registry's answers pass through as the registry sent them.
  const v2 = await request.get("/v2/", { headers: { "accept-encoding": "gzip" } });
  expect(v2.status()).toBe(401);
  expect(v2.headers()["content-encoding"]).toBeUndefined();
});
