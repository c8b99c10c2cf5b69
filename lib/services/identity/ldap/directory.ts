import "server-only";
import {
  AndFilter,
  Client,
  EqualityFilter,
  type Entry,
  type Filter,
  FilterParser,
  InvalidCredentialsError,
  OrFilter,
  PresenceFilter,
  SizeLimitExceededError,
  SubstringFilter,
} from "ldapts";
import { AppError } from "@/lib/errors";
import type { ExternalGroup } from "@/lib/services/identity/groups";
import type { LdapConnectionConfig } from "@/lib/services/identity/ldap/config";

/**
 * The one place that talks to the LDAP directory (ldapts). Every filter is built from filter
 * objects (EqualityFilter, SubstringFilter...), which BER-encode their values: user input is
 * never concatenated into a filter string, so `*` or `a)(uid=*` is matched literally. The
 * administrator's own filters (user filter, group filter) are parsed once and ANDed in.
 */

const CONNECT_TIMEOUT_MS = 5_000;
const OPERATION_TIMEOUT_MS = 10_000;

/** The directory cannot be reached, or refused Wharf's bind account: 503, never a 500. */
export class DirectoryUnavailableError extends AppError {
  constructor(
    readonly detail: string,
    message = `The directory cannot be reached: ${detail}`,
  ) {
    super(message, 503, "SERVICE_UNAVAILABLE");
  }
}

/** A directory entry as Wharf uses it. */
export type DirectoryUser = { dn: string; username: string; email: string | null; fullName: string | null };

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return `${err.message || err.name}${typeof code === "string" && !err.message.includes(code) ? ` (${code})` : ""}`.slice(0, 300);
  }
  return String(err).slice(0, 300);
}

/** Opens a connection (TLS as configured) and binds as the service account (anonymous without a bind DN). */
async function connect(config: LdapConnectionConfig): Promise<Client> {
  const tlsOptions = { rejectUnauthorized: config.verifyCertificate };
  // ldapts speaks TLS from the first byte whenever tlsOptions are given: only for ldaps:// URLs.
  const ldaps = config.url.toLowerCase().startsWith("ldaps:");
  const client = new Client({ url: config.url, connectTimeout: CONNECT_TIMEOUT_MS, timeout: OPERATION_TIMEOUT_MS, ...(ldaps ? { tlsOptions } : {}), strictDN: false });
  try {
    if (config.startTls) await client.startTLS(tlsOptions);
    if (config.bindDn !== "") {
      if (config.bindPasswordProblem) throw new DirectoryUnavailableError(config.bindPasswordProblem);
      // Never an unauthenticated bind (a DN with an empty password succeeds on many servers).
      if (config.bindPassword === "") throw new DirectoryUnavailableError("the bind DN has no password set");
      await client.bind(config.bindDn, config.bindPassword);
    }
    return client;
  } catch (err) {
    await client.unbind().catch(() => undefined);
    if (err instanceof DirectoryUnavailableError) throw err;
    if (err instanceof InvalidCredentialsError) throw new DirectoryUnavailableError(`the directory refused Wharf's bind DN ${config.bindDn} (wrong bind password?)`);
    throw new DirectoryUnavailableError(`${config.url}: ${describe(err)}`);
  }
}

/** Runs `fn` on a bound connection; any failure that is not a deliberate AppError means the directory is unusable. */
async function withDirectory<T>(config: LdapConnectionConfig, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await connect(config);
  try {
    return await fn(client);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new DirectoryUnavailableError(`${config.url}: ${describe(err)}`);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

function parsed(filter: string): Filter | null {
  return filter === "" ? null : FilterParser.parseString(filter);
}

function and(...filters: (Filter | null)[]): Filter {
  const list = filters.filter((f): f is Filter => f !== null);
  return list.length === 1 ? list[0]! : new AndFilter({ filters: list });
}

/** An attribute's values, whatever case the server spelt its name in. */
function values(entry: Entry, attribute: string): string[] {
  if (attribute === "") return [];
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  if (!key || key === "dn") return key === "dn" ? [entry.dn] : [];
  const raw = entry[key];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString("utf8") : String(v))).filter((v) => v !== "");
}

function first(entry: Entry, attribute: string): string | null {
  return values(entry, attribute)[0] ?? null;
}

/** DNs compared as LDAP does for the usual case: attribute names and values case-insensitive, no spaces around separators. */
export function normalizeDn(dn: string): string {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) => rdn.split(/(?<!\\)=/).map((part) => part.trim()).join("="))
    .join(",")
    .toLowerCase();
}

function isUnder(dn: string, base: string): boolean {
  const d = normalizeDn(dn);
  const b = normalizeDn(base);
  return d === b || d.endsWith(`,${b}`);
}

/** The value of a DN's first RDN, unescaped: `cn=Dev Team,ou=groups` -> `Dev Team`. */
export function firstRdnValue(dn: string): string {
  const rdn = dn.split(/(?<!\\),/)[0] ?? dn;
  const value = rdn.slice(rdn.indexOf("=") + 1).trim();
  return value.replace(/\\([0-9A-Fa-f]{2}|.)/g, (_m, c: string) => (c.length === 2 ? String.fromCharCode(parseInt(c, 16)) : c));
}

function userAttributes(config: LdapConnectionConfig): string[] {
  return [config.uidAttribute, config.emailAttribute, config.fullNameAttribute, config.groupMembershipAttribute].filter((a) => a !== "");
}

function toDirectoryUser(config: LdapConnectionConfig, entry: Entry): DirectoryUser | null {
  const username = first(entry, config.uidAttribute);
  if (!username) return null;
  return {
    dn: entry.dn,
    username,
    email: config.emailAttribute ? first(entry, config.emailAttribute) : null,
    fullName: config.fullNameAttribute ? first(entry, config.fullNameAttribute) : null,
  };
}

/** The entries whose username attribute is exactly `username` (and that match the user filter). */
async function findUserEntries(client: Client, config: LdapConnectionConfig, username: string): Promise<Entry[]> {
  const filter = and(parsed(config.userFilter), new EqualityFilter({ attribute: config.uidAttribute, value: username }));
  try {
    const { searchEntries } = await client.search(config.userBaseDn, { scope: config.scope, filter, attributes: userAttributes(config), sizeLimit: 2 });
    return searchEntries;
  } catch (err) {
    // Two or more entries share the name: as ambiguous as two results.
    if (err instanceof SizeLimitExceededError) return [{ dn: "" }, { dn: "" }];
    throw err;
  }
}

/** The user's groups: the membership attribute on their entry (memberOf), or the group entries listing their DN. */
async function groupsOf(client: Client, config: LdapConnectionConfig, entry: Entry): Promise<ExternalGroup[]> {
  if (config.groupMembershipAttribute !== "") {
    const dns = values(entry, config.groupMembershipAttribute).filter((dn) => config.groupBaseDn === "" || isUnder(dn, config.groupBaseDn));
    if (config.groupFilter === "" || config.groupBaseDn === "") return dns.map((dn) => ({ externalKey: dn, name: firstRdnValue(dn) }));
    // A group filter narrows memberOf to the groups it matches: one search of the group base.
    const { searchEntries } = await client.search(config.groupBaseDn, {
      scope: "sub",
      filter: and(parsed(config.groupFilter), new PresenceFilter({ attribute: "objectClass" })),
      attributes: [config.groupNameAttribute || "cn"],
    });
    const allowed = new Map(searchEntries.map((g) => [normalizeDn(g.dn), g]));
    return dns
      .filter((dn) => allowed.has(normalizeDn(dn)))
      .map((dn) => ({ externalKey: dn, name: first(allowed.get(normalizeDn(dn))!, config.groupNameAttribute || "cn") ?? firstRdnValue(dn) }));
  }
  if (config.groupBaseDn === "" || config.groupMemberAttribute === "") return [];
  const { searchEntries } = await client.search(config.groupBaseDn, {
    scope: "sub",
    filter: and(parsed(config.groupFilter), new EqualityFilter({ attribute: config.groupMemberAttribute, value: entry.dn })),
    attributes: [config.groupNameAttribute || "cn"],
  });
  return searchEntries.map((g) => ({ externalKey: g.dn, name: first(g, config.groupNameAttribute || "cn") ?? firstRdnValue(g.dn) }));
}

/** Whether the entry is in the admin group when the group reads above did not reach it (it lies outside the group base). */
async function inGroupDirectly(client: Client, config: LdapConnectionConfig, groupDn: string, entry: Entry): Promise<boolean> {
  if (config.groupMemberAttribute === "") return false;
  try {
    const { searchEntries } = await client.search(groupDn, {
      scope: "base",
      filter: new EqualityFilter({ attribute: config.groupMemberAttribute, value: entry.dn }),
      attributes: ["1.1"],
    });
    return searchEntries.length > 0;
  } catch {
    return false;
  }
}

export type DirectoryAuthentication =
  | { ok: true; user: DirectoryUser; groups: ExternalGroup[]; inAdminGroup: boolean | null }
  | { ok: false; reason: "unknown username" | "wrong password" | "ambiguous username" | "empty password" };

/**
 * Checks a username and password at the directory: the service account finds the one entry whose
 * username attribute is `username`, reads its groups, then the connection binds as that entry's DN
 * with `password`. An empty password is refused here and never sent (an unauthenticated bind).
 * Throws DirectoryUnavailableError when the directory cannot be used.
 */
export async function authenticateAtDirectory(config: LdapConnectionConfig, username: string, password: string): Promise<DirectoryAuthentication> {
  if (password === "") return { ok: false, reason: "empty password" };
  return withDirectory(config, async (client) => {
    const entries = await findUserEntries(client, config, username);
    if (entries.length === 0) return { ok: false, reason: "unknown username" };
    if (entries.length > 1) return { ok: false, reason: "ambiguous username" };
    const entry = entries[0]!;
    const user = toDirectoryUser(config, entry);
    if (!user) return { ok: false, reason: "unknown username" };
    // Groups first, with the service account's rights; the user's own bind comes last.
    const groups = await groupsOf(client, config, entry);
    let inAdminGroup: boolean | null = null;
    if (config.adminGroupDn !== "") {
      const admin = normalizeDn(config.adminGroupDn);
      inAdminGroup = groups.some((g) => normalizeDn(g.externalKey) === admin) || (config.groupMembershipAttribute === "" && (await inGroupDirectly(client, config, config.adminGroupDn, entry)));
    }
    try {
      await client.bind(entry.dn, password);
    } catch (err) {
      if (err instanceof InvalidCredentialsError) return { ok: false, reason: "wrong password" };
      throw err;
    }
    return { ok: true, user, groups, inAdminGroup };
  });
}

export type ConnectionTest = { userCount: number; truncated: boolean; sample: DirectoryUser[] };

/** "Test connection": binds, searches the user base with the user filter, reports what it found. */
export async function testDirectory(config: LdapConnectionConfig): Promise<ConnectionTest> {
  return withDirectory(config, async (client) => {
    const filter = and(parsed(config.userFilter), new PresenceFilter({ attribute: config.uidAttribute }));
    const limit = 5;
    let entries: Entry[];
    let truncated = false;
    try {
      entries = (await client.search(config.userBaseDn, { scope: config.scope, filter, attributes: userAttributes(config), sizeLimit: limit + 1 })).searchEntries;
    } catch (err) {
      if (!(err instanceof SizeLimitExceededError)) throw err;
      entries = [];
      truncated = true;
    }
    if (entries.length > limit) truncated = true;
    const users = entries.map((e) => toDirectoryUser(config, e)).filter((u): u is DirectoryUser => u !== null);
    return { userCount: Math.min(users.length, limit), truncated, sample: users.slice(0, limit) };
  });
}

/** Entries whose username, full name or email contains `q` (all users with an empty `q`), at most `limit`. */
export async function searchDirectory(config: LdapConnectionConfig, q: string, limit: number): Promise<{ users: DirectoryUser[]; truncated: boolean }> {
  return withDirectory(config, async (client) => {
    const attributes = [config.uidAttribute, config.fullNameAttribute, config.emailAttribute].filter((a) => a !== "");
    const match =
      q === ""
        ? new PresenceFilter({ attribute: config.uidAttribute })
        : new OrFilter({ filters: attributes.map((attribute) => new SubstringFilter({ attribute, any: [q] })) });
    const filter = and(parsed(config.userFilter), match);
    const found: DirectoryUser[] = [];
    let truncated = false;
    try {
      // Paged, so a directory's own size limit does not cut the answer short; stops once past `limit`.
      for await (const page of client.searchPaginated(config.userBaseDn, { scope: config.scope, filter, attributes: userAttributes(config), paged: { pageSize: Math.min(limit + 1, 100) } })) {
        for (const entry of page.searchEntries) {
          const user = toDirectoryUser(config, entry);
          if (user) found.push(user);
        }
        if (found.length > limit) break;
      }
    } catch (err) {
      if (!(err instanceof SizeLimitExceededError)) throw err;
      truncated = true;
    }
    if (found.length > limit) truncated = true;
    found.sort((a, b) => a.username.localeCompare(b.username));
    return { users: found.slice(0, limit), truncated };
  });
}

/** What the directory says about a username: its one entry's DN, or why there is none to use. */
export type UidLookup = { dn: string } | { problem: "not found" | "ambiguous" };

/**
 * Each username's entry, matched exactly on the username attribute (an EqualityFilter ANDed with
 * the user filter, as sign-in finds it: `*` or `)(` in a name match literally). One connection.
 */
export async function findDirectoryUsersByUid(config: LdapConnectionConfig, uids: readonly string[]): Promise<Map<string, UidLookup>> {
  return withDirectory(config, async (client) => {
    const out = new Map<string, UidLookup>();
    for (const uid of uids) {
      if (out.has(uid)) continue;
      const entries = await findUserEntries(client, config, uid);
      out.set(uid, entries.length === 0 ? { problem: "not found" } : entries.length > 1 ? { problem: "ambiguous" } : { dn: entries[0]!.dn });
    }
    return out;
  });
}

/** The entries at these DNs that are users under the user base matching the user filter; others are left out. */
export async function readDirectoryUsers(config: LdapConnectionConfig, dns: readonly string[]): Promise<Map<string, DirectoryUser>> {
  return withDirectory(config, async (client) => {
    const out = new Map<string, DirectoryUser>();
    for (const dn of dns) {
      if (!isUnder(dn, config.userBaseDn)) continue;
      try {
        const { searchEntries } = await client.search(dn, {
          scope: "base",
          filter: and(parsed(config.userFilter), new PresenceFilter({ attribute: config.uidAttribute })),
          attributes: userAttributes(config),
        });
        const user = searchEntries[0] ? toDirectoryUser(config, searchEntries[0]) : null;
        if (user) out.set(dn, user);
      } catch (err) {
        // No such entry (or a DN the directory cannot parse): not a user to import.
        const code = (err as { code?: unknown }).code;
        if (code === 32 || code === 34) continue;
        throw err;
      }
    }
    return out;
  });
}
