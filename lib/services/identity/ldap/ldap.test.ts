import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError, ForbiddenError, SignInLockedError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import { SIGN_IN_MAX_FAILURES, signInWithPassword } from "@/lib/services/auth/sign-in";
import { verifyRegistryCredentials } from "@/lib/services/auth/verify-registry-credentials";
import { setAuthMode } from "@/lib/services/identity/auth-mode";
import { getLdapSettings, LDAP_CONFIG_KEY, saveLdapSettings } from "@/lib/services/identity/ldap/config";
import { DirectoryUnavailableError, importLdapUsers, searchLdapUsers, testLdapConnection } from "@/lib/services/identity/ldap/ldap";
import { actorFor, auditRowsFor, createTestUser, db, TEST_PASSWORD, uniqueName } from "@/lib/testing/factories";
import { type Slapd, SLAPD_GROUPS, SLAPD_PEOPLE, startSlapd } from "@/lib/testing/slapd";

/*
 * LDAP sign-in against a real OpenLDAP (Debian's slapd, lib/testing/slapd.ts) and the real
 * database: the console and registry paths, provisioning and group refresh, the throttle, the
 * settings and the directory tools. Global settings (auth_mode, ldap_config) are restored after.
 */

let slapd: Slapd;
let admin: Awaited<ReturnType<typeof createTestUser>>;
let auditor: Awaited<ReturnType<typeof createTestUser>>;
const tag = uniqueName("t").slice(2);
const uid = (name: string) => `${name}-${tag}`;
const PASSWORDS = { alice: "Alice-dir-passw0rd", bob: "Bob-dir-passw0rd", carol: "Carol-dir-passw0rd", dave: "Dave-dir-passw0rd", erin: "Erin-dir-passw0rd", frank: "Frank-dir-passw0rd" };
const client = { ip: "198.51.100.77", userAgent: "vitest-ldap" };
let devsDn = "";
let adminsDn = "";

function settings(overrides: Record<string, unknown> = {}) {
  return {
    url: slapd.url,
    bindDn: slapd.rootDn,
    bindPassword: slapd.rootPassword,
    userBaseDn: SLAPD_PEOPLE,
    userFilter: "(objectClass=inetOrgPerson)",
    uidAttribute: "uid",
    emailAttribute: "mail",
    fullNameAttribute: "cn",
    scope: "sub",
    groupBaseDn: SLAPD_GROUPS,
    groupFilter: "(objectClass=groupOfNames)",
    groupNameAttribute: "cn",
    groupMemberAttribute: "member",
    adminGroupDn: adminsDn,
    verifyCertificate: "on",
    onboard: "on",
    ...overrides,
  };
}

async function groupsOf(username: string): Promise<string[]> {
  const rows = await db.userGroupMember.findMany({ where: { user: { username } }, select: { group: { select: { name: true } } } });
  return rows.map((r) => r.group.name).sort();
}

beforeAll(async () => {
  slapd = await startSlapd();
  for (const name of Object.keys(PASSWORDS) as (keyof typeof PASSWORDS)[]) {
    await slapd.addUser({ uid: uid(name), password: PASSWORDS[name], cn: `${name} Example`, mail: `${uid(name)}@dir.example.test` });
  }
  devsDn = await slapd.addGroup(`devs-${tag}`, [uid("alice"), uid("bob")]);
  adminsDn = await slapd.addGroup(`admins-${tag}`, [uid("alice")]);
  admin = await createTestUser({ isAdmin: true });
  auditor = await createTestUser({ isAuditor: true });
  await saveLdapSettings({ actor: actorFor(admin), input: settings() });
  await setAuthMode({ actor: actorFor(admin), mode: "ldap_auth" });
});

afterAll(async () => {
  try {
    // Leave the shared database as it was: password sign-in only, no LDAP configuration.
    await db.systemSetting.deleteMany({ where: { key: { in: ["auth_mode", LDAP_CONFIG_KEY] } } });
  } finally {
    await slapd?.stop();
  }
});

describe("LDAP settings", () => {
  it("refuses bad input with field errors and saves nothing", async () => {
    const before = await db.systemSetting.findUniqueOrThrow({ where: { key: LDAP_CONFIG_KEY } });
    const rowsBefore = await db.auditEvent.count({ where: { resourceName: LDAP_CONFIG_KEY } });
    const error = await saveLdapSettings({
      actor: actorFor(admin),
      input: settings({ url: "http://ldap.example.com", userBaseDn: "", uidAttribute: "no spaces please", userFilter: "uid=x" }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(Object.keys((error as ValidationError).fieldErrors).sort()).toEqual(["uidAttribute", "url", "userBaseDn", "userFilter"]);
    // A filter with balanced parentheses that is still not LDAP is caught by the parser.
    const bad = await saveLdapSettings({ actor: actorFor(admin), input: settings({ groupFilter: "(&(objectClass=groupOfNames)(!))" }) }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ValidationError);
    expect(Object.keys((bad as ValidationError).fieldErrors)).toEqual(["groupFilter"]);
    const after = await db.systemSetting.findUniqueOrThrow({ where: { key: LDAP_CONFIG_KEY } });
    expect(after.value).toEqual(before.value);
    expect(await db.auditEvent.count({ where: { resourceName: LDAP_CONFIG_KEY } })).toBe(rowsBefore);
  });

  it("seals the bind password, keeps it when none is sent, and never shows it to auditors or audit rows", async () => {
    const stored = await db.systemSetting.findUniqueOrThrow({ where: { key: LDAP_CONFIG_KEY } });
    expect(JSON.stringify(stored.value)).not.toContain(slapd.rootPassword);
    const view = await getLdapSettings({ actor: actorFor(auditor) });
    expect(view).toMatchObject({ url: slapd.url, bindDn: slapd.rootDn, hasBindPassword: true, onboard: true });
    expect(JSON.stringify(view)).not.toContain(slapd.rootPassword);
    expect(view).not.toHaveProperty("bindPassword");
    expect(view).not.toHaveProperty("bindPasswordSealed");

    // Saved again without a password: the stored one stays (the connection test still binds).
    const rowsBefore = await db.auditEvent.count({ where: { resourceName: LDAP_CONFIG_KEY, action: "setting.update" } });
    await saveLdapSettings({ actor: actorFor(admin), input: settings({ bindPassword: "" }) });
    expect(await db.auditEvent.count({ where: { resourceName: LDAP_CONFIG_KEY, action: "setting.update" } })).toBe(rowsBefore + 1);
    await expect(testLdapConnection({ actor: actorFor(admin), input: settings({ bindPassword: "" }) })).resolves.toMatchObject({ userCount: 5, truncated: true });
    const rows = await auditRowsFor("setting", LDAP_CONFIG_KEY);
    expect(JSON.stringify(rows, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(slapd.rootPassword);
  });

  it("refuses a user who is not an administrator, with one failure row", async () => {
    const user = await createTestUser();
    await expect(saveLdapSettings({ actor: actorFor(user), input: settings() })).rejects.toBeInstanceOf(ForbiddenError);
    const rows = await db.auditEvent.findMany({ where: { actorId: user.id } });
    expect(rows.map((r) => [r.action, r.result])).toEqual([["setting.update", "failure"]]);
    await expect(saveLdapSettings({ actor: actorFor(auditor), input: settings() })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(testLdapConnection({ actor: actorFor(auditor), input: settings() })).rejects.toBeInstanceOf(ForbiddenError);
    const pings = await db.auditEvent.findMany({ where: { actorId: auditor.id, action: "ldap.ping" } });
    expect(pings.map((r) => r.result)).toEqual(["failure"]);
    await expect(getLdapSettings({ actor: actorFor(user) })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("Test connection reports what it found, or why it cannot bind, and writes no row", async () => {
    const since = (await db.auditEvent.aggregate({ _max: { id: true } }))._max.id ?? 0n;
    const found = await testLdapConnection({ actor: actorFor(admin), input: settings({ userFilter: `(uid=${uid("alice")})` }) });
    expect(found).toMatchObject({ userCount: 1, truncated: false, sample: [{ username: uid("alice"), email: `${uid("alice")}@dir.example.test`, fullName: "alice Example" }] });
    const wrong = await testLdapConnection({ actor: actorFor(admin), input: settings({ bindPassword: "not-the-password" }) }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(DirectoryUnavailableError);
    expect((wrong as Error).message).toMatch(/refused Wharf's bind DN/);
    const nobody = await testLdapConnection({ actor: actorFor(admin), input: settings({ url: "ldap://127.0.0.1:1" }) }).catch((e: unknown) => e);
    expect(nobody).toBeInstanceOf(DirectoryUnavailableError);
    expect((nobody as AppError).status).toBe(503);
    expect((nobody as Error).message).toMatch(/^The directory cannot be reached/);
    expect(await db.auditEvent.count({ where: { id: { gt: since } } })).toBe(0);
  });
});

describe("console sign-in through LDAP", () => {
  it("onboards a directory user with their groups, and the admin group makes them an administrator", async () => {
    const signedIn = await signInWithPassword({ username: uid("alice"), password: PASSWORDS.alice, client });
    const user = await db.user.findUniqueOrThrow({ where: { id: signedIn.id } });
    expect(user).toMatchObject({ username: uid("alice"), authSource: "ldap", externalId: slapd.userDn(uid("alice")), email: `${uid("alice")}@dir.example.test`, isAdmin: true });
    expect(await groupsOf(uid("alice"))).toEqual([`admins-${tag}`, `devs-${tag}`]);
    const rows = await auditRowsFor("session", uid("alice"));
    expect(rows.map((r) => [r.action, r.result])).toEqual([["session.sign_in", "success"]]);
    expect(rows[0]!.detail).toMatchObject({ auth_source: "ldap", onboarded: true });
  });

  it("a group removed in the directory, and the admin group, are gone at the next sign-in", async () => {
    await slapd.removeMember(`devs-${tag}`, uid("alice"));
    await slapd.removeMember(`admins-${tag}`, uid("alice"));
    try {
      const signedIn = await signInWithPassword({ username: uid("alice"), password: PASSWORDS.alice, client });
      expect(await groupsOf(uid("alice"))).toEqual([]);
      expect((await db.user.findUniqueOrThrow({ where: { id: signedIn.id } })).isAdmin).toBe(false);
    } finally {
      await slapd.addMember(`devs-${tag}`, uid("alice"));
      await slapd.addMember(`admins-${tag}`, uid("alice"));
    }
    await signInWithPassword({ username: uid("alice"), password: PASSWORDS.alice, client });
    expect(await groupsOf(uid("alice"))).toEqual([`admins-${tag}`, `devs-${tag}`]);
    expect((await db.user.findUniqueOrThrow({ where: { username: uid("alice") } })).isAdmin).toBe(true);
  });

  it("a wrong password writes one failure row per try, counts toward the lock, and the lock holds", async () => {
    const name = uid("erin");
    for (let i = 1; i < SIGN_IN_MAX_FAILURES; i++) {
      await expect(signInWithPassword({ username: name, password: "Wrong-passw0rd", client })).rejects.toThrow("Wrong username or password.");
    }
    await expect(signInWithPassword({ username: name, password: "Wrong-passw0rd", client })).rejects.toBeInstanceOf(SignInLockedError);
    await expect(signInWithPassword({ username: name, password: PASSWORDS.erin, client })).rejects.toBeInstanceOf(SignInLockedError);
    const rows = await auditRowsFor("session", name);
    expect(rows.filter((r) => r.reason === "wrong password (LDAP)")).toHaveLength(SIGN_IN_MAX_FAILURES);
    expect(rows.some((r) => r.result === "success")).toBe(false);
    expect(await db.user.count({ where: { username: name } })).toBe(0);
  });

  it("never sends an empty password to the directory", async () => {
    const name = uid("bob");
    await expect(signInWithPassword({ username: name, password: "", client })).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(verifyRegistryCredentials({ username: name, password: "", client })).rejects.toBeInstanceOf(UnauthenticatedError);
    const failures = [...(await auditRowsFor("session", name))].filter((r) => r.result === "failure");
    expect(failures.map((r) => [r.action, r.reason])).toEqual([
      ["session.sign_in", "empty password (LDAP)"],
      ["registry.login", "empty password (LDAP)"],
    ]);
  });

  it("treats filter syntax in a username as literal text: it finds nobody", async () => {
    for (const name of ["*", `${uid("bob")})(uid=*`, "a)(uid=*", `*)(|(uid=*`]) {
      await expect(signInWithPassword({ username: name, password: PASSWORDS.bob, client })).rejects.toThrow("Wrong username or password.");
      const rows = await auditRowsFor("session", name);
      expect(rows.at(-1)).toMatchObject({ result: "failure", reason: "unknown username (LDAP)" });
    }
    expect(await db.user.count({ where: { username: "*" } })).toBe(0);
  });

  it("a local administrator still signs in with the Wharf password, even while the directory is down", async () => {
    const local = await createTestUser({ isAdmin: true });
    await expect(signInWithPassword({ username: local.username, password: TEST_PASSWORD, client })).resolves.toMatchObject({ id: local.id });
    await slapd.pause();
    try {
      await expect(signInWithPassword({ username: local.username, password: TEST_PASSWORD, client })).resolves.toMatchObject({ id: local.id });
      const down = await signInWithPassword({ username: uid("carol"), password: PASSWORDS.carol, client }).catch((e: unknown) => e);
      expect(down).toBeInstanceOf(DirectoryUnavailableError);
      expect((down as AppError).status).toBe(503);
      expect((down as Error).message).toMatch(/directory cannot be reached/);
      // Not a guess: the throttle did not count it.
      expect(await db.signInThrottle.count({ where: { username: uid("carol").toLowerCase(), failureCount: { gt: 0 } } })).toBe(0);
      const registryDown = await verifyRegistryCredentials({ username: uid("carol"), password: PASSWORDS.carol, client }).catch((e: unknown) => e);
      expect(registryDown).toBeInstanceOf(DirectoryUnavailableError);
      expect((await auditRowsFor("session", uid("carol"))).map((r) => r.reason)).toEqual(["directory unreachable", "directory unreachable"]);
    } finally {
      await slapd.resume();
    }
  });
});

describe("onboarding and import", () => {
  it("with onboarding off only imported users sign in; the import writes one user.create row per user", async () => {
    await saveLdapSettings({ actor: actorFor(admin), input: settings({ onboard: "" }) });
    try {
      const refused = await signInWithPassword({ username: uid("dave"), password: PASSWORDS.dave, client }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(UnauthenticatedError);
      expect((refused as Error).message).toMatch(/no Wharf account for you yet/);
      expect(await db.user.count({ where: { username: uid("dave") } })).toBe(0);

      const search = await searchLdapUsers({ actor: actorFor(admin), input: { q: tag, limit: 3 } });
      expect(search.users).toHaveLength(3);
      expect(search.truncated).toBe(true);
      const found = await searchLdapUsers({ actor: actorFor(admin), input: { q: uid("dave"), limit: 25 } });
      expect(found.users).toEqual([expect.objectContaining({ dn: slapd.userDn(uid("dave")), username: uid("dave"), blocked: null })]);
      // Filter syntax in the search text is literal too.
      expect((await searchLdapUsers({ actor: actorFor(admin), input: { q: "*)(uid=*", limit: 25 } })).users).toEqual([]);

      const result = await importLdapUsers({
        actor: actorFor(admin),
        input: { dns: [slapd.userDn(uid("dave")), slapd.userDn(uid("frank")), slapd.userDn(uid("alice")), `uid=nobody,${SLAPD_PEOPLE}`] },
      });
      expect(result.created.map((c) => c.username).sort()).toEqual([uid("dave"), uid("frank")]);
      expect(result.skipped.map((s) => s.reason).sort()).toEqual(["already a Wharf user", "not a user entry under the user base"]);
      for (const name of [uid("dave"), uid("frank")]) {
        const rows = await auditRowsFor("user", name);
        expect(rows.map((r) => [r.action, r.result])).toEqual([["user.create", "success"]]);
        expect(await db.user.findUniqueOrThrow({ where: { username: name } })).toMatchObject({ authSource: "ldap", externalId: slapd.userDn(name), passwordHash: "!external" });
      }
      const again = await importLdapUsers({ actor: actorFor(admin), input: { dns: [slapd.userDn(uid("dave"))] } });
      expect(again.created).toEqual([]);

      const signedIn = await signInWithPassword({ username: uid("dave"), password: PASSWORDS.dave, client });
      expect(signedIn.username).toBe(uid("dave"));
    } finally {
      await saveLdapSettings({ actor: actorFor(admin), input: settings() });
    }
  });

  it("search and import are for administrators (one failure row each)", async () => {
    await expect(searchLdapUsers({ actor: actorFor(auditor), input: { q: "", limit: 5 } })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(importLdapUsers({ actor: actorFor(auditor), input: { dns: [slapd.userDn(uid("carol"))] } })).rejects.toBeInstanceOf(ForbiddenError);
    const rows = await db.auditEvent.findMany({ where: { actorId: auditor.id, action: { in: ["ldap.search", "user.create"] } } });
    expect(rows.map((r) => [r.action, r.result]).sort()).toEqual([
      ["ldap.search", "failure"],
      ["user.create", "failure"],
    ]);
    expect(await db.user.count({ where: { username: uid("carol") } })).toBe(0);
  });
});

describe("registry and REST logins through LDAP", () => {
  it("verifies the directory password, provisions the account, caches it, and refreshes groups at each real bind", async () => {
    const name = uid("bob");
    const actor = await verifyRegistryCredentials({ username: name, password: PASSWORDS.bob, client });
    expect(actor).toMatchObject({ kind: "user", username: name, isAdmin: false });
    expect(await groupsOf(name)).toEqual([`devs-${tag}`]);
    const rows = (await auditRowsFor("session", name)).filter((r) => r.result === "success");
    expect(rows.map((r) => r.action)).toEqual(["registry.login"]);
    expect(rows[0]!.detail).toMatchObject({ auth_source: "ldap", onboarded: true });

    // Remembered for the cache's time to live: no bind (the directory may even be down).
    await slapd.pause();
    try {
      await expect(verifyRegistryCredentials({ username: name, password: PASSWORDS.bob, client })).resolves.toMatchObject({ id: actor.id });
    } finally {
      await slapd.resume();
    }

    await expect(verifyRegistryCredentials({ username: name, password: "Wrong-passw0rd", client })).rejects.toThrow("Wrong username or password.");
    const failures = (await auditRowsFor("session", name)).filter((r) => r.action === "registry.login" && r.result === "failure");
    expect(failures.at(-1)!.reason).toBe("wrong password (LDAP)");

    // A real bind (another password is never a cache hit) refreshes the groups: joined admins.
    await slapd.addMember(`admins-${tag}`, name);
    try {
      const viaConsole = await signInWithPassword({ username: name, password: PASSWORDS.bob, client });
      expect(viaConsole.id).toBe(actor.id);
      expect(await groupsOf(name)).toEqual([`admins-${tag}`, `devs-${tag}`]);
    } finally {
      await slapd.removeMember(`admins-${tag}`, name);
    }
  });

  it("reads the groups from memberOf when so configured", async () => {
    await saveLdapSettings({ actor: actorFor(admin), input: settings({ groupMembershipAttribute: "memberOf" }) });
    try {
      const signedIn = await signInWithPassword({ username: uid("bob"), password: PASSWORDS.bob, client });
      const rows = await db.userGroupMember.findMany({ where: { userId: signedIn.id }, select: { group: { select: { externalKey: true, name: true } } } });
      expect(rows.map((r) => r.group)).toEqual([{ externalKey: devsDn, name: `devs-${tag}` }]);
    } finally {
      await saveLdapSettings({ actor: actorFor(admin), input: settings() });
    }
  });

  it("refreshes groups and the admin flag on an uncached registry login", async () => {
    const name = uid("frank");
    await slapd.addMember(`devs-${tag}`, name);
    await slapd.addMember(`admins-${tag}`, name);
    const actor = await verifyRegistryCredentials({ username: name, password: PASSWORDS.frank, client: { ...client, ip: "198.51.100.78" } });
    expect(actor).toMatchObject({ kind: "user", username: name, isAdmin: true });
    expect(await groupsOf(name)).toEqual([`admins-${tag}`, `devs-${tag}`]);
  });
});
