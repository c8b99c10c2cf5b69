import { expect, type Page } from "@playwright/test";
import { randomBytes } from "node:crypto";

export const ADMIN = { username: "admin", password: "E2e-admin-Passw0rd" };
export const USER_PASSWORD = "E2e-user-Passw0rd";

export function uniqueUsername(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString("hex")}`;
}

export async function signIn(page: Page, username: string, password: string) {
  await page.goto("/sign-in");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

export async function signInAs(page: Page, username: string, password: string) {
  await signIn(page, username, password);
  await expect(page.getByTestId("signed-in-user")).toHaveText(username);
}

export async function signOut(page: Page) {
  // A click that lands before the page has hydrated does nothing (the button is a client
  // component): click again until the sign-in page is reached. A CI run hit that window.
  await expect(async () => {
    if (!/\/sign-in/.test(page.url())) await page.getByRole("button", { name: "Sign out" }).click({ timeout: 2_000 });
    await expect(page).toHaveURL(/\/sign-in/, { timeout: 3_000 });
  }).toPass({ timeout: 20_000 });
}

/** Creates a user through the admin form (the page must be signed in as an admin). */
export async function createUserThroughUi(page: Page, username: string, password = USER_PASSWORD) {
  await page.goto("/admin/users/new");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Email").fill(`${username}@example.test`);
  await page.getByLabel("Full name").fill(`E2E ${username}`);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByRole("heading", { name: username })).toBeVisible();
  await expect(page.getByText(`User ${username} created.`)).toBeVisible();
}
