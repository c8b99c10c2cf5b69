import { expect, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { ADMIN, signInAs, uniqueUsername, USER_PASSWORD } from "./helpers";

/**
 * A role across projects (issue 18 item 3) in the production build: an administrator gives a team
 * lead Maintainer in every project named `<team>-*` on the lead's user page; the lead then sees
 * and pushes to the team's projects, one created afterwards too, each project's Members tab shows
 * the role as inherited, and removing the rule takes it away.
 */
const adminAuth = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString("base64")}`;

test("an administrator gives a role in every project matching a pattern; the lead holds it in present and future projects until it is removed", async ({ page, request, browser }) => {
  test.setTimeout(120_000);
  const team = `rr${randomBytes(3).toString("hex")}`;
  const lead = uniqueUsername("lead");
  expect(
    (await request.post("/api/v2.0/users", { headers: { Authorization: adminAuth }, data: { username: lead, email: `${lead}@example.test`, realname: "Team Lead", password: USER_PASSWORD } })).status(),
  ).toBe(201);
  expect((await request.post("/api/v2.0/projects", { headers: { Authorization: adminAuth }, data: { project_name: `${team}-api` } })).status()).toBe(201);
  expect((await request.post("/api/v2.0/projects", { headers: { Authorization: adminAuth }, data: { project_name: `${team}x-other` } })).status()).toBe(201);
  const users = (await (await request.get(`/api/v2.0/users/search?username=${lead}`, { headers: { Authorization: adminAuth } })).json()) as { user_id: number; username: string }[];
  const leadId = users.find((u) => u.username === lead)!.user_id;

  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto(`/admin/users/${leadId}`);
  const rules = page.getByTestId("role-rules");
  await expect(rules).toContainText("None.");
  const form = rules.getByTestId("add-role-rule");
  await form.getByLabel("Project name pattern").fill(`${team}/*`);
  await form.getByRole("button", { name: "Add role" }).click();
  await expect(form.getByTestId("error-pattern")).toHaveText("Project names have no /: the pattern matches names such as team-a");
  await form.getByLabel("Project name pattern").fill(`${team}-*`);
  await form.getByLabel("Role").selectOption({ label: "Maintainer" });
  await form.getByRole("button", { name: "Add role" }).click();
  await expect(rules.getByTestId("role-rule")).toHaveCount(1);
  await expect(rules.getByTestId("role-rule")).toContainText(`${team}-* → Maintainer`);

  // A project created after the rule is reached as well.
  expect((await request.post("/api/v2.0/projects", { headers: { Authorization: adminAuth }, data: { project_name: `${team}-web` } })).status()).toBe(201);

  const leadContext = await browser.newContext();
  const leadPage = await leadContext.newPage();
  await signInAs(leadPage, lead, USER_PASSWORD);
  await leadPage.goto(`/projects?q=${team}`);
  const table = leadPage.getByTestId("projects-table");
  await expect(table.getByRole("link", { name: `${team}-api` })).toBeVisible();
  await expect(table.getByRole("link", { name: `${team}-web` })).toBeVisible();
  await expect(table.getByRole("link", { name: `${team}x-other` })).toHaveCount(0);

  // The Members tab says where the role comes from.
  await table.getByRole("link", { name: `${team}-web` }).click();
  await leadPage.getByRole("link", { name: "Members" }).click();
  const inherited = leadPage.getByTestId("inherited-members-table");
  await expect(inherited).toContainText(lead);
  await expect(inherited).toContainText("Maintainer");
  await expect(inherited).toContainText(`${team}-*`);

  // The registry agrees: push is granted in the team's project.
  const leadAuth = `Basic ${Buffer.from(`${lead}:${USER_PASSWORD}`).toString("base64")}`;
  const token = (await (await request.get(`/service/token?service=wharf-registry&scope=repository:${team}-api/app:pull,push`, { headers: { Authorization: leadAuth } })).json()) as { token: string };
  const claims = JSON.parse(Buffer.from(token.token.split(".")[1]!, "base64url").toString()) as { access: { name: string; actions: string[] }[] };
  expect(claims.access).toEqual([{ type: "repository", name: `${team}-api/app`, actions: ["pull", "push"] }]);

  // Removed: gone at the next request.
  await page.reload();
  await rules.getByRole("button", { name: "Remove" }).click();
  await expect(rules).toContainText("None.");
  await leadPage.goto(`/projects?q=${team}`);
  await expect(leadPage.getByTestId("projects-table").getByRole("link", { name: `${team}-api` })).toHaveCount(0);
  await leadContext.close();
});
