import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as configurationsRoute from "@/app/api/v2.0/configurations/route";
import * as pingRoute from "@/app/api/v2.0/ldap/ping/route";
import * as importRoute from "@/app/api/v2.0/ldap/users/import/route";
import * as searchRoute from "@/app/api/v2.0/ldap/users/search/route";
import { apiRequest, basic, call, errorOf } from "@/lib/api/test-kit";
import { createTestUser, db, uniqueName } from "@/lib/testing/factories";
import { harborListShapeErrors, harborShapeErrors } from "@/lib/testing/harbor-swagger";
import { type Slapd, SLAPD_GROUPS, SLAPD_PEOPLE, startSlapd } from "@/lib/testing/slapd";

/*
 * Harbor's REST for the sign-in settings (GET/PUT /configurations, /ldap/ping, /ldap/users/search,
 * /ldap/users/import) against the real database and a real OpenLDAP (lib/testing/slapd.ts). Every
 * answer is checked against Wharf's OpenAPI document (test-kit's call). The global settings this
 * file changes (auth_mode, ldap_config, oidc_config) are put back as they were in afterAll.
 */

const SETTING_KEYS = ["auth_mode", "ldap_config", "oidc_config", "project_creation_restriction"];
let settingsBefore: { key: string; value: unknown }[] = [];
let slapd: Slapd;
let admin: Awaited<ReturnType<typeof createTestUser>>;
let auditor: Awaited<ReturnType<typeof createTestUser>>;
let developer: Awaited<ReturnType<typeof createTestUser>>;
const tag = uniqueName("c").slice(2);
const uid = (name: string) => `${name}-${tag}`;
const OIDC_SECRET = "conf-oidc-client-Secret-9";

const get = (caller: { username: string }) => call(configurationsRoute.GET, apiRequest("/configurations", { auth: basic(caller.username) }), {});
const put = (caller: { username: string }, body: unknown) => call(configurationsRoute.PUT, apiRequest("/configurations", { method: "PUT", auth: basic(caller.username), body }), {});
const ping = (caller: { username: string }, body?: unknown) => call(pingRoute.POST, apiRequest("/ldap/ping", { method: "POST", auth: basic(caller.username), body }), {});
const search = (caller: { username: string }, username: string) =>
  call(searchRoute.GET, apiRequest(`/ldap/users/search?username=${encodeURIComponent(username)}`, { auth: basic(caller.username) }), {});
const importUids = (caller: { username: string }, uids: string[]) =>
  call(importRoute.POST, apiRequest("/ldap/users/import", { method: "POST", auth: basic(caller.username), body: { ldap_uid_list: uids } }), {});

function ldapBody(overrides: Record<string, unknown> = {}) {
  return {
    ldap_url: slapd.url,
    ldap_search_dn: slapd.rootDn,
    ldap_search_password: slapd.rootPassword,
    ldap_base_dn: SLAPD_PEOPLE,
    ldap_filter: "(objectClass=inetOrgPerson)",
    ldap_uid: "uid",
    ldap_scope: 2,
    ldap_verify_cert: true,
    ldap_group_base_dn: SLAPD_GROUPS,
    ldap_group_search_filter: "(objectClass=groupOfNames)",
    ldap_group_attribute_name: "cn",
    ...overrides,
  };
}

async function lastAuditId(): Promise<bigint> {
  return (await db.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0n;
}
const rowsSince = (since: bigint) => db.auditEvent.findMany({ where: { id: { gt: since } }, orderBy: { id: "asc" } });
const storedSettings = () => db.systemSetting.findMany({ where: { key: { in: SETTING_KEYS } }, orderBy: { key: "asc" }, select: { key: true, value: true } });

beforeAll(async () => {
  settingsBefore = await db.systemSetting.findMany({ where: { key: { in: SETTING_KEYS } }, select: { key: true, value: true } });
  await db.systemSetting.deleteMany({ where: { key: { in: ["auth_mode", "ldap_config", "oidc_config"] } } });
  slapd = await startSlapd();
  for (const name of ["alice", "bob", "carol"]) {
    await slapd.addUser({ uid: uid(name), password: `${name}-Dir-passw0rd`, cn: `${name} Example`, mail: `${uid(name)}@dir.example.test` });
  }
  admin = await createTestUser({ isAdmin: true });
  auditor = await createTestUser({ isAuditor: true });
  developer = await createTestUser();
}, 60_000);

afterAll(async () => {
  try {
    // Leave the shared database as this file found it.
    await db.systemSetting.deleteMany({ where: { key: { in: SETTING_KEYS.filter((k) => !settingsBefore.some((s) => s.key === k)) } } });
    for (const row of settingsBefore) await db.systemSetting.upsert({ where: { key: row.key }, create: { key: row.key, value: row.value as never }, update: { value: row.value as never } });
  } finally {
    await slapd?.stop();
  }
});

describe("GET/PUT /configurations", () => {
  it("answers administrators and auditors in Harbor's shape, with defaults before anything is configured", async () => {
    for (const caller of [admin, auditor]) {
      const res = await get(caller);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, { value: unknown; editable: boolean }>;
      // Harbor's keys Wharf has no setting for are left out; every key answered has Harbor's type.
      expect(harborShapeErrors("ConfigurationsResponse", body).filter((e) => !e.includes(": missing ("))).toEqual([]);
      expect(body.auth_mode).toEqual({ value: "db_auth", editable: true });
      expect(body.ldap_url).toEqual({ value: "", editable: true });
      expect(body.ldap_scope).toEqual({ value: 2, editable: true });
      expect(body.oidc_scope).toEqual({ value: "openid,profile,email", editable: true });
      expect(body).not.toHaveProperty("ldap_search_password");
      expect(body).not.toHaveProperty("oidc_client_secret");
    }
  });

  it("saves auth_mode and the LDAP settings, one setting.update row per group, and GET shows them without the password", async () => {
    const since = await lastAuditId();
    const res = await put(admin, { auth_mode: "ldap_auth", ...ldapBody() });
    expect(res.status, await res.clone().text()).toBe(200);
    const rows = await rowsSince(since);
    expect(rows.map((r) => [r.action, r.result, r.resourceName]).sort()).toEqual([
      ["setting.update", "success", "auth_mode"],
      ["setting.update", "success", "ldap_config"],
    ]);
    expect(JSON.stringify(rows, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(slapd.rootPassword);

    for (const caller of [admin, auditor]) {
      const text = await (await get(caller)).text();
      expect(text).not.toContain(slapd.rootPassword);
      expect(text).not.toMatch(/password|secret/i);
      const body = JSON.parse(text) as Record<string, { value: unknown }>;
      expect(body.auth_mode!.value).toBe("ldap_auth");
      expect(body.ldap_url!.value).toBe(slapd.url);
      expect(body.ldap_search_dn!.value).toBe(slapd.rootDn);
      expect(body.ldap_base_dn!.value).toBe(SLAPD_PEOPLE);
      expect(body.ldap_scope!.value).toBe(2);
      expect(body.ldap_group_search_filter!.value).toBe("(objectClass=groupOfNames)");
    }
    // The password was sealed, not stored in clear.
    const stored = await db.systemSetting.findUniqueOrThrow({ where: { key: "ldap_config" } });
    expect(JSON.stringify(stored.value)).not.toContain(slapd.rootPassword);
  });

  it("changes only the keys given: the others, and the stored bind password, stay", async () => {
    const since = await lastAuditId();
    expect((await put(admin, { ldap_scope: 1 })).status).toBe(200);
    expect((await rowsSince(since)).map((r) => r.resourceName)).toEqual(["ldap_config"]);
    const body = (await (await get(admin)).json()) as Record<string, { value: unknown }>;
    expect(body.ldap_scope!.value).toBe(1);
    expect(body.ldap_url!.value).toBe(slapd.url);
    // The stored password still binds (an empty body tests the stored settings).
    const pinged = (await (await ping(admin)).json()) as { success: boolean; message: string };
    expect(pinged).toMatchObject({ success: true });
    expect((await put(admin, { ldap_scope: 2 })).status).toBe(200);
  });

  it("refuses bad values and unknown keys with a 400 naming each, and saves nothing", async () => {
    const settings = await storedSettings();
    const since = await lastAuditId();

    const types = await put(admin, { auth_mode: "oidc_auth", ldap_scope: 7, email_host: "smtp.example.com", self_registration: true });
    expect(types.status).toBe(400);
    const typesMessage = (await errorOf(types)).message;
    expect(typesMessage).toContain("ldap_scope: ");
    expect(typesMessage).toContain("email_host: not supported by Wharf");
    expect(typesMessage).toContain("self_registration: ");

    // Values that only fail once merged and checked as a whole: every group's faults in one answer.
    const values = await put(admin, { auth_mode: "oidc_auth", ldap_url: "http://x", oidc_endpoint: "ftp://idp.example.com", oidc_client_id: "wharf" });
    expect(values.status).toBe(400);
    const valuesMessage = (await errorOf(values)).message;
    expect(valuesMessage).toContain("ldap_url: Must start with ldap:// or ldaps://");
    expect(valuesMessage).toContain("oidc_endpoint: ");
    expect(valuesMessage).toContain("oidc_name: ");

    // A new OIDC configuration needs its secret.
    const noSecret = await put(admin, { oidc_name: "IdP", oidc_endpoint: "https://idp.example.com", oidc_client_id: "wharf" });
    expect(noSecret.status).toBe(400);
    expect((await errorOf(noSecret)).message).toContain("oidc_client_secret: ");

    expect(await storedSettings()).toEqual(settings);
    expect(await rowsSince(since)).toEqual([]);
  });

  it("accepts the Harbor switches Wharf does not have with Wharf's value, and leaves an unconfigured group alone for its switches", async () => {
    const since = await lastAuditId();
    // As Harbor's Terraform provider sends an LDAP configuration: OIDC switches included, OIDC not configured.
    const res = await put(admin, { ...ldapBody({ ldap_search_password: "" }), oidc_verify_cert: false, oidc_auto_onboard: false, self_registration: false, read_only: false });
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await rowsSince(since)).map((r) => r.resourceName)).toEqual(["ldap_config"]);
    expect(await db.systemSetting.count({ where: { key: "oidc_config" } })).toBe(0);
  });

  it("saves the OIDC settings (scopes comma-separated as Harbor's), never answering the secret", async () => {
    const since = await lastAuditId();
    const res = await put(admin, {
      oidc_name: "Conf IdP",
      oidc_endpoint: "https://idp.example.com/realms/main",
      oidc_client_id: "wharf",
      oidc_client_secret: OIDC_SECRET,
      oidc_scope: "openid,profile,email,groups",
      oidc_groups_claim: "groups",
      oidc_admin_group: "wharf-admins",
      oidc_verify_cert: true,
      oidc_auto_onboard: true,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const rows = await rowsSince(since);
    expect(rows.map((r) => [r.action, r.resourceName])).toEqual([["setting.update", "oidc_config"]]);
    expect(JSON.stringify(rows, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(OIDC_SECRET);
    const text = await (await get(auditor)).text();
    expect(text).not.toContain(OIDC_SECRET);
    const body = JSON.parse(text) as Record<string, { value: unknown }>;
    expect(body.oidc_name!.value).toBe("Conf IdP");
    expect(body.oidc_scope!.value).toBe("openid,profile,email,groups");
    expect(body.oidc_admin_group!.value).toBe("wharf-admins");
    expect(body.oidc_auto_onboard!.value).toBe(true);
    // Changed again without the secret: the stored one stays (no 400).
    expect((await put(admin, { oidc_name: "Conf IdP 2" })).status).toBe(200);
  });

  it("refuses an auditor's and a developer's change with 403 and one failure row, nothing saved", async () => {
    const settings = await storedSettings();
    for (const caller of [auditor, developer]) {
      const since = await lastAuditId();
      const res = await put(caller, { auth_mode: "oidc_auth", ldap_scope: 0 });
      expect(res.status).toBe(403);
      const rows = await rowsSince(since);
      expect(rows).toHaveLength(1);
      // Filed as the change it was, whoever may or may not read the settings.
      expect(rows[0]).toMatchObject({ action: "setting.update", result: "failure", actorName: caller.username });
    }
    // The developer may not read either.
    const since = await lastAuditId();
    expect((await get(developer)).status).toBe(403);
    expect((await rowsSince(since)).map((r) => [r.action, r.result])).toEqual([["setting.read", "failure"]]);
    expect(await storedSettings()).toEqual(settings);
  });
});

describe("/ldap/ping", () => {
  it("tests the stored settings, or the given LdapConf over them; a dead server is success:false, not an error", async () => {
    const stored = await ping(admin);
    expect(stored.status).toBe(200);
    const storedBody = (await stored.json()) as { success: boolean; message: string };
    expect(harborShapeErrors("LdapPingResult", storedBody)).toEqual([]);
    expect(storedBody.success).toBe(true);

    const since = await lastAuditId();
    const dead = await ping(admin, { ldap_url: "ldap://127.0.0.1:1", ldap_connection_timeout: 5 });
    expect(dead.status).toBe(200);
    const deadBody = (await dead.json()) as { success: boolean; message: string };
    expect(deadBody.success).toBe(false);
    expect(deadBody.message).toContain("ldap://127.0.0.1:1");
    // A wrong password given for the test is a failure too, and nothing was saved or recorded.
    const wrong = (await (await ping(admin, { ldap_search_password: "not-the-Passw0rd" })).json()) as { success: boolean; message: string };
    expect(wrong.success).toBe(false);
    expect(await rowsSince(since)).toEqual([]);
    const body = (await (await get(admin)).json()) as Record<string, { value: unknown }>;
    expect(body.ldap_url!.value).toBe(slapd.url);
  });

  it("refuses bad values (400 naming the field) and an auditor (403, one ldap.ping failure row)", async () => {
    const bad = await ping(admin, { ldap_url: "http://x", ldap_scope: 1 });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toContain("ldap_url: ");
    const unknown = await ping(admin, { ldap_bogus: 1 });
    expect(unknown.status).toBe(400);
    expect((await errorOf(unknown)).message).toContain("ldap_bogus: not supported by Wharf");

    const since = await lastAuditId();
    expect((await ping(auditor)).status).toBe(403);
    expect((await rowsSince(since)).map((r) => [r.action, r.result, r.actorName])).toEqual([["ldap.ping", "failure", auditor.username]]);
  });
});

describe("/ldap/users/search and /ldap/users/import", () => {
  it("searches the directory in Harbor's LdapUser shape; administrators only", async () => {
    const res = await search(admin, tag);
    expect(res.status).toBe(200);
    const users = (await res.json()) as { username: string; realname: string; email: string }[];
    expect(harborListShapeErrors("LdapUser", users)).toEqual([]);
    expect(users.map((u) => u.username).sort()).toEqual([uid("alice"), uid("bob"), uid("carol")]);
    expect(users.find((u) => u.username === uid("alice"))).toEqual({ username: uid("alice"), realname: "alice Example", email: `${uid("alice")}@dir.example.test` });

    const since = await lastAuditId();
    expect((await search(auditor, tag)).status).toBe(403);
    expect((await rowsSince(since)).map((r) => [r.action, r.result])).toEqual([["ldap.search", "failure"]]);
  });

  it("imports by username: the found ones created with one user.create row each, the rest answered in a 404", async () => {
    const missing = uid("nobody");
    const hostile = `${uid("alice")})(uid=*`;
    const since = await lastAuditId();
    const res = await importUids(admin, [uid("alice"), uid("bob"), missing, hostile]);
    expect(res.status).toBe(404);
    const failed = (await res.json()) as { uid: string; error: string }[];
    expect(harborListShapeErrors("LdapFailedImportUser", failed)).toEqual([]);
    expect(failed.map((f) => f.uid).sort()).toEqual([hostile, missing].sort());
    expect(failed.every((f) => f.error === "not found in the directory")).toBe(true);

    const rows = await rowsSince(since);
    expect(rows.map((r) => [r.action, r.result, r.resourceName]).sort()).toEqual([
      ["user.create", "success", uid("alice")],
      ["user.create", "success", uid("bob")],
    ]);
    const created = await db.user.findMany({ where: { username: { in: [uid("alice"), uid("bob")] } }, select: { username: true, authSource: true, externalId: true } });
    expect(created.map((u) => [u.username, u.authSource, u.externalId]).sort()).toEqual([
      [uid("alice"), "ldap", `uid=${uid("alice")},${SLAPD_PEOPLE}`],
      [uid("bob"), "ldap", `uid=${uid("bob")},${SLAPD_PEOPLE}`],
    ]);

    // Already imported: a 404 saying so, no row. A name all found and new: 200 with no body.
    const again = await importUids(admin, [uid("alice")]);
    expect(again.status).toBe(404);
    expect((await again.json()) as unknown).toEqual([{ uid: uid("alice"), error: "already a Wharf user" }]);
    const since2 = await lastAuditId();
    const carol = await importUids(admin, [uid("carol")]);
    expect(carol.status).toBe(200);
    expect((await rowsSince(since2)).map((r) => [r.action, r.resourceName])).toEqual([["user.create", uid("carol")]]);
  });

  it("refuses an auditor's import with 403 and one user.create failure row, and a bad list with 400", async () => {
    const since = await lastAuditId();
    expect((await importUids(auditor, [uid("nobody-else")])).status).toBe(403);
    expect((await rowsSince(since)).map((r) => [r.action, r.result])).toEqual([["user.create", "failure"]]);
    const empty = await importUids(admin, []);
    expect(empty.status).toBe(400);
    expect((await errorOf(empty)).message).toContain("ldap_uid_list: ");
  });
});
