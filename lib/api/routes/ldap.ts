/**
 * `/ldap/*` in Harbor's shapes, over lib/services/identity/ldap (which holds every permission check
 * and audit row): POST `/ldap/ping` (LdapConf, or no body for the stored settings; LdapPingResult),
 * GET `/ldap/users/search?username=` (LdapUser list) and POST `/ldap/users/import`
 * (`{"ldap_uid_list": [...]}`: 200, or 404 with `[{uid, error}]` for the names not imported).
 * Also Harbor's `ldap_*` field names for the LDAP settings, shared with `/configurations`.
 */
import { z } from "zod";
import { parseInput, readJsonObject } from "@/lib/api/body";
import { zodMessage } from "@/lib/api/errors";
import { ok, withApi } from "@/lib/api/with-api";
import { ValidationError } from "@/lib/errors";
import { getLdapSettings, type LdapSettingsView } from "@/lib/services/identity/ldap/config";
import { DirectoryUnavailableError, importLdapUsersByUid, searchLdapUsers, testLdapConnection } from "@/lib/services/identity/ldap/ldap";
import { type LdapScope, ZLdapUserSearch } from "@/lib/validation/ldap";
import { singleLine } from "@/lib/validation/common";

/** Harbor's ldap_scope: 0 base, 1 one level, 2 subtree. */
export const HARBOR_LDAP_SCOPES: readonly LdapScope[] = ["base", "one", "sub"];

const text = (max = 1024) => z.string({ error: "Must be a string" }).max(max, `Must be at most ${max} characters`);

export const ZHarborLdapScope = z
  .union([z.literal(0), z.literal(1), z.literal(2)], { error: "Must be 0 (base), 1 (one level) or 2 (subtree)" })
  .describe("0 base, 1 one level, 2 subtree.");

/** Harbor's LDAP configuration keys and the LDAP settings field (lib/validation/ldap.ts) each one sets. */
export const LDAP_FIELDS = {
  ldap_url: "url",
  ldap_search_dn: "bindDn",
  ldap_search_password: "bindPassword",
  ldap_base_dn: "userBaseDn",
  ldap_filter: "userFilter",
  ldap_uid: "uidAttribute",
  ldap_scope: "scope",
  ldap_verify_cert: "verifyCertificate",
  ldap_group_base_dn: "groupBaseDn",
  ldap_group_search_filter: "groupFilter",
  ldap_group_attribute_name: "groupNameAttribute",
  ldap_group_admin_dn: "adminGroupDn",
  ldap_group_membership_attribute: "groupMembershipAttribute",
} as const;
export type HarborLdapKey = keyof typeof LDAP_FIELDS;

/** The settings fields back to Harbor's names, for 400 messages. */
export const LDAP_HARBOR_NAMES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(LDAP_FIELDS).map(([harbor, field]) => [field, harbor]));

/** Harbor's types for the LDAP keys (the shared schema checks the values when the settings are merged). */
export const LDAP_KEY_SCHEMAS = {
  ldap_url: text().describe("ldap:// or ldaps:// with host and port."),
  ldap_search_dn: text().describe("The bind DN (empty: anonymous bind)."),
  ldap_search_password: text().describe("The bind password: write-only, never answered; empty or absent keeps the stored one."),
  ldap_base_dn: text().describe("The user base DN."),
  ldap_filter: text().describe("The user filter, e.g. (objectClass=person)."),
  ldap_uid: text(128).describe("The username attribute, e.g. uid."),
  ldap_scope: ZHarborLdapScope,
  ldap_verify_cert: z.boolean({ error: "Must be true or false" }),
  ldap_group_base_dn: text(),
  ldap_group_search_filter: text(),
  ldap_group_attribute_name: text(128).describe("The attribute holding a group's name (default cn)."),
  ldap_group_admin_dn: text().describe("Members of this group are administrators."),
  ldap_group_membership_attribute: text(128).describe("The user entry's attribute listing its groups' DNs, e.g. memberOf; empty: groups list their members."),
} satisfies Record<HarborLdapKey, z.ZodType>;

/** The settings as the console form sends them (the shared schema's input), from what is stored; null when nothing is. */
export function ldapFormOf(view: LdapSettingsView | null): Record<string, unknown> | null {
  if (!view) return null;
  const form: Record<string, unknown> = { ...view, bindPassword: "" };
  delete form.hasBindPassword;
  return form;
}

/** Harbor's values (already type-checked) as settings fields. */
export function ldapFieldsFromHarbor(values: Partial<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || !(key in LDAP_FIELDS)) continue;
    out[LDAP_FIELDS[key as HarborLdapKey]] = key === "ldap_scope" ? HARBOR_LDAP_SCOPES[value as number] : value;
  }
  return out;
}

/** The service's field errors (settings names) as one 400 in Harbor's names. */
export function harborLdapError(error: ValidationError): ValidationError {
  const entries = Object.entries(error.fieldErrors);
  if (entries.length === 0) return error;
  const fieldErrors = Object.fromEntries(entries.map(([field, messages]) => [LDAP_HARBOR_NAMES[field] ?? field, messages]));
  return new ValidationError(Object.entries(fieldErrors).map(([field, messages]) => `${field}: ${messages.join(", ")}`).join("; "), fieldErrors);
}

/** Unknown keys of a body as `<key>: not supported by Wharf` messages. */
export function unsupportedKeys(body: Record<string, unknown>, known: readonly string[]): string[] {
  return Object.keys(body)
    .filter((k) => !known.includes(k))
    .map((k) => `${k}: not supported by Wharf`);
}

/** Harbor's LdapConf (POST /ldap/ping). */
export const ZLdapConfReq = z.object({
  ldap_url: LDAP_KEY_SCHEMAS.ldap_url.optional(),
  ldap_search_dn: LDAP_KEY_SCHEMAS.ldap_search_dn.optional(),
  ldap_search_password: LDAP_KEY_SCHEMAS.ldap_search_password.optional(),
  ldap_base_dn: LDAP_KEY_SCHEMAS.ldap_base_dn.optional(),
  ldap_filter: LDAP_KEY_SCHEMAS.ldap_filter.optional(),
  ldap_uid: LDAP_KEY_SCHEMAS.ldap_uid.optional(),
  ldap_scope: ZHarborLdapScope.optional(),
  ldap_connection_timeout: z
    .int({ error: "Must be a whole number of seconds" })
    .min(1, "Must be at least 1")
    .max(300, "Must be at most 300")
    .optional()
    .describe("Accepted and ignored: Wharf waits at most 5 s for the connection and 10 s for each operation."),
  ldap_verify_cert: LDAP_KEY_SCHEMAS.ldap_verify_cert.optional(),
});

export const ZLdapPingResult = z.object({ success: z.boolean(), message: z.string() }).describe("LdapPingResult");

export const ZHarborLdapUser = z
  .object({ username: z.string(), realname: z.string().describe("The full name attribute's value, else empty."), email: z.string().describe("The email attribute's value, else empty.") })
  .describe("LdapUser");

export const ZLdapImportUsersReq = z.object({
  ldap_uid_list: z
    .array(singleLine(z.string({ error: "Must be a username" }).trim().min(1, "Must not be empty").max(255, "Must be at most 255 characters")), { error: "Must be a list of usernames" })
    .min(1, "Give at least one username")
    .max(100, "Import at most 100 users at once"),
});

export const ZLdapFailedImportUser = z.object({ uid: z.string(), error: z.string() }).describe("LdapFailedImportUser");

/**
 * Test connection: the given LdapConf over the stored settings (the stored bind password when none is
 * given); no body tests the stored settings. A directory that cannot be used is `success: false`
 * with the reason, not an error.
 */
export const ping = withApi(async ({ req, actor }) => {
  const body = await readJsonObject(req);
  const unknown = unsupportedKeys(body, Object.keys(ZLdapConfReq.shape));
  const given = ZLdapConfReq.safeParse(body);
  const typeErrors = given.success ? [] : [zodMessage(given.error)];
  if (unknown.length || typeErrors.length) throw new ValidationError([...unknown, ...typeErrors].join("; "));
  // ldap_connection_timeout is accepted and ignored (see ZLdapConfReq).
  const conf: Record<string, unknown> = { ...given.data! };
  delete conf.ldap_connection_timeout;
  const stored = ldapFormOf(await getLdapSettings({ actor }));
  const input = { ...(stored ?? {}), ...ldapFieldsFromHarbor(conf) };
  try {
    const result = await testLdapConnection({ actor, input });
    const found = `${result.userCount}${result.truncated ? "+" : ""} user${result.userCount === 1 && !result.truncated ? "" : "s"}`;
    return Response.json({ success: true, message: `Connected and searched the user base: ${found} found.` } satisfies z.infer<typeof ZLdapPingResult>);
  } catch (error) {
    if (error instanceof ValidationError) throw harborLdapError(error);
    if (error instanceof DirectoryUnavailableError) return Response.json({ success: false, message: error.detail } satisfies z.infer<typeof ZLdapPingResult>);
    throw error;
  }
});

/** Administrators: directory entries whose username, full name or email contains `username` (all without it), at most 100. */
export const searchUsers = withApi(async ({ url, actor }) => {
  const input = parseInput(ZLdapUserSearch, { q: url.searchParams.get("username") ?? "", limit: 100 }, { q: "username" });
  const { users } = await searchLdapUsers({ actor, input });
  return Response.json(users.map((u): z.infer<typeof ZHarborLdapUser> => ({ username: u.username, realname: u.fullName ?? "", email: u.email ?? "" })));
});

/** Administrators: creates a Wharf user per directory username; 404 with the names not imported (the others are). */
export const importUsers = withApi(async ({ req, actor }) => {
  const body = await readJsonObject(req);
  const unknown = unsupportedKeys(body, ["ldap_uid_list"]);
  if (unknown.length) throw new ValidationError(unknown.join("; "));
  const { ldap_uid_list: uids } = parseInput(ZLdapImportUsersReq, body);
  const { failed } = await importLdapUsersByUid({ actor, uids });
  if (failed.length === 0) return ok();
  return Response.json(failed satisfies z.infer<typeof ZLdapFailedImportUser>[], { status: 404 });
});
