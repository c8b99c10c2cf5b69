import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConflictError, ForbiddenError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import { refreshCliSecret } from "@/lib/services/auth/two-factor";
import { verifyRegistryCredentials } from "@/lib/services/auth/verify-registry-credentials";
import { ExternalSignInRefused } from "@/lib/services/identity/external-users";
import { getOidcAccountStatus } from "@/lib/services/identity/oidc/account";
import { testOidcConnection } from "@/lib/services/identity/oidc/discovery";
import { forgetOidcConfig, getOidcSettings, OIDC_CONFIG_KEY, readOidcSignInButton, readOidcSignInConfig, updateOidcSettings } from "@/lib/services/identity/oidc/settings";
import { oidcRefusalCode, signInWithOidcClaims } from "@/lib/services/identity/oidc/sign-in";
import { changeOwnPassword } from "@/lib/services/users/change-own-password";
import { startTestOidcProvider, type TestOidcProvider } from "@/lib/testing/oidc-provider";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";
import { fieldErrorsOf } from "@/lib/validation/common";
import { type TOidcSettings, ZOidcSettings } from "@/lib/validation/oidc";

const client = { ip: "198.51.100.23", userAgent: "vitest-oidc" };
const CLIENT_SECRET = "oidc-client-secret-Xy9-never-shown";

let idp: TestOidcProvider;
let admin: Awaited<ReturnType<typeof createTestUser>>;
let auditor: Awaited<ReturnType<typeof createTestUser>>;
/** The global rows this file changes, put back afterwards (one database per run, shared by every file). */
let savedRows: { key: string; value: unknown }[];

const KEYS = [OIDC_CONFIG_KEY, "auth_mode"];

function settings(overrides: Partial<Record<string, string>> = {}): TOidcSettings {
  return ZOidcSettings.parse({
    providerName: "Test IdP",
    issuer: idp.issuer,
    clientId: idp.clientId,
    clientSecret: CLIENT_SECRET,
    scopes: "openid profile email groups",
    usernameClaim: "preferred_username",
    groupsClaim: "groups",
    adminGroup: "wharf-admins",
    autoOnboard: "on",
    verifyCertificate: "on",
    ...overrides,
  });
}

async function setAuthModeRow(mode: string) {
  await db.systemSetting.upsert({ where: { key: "auth_mode" }, create: { key: "auth_mode", value: mode }, update: { value: mode } });
  forgetOidcConfig();
}

const lastSettingRows = async (since: bigint) => db.auditEvent.findMany({ where: { id: { gt: since }, resourceType: "setting", resourceName: OIDC_CONFIG_KEY }, orderBy: { id: "asc" } });
const asText = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
const lastAuditId = async () => (await db.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0n;

beforeAll(async () => {
  savedRows = (await db.systemSetting.findMany({ where: { key: { in: KEYS } }, select: { key: true, value: true } })) as { key: string; value: unknown }[];
  await db.systemSetting.deleteMany({ where: { key: { in: KEYS } } });
  idp = await startTestOidcProvider({ redirectUris: ["http://127.0.0.1:3999/api/auth/callback/oidc"] });
  admin = await createTestUser({ isAdmin: true });
  auditor = await createTestUser({ isAuditor: true });
});

afterAll(async () => {
  await db.systemSetting.deleteMany({ where: { key: { in: KEYS } } });
  for (const row of savedRows) await db.systemSetting.create({ data: { key: row.key, value: row.value as never } });
  forgetOidcConfig();
  await idp?.close();
});

describe("OIDC settings", () => {
  it("validates every field and says which is wrong", () => {
    const parsed = ZOidcSettings.safeParse({
      providerName: "",
      issuer: "ftp://idp.example.com",
      clientId: "",
      scopes: "profile email",
      usernameClaim: "preferred username",
      groupsClaim: "",
      adminGroup: "admins",
    });
    expect(parsed.success).toBe(false);
    expect(fieldErrorsOf(parsed.error!)).toEqual({
      providerName: ["Provider name is required"],
      issuer: ["Must start with http:// or https://"],
      clientId: ["Client id is required"],
      scopes: ["Scopes must include openid"],
      usernameClaim: ["Username claim must be one claim name, without spaces"],
      adminGroup: ["An admin group needs a groups claim to read it from"],
    });
    // The cross-field rule: an admin group needs a groups claim.
    const noClaim = ZOidcSettings.safeParse({ providerName: "X", issuer: "https://idp.example.com/", clientId: "c", groupsClaim: "", adminGroup: "admins" });
    expect(fieldErrorsOf(noClaim.error!)).toEqual({ adminGroup: ["An admin group needs a groups claim to read it from"] });
    // Defaults, and the issuer written one way.
    const minimal = ZOidcSettings.parse({ providerName: "X", issuer: "https://idp.example.com/", clientId: "c" });
    expect(minimal).toMatchObject({ issuer: "https://idp.example.com", scopes: "openid profile email", usernameClaim: "preferred_username", groupsClaim: "groups", adminGroup: null, clientSecret: null, autoOnboard: false, verifyCertificate: false });
  });

  it("refuses a first save without a client secret and saves nothing", async () => {
    const since = await lastAuditId();
    const error = await updateOidcSettings({ actor: actorFor(admin), input: settings({ clientSecret: "" }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors).toEqual({ clientSecret: ["Client secret is required"] });
    expect(await db.systemSetting.count({ where: { key: OIDC_CONFIG_KEY } })).toBe(0);
    expect(await lastSettingRows(since)).toEqual([]);
  });

  it("seals the client secret, writes one audit row without it, and keeps the secret when the field is left empty", async () => {
    let since = await lastAuditId();
    const saved = await updateOidcSettings({ actor: actorFor(admin), input: settings() });
    expect(saved).toMatchObject({ providerName: "Test IdP", issuer: idp.issuer, hasClientSecret: true });
    expect(JSON.stringify(saved)).not.toContain(CLIENT_SECRET);
    const row = await db.systemSetting.findUniqueOrThrow({ where: { key: OIDC_CONFIG_KEY } });
    const stored = JSON.stringify(row.value);
    expect(stored).not.toContain(CLIENT_SECRET);
    expect((row.value as { clientSecretSealed: string }).clientSecretSealed).toMatch(/^v1\./);
    let rows = await lastSettingRows(since);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: "setting.update", result: "success", actorName: admin.username });
    expect(rows[0]!.detail).toMatchObject({ before: null, new_client_key: true, after: { issuer: idp.issuer, adminGroup: "wharf-admins" } });
    expect(asText(rows[0])).not.toContain(CLIENT_SECRET);
    expect(asText(rows[0])).not.toContain("clientSecretSealed");

    // An empty secret keeps the sealed one; the sign-in (OIDC mode) opens it.
    since = await lastAuditId();
    await updateOidcSettings({ actor: actorFor(admin), input: settings({ clientSecret: "", providerName: "Renamed IdP" }) });
    rows = await lastSettingRows(since);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.detail).toMatchObject({ new_client_key: false, before: { providerName: "Test IdP" }, after: { providerName: "Renamed IdP" } });
    expect((await db.systemSetting.findUniqueOrThrow({ where: { key: OIDC_CONFIG_KEY } })).value).toMatchObject({ clientSecretSealed: (row.value as { clientSecretSealed: string }).clientSecretSealed });

    // Off while the auth mode is not OIDC; on (with the secret opened) in it.
    forgetOidcConfig();
    expect(await readOidcSignInConfig()).toBeNull();
    try {
      await setAuthModeRow("oidc_auth");
      expect(await readOidcSignInConfig()).toMatchObject({ providerName: "Renamed IdP", clientSecret: CLIENT_SECRET });
      expect(await readOidcSignInButton()).toEqual({ providerName: "Renamed IdP" });
    } finally {
      await setAuthModeRow("db_auth");
    }
    expect(await readOidcSignInButton()).toBeNull();
  });

  it("lets auditors read the settings without the secret, and refuses them and other users the save", async () => {
    await updateOidcSettings({ actor: actorFor(admin), input: settings() });
    const read = await getOidcSettings({ actor: actorFor(auditor) });
    expect(read).toMatchObject({ providerName: "Test IdP", clientId: idp.clientId, hasClientSecret: true, adminGroup: "wharf-admins" });
    expect(Object.keys(read!)).not.toContain("clientSecret");
    expect(Object.keys(read!)).not.toContain("clientSecretSealed");
    expect(JSON.stringify(read)).not.toContain(CLIENT_SECRET);

    const since = await lastAuditId();
    await expect(updateOidcSettings({ actor: actorFor(auditor), input: settings({ providerName: "Auditor's" }) })).rejects.toBeInstanceOf(ForbiddenError);
    const user = await createTestUser();
    await expect(getOidcSettings({ actor: actorFor(user) })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(updateOidcSettings({ actor: actorFor(user), input: settings() })).rejects.toBeInstanceOf(ForbiddenError);
    const refusals = await lastSettingRows(since);
    expect(refusals.map((r) => [r.actorName, r.result])).toEqual([
      [auditor.username, "failure"],
      [user.username, "failure"],
      [user.username, "failure"],
    ]);
    expect((await getOidcSettings({ actor: actorFor(admin) }))!.providerName).toBe("Test IdP");
  });
});

describe("Test connection", () => {
  it("reads the real provider's discovery document, with one audit row", async () => {
    const since = await lastAuditId();
    const result = await testOidcConnection({ actor: actorFor(admin), input: { issuer: idp.issuer, verifyCertificate: true } });
    expect(result).toEqual({
      ok: true,
      discovery: expect.objectContaining({
        issuer: idp.issuer,
        authorizationEndpoint: `${idp.issuer}/auth`,
        tokenEndpoint: `${idp.issuer}/token`,
        userinfoEndpoint: `${idp.issuer}/me`,
        scopesSupported: expect.arrayContaining(["openid", "groups"]),
      }),
    });
    const rows = await lastSettingRows(since);
    expect(rows.map((r) => [r.action, r.result, r.actorName])).toEqual([["oidc.test_connection", "success", admin.username]]);
    expect(rows[0]!.detail).toMatchObject({ issuer: idp.issuer, ok: true });
  });

  it("says clearly when the provider cannot be reached, or the URL is not its issuer", async () => {
    const down = await startTestOidcProvider({ redirectUris: ["http://127.0.0.1:3999/api/auth/callback/oidc"] });
    const issuer = down.issuer;
    await down.close();
    const unreachable = await testOidcConnection({ actor: actorFor(admin), input: { issuer, verifyCertificate: true } });
    expect(unreachable).toEqual({ ok: false, error: `Cannot read ${issuer}/.well-known/openid-configuration: connection refused (is the provider running, and the port right?)` });

    const wrongPath = await testOidcConnection({ actor: actorFor(admin), input: { issuer: `${idp.issuer}/realms/main`, verifyCertificate: true } });
    expect(wrongPath).toEqual({ ok: false, error: `${idp.issuer}/realms/main/.well-known/openid-configuration answered HTTP 404: is the issuer URL right?` });
  });

  it("is for administrators only", async () => {
    await expect(testOidcConnection({ actor: actorFor(auditor), input: { issuer: idp.issuer, verifyCertificate: true } })).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("signing in with the provider's claims", () => {
  const config = () => ({ ...settings(), clientSecret: CLIENT_SECRET });

  it("onboards the user with their groups and the admin flag from the admin group", async () => {
    const username = uniqueName("oidc");
    const claims = { iss: idp.issuer, sub: `sub-${username}`, preferred_username: username, email: `${username}@idp.test`, name: "Olive Idp", groups: ["team-a", "wharf-admins"] };
    const session = await signInWithOidcClaims({ claims, config: config(), client });
    const user = await db.user.findUniqueOrThrow({ where: { id: session.id }, include: { groups: { include: { group: true } } } });
    expect(user).toMatchObject({ username, authSource: "oidc", externalId: `${idp.issuer}#sub-${username}`, isAdmin: true, email: `${username}@idp.test` });
    expect(user.groups.map((m) => [m.group.groupType, m.group.name]).sort()).toEqual([
      ["oidc", "team-a"],
      ["oidc", "wharf-admins"],
    ]);

    // Out of the admin group at the next sign-in: no longer an administrator.
    await signInWithOidcClaims({ claims: { ...claims, groups: ["team-a"] }, config: config(), client });
    expect(await db.user.findUniqueOrThrow({ where: { id: session.id }, select: { isAdmin: true } })).toEqual({ isAdmin: false });
  });

  it("refuses an unknown user while onboarding is off, and a provider that sends no username, with audit rows", async () => {
    const username = uniqueName("nobody");
    const off = { ...config(), autoOnboard: false };
    const refused = await signInWithOidcClaims({ claims: { iss: idp.issuer, sub: `sub-${username}`, preferred_username: username }, config: off, client }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ExternalSignInRefused);
    expect(oidcRefusalCode(refused)).toBe("OidcNoAccount");
    expect(await db.user.count({ where: { username } })).toBe(0);

    const sub = `sub-${uniqueName("nameless")}`;
    const nameless = await signInWithOidcClaims({ claims: { iss: idp.issuer, sub, name: "Has A Name" }, config: config(), client }).catch((e: unknown) => e);
    expect(oidcRefusalCode(nameless)).toBe("OidcClaimMissing");
    expect((nameless as Error).message).toContain('no "preferred_username" claim');
    const rows = await db.auditEvent.findMany({ where: { action: "session.sign_in", result: "failure", resourceName: { in: [username, sub] } }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.resourceName, r.reason])).toEqual([
      [username, "no account (OIDC onboarding is off)"],
      [sub, "username claim missing: preferred_username"],
    ]);
  });
});

describe("an OIDC account's registry credentials", () => {
  it("is the CLI secret, made without two-factor; the identity provider's password never works, and there is no Wharf password to change", async () => {
    const username = uniqueName("cli");
    const session = await signInWithOidcClaims({ claims: { iss: idp.issuer, sub: `sub-${username}`, preferred_username: username, groups: [] }, config: { ...settings(), clientSecret: CLIENT_SECRET }, client });
    const user = await db.user.findUniqueOrThrow({ where: { id: session.id } });
    const actor = actorFor(user);
    expect(await getOidcAccountStatus({ actor })).toEqual({ oidc: true, cliSecretCreatedAt: null });

    // Before a secret exists, nothing the person knows logs a registry client in.
    await expect(verifyRegistryCredentials({ username, password: "the-IdP-password-1", client })).rejects.toBeInstanceOf(UnauthenticatedError);

    const since = await lastAuditId();
    const { secret } = await refreshCliSecret({ actor });
    const rows = await db.auditEvent.findMany({ where: { id: { gt: since }, action: "cli_secret.refresh" } });
    expect(rows.map((r) => [r.actorName, r.result])).toEqual([[username, "success"]]);
    expect((await getOidcAccountStatus({ actor })).cliSecretCreatedAt).toBeInstanceOf(Date);

    await expect(verifyRegistryCredentials({ username, password: secret, client })).resolves.toMatchObject({ kind: "user", id: user.id, username });
    await expect(verifyRegistryCredentials({ username, password: "the-IdP-password-1", client })).rejects.toBeInstanceOf(UnauthenticatedError);
    // A newer secret replaces it at once.
    const { secret: newer } = await refreshCliSecret({ actor });
    await expect(verifyRegistryCredentials({ username, password: secret, client })).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(verifyRegistryCredentials({ username, password: newer, client })).resolves.toMatchObject({ id: user.id });

    const change = await changeOwnPassword({ actor, input: { currentPassword: "x", newPassword: "New-passw0rd-123", confirmPassword: "New-passw0rd-123" } }).catch((e: unknown) => e);
    expect(change).toBeInstanceOf(ConflictError);
    expect((change as Error).message).toContain("change your password there");
  });

  it("still needs two-factor for a local account's CLI secret", async () => {
    const local = await createTestUser();
    await expect(refreshCliSecret({ actor: actorFor(local) })).rejects.toBeInstanceOf(ConflictError);
    expect(await getOidcAccountStatus({ actor: actorFor(local) })).toEqual({ oidc: false, cliSecretCreatedAt: null });
  });
});
