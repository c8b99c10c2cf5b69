import { expect, test, type Page } from "@playwright/test";
import pg from "pg";
import { startTestOidcProvider, type TestOidcProvider } from "../lib/testing/oidc-provider";
import { baseURL } from "./playwright.config";
import { ADMIN, signOut, uniqueUsername } from "./helpers";

/**
 * OIDC single sign-on (issue 18 item 1) in the production build against a real OpenID provider
 * (panva's oidc-provider, started here): an administrator configures it in Administration →
 * Authentication, people click "Sign in with …" on the real sign-in page, log in at the provider
 * and land in Wharf onboarded, with their groups and the admin flag from the claims; the CLI secret
 * is their registry password; refusals say why on the sign-in page; an ended provider session
 * sends them back to the provider's login.
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const KEYS = ["auth_mode", "oidc_config"];
const PROVIDER = "Test IdP";
const ADMIN_GROUP = `wharf-admins-${uniqueUsername("g")}`;
const basic = (username: string, secret: string) => `Basic ${Buffer.from(`${username}:${secret}`).toString("base64")}`;

let idp: TestOidcProvider;
let db: pg.Client;
let saved: { key: string; value: unknown }[] = [];

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  saved = (await db.query<{ key: string; value: unknown }>(`SELECT key, value FROM system_settings WHERE key = ANY($1)`, [KEYS])).rows;
  idp = await startTestOidcProvider({ redirectUris: [`${baseURL}/api/auth/callback/oidc`] });
});

// The database is shared by every spec of the run: the settings go back as they were.
test.afterAll(async () => {
  if (db) {
    await db.query(`DELETE FROM system_settings WHERE key = ANY($1)`, [KEYS]);
    for (const row of saved) await db.query(`INSERT INTO system_settings (key, value, updated_at) VALUES ($1, $2, now())`, [row.key, JSON.stringify(row.value)]);
    await db.end();
  }
  await idp?.close();
});

/** At the provider's (development) login page: the login names the account; then consent if asked. */
async function logInAtProvider(page: Page, login: string) {
  await expect(page).toHaveURL(new RegExp(`^${idp.issuer}/`));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("the-IdP-passw0rd");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await consentIfAsked(page);
}

/** The provider's consent page (first authorization of a session) if it comes, until the browser is back at Wharf. */
async function consentIfAsked(page: Page) {
  await expect(async () => {
    if (new URL(page.url()).origin !== idp.issuer) return;
    const consent = page.getByRole("button", { name: "Continue" });
    if (await consent.isVisible()) await consent.click({ timeout: 2_000 }).catch(() => undefined);
    throw new Error(`still at the provider: ${page.url()}`);
  }).toPass({ timeout: 20_000 });
}

async function clickSignInWithProvider(page: Page) {
  await page.goto("/sign-in");
  // The sign-in page reads the settings through a cache of a few seconds: the button comes within it.
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("button", { name: `Sign in with ${PROVIDER}` })).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await page.getByRole("button", { name: `Sign in with ${PROVIDER}` }).click();
}

/**
 * A local account's sign-in (helpers.signInAs clicks the button named "Sign in", which in the OIDC
 * mode also matches "Sign in with …": the exact name here).
 */
async function signInLocally(page: Page, username: string, password: string) {
  await page.goto("/sign-in");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("signed-in-user")).toHaveText(username);
}

async function userRow(username: string) {
  const { rows } = await db.query<{ id: number; auth_source: string; external_id: string | null; is_admin: boolean }>(
    `SELECT id, auth_source, external_id, is_admin FROM users WHERE username = $1`,
    [username],
  );
  return rows[0];
}

async function groupsOf(userId: number) {
  const { rows } = await db.query<{ name: string; group_type: string }>(
    `SELECT g.name, g.group_type FROM user_group_members m JOIN user_groups g ON g.id = m.group_id WHERE m.user_id = $1`,
    [userId],
  );
  return rows.map((r) => `${r.group_type}:${r.name}`).sort();
}

async function setAutoOnboard(page: Page, on: boolean) {
  await signInLocally(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/authentication");
  const section = page.getByTestId("oidc-section");
  await section.getByLabel("Create accounts at first sign-in").setChecked(on);
  await section.getByRole("button", { name: "Save OIDC settings" }).click();
  await expect(section.getByRole("status")).toHaveText("OIDC settings saved.");
  await signOut(page);
}

test("an administrator configures OIDC; a new user signs in through the provider, onboarded with their groups and as an administrator, and makes a CLI secret", async ({ page, request }) => {
  test.setTimeout(120_000);
  await signInLocally(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/authentication");
  const section = page.getByTestId("oidc-section");
  await expect(section.getByTestId("oidc-redirect-uri")).toHaveText(`${baseURL}/api/auth/callback/oidc`);

  // Bad input: field errors, nothing saved.
  await section.getByLabel("Provider name").fill(PROVIDER);
  await section.getByLabel("Issuer URL").fill("ftp://idp.example.com");
  await section.getByRole("button", { name: "Save OIDC settings" }).click();
  await expect(section.getByTestId("error-issuer")).toHaveText("Must start with http:// or https://");
  await expect(section.getByTestId("error-clientId")).toHaveText("Client id is required");
  expect((await db.query(`SELECT 1 FROM system_settings WHERE key = 'oidc_config'`)).rowCount).toBe(0);

  // Test connection of what is typed, before saving: unreachable, then the real provider.
  await section.getByLabel("Issuer URL").fill("http://127.0.0.1:9");
  await section.getByRole("button", { name: "Test connection" }).click();
  await expect(section.getByRole("status")).toContainText("Cannot read http://127.0.0.1:9/.well-known/openid-configuration: connection refused");
  await section.getByLabel("Issuer URL").fill(idp.issuer);
  await section.getByRole("button", { name: "Test connection" }).click();
  await expect(section.getByRole("status")).toHaveText("Connected: the discovery document is valid.");
  await expect(section.getByTestId("oidc-discovery")).toContainText(`${idp.issuer}/auth`);

  await section.getByLabel("Client id").fill(idp.clientId);
  await section.getByLabel("Client secret").fill(idp.clientSecret);
  await section.getByLabel("Scopes").fill("openid profile email groups");
  await section.getByLabel("Admin group").fill(ADMIN_GROUP);
  await section.getByLabel("Create accounts at first sign-in").check();
  await section.getByRole("button", { name: "Save OIDC settings" }).click();
  await expect(section.getByRole("status")).toHaveText("OIDC settings saved.");
  const stored = (await db.query<{ value: Record<string, unknown> }>(`SELECT value FROM system_settings WHERE key = 'oidc_config'`)).rows[0]!.value;
  expect(JSON.stringify(stored)).not.toContain(idp.clientSecret);

  // The OIDC auth mode (the mode form above the sections).
  const modeForm = page.getByTestId("auth-mode-form");
  await modeForm.locator('input[name="mode"][value="oidc_auth"]').check();
  await modeForm.getByRole("button").click();
  await expect(modeForm.getByRole("status")).toBeVisible();
  await signOut(page);

  // A person Wharf has never seen, in a team group and the admin group at the provider.
  const username = uniqueUsername("olive");
  const team = uniqueUsername("team");
  idp.setAccount({ sub: `sub-${username}`, preferred_username: username, name: "Olive Oidc", email: `${username}@idp.test`, groups: [team, ADMIN_GROUP] });
  await clickSignInWithProvider(page);
  await logInAtProvider(page, `sub-${username}`);
  await expect(page.getByTestId("signed-in-user")).toHaveText(username);

  const user = await userRow(username);
  expect(user).toMatchObject({ auth_source: "oidc", external_id: `${idp.issuer}#sub-${username}`, is_admin: true });
  expect(await groupsOf(user!.id)).toEqual([`oidc:${team}`, `oidc:${ADMIN_GROUP}`].sort());
  // The admin flag works in the console: Administration opens.
  await page.goto("/admin/authentication");
  await expect(page.getByTestId("oidc-section")).toBeVisible();

  // No Wharf password to change; the CLI secret is the registry password, never the IdP's.
  await page.goto("/account");
  await expect(page.getByTestId("password-elsewhere")).toBeVisible();
  await expect(page.getByLabel("Current password")).toHaveCount(0);
  const token = (auth: string) => request.get("/service/token?service=wharf-registry", { headers: { Authorization: auth } });
  expect((await token(basic(username, "the-IdP-passw0rd"))).status()).toBe(401);
  const panel = page.getByTestId("cli-secret");
  await panel.getByRole("button", { name: "Generate a new CLI secret" }).click();
  const secret = (await panel.getByTestId("cli-secret-value").textContent())!.trim();
  await expect(panel.getByTestId("cli-secret-login")).toContainText(`docker login 127.0.0.1:`);
  await expect(panel.getByTestId("cli-secret-login")).toContainText(`-u ${username} --password-stdin`);
  expect((await token(basic(username, secret))).status()).toBe(200);
  expect((await token(basic(username, "the-IdP-passw0rd"))).status()).toBe(401);

  // Local accounts keep their passwords in the OIDC mode.
  await signOut(page);
  await signInLocally(page, ADMIN.username, ADMIN.password);
  await signOut(page);
});

test("a user outside the admin group is no administrator; an ended provider session sends them back to the provider's login", async ({ page }) => {
  test.setTimeout(120_000);
  const username = uniqueUsername("pat");
  const team = uniqueUsername("team");
  idp.setAccount({ sub: `sub-${username}`, preferred_username: username, groups: [team] });
  idp.endSessions();
  await clickSignInWithProvider(page);
  await logInAtProvider(page, `sub-${username}`);
  await expect(page.getByTestId("signed-in-user")).toHaveText(username);
  const user = await userRow(username);
  expect(user).toMatchObject({ auth_source: "oidc", is_admin: false });
  expect(await groupsOf(user!.id)).toEqual([`oidc:${team}`]);

  // While the provider's session lasts, signing in again needs no login there.
  await signOut(page);
  await clickSignInWithProvider(page);
  await expect(page.getByTestId("signed-in-user")).toHaveText(username);

  // The provider's session ends (expired, or signed out there): its login page comes back.
  await signOut(page);
  expect(idp.sessionCount()).toBeGreaterThan(0);
  idp.endSessions();
  await clickSignInWithProvider(page);
  await expect(page.locator('input[name="login"]')).toBeVisible();
  await logInAtProvider(page, `sub-${username}`);
  await expect(page.getByTestId("signed-in-user")).toHaveText(username);
  await signOut(page);
});

test("with onboarding off, an unknown user is refused with a clear error, and an account an administrator created beforehand is linked", async ({ page }) => {
  test.setTimeout(120_000);
  await setAutoOnboard(page, false);
  try {
    const stranger = uniqueUsername("stranger");
    idp.setAccount({ sub: `sub-${stranger}`, preferred_username: stranger, groups: [] });
    idp.endSessions();
    await clickSignInWithProvider(page);
    await logInAtProvider(page, `sub-${stranger}`);
    await expect(page).toHaveURL(/\/sign-in\?.*error=OidcNoAccount/);
    await expect(page.getByTestId("sign-in-oidc-error")).toHaveText("There is no Wharf account for you yet. Ask an administrator to create your account.");
    expect(await userRow(stranger)).toBeUndefined();
    const refusal = await db.query<{ result: string; reason: string }>(
      `SELECT result, reason FROM audit_events WHERE action = 'session.sign_in' AND resource_name = $1 ORDER BY id DESC LIMIT 1`,
      [stranger],
    );
    expect(refusal.rows[0]).toEqual({ result: "failure", reason: "no account (OIDC onboarding is off)" });

    // An OIDC account created beforehand (no identity yet) is linked at its first sign-in.
    const known = uniqueUsername("known");
    await db.query(`INSERT INTO users (username, email, full_name, password_hash, auth_source, updated_at) VALUES ($1, $2, $3, '!external', 'oidc', now())`, [
      known,
      `${known}@example.test`,
      `E2E ${known}`,
    ]);
    idp.setAccount({ sub: `sub-${known}`, preferred_username: known, groups: [] });
    idp.endSessions();
    await clickSignInWithProvider(page);
    await logInAtProvider(page, `sub-${known}`);
    await expect(page.getByTestId("signed-in-user")).toHaveText(known);
    expect(await userRow(known)).toMatchObject({ auth_source: "oidc", external_id: `${idp.issuer}#sub-${known}` });
    await signOut(page);
  } finally {
    await setAutoOnboard(page, true);
  }
});
