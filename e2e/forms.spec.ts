import { expect, type Page, test } from "@playwright/test";
import { ADMIN, createUserThroughUi, signInAs, signOut, uniqueUsername, USER_PASSWORD } from "./helpers";

async function createProject(page: Page, name: string): Promise<string> {
  await page.goto("/projects/new");
  await page.getByLabel("Project name").fill(name);
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  return new URL(page.url()).pathname;
}

test("a member's role: save, reload, save again; Add member clears after success; leaving unsaved asks", async ({ page }) => {
  const member = uniqueUsername("formmember");
  await signInAs(page, ADMIN.username, ADMIN.password);
  await createUserThroughUi(page, member);
  const projectPath = await createProject(page, uniqueUsername("forms"));

  await page.goto(`${projectPath}/members`);
  await page.getByLabel("Username", { exact: true }).fill(member);
  await page.getByLabel("Role of the new member").selectOption({ label: "Guest" });
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByText(`${member} added.`)).toBeVisible();
  await expect(page.getByLabel("Username", { exact: true })).toHaveValue("");

  const role = page.getByLabel(`Role of ${member}`);
  const row = page.getByTestId(`member-${member}`);
  await role.selectOption({ label: "Developer" });
  await row.getByRole("button", { name: "Change role" }).click();
  await expect(row.getByText("Role changed.")).toBeVisible();
  await expect(role).toHaveValue("2"); // the saved role, not the old one

  await page.reload();
  await expect(page.getByLabel(`Role of ${member}`)).toHaveValue("2");
  await page.getByLabel(`Role of ${member}`).selectOption({ label: "Maintainer" });
  await page.getByTestId(`member-${member}`).getByRole("button", { name: "Change role" }).click();
  await expect(page.getByTestId(`member-${member}`).getByText("Role changed.")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel(`Role of ${member}`)).toHaveValue("4");

  // An unsaved change is not dropped silently: following a link asks first.
  await page.getByLabel(`Role of ${member}`).selectOption({ label: "Guest" });
  let asked = "";
  page.once("dialog", (dialog) => {
    asked = dialog.message();
    void dialog.dismiss();
  });
  await page.getByRole("link", { name: "← Projects" }).click();
  await expect.poll(() => asked).toContain("unsaved changes");
  await expect(page).toHaveURL(new RegExp(`${projectPath}/members$`));
});

test("the password form keeps what was typed after a weak-password error and states the rule once", async ({ page }) => {
  const user = uniqueUsername("formpw");
  await signInAs(page, ADMIN.username, ADMIN.password);
  await createUserThroughUi(page, user);
  await signOut(page);
  await signInAs(page, user, USER_PASSWORD);
  await page.goto("/account");
  await page.getByLabel("Current password").fill(USER_PASSWORD);
  await page.getByLabel("New password", { exact: true }).fill("weak");
  await page.getByLabel("Confirm new password").fill("weak");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Check the highlighted fields.")).toBeVisible();
  await expect(page.getByLabel("Current password")).toHaveValue(USER_PASSWORD);
  await expect(page.getByLabel("New password", { exact: true })).toHaveValue("weak");
  await expect(page.getByLabel("Confirm new password")).toHaveValue("weak");
  await expect(page.getByText(/8-128 characters/)).toHaveCount(1);

  // Saving again with a good password works from the kept values.
  await page.getByLabel("New password", { exact: true }).fill("Better-passw0rd");
  await page.getByLabel("Confirm new password").fill("Better-passw0rd");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await signInAs(page, user, "Better-passw0rd");
  await page.reload();
  await expect(page.getByTestId("signed-in-user")).toHaveText(user);
});

test("project configuration: save, reload, save again", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  const projectPath = await createProject(page, uniqueUsername("formcfg"));
  await page.goto(`${projectPath}/configuration`);
  const isPublic = page.getByLabel(/^Public/);
  await isPublic.check();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(isPublic).toBeChecked();
  await page.reload();
  await expect(page.getByLabel(/^Public/)).toBeChecked();
  await page.getByLabel(/^Public/).uncheck();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.reload();
  await expect(page.getByLabel(/^Public/)).not.toBeChecked();
});
