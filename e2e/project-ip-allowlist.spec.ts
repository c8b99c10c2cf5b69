import { expect, test } from "@playwright/test";
import pg from "pg";
import { ADMIN, signInAs, uniqueUsername, USER_PASSWORD } from "./helpers";

/**
 * A project's own IP allowlist (issue 18 item 5) in the production build, through a Project Admin
 * who is not an administrator. The browser always comes from 127.0.0.1, so the console can only
 * save lists that hold it (the lockout guard); to see the refusal, the test then writes a list
 * without loopback into the database, as a change on another instance would, and Wharf's project
 * lookup (two seconds) sees it. An administrator is not bound by project lists.
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const adminAuth = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString("base64")}`;
let db: pg.Client;
let projectId = 0;

test.beforeAll(async () => {
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
});

test.afterAll(async () => {
  if (projectId) await db.query(`UPDATE projects SET ip_allowlist = '{}' WHERE id = $1`, [projectId]).catch(() => undefined);
  await db?.end();
});

test("a Project Admin cannot lock themselves out, saves a list, and from outside it the project is refused in the console, REST and /v2 while an administrator still reaches it", async ({ page, request }) => {
  test.setTimeout(90_000);
  const lead = uniqueUsername("lead");
  const project = uniqueUsername("ipl");
  expect(
    (await request.post("/api/v2.0/users", { headers: { Authorization: adminAuth }, data: { username: lead, email: `${lead}@example.test`, realname: "Team Lead", password: USER_PASSWORD } })).status(),
  ).toBe(201);
  expect((await request.post("/api/v2.0/projects", { headers: { Authorization: adminAuth }, data: { project_name: project } })).status()).toBe(201);
  projectId = (await db.query<{ id: number }>(`SELECT id FROM projects WHERE name = $1`, [project])).rows[0]!.id;
  expect(
    (await request.post(`/api/v2.0/projects/${projectId}/members`, { headers: { Authorization: adminAuth }, data: { role_id: 1, member_user: { username: lead } } })).status(),
  ).toBe(201);
  const leadAuth = `Basic ${Buffer.from(`${lead}:${USER_PASSWORD}`).toString("base64")}`;

  await signInAs(page, lead, USER_PASSWORD);
  await page.goto(`/projects/${projectId}/configuration`);
  const form = page.getByTestId("project-ip-allowlist-form");
  await expect(form).toContainText("Empty: every address the system list admits may use this project.");
  await expect(form).toContainText("Your own address: 127.0.0.1.");
  const field = form.getByLabel("Addresses and ranges");
  const updates = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE project_id = $1 AND action = 'project.update' AND result = 'success'`, [projectId])).rows[0]!.n;

  await field.fill("10.0.0.0/8");
  await form.getByRole("button", { name: "Save IP allowlist" }).click();
  await expect(form.getByTestId("error-ipAllowlist")).toHaveText(
    "Your own address (127.0.0.1) is not in the list: add it, or a range holding it, so you can still reach this project",
  );
  await field.fill("10.0.0.0/8\nexample.com");
  await form.getByRole("button", { name: "Save IP allowlist" }).click();
  await expect(form.getByTestId("error-ipAllowlist")).toContainText(`"example.com" is not an IP address or CIDR range`);
  expect(await updates()).toBe(0);

  await field.fill("127.0.0.1\n10.0.0.0/8");
  await form.getByRole("button", { name: "Save IP allowlist" }).click();
  await expect(form.getByRole("status")).toHaveText("IP allowlist saved.");
  await page.reload();
  await expect(page.getByTestId("project-ip-allowlist-form").getByLabel("Addresses and ranges")).toHaveValue("127.0.0.1\n10.0.0.0/8");
  expect(await updates()).toBe(1);

  // Loopback taken off the list behind Wharf's back: the Project Admin is refused from here.
  await db.query(`UPDATE projects SET ip_allowlist = '{10.0.0.0/8}' WHERE id = $1`, [projectId]);
  const reason = `Access to project ${project} from 127.0.0.1 is not allowed by the project's IP allowlist. Ask a Project Admin to add your address.`;
  await expect(async () => {
    await page.goto(`/projects/${projectId}/repositories`);
    await expect(page.getByTestId("refusal")).toContainText(reason, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });

  const rest = await request.get(`/api/v2.0/projects/${projectId}`, { headers: { Authorization: leadAuth } });
  expect(rest.status()).toBe(403);
  expect(((await rest.json()) as { errors: { message: string }[] }).errors[0]!.message).toBe(reason);

  const token = ((await (await request.get(`/service/token?service=wharf-registry&scope=repository:${project}/app:pull,push`, { headers: { Authorization: leadAuth } })).json()) as { token: string }).token;
  const registry = await request.get(`/v2/${project}/app/manifests/latest`, { headers: { Authorization: `Bearer ${token}` } });
  expect(registry.status()).toBe(403);
  expect(((await registry.json()) as { errors: { code: string; message: string }[] }).errors[0]).toEqual({ code: "DENIED", message: reason });

  // Each refusal of the lead is on the audit log with the reason.
  const refusals = await db.query(`SELECT 1 FROM audit_events WHERE project_id = $1 AND result = 'failure' AND actor_name = $2 AND reason = $3`, [projectId, lead, reason]);
  expect(refusals.rowCount).toBeGreaterThanOrEqual(2);

  // An administrator is bound by the system list alone.
  expect((await request.get(`/api/v2.0/projects/${projectId}`, { headers: { Authorization: adminAuth } })).status()).toBe(200);
});
