import { z } from "zod";
import { singleLine, ZCheckbox } from "@/lib/validation/common";

/**
 * LDAP sign-in settings (issue 18 item 2), shared by the console form, the REST API (Harbor's
 * `ldap_*` configuration fields, mapped onto these names) and lib/services/identity/ldap.
 * The bind password is write-only: empty means "keep the stored one" (clearBindPassword removes it).
 */

export const LDAP_SCOPES = ["base", "one", "sub"] as const;
export type LdapScope = (typeof LDAP_SCOPES)[number];

/** An ldap:// or ldaps:// URL with a host (and a port), nothing else. */
export const ZLdapUrl = singleLine(
  z
    .string({ error: "Server URL is required" })
    .trim()
    .min(1, "Server URL is required")
    .max(1024, "Server URL must be at most 1024 characters"),
)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "Enter a URL such as ldaps://ldap.example.com:636" });
      return;
    }
    if (url.protocol !== "ldap:" && url.protocol !== "ldaps:") ctx.addIssue({ code: "custom", message: "Must start with ldap:// or ldaps://" });
    else if (!url.hostname) ctx.addIssue({ code: "custom", message: "Must name a host" });
    else if (url.username || url.password) ctx.addIssue({ code: "custom", message: "Put the bind DN and password in their own fields" });
    else if ((url.pathname && url.pathname !== "/") || url.search || url.hash) ctx.addIssue({ code: "custom", message: "Only the scheme, host and port: the base DN has its own field" });
  })
  .transform((value) => value.replace(/\/+$/, ""));

/** A DN: one line, at least one `attr=value` (its syntax is the directory's to judge). */
const dn = (label: string, { required }: { required: boolean }) =>
  singleLine(z.string().trim().max(1024, `${label} must be at most 1024 characters`)).refine(
    (v) => (v === "" ? !required : /^[^=,]+=[^,]*/.test(v)),
    required ? `${label} is required, e.g. ou=people,dc=example,dc=com` : `${label} must look like cn=name,dc=example,dc=com`,
  );

/** An LDAP attribute name (RFC 4512 descr or numeric OID). */
const attribute = (label: string, { required }: { required: boolean }) =>
  z
    .string()
    .trim()
    .max(128, `${label} must be at most 128 characters`)
    .refine((v) => (v === "" ? !required : /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/.test(v)), required ? `${label} is required (an attribute name such as uid)` : `${label} must be an attribute name such as mail`);

/** A search filter in parentheses with balanced parentheses; the service parses it for real. */
export function looksLikeFilter(value: string): boolean {
  if (!value.startsWith("(") || !value.endsWith(")")) return false;
  let depth = 0;
  for (const ch of value.replace(/\\[0-9A-Fa-f]{2}/g, "")) {
    if (ch === "(") depth++;
    else if (ch === ")" && --depth < 0) return false;
  }
  return depth === 0;
}
const filter = (label: string) =>
  singleLine(z.string().trim().max(1024, `${label} must be at most 1024 characters`)).refine(
    (v) => v === "" || looksLikeFilter(v),
    `${label} must be an LDAP filter in parentheses, e.g. (objectClass=person)`,
  );

export const ZLdapScope = z.enum(LDAP_SCOPES, { error: "Choose base, one or sub" });

/** Not trimmed: a password may begin or end with a space. */
const ZBindPassword = z.string().max(1024, "Password must be at most 1024 characters").refine((v) => !/[\u0000]/.test(v), "Must not contain NUL");

const fields = {
  url: ZLdapUrl,
  startTls: ZCheckbox.default(false),
  verifyCertificate: ZCheckbox.default(true),
  bindDn: dn("Bind DN", { required: false }),
  bindPassword: ZBindPassword.default(""),
  clearBindPassword: ZCheckbox.default(false),
  userBaseDn: dn("User base DN", { required: true }),
  userFilter: filter("User filter").default(""),
  uidAttribute: attribute("Username attribute", { required: true }),
  emailAttribute: attribute("Email attribute", { required: false }).default(""),
  fullNameAttribute: attribute("Full name attribute", { required: false }).default(""),
  scope: ZLdapScope.default("sub"),
  groupBaseDn: dn("Group base DN", { required: false }).default(""),
  groupFilter: filter("Group filter").default(""),
  groupNameAttribute: attribute("Group name attribute", { required: false }).default("cn"),
  groupMembershipAttribute: attribute("Membership attribute", { required: false }).default(""),
  groupMemberAttribute: attribute("Member attribute", { required: false }).default("member"),
  adminGroupDn: dn("Administrator group DN", { required: false }).default(""),
  onboard: ZCheckbox.default(false),
};

/** The whole LDAP configuration, as saved (and as "Test connection" tries it before saving). */
export const ZLdapSettings = z
  .object(fields)
  .superRefine((v, ctx) => {
    if (v.startTls && v.url.startsWith("ldaps:")) ctx.addIssue({ code: "custom", path: ["startTls"], message: "StartTLS is for ldap:// URLs: ldaps:// is TLS already" });
    if (v.bindDn === "" && v.bindPassword !== "") ctx.addIssue({ code: "custom", path: ["bindDn"], message: "A bind password needs a bind DN" });
    if ((v.groupFilter !== "" || v.adminGroupDn !== "") && v.groupBaseDn === "" && v.groupMembershipAttribute === "") {
      ctx.addIssue({ code: "custom", path: ["groupBaseDn"], message: "Set a group base DN (or a membership attribute such as memberOf) to read groups" });
    }
    if (v.groupBaseDn !== "" && v.groupMembershipAttribute === "" && v.groupMemberAttribute === "") {
      ctx.addIssue({ code: "custom", path: ["groupMemberAttribute"], message: "Name the attribute that lists a group's members, e.g. member" });
    }
  });
export type TLdapSettings = z.output<typeof ZLdapSettings>;

/** The admin's directory search: a part of a username, full name or email. */
export const ZLdapUserSearch = z.object({
  q: singleLine(z.string().trim().max(255, "Search text must be at most 255 characters")).default(""),
  limit: z.coerce.number({ error: "Must be a number" }).int().min(1).max(100).default(25),
});
export type TLdapUserSearch = z.output<typeof ZLdapUserSearch>;

/** Directory entries to create Wharf users for, by DN. */
export const ZLdapImport = z.object({
  dns: z
    .array(singleLine(z.string().trim().min(1, "Choose an entry").max(1024, "DN must be at most 1024 characters")), { error: "Choose at least one entry" })
    .min(1, "Choose at least one entry")
    .max(100, "Import at most 100 users at once"),
});
export type TLdapImport = z.output<typeof ZLdapImport>;

/**
 * The auth mode form of Administration → Authentication (lib/services/identity/auth-mode.ts holds
 * the mode itself; its file is server-only, so the form's schema lists the modes here).
 */
export const ZAuthModeForm = z.object({
  mode: z.enum(["db_auth", "ldap_auth", "oidc_auth"], { error: "Choose db_auth, ldap_auth or oidc_auth" }),
});
