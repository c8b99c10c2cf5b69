import { expect, test } from "@playwright/test";
import { type Slapd, SLAPD_GROUPS, SLAPD_PEOPLE, startSlapd } from "../lib/testing/slapd";
import { ADMIN, signInAs, signOut, uniqueUsername } from "./helpers";

/*
 * LDAP sign-in end to end (issue 18 item 2), against a real slapd (Debian's, lib/testing/slapd.ts):
 * an administrator configures the directory in Administration → Authentication, tests the
 * connection, switches the mode to LDAP, and a directory user signs in through the sign-in page.
 * The mode goes back to Wharf accounts only at the end (the local admin can always sign in).
 */
let slapd: Slapd;
const username = uniqueUsername("ldap");
const password = "Dir-user-Passw0rd";

test.beforeAll(async () => {
  slapd = await startSlapd();
  await slapd.addUser({ uid: username, password, cn: "Directory Person", mail: `${username}@dir.example.test` });
  await slapd.addGroup("e2e-devs", [username]);
});

test.afterAll(async () => {
  await slapd?.stop();
});

async function setMode(page: import("@playwright/test").Page, label: string) {
  await page.goto("/admin/authentication");
  const form = page.getByTestId("auth-mode-form");
  await form.getByLabel(label).check();
  await form.getByRole("button", { name: "Save mode" }).click();
  await expect(form.getByText("Authentication mode saved.")).toBeVisible();
}

test("an administrator configures LDAP, tests the connection, a directory user signs in, and a directory group made a project member gives them the project", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.getByRole("link", { name: "Authentication" }).click();
  await expect(page.getByRole("heading", { name: "Authentication", level: 1 })).toBeVisible();

  const form = page.getByTestId("ldap-settings-form");
  await form.getByLabel("Server URL", { exact: true }).fill(slapd.url);
  await form.getByLabel("Bind DN", { exact: true }).fill(slapd.rootDn);
  await form.getByLabel("Bind password", { exact: true }).fill(slapd.rootPassword);
  await form.getByLabel("User base DN", { exact: true }).fill(SLAPD_PEOPLE);
  await form.getByLabel("User filter", { exact: true }).fill("(objectClass=inetOrgPerson)");
  await form.getByLabel("Group base DN", { exact: true }).fill(SLAPD_GROUPS);

  // A wrong bind password is reported clearly, not as a server error.
  await form.getByLabel("Bind password", { exact: true }).fill("not-the-password");
  await form.getByRole("button", { name: "Test connection" }).click();
  await expect(form.getByText(/The directory cannot be reached: the directory refused Wharf's bind DN/)).toBeVisible();

  await form.getByLabel("Bind password", { exact: true }).fill(slapd.rootPassword);
  await form.getByRole("button", { name: "Test connection" }).click();
  await expect(form.getByTestId("ldap-test-result")).toContainText("Connected. Found 1 user under the user base.");
  await expect(form.getByTestId("ldap-test-result")).toContainText(username);

  await form.getByRole("button", { name: "Save LDAP settings" }).click();
  await expect(form.getByText("LDAP settings saved.")).toBeVisible();
  // The password is never sent back to the page.
  await page.reload();
  await expect(page.getByTestId("ldap-settings-form").getByLabel("Bind password", { exact: true })).toHaveValue("");
  await expect(page.getByText("A password is stored. Leave empty to keep it.")).toBeVisible();
  expect(await page.content()).not.toContain(slapd.rootPassword);
  // A switch turned off stays off (an unchecked box sends nothing; the form says "off").
  const saved = page.getByTestId("ldap-settings-form");
  await expect(saved.getByLabel("Verify the server's certificate")).toBeChecked();
  await saved.getByLabel("Verify the server's certificate").uncheck();
  await saved.getByRole("button", { name: "Save LDAP settings" }).click();
  await expect(saved.getByText("LDAP settings saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("ldap-settings-form").getByLabel("Verify the server's certificate")).not.toBeChecked();

  await setMode(page, "LDAP directory");
  try {
    await signOut(page);
    await signInAs(page, username, password);
    await signOut(page);
    // The local administrator still signs in with the Wharf password.
    await signInAs(page, ADMIN.username, ADMIN.password);
    await page.goto("/admin/users");
    await page.getByRole("link", { name: username }).click();
    await expect(page.getByTestId("user-source")).toContainText(`Signs in through LDAP as uid=${username}`);
    await expect(page.getByTestId("user-groups")).toContainText("e2e-devs");
    // Its password is the directory's: no reset form.
    await expect(page.getByRole("heading", { name: "Reset password" })).toHaveCount(0);

    // The directory group as a project member: its members hold the role (issue 18 item 3).
    const projectName = uniqueUsername("ldap-team").toLowerCase();
    const basic = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString("base64")}`;
    const created = await page.request.post("/api/v2.0/projects", { headers: { authorization: basic }, data: { project_name: projectName, metadata: { public: "false" } } });
    expect(created.status()).toBe(201);
    const projectId = Number(created.headers()["location"]!.split("/").pop());
    await page.goto(`/projects/${projectId}/members`);
    const groupForm = page.getByTestId("add-group-form");
    await groupForm.getByRole("button", { name: "Add group" }).click();
    await expect(groupForm.getByTestId("error-ldapGroupDn")).toContainText("Give the group's DN");
    await groupForm.getByLabel("Group DN").fill(`CN=e2e-devs, ${SLAPD_GROUPS}`);
    await groupForm.getByLabel("Role of the new group").selectOption({ label: "Developer" });
    await groupForm.getByRole("button", { name: "Add group" }).click();
    await expect(groupForm.getByText("Group e2e-devs added.")).toBeVisible();
    await expect(page.getByTestId("group-member-e2e-devs")).toContainText("LDAP group");

    await page.goto("/admin/groups");
    await page.getByRole("link", { name: "e2e-devs" }).click();
    await expect(page.getByTestId("group-projects-table")).toContainText(projectName);
    await expect(page.getByTestId("group-members-table")).toContainText(username);

    // The directory user now sees the private project, through the group alone.
    await signOut(page);
    await signInAs(page, username, password);
    await page.goto("/projects");
    await expect(page.getByRole("link", { name: projectName })).toBeVisible();
    await signOut(page);
    await signInAs(page, ADMIN.username, ADMIN.password);
  } finally {
    if (!(await page.getByTestId("signed-in-user").isVisible().catch(() => false))) await signInAs(page, ADMIN.username, ADMIN.password);
    await setMode(page, "Wharf accounts only (database)");
  }
});
