import { expect, test } from "@playwright/test";
import { ADMIN, createUserThroughUi, signInAs, signOut, uniqueUsername, USER_PASSWORD } from "./helpers";

test("an admin creates a user; that user signs in and is refused the admin pages", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  // Sign-in lands on the dashboard.
  await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();

  const username = uniqueUsername("dev");
  await createUserThroughUi(page, username);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users", exact: true }).click();
  await page.getByLabel("Search users").fill(username);
  await expect(page.getByTestId("users-table").getByRole("link", { name: username })).toBeVisible();
  await signOut(page);

  await signInAs(page, username, USER_PASSWORD);
  await expect(page.getByRole("navigation", { name: "Main" }).getByText("Administration")).toHaveCount(0);
  for (const path of ["/admin/users", "/admin/users/new", "/admin/users/1", "/admin/audit-log", "/admin/health"]) {
    await page.goto(path);
    await expect(page.getByTestId("refusal"), path).toContainText("Access denied");
  }
  // The API hides component errors from non-admins too.
  const health = await page.request.get("/api/v2.0/health");
  expect(health.ok()).toBe(true);
});

test("bad input on the new-user form gets field errors and creates nothing", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/users/new");
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByTestId("error-username")).toContainText("Username is required");
  await expect(page.getByTestId("error-email")).toContainText("Email is required");
  await expect(page.getByTestId("error-fullName")).toContainText("Full name is required");
  await expect(page.getByTestId("error-password")).toContainText("8-128 characters");

  const username = uniqueUsername("bad");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Email").fill("not-an-email");
  // The browser enforces maxlength; remove it to prove the server refuses on its own.
  await page.getByLabel("Full name").evaluate((input) => input.removeAttribute("maxlength"));
  await page.getByLabel("Full name").fill("x".repeat(256));
  await page.getByLabel("Password").fill("alllowercase1");
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByTestId("error-email")).toContainText("valid email");
  await expect(page.getByTestId("error-fullName")).toContainText("at most 255");
  await expect(page.getByTestId("error-password")).toContainText("uppercase");
  await expect(page.getByTestId("error-username")).toHaveCount(0);

  await page.goto(`/admin/users?q=${username}`);
  await expect(page.getByTestId("users-table")).toContainText(`No user matches “${username}”`);
});

test("disabling a user ends their open session at the next request", async ({ page, browser }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  const username = uniqueUsername("gone");
  await createUserThroughUi(page, username);
  const userPage = page.url();

  const other = await browser.newContext();
  const userTab = await other.newPage();
  await signInAs(userTab, username, USER_PASSWORD);

  await page.goto(userPage);
  await page.getByRole("button", { name: "Disable user" }).click();
  await expect(page.getByText("User disabled.")).toBeVisible();

  await userTab.goto("/projects");
  await expect(userTab).toHaveURL(/\/sign-in/);
  await userTab.getByLabel("Username").fill(username);
  await userTab.getByLabel("Password").fill(USER_PASSWORD);
  await userTab.getByRole("button", { name: "Sign in" }).click();
  await expect(userTab.getByTestId("sign-in-error")).toContainText("disabled");
  await other.close();
});
