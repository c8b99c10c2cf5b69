import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import { ConflictError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { readAuthMode } from "@/lib/services/identity/auth-mode";
import { EXTERNAL_PASSWORD_HASH, type ExternalIdentity } from "@/lib/services/identity/external-users";
import { connectionConfigFrom, LDAP_CONFIG_KEY, type LdapConnectionConfig, parseLdapSettings, readLdapConnectionConfig } from "@/lib/services/identity/ldap/config";
import {
  type ConnectionTest,
  type DirectoryAuthentication,
  type DirectoryUser,
  authenticateAtDirectory,
  findDirectoryUsersByUid,
  normalizeDn,
  readDirectoryUsers,
  searchDirectory,
  testDirectory,
} from "@/lib/services/identity/ldap/directory";
import { ZUsername } from "@/lib/validation/users";
import type { TLdapImport, TLdapUserSearch } from "@/lib/validation/ldap";

export { DirectoryUnavailableError } from "@/lib/services/identity/ldap/directory";
export type { ConnectionTest, DirectoryUser } from "@/lib/services/identity/ldap/directory";

/**
 * LDAP sign-in and the administrators' directory tools (issue 18 item 2, Harbor's LDAP auth):
 * - sign-in (console and registry) calls `ldapSignInConfig` to know whether a name goes to the
 *   directory, then `checkLdapPassword`, then hands the identity to the lead's provisioning
 *   (lib/services/identity/external-users.ts);
 * - "Test connection", user search and import are for administrators (`setting.update`,
 *   `user.create`); the test and the search change nothing and write no row; an import writes
 *   one `user.create` row per created user, all in one transaction.
 */

/**
 * The configuration sign-in uses for a username, or null when the name is not the directory's:
 * the auth mode is not LDAP, LDAP is not configured, or the account is another source's (a local
 * account keeps its Wharf password in every mode).
 */
export async function ldapSignInConfig(user: { authSource: string } | null): Promise<LdapConnectionConfig | null> {
  if (user && user.authSource !== "ldap") return null;
  if ((await readAuthMode()) !== "ldap_auth") return null;
  return readLdapConnectionConfig();
}

/** The directory's verdict on a username and password (throws DirectoryUnavailableError). */
export async function checkLdapPassword(config: LdapConnectionConfig, username: string, password: string): Promise<DirectoryAuthentication> {
  return authenticateAtDirectory(config, username, password);
}

/** What a successful directory check proves, in the provisioning code's terms. */
export function ldapIdentity(auth: Extract<DirectoryAuthentication, { ok: true }>): ExternalIdentity {
  return {
    source: "ldap",
    externalId: auth.user.dn,
    username: auth.user.username,
    email: auth.user.email,
    fullName: auth.user.fullName,
    groups: auth.groups,
    inAdminGroup: auth.inAdminGroup,
  };
}

/** The audit reason of a password the directory did not accept (never the password). */
export function ldapFailureReason(reason: "unknown username" | "wrong password" | "ambiguous username" | "empty password"): string {
  switch (reason) {
    case "unknown username":
      return "unknown username (LDAP)";
    case "ambiguous username":
      return "unknown username (LDAP: several entries)";
    case "empty password":
      return "empty password (LDAP)";
    default:
      return "wrong password (LDAP)";
  }
}

/** Administrators: tries the submitted settings (the stored password when none is submitted). Changes nothing. */
export async function testLdapConnection({ actor, input }: { actor: Actor; input: unknown }): Promise<ConnectionTest> {
  await assertSystemPermission(actor, "setting.update", { type: "setting", name: LDAP_CONFIG_KEY }, "ldap.ping");
  const settings = parseLdapSettings(input);
  return testDirectory(await connectionConfigFrom(settings));
}

async function requireConfig(): Promise<LdapConnectionConfig> {
  const config = await readLdapConnectionConfig();
  if (!config) throw new ConflictError("LDAP is not configured yet: save the LDAP settings first.");
  return config;
}

export type DirectoryUserRow = DirectoryUser & {
  /** The Wharf account for this entry, if there is one (imported or signed in before). */
  wharfUserId: number | null;
  /** Why it cannot be imported ("exists", "name taken", "invalid name"), or null. */
  blocked: "exists" | "name taken" | "invalid name" | null;
};

/** Administrators: directory entries matching `q`, at most `limit`, each with what importing it would do. */
export async function searchLdapUsers({ actor, input }: { actor: Actor; input: TLdapUserSearch }): Promise<{ users: DirectoryUserRow[]; truncated: boolean }> {
  await assertSystemPermission(actor, "user.create", { type: "user", name: "ldap search" }, "ldap.search");
  const config = await requireConfig();
  const { users, truncated } = await searchDirectory(config, input.q, input.limit);
  const rows = await annotate(db, users);
  return { users: rows, truncated };
}

async function annotate(tx: DbTransaction | typeof db, users: DirectoryUser[]): Promise<DirectoryUserRow[]> {
  if (users.length === 0) return [];
  const byDn = await tx.user.findMany({ where: { authSource: "ldap", externalId: { in: users.map((u) => u.dn) } }, select: { id: true, externalId: true } });
  const byName = await tx.user.findMany({
    where: { OR: users.map((u) => ({ username: { equals: u.username, mode: "insensitive" as const } })) },
    select: { id: true, username: true, authSource: true, externalId: true },
  });
  return users.map((u) => {
    const linked = byDn.find((r) => r.externalId !== null && normalizeDn(r.externalId) === normalizeDn(u.dn));
    if (linked) return { ...u, wharfUserId: linked.id, blocked: "exists" };
    const named = byName.find((r) => r.username.toLowerCase() === u.username.toLowerCase());
    if (named) return { ...u, wharfUserId: null, blocked: named.authSource === "ldap" && named.externalId === null ? "exists" : "name taken" };
    if (!ZUsername.safeParse(u.username).success) return { ...u, wharfUserId: null, blocked: "invalid name" };
    return { ...u, wharfUserId: null, blocked: null };
  });
}

export type LdapImportResult = {
  created: { id: number; username: string; dn: string }[];
  skipped: { dn: string; username: string | null; reason: string }[];
};

/**
 * Administrators: creates a Wharf user (authSource "ldap", externalId = the entry's DN, no Wharf
 * password) for each chosen entry that has none, in ONE transaction with one `user.create` row per
 * created user. Entries already imported, whose username another account holds, or that are not
 * users under the user base are skipped with a reason. Groups and the admin flag come at sign-in.
 */
export async function importLdapUsers({ actor, input }: { actor: Actor; input: TLdapImport }): Promise<LdapImportResult> {
  await assertSystemPermission(actor, "user.create", { type: "user", name: "ldap import" });
  const config = await requireConfig();
  const dns = [...new Set(input.dns)];
  const found = await readDirectoryUsers(config, dns);
  return db.$transaction(async (tx) => {
    const skipped: LdapImportResult["skipped"] = dns.filter((dn) => !found.has(dn)).map((dn) => ({ dn, username: null, reason: "not a user entry under the user base" }));
    const rows = await annotate(tx, [...found.values()]);
    const created: LdapImportResult["created"] = [];
    for (const row of rows) {
      if (row.blocked) {
        skipped.push({ dn: row.dn, username: row.username, reason: row.blocked === "exists" ? "already a Wharf user" : row.blocked === "name taken" ? "username taken by another account" : "username not usable in Wharf" });
        continue;
      }
      if (created.some((c) => c.username.toLowerCase() === row.username.toLowerCase())) {
        skipped.push({ dn: row.dn, username: row.username, reason: "username taken by another account" });
        continue;
      }
      const email = await usableEmail(tx, row.email, row.username);
      const user = await tx.user.create({
        data: { username: row.username, email, fullName: (row.fullName ?? row.username).slice(0, 255), passwordHash: EXTERNAL_PASSWORD_HASH, authSource: "ldap", externalId: row.dn },
        select: { id: true, username: true },
      });
      await recordAuditEvent(tx, {
        actor,
        action: "user.create",
        resource: { type: "user", id: user.id, name: user.username },
        detail: { auth_source: "ldap", dn: row.dn, email, imported: true },
      });
      created.push({ id: user.id, username: user.username, dn: row.dn });
    }
    return { created, skipped };
  });
}

/** The directory's email if no account uses it; else a placeholder that cannot receive mail (as external-users.ts does). */
async function usableEmail(tx: DbTransaction, email: string | null, username: string): Promise<string> {
  const placeholder = `${username}@ldap.invalid`.slice(0, 255);
  if (!email || email.length > 255) return placeholder;
  const other = await tx.user.findFirst({ where: { email: { equals: email, mode: "insensitive" } }, select: { id: true } });
  return other ? placeholder : email;
}

/**
 * Administrators: Harbor's import by username (`ldap_uid_list`). Each name is matched exactly on
 * the username attribute, then the entries found are imported by DN through {@link importLdapUsers}
 * (its one transaction, one `user.create` row per created user). Answers, per name, why it was not
 * imported: not in the directory, several entries, or importLdapUsers' skip reason.
 */
export async function importLdapUsersByUid({ actor, uids }: { actor: Actor; uids: readonly string[] }): Promise<{ created: LdapImportResult["created"]; failed: { uid: string; error: string }[] }> {
  await assertSystemPermission(actor, "user.create", { type: "user", name: "ldap import" });
  const config = await requireConfig();
  const found = await findDirectoryUsersByUid(config, uids);
  const failed: { uid: string; error: string }[] = [];
  const dnToUid = new Map<string, string>();
  for (const uid of new Set(uids)) {
    const lookup = found.get(uid);
    if (!lookup || "problem" in lookup) failed.push({ uid, error: lookup?.problem === "ambiguous" ? "several directory entries have this username" : "not found in the directory" });
    else dnToUid.set(lookup.dn, uid);
  }
  if (dnToUid.size === 0) return { created: [], failed };
  const result = await importLdapUsers({ actor, input: { dns: [...dnToUid.keys()] } });
  for (const skip of result.skipped) failed.push({ uid: dnToUid.get(skip.dn) ?? skip.username ?? skip.dn, error: skip.reason });
  return { created: result.created, failed };
}
