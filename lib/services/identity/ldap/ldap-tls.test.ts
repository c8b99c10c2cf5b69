import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInWithPassword } from "@/lib/services/auth/sign-in";
import { setAuthMode } from "@/lib/services/identity/auth-mode";
import { LDAP_CONFIG_KEY, saveLdapSettings } from "@/lib/services/identity/ldap/config";
import { DirectoryUnavailableError, testLdapConnection } from "@/lib/services/identity/ldap/ldap";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";
import { type Slapd, SLAPD_PEOPLE, startSlapd } from "@/lib/testing/slapd";

/*
 * LDAP over TLS (issue 18 item 2: ldap, ldaps and StartTLS) against a real slapd with a
 * self-signed certificate: with "verify certificate" off both ways work, with it on both are
 * refused with a clear reason (the certificate is not trusted), never a 500. Global settings are
 * restored after.
 */
let slapd: Slapd;
let admin: ReturnType<typeof actorFor>;
const uid = uniqueName("tls");
const PASSWORD = "Tls-dir-passw0rd";
const client = { ip: "198.51.100.78", userAgent: "vitest-ldap-tls" };

function settings(overrides: Record<string, unknown>) {
  return { bindDn: slapd.rootDn, bindPassword: slapd.rootPassword, userBaseDn: SLAPD_PEOPLE, userFilter: "(objectClass=inetOrgPerson)", uidAttribute: "uid", scope: "sub", onboard: "on", ...overrides };
}

beforeAll(async () => {
  slapd = await startSlapd({ tls: true });
  await slapd.addUser({ uid, password: PASSWORD, cn: "Tls Person" });
  admin = actorFor(await createTestUser({ isAdmin: true }));
});

afterAll(async () => {
  try {
    await db.systemSetting.deleteMany({ where: { key: { in: ["auth_mode", LDAP_CONFIG_KEY] } } });
  } finally {
    await slapd?.stop();
  }
});

describe("LDAP over TLS", () => {
  it("ldaps:// and StartTLS connect to a self-signed server with verification off, and are refused with it on", async () => {
    for (const way of [{ url: slapd.ldapsUrl! }, { url: slapd.url, startTls: "on" }]) {
      // "off" as the console form sends an unchecked box (left out, the default is to verify).
      const trusting = await testLdapConnection({ actor: admin, input: settings({ ...way, verifyCertificate: "off" }) });
      expect(trusting.sample.map((u) => u.username)).toContain(uid);
      // Left out: verified, the safe default.
      const verifying = await testLdapConnection({ actor: admin, input: settings({ ...way }) }).catch((e: unknown) => e);
      expect(verifying).toBeInstanceOf(DirectoryUnavailableError);
      expect((verifying as Error).message).toMatch(/self-signed certificate/i);
    }
  });

  it("a directory user signs in over ldaps://", async () => {
    await saveLdapSettings({ actor: admin, input: settings({ url: slapd.ldapsUrl!, verifyCertificate: "off" }) });
    await setAuthMode({ actor: admin, mode: "ldap_auth" });
    const session = await signInWithPassword({ username: uid, password: PASSWORD, client });
    expect(session.username).toBe(uid);
    expect((await db.user.findUniqueOrThrow({ where: { id: session.id } })).authSource).toBe("ldap");
  });
});
