import { expect, test } from "@playwright/test";
import { ADMIN, createUserThroughUi, signIn, signInAs, signOut, uniqueUsername, USER_PASSWORD } from "./helpers";

test("five wrong passwords lock the account, then even the right one is refused", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  const username = uniqueUsername("locked");
  await createUserThroughUi(page, username);
  await signOut(page);

  for (let attempt = 1; attempt <= 4; attempt++) {
    await signIn(page, username, `Wrong-passw0rd-${attempt}`);
    await expect(page.getByTestId("sign-in-error")).toHaveText("Wrong username or password.");
  }
  await signIn(page, username, "Wrong-passw0rd-5");
  await expect(page.getByTestId("sign-in-error")).toContainText("Too many failed sign-ins");

  await signIn(page, username, USER_PASSWORD);
  await expect(page.getByTestId("sign-in-error")).toContainText("Try again in 15 minutes");
  await expect(page).toHaveURL(/\/sign-in/);

  // Every failure is in the audit log, with the reason.
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/audit-log");
  const failures = page.getByTestId("audit-table").getByRole("row").filter({ hasText: username }).filter({ hasText: "failure" });
  await expect(failures).toHaveCount(6);
  await expect(failures.filter({ hasText: "locked after repeated failures" })).toHaveCount(1);
});

test("sign-out ends the session and is recorded", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  await signOut(page);
  await page.goto("/admin/users");
  await expect(page).toHaveURL(/\/sign-in/);
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/audit-log");
  await expect(page.getByTestId("audit-table").getByRole("row").filter({ hasText: "session.sign_out" }).first()).toBeVisible();
});

test("a user changes their own password and signs in with the new one", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  const username = uniqueUsername("pw");
  await createUserThroughUi(page, username);
  await signOut(page);

  await signInAs(page, username, USER_PASSWORD);
  await page.goto("/account");
  await page.getByLabel("Current password").fill("Not-the-passw0rd");
  await page.getByLabel("New password", { exact: true }).fill("Brand-new-passw0rd");
  await page.getByLabel("Confirm new password").fill("Brand-new-passw0rd");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByTestId("error-currentPassword")).toContainText("wrong");

  await page.getByLabel("Current password").fill(USER_PASSWORD);
  await page.getByLabel("New password", { exact: true }).fill("Brand-new-passw0rd");
  await page.getByLabel("Confirm new password").fill("Brand-new-passw0rd");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page).toHaveURL(/notice=password-changed/);
  await signInAs(page, username, "Brand-new-passw0rd");
});
