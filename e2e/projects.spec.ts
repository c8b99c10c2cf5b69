import { expect, type Page, test } from "@playwright/test";
import { ADMIN, createUserThroughUi, signInAs, signOut, uniqueUsername, USER_PASSWORD } from "./helpers";
import { callServerAction } from "./server-actions";

async function createProjectThroughUi(page: Page, name: string): Promise<string> {
  await page.goto("/projects/new");
  await page.getByLabel("Project name").fill(name);
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  return new URL(page.url()).pathname; // /projects/<id>
}

async function addMember(page: Page, projectPath: string, username: string, role: string) {
  await page.goto(`${projectPath}/members`);
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByLabel("Role of the new member").selectOption({ label: role });
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByText(`${username} added.`)).toBeVisible();
  await expect(page.getByTestId(`member-${username}`)).toBeVisible();
}

test("a project admin manages members and robots; a guest gets no controls and a forged action is refused", async ({ page, baseURL }) => {
  const lead = uniqueUsername("lead");
  const guest = uniqueUsername("guest");
  const outsider = uniqueUsername("out");
  const projectName = uniqueUsername("team");

  await signInAs(page, ADMIN.username, ADMIN.password);
  for (const name of [lead, guest, outsider]) await createUserThroughUi(page, name);
  const projectPath = await createProjectThroughUi(page, projectName);
  const projectId = projectPath.split("/").pop()!;
  await addMember(page, projectPath, lead, "Project Admin");
  await signOut(page);

  // The team lead adds a member as Developer, then makes them a Guest.
  await signInAs(page, lead, USER_PASSWORD);
  await addMember(page, projectPath, guest, "Developer");
  const guestRow = page.getByTestId(`member-${guest}`);
  await guestRow.getByLabel(`Role of ${guest}`).selectOption({ label: "Guest" });
  await guestRow.getByRole("button", { name: "Change role" }).click();
  await expect(guestRow.getByText("Role changed.")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId(`member-${guest}`).getByLabel(`Role of ${guest}`)).toHaveValue("3");

  // A robot's secret is shown once, then never again.
  await page.goto(`${projectPath}/robots`);
  await page.getByLabel("Name", { exact: true }).fill("ci");
  await page.getByRole("button", { name: "Create robot" }).click();
  const secret = (await page.getByTestId("robot-secret-value").textContent())!;
  expect(secret.length).toBeGreaterThanOrEqual(40);
  await expect(page.getByTestId("robot-secret")).toContainText(`robot$${projectName}+ci`);
  // The same credentials for Kubernetes, filled in while the secret is on screen.
  await page.getByText("Kubernetes pull secret").click();
  const registryHost = new URL(page.url()).host;
  await expect(page.getByTestId("kubectl-command")).toHaveText(
    `kubectl create secret docker-registry ${projectName}-ci-pull --docker-server=${registryHost} --docker-username='robot$${projectName}+ci' --docker-password=${secret}`,
  );
  await expect(page.getByTestId("pull-secret-yaml")).toContainText("type: kubernetes.io/dockerconfigjson");
  await page.reload();
  await expect(page.getByTestId(`robot-robot$${projectName}+ci`)).toBeVisible();
  await expect(page.getByTestId("robot-secret")).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);
  await signOut(page);

  // The guest sees the members but none of the controls.
  await signInAs(page, guest, USER_PASSWORD);
  await page.goto(`${projectPath}/members`);
  await expect(page.getByTestId(`member-${lead}`)).toBeVisible();
  await expect(page.getByRole("button", { name: "Add member" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Change role" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Remove" })).toHaveCount(0);
  await page.goto(`${projectPath}/robots`);
  await expect(page.getByRole("button", { name: "Create robot" })).toHaveCount(0);
  await expect(page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Logs" })).toHaveCount(0);

  // Calling the add-member server action directly, as a forged client would, is refused by the server.
  const forged = await callServerAction(page.request, {
    page: `${projectPath}/members`,
    action: "addMemberAction",
    fields: { projectId, username: outsider, roleId: "1" },
    origin: baseURL!,
  });
  expect(forged.status()).toBe(200);
  expect(await forged.text()).toContain("You do not have permission to do that.");
  await signOut(page);

  await signInAs(page, lead, USER_PASSWORD);
  await page.goto(`${projectPath}/members`);
  await expect(page.getByTestId(`member-${guest}`)).toBeVisible();
  await expect(page.getByTestId(`member-${outsider}`)).toHaveCount(0);
  // The refusal is in the project's log.
  await page.goto(`${projectPath}/logs`);
  await expect(page.getByTestId("audit-table").getByRole("row").filter({ hasText: "member.create" }).filter({ hasText: "failure" })).toHaveCount(1);
});

test("a non-member cannot open a private project, and the last project admin cannot be removed", async ({ page }) => {
  const owner = uniqueUsername("own");
  const stranger = uniqueUsername("str");
  const projectName = uniqueUsername("priv");
  await signInAs(page, ADMIN.username, ADMIN.password);
  await createUserThroughUi(page, owner);
  await createUserThroughUi(page, stranger);
  await signOut(page);

  await signInAs(page, owner, USER_PASSWORD);
  const projectPath = await createProjectThroughUi(page, projectName);
  await page.goto(`${projectPath}/members`);
  const self = page.getByTestId(`member-${owner}`);
  await self.getByRole("button", { name: "Remove" }).click();
  await expect(page.getByRole("dialog")).toContainText(`Remove ${owner} from this project?`);
  await page.getByRole("dialog").getByRole("button", { name: "Remove member" }).click();
  await expect(self.getByText("must keep at least one Project Admin")).toBeVisible();
  await signOut(page);

  await signInAs(page, stranger, USER_PASSWORD);
  await page.goto(projectPath);
  await expect(page.getByTestId("not-found")).toContainText("Not found");
  await page.goto("/projects");
  await expect(page.getByText(projectName)).toHaveCount(0);
});
