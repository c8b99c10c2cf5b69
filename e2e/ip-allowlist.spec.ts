import { expect, test } from "@playwright/test";
import pg from "pg";
import { ADMIN, signInAs } from "./helpers";

/**
 * The system IP allowlist (issue 18 item 5) in the production build. The browser always comes
 * from 127.0.0.1, so the console can only save lists that hold it (the lockout guard). To see a
 * refusal, the test then writes a list without loopback straight into the database and tells the
 * running Wharf over the cache channel, as a change made on another instance would; the server's
 * listener drops its copy and the next request is refused. The list is emptied the same way after.
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
let db: pg.Client;

/** Writes the list as another instance would: the setting, then the cache topic on commit. */
async function setListBehindWharf(entries: string[]): Promise<void> {
  await db.query("BEGIN");
  await db.query(
    `INSERT INTO system_settings (key, value, updated_at) VALUES ('ip_allowlist', $1::jsonb, now())
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [JSON.stringify(entries)],
  );
  await db.query(`SELECT pg_notify('wharf_cache', 'ip-allowlist')`);
  await db.query("COMMIT");
}

test.beforeAll(async () => {
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
});

test.afterAll(async () => {
  // Whatever happened above, the other specs must find Wharf open.
  await setListBehindWharf([]).catch(() => undefined);
  await db?.end();
});

test("an administrator cannot lock themselves out, saves a list, and a client outside it is refused everywhere but the health checks", async ({ page, request }) => {
  test.setTimeout(90_000);
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/settings");
  const form = page.getByTestId("ip-allowlist-form");
  await expect(form).toContainText("Empty: every address may reach Wharf.");
  await expect(form).toContainText("Your own address: 127.0.0.1.");
  const field = form.getByLabel("Addresses and ranges");

  const savedBefore = (await db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'ip_allowlist.update' AND result = 'success'`)).rows[0].n as number;
  await field.fill("10.0.0.0/8");
  await form.getByRole("button", { name: "Save IP allowlist" }).click();
  await expect(form.getByTestId("error-entries")).toHaveText(
    "Your own address (127.0.0.1) is not in the list: add it, or a range holding it, so you can still reach Wharf",
  );
  await field.fill("10.0.0.0/8\n300.1.1.1");
  await form.getByRole("button", { name: "Save IP allowlist" }).click();
  await expect(form.getByTestId("error-entries")).toContainText(`"300.1.1.1" is not an IP address or CIDR range`);
  expect((await db.query(`SELECT 1 FROM system_settings WHERE key = 'ip_allowlist' AND value <> '[]'::jsonb`)).rowCount).toBe(0);

  await field.fill("127.0.0.1/32\n10.0.0.0/8");
  await form.getByRole("button", { name: "Save IP allowlist" }).click();
  await expect(form.getByRole("status")).toHaveText("IP allowlist saved.");
  await page.reload();
  await expect(page.getByTestId("ip-allowlist-form").getByLabel("Addresses and ranges")).toHaveValue("127.0.0.1/32\n10.0.0.0/8");
  expect((await db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'ip_allowlist.update' AND result = 'success'`)).rows[0].n).toBe(savedBefore + 1);

  // Loopback taken off the list behind Wharf's back: every request from here is now refused.
  await setListBehindWharf(["10.0.0.0/8"]);
  await expect(async () => {
    const res = await page.goto("/projects");
    expect(res?.status()).toBe(403);
  }).toPass({ timeout: 15_000 });
  await expect(page.getByRole("heading", { name: "Access not allowed" })).toBeVisible();
  await expect(page.getByText("Access from 127.0.0.1 is not allowed by this Wharf's IP allowlist.")).toBeVisible();
  const api = await request.get("/api/v2.0/projects");
  expect(api.status()).toBe(403);
  expect(((await api.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe("FORBIDDEN");
  const registry = await request.get("/v2/");
  expect(registry.status()).toBe(403);
  expect(((await registry.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe("DENIED");
  expect((await request.get("/api/v2.0/ping")).status()).toBe(200);
  // The page, the REST call and the registry call (at least): each refusal counted, repeats of a
  // minute on one row.
  const denied = await db.query<{ n: number }>(
    `SELECT coalesce(sum(repeat_count), 0)::int AS n FROM audit_events WHERE action = 'ip_allowlist.deny' AND result = 'failure' AND client_ip = '127.0.0.1' AND occurred_at > now() - interval '2 minutes'`,
  );
  expect(denied.rows[0]!.n).toBeGreaterThanOrEqual(3);

  await setListBehindWharf([]);
  await expect(async () => {
    const res = await page.goto("/projects");
    expect(res?.status()).toBe(200);
  }).toPass({ timeout: 15_000 });
});
