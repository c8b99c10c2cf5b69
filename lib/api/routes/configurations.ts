/**
 * `/configurations` in Harbor's shapes, for the sign-in settings Wharf has: `auth_mode`, the
 * `ldap_*` and `oidc_*` keys and `project_creation_restriction`. A thin layer over the services
 * (lib/services/identity/auth-mode.ts, ldap/config.ts, oidc/settings.ts, settings/system-settings.ts),
 * which check every permission (setting.read: administrators and auditors; setting.update:
 * administrators) and write every audit row (one `setting.update` per group saved).
 *
 * GET answers Harbor's ConfigurationsResponse (`{key: {value, editable}}`); a group never configured
 * answers its defaults. Passwords and secrets (`ldap_search_password`, `oidc_client_secret`) are
 * write-only and never answered.
 *
 * PUT takes Harbor's Configurations, any subset of the keys. All or nothing:
 * 1. every key is checked first: a key Wharf does not have is a 400 (`<key>: not supported by
 *    Wharf`; a few Harbor switches are accepted with the value that is Wharf's behaviour, see
 *    WHARF_BEHAVIOUR), and so is a value of the wrong type;
 * 2. each group given (LDAP, OIDC) is merged over its stored settings (absent keys keep theirs; an
 *    absent or empty password or secret keeps the stored one) and checked with the shared schema:
 *    every group's faults in one 400 naming Harbor's keys, nothing saved;
 * 3. then every group is saved by its service inside ONE database transaction (the services take
 *    the caller's `tx`): a failure anywhere rolls every group back.
 * A group not configured yet whose only given keys are its switches (`ldap_verify_cert`,
 * `oidc_verify_cert`, `oidc_auto_onboard`) is left alone: switches alone configure nothing, and
 * Harbor's Terraform provider sends the OIDC switches with every LDAP configuration.
 * Every group given is saved (one row each, as a save from the console writes), except `auth_mode`
 * unchanged, for which setAuthMode writes no row. A body that saves nothing answers 200 to whoever
 * may read the settings.
 */
import { z } from "zod";
import { readJsonObject } from "@/lib/api/body";
import { zodMessage } from "@/lib/api/errors";
import {
  HARBOR_LDAP_SCOPES,
  harborLdapError,
  LDAP_FIELDS,
  LDAP_KEY_SCHEMAS,
  ldapFieldsFromHarbor,
  ldapFormOf,
  unsupportedKeys,
  type HarborLdapKey,
} from "@/lib/api/routes/ldap";
import { ok, withApi } from "@/lib/api/with-api";
import { ValidationError } from "@/lib/errors";
import { AUTH_MODES, assertMayChangeSettings, getAuthMode, inSettingsTransaction, setAuthMode } from "@/lib/services/identity/auth-mode";
import { getLdapSettings, type LdapSettingsView, parseLdapSettings, saveLdapSettings } from "@/lib/services/identity/ldap/config";
import { forgetOidcConfig, getOidcSettings, type OidcSettings, updateOidcSettings } from "@/lib/services/identity/oidc/settings";
import { getSystemSettings, updateSystemSettings } from "@/lib/services/settings/system-settings";
import { OIDC_DEFAULT_GROUPS_CLAIM, OIDC_DEFAULT_SCOPES, OIDC_DEFAULT_USERNAME_CLAIM, type TOidcSettings, ZOidcSettings } from "@/lib/validation/oidc";
import { ZProjectCreationRestriction } from "@/lib/validation/projects";

const text = (max = 1024) => z.string({ error: "Must be a string" }).max(max, `Must be at most ${max} characters`);
const bool = z.boolean({ error: "Must be true or false" });

/** Harbor's OIDC configuration keys and the OIDC settings field (lib/validation/oidc.ts) each one sets. */
const OIDC_FIELDS = {
  oidc_name: "providerName",
  oidc_endpoint: "issuer",
  oidc_client_id: "clientId",
  oidc_client_secret: "clientSecret",
  oidc_groups_claim: "groupsClaim",
  oidc_admin_group: "adminGroup",
  oidc_scope: "scopes",
  oidc_user_claim: "usernameClaim",
  oidc_verify_cert: "verifyCertificate",
  oidc_auto_onboard: "autoOnboard",
} as const;
type HarborOidcKey = keyof typeof OIDC_FIELDS;
const OIDC_HARBOR_NAMES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(OIDC_FIELDS).map(([harbor, field]) => [field, harbor]));

/** Switches alone do not configure a group that is not configured yet (see the file's comment). */
const SWITCHES: ReadonlySet<string> = new Set(["ldap_verify_cert", "oidc_verify_cert", "oidc_auto_onboard"]);

/**
 * Harbor keys Wharf has no setting for, accepted only with the value that describes what Wharf does
 * (clients such as Harbor's Terraform provider send them with every configuration): no
 * self-registration, no read-only mode, local accounts sign in whatever the auth mode (not a
 * "primary" mode), no email, quotas always enforced.
 */
const WHARF_BEHAVIOUR = {
  self_registration: false,
  read_only: false,
  primary_auth_mode: false,
  email_ssl: false,
  email_insecure: false,
  quota_per_project_enable: true,
} as const;
const onlyWharfs = (value: boolean) =>
  z.literal(value, { error: `not supported by Wharf (only ${value} is accepted: Wharf's behaviour)` }).optional().describe(`Only ${value} (Wharf's behaviour; Wharf has no such setting).`);

/** Harbor's Configurations, the keys Wharf has; any subset. */
export const ZConfigurationsReq = z.object({
  auth_mode: z.enum(AUTH_MODES, { error: "Must be db_auth, ldap_auth or oidc_auth" }).optional(),
  ...Object.fromEntries(Object.entries(LDAP_KEY_SCHEMAS).map(([k, s]) => [k, s.optional()])) as { [K in HarborLdapKey]: z.ZodOptional<(typeof LDAP_KEY_SCHEMAS)[K]> },
  oidc_name: text(64).optional().describe("The sign-in button says \"Sign in with <oidc_name>\"."),
  oidc_endpoint: text().optional().describe("The issuer URL (http or https)."),
  oidc_client_id: text(255).optional(),
  oidc_client_secret: text().optional().describe("Write-only, never answered; empty or absent keeps the stored one (required when none is stored)."),
  oidc_groups_claim: text(255).optional().describe("Empty: groups are not read."),
  oidc_admin_group: text().optional().describe("Members of this group are administrators; empty: none."),
  oidc_scope: text(512).optional().describe("Comma- or space-separated; must include openid."),
  oidc_user_claim: text(255).optional().describe("The claim holding the username (default preferred_username)."),
  oidc_verify_cert: bool.optional(),
  oidc_auto_onboard: bool.optional().describe("Create accounts at first sign-in."),
  project_creation_restriction: ZProjectCreationRestriction.optional().describe("everyone or adminonly."),
  ...(Object.fromEntries(Object.entries(WHARF_BEHAVIOUR).map(([k, v]) => [k, onlyWharfs(v)])) as { [K in keyof typeof WHARF_BEHAVIOUR]: ReturnType<typeof onlyWharfs> }),
});
type ConfigurationsReq = z.output<typeof ZConfigurationsReq>;

const KNOWN_KEYS = Object.keys(ZConfigurationsReq.shape);

const stringItem = z.object({ value: z.string(), editable: z.boolean() }).describe("StringConfigItem");
const boolItem = z.object({ value: z.boolean(), editable: z.boolean() }).describe("BoolConfigItem");
const integerItem = z.object({ value: z.int(), editable: z.boolean() }).describe("IntegerConfigItem");

/** Harbor's ConfigurationsResponse for the keys Wharf has; no password or secret. */
export const ZConfigurationsResponse = z
  .object({
    auth_mode: stringItem,
    ldap_url: stringItem,
    ldap_search_dn: stringItem,
    ldap_base_dn: stringItem,
    ldap_filter: stringItem,
    ldap_uid: stringItem,
    ldap_scope: integerItem.describe("0 base, 1 one level, 2 subtree."),
    ldap_verify_cert: boolItem,
    ldap_group_base_dn: stringItem,
    ldap_group_search_filter: stringItem,
    ldap_group_attribute_name: stringItem,
    ldap_group_admin_dn: stringItem,
    ldap_group_membership_attribute: stringItem,
    oidc_name: stringItem,
    oidc_endpoint: stringItem,
    oidc_client_id: stringItem,
    oidc_groups_claim: stringItem,
    oidc_admin_group: stringItem,
    oidc_scope: stringItem.describe("Comma-separated, as Harbor answers it."),
    oidc_user_claim: stringItem,
    oidc_verify_cert: boolItem,
    oidc_auto_onboard: boolItem,
    project_creation_restriction: stringItem,
  })
  .describe("ConfigurationsResponse");
type ConfigurationsResponse = z.infer<typeof ZConfigurationsResponse>;

/**
 * A never-configured group's values, as the console form starts them; the email and full name
 * attributes (no Harbor key) are Harbor's: `mail` and `cn`.
 */
const LDAP_DEFAULTS: Omit<LdapSettingsView, "hasBindPassword"> = {
  url: "",
  startTls: false,
  verifyCertificate: true,
  bindDn: "",
  userBaseDn: "",
  userFilter: "",
  uidAttribute: "",
  emailAttribute: "mail",
  fullNameAttribute: "cn",
  scope: "sub",
  groupBaseDn: "",
  groupFilter: "",
  groupNameAttribute: "cn",
  groupMembershipAttribute: "",
  groupMemberAttribute: "member",
  adminGroupDn: "",
  onboard: false,
};
const OIDC_DEFAULTS: Omit<OidcSettings, "hasClientSecret"> = {
  providerName: "",
  issuer: "",
  clientId: "",
  scopes: OIDC_DEFAULT_SCOPES,
  usernameClaim: OIDC_DEFAULT_USERNAME_CLAIM,
  groupsClaim: OIDC_DEFAULT_GROUPS_CLAIM,
  adminGroup: null,
  autoOnboard: false,
  verifyCertificate: true,
};

const item = <T>(value: T) => ({ value, editable: true });

export const get = withApi(async ({ actor }) => {
  // One after another: a caller who may not read is refused by the first, with one failure row.
  const mode = await getAuthMode({ actor });
  const ldapView = await getLdapSettings({ actor });
  const oidcView = await getOidcSettings({ actor });
  const system = await getSystemSettings({ actor });
  const ldap = ldapView ?? LDAP_DEFAULTS;
  const oidc = oidcView ?? OIDC_DEFAULTS;
  const body: ConfigurationsResponse = {
    auth_mode: item(mode),
    ldap_url: item(ldap.url),
    ldap_search_dn: item(ldap.bindDn),
    ldap_base_dn: item(ldap.userBaseDn),
    ldap_filter: item(ldap.userFilter),
    ldap_uid: item(ldap.uidAttribute),
    ldap_scope: item(HARBOR_LDAP_SCOPES.indexOf(ldap.scope)),
    ldap_verify_cert: item(ldap.verifyCertificate),
    ldap_group_base_dn: item(ldap.groupBaseDn),
    ldap_group_search_filter: item(ldap.groupFilter),
    ldap_group_attribute_name: item(ldap.groupNameAttribute),
    ldap_group_admin_dn: item(ldap.adminGroupDn),
    ldap_group_membership_attribute: item(ldap.groupMembershipAttribute),
    oidc_name: item(oidc.providerName),
    oidc_endpoint: item(oidc.issuer),
    oidc_client_id: item(oidc.clientId),
    oidc_groups_claim: item(oidc.groupsClaim),
    oidc_admin_group: item(oidc.adminGroup ?? ""),
    oidc_scope: item(oidc.scopes.split(" ").join(",")),
    oidc_user_claim: item(oidc.usernameClaim),
    oidc_verify_cert: item(oidc.verifyCertificate),
    oidc_auto_onboard: item(oidc.autoOnboard),
    project_creation_restriction: item(system.projectCreationRestriction),
  };
  return Response.json(body);
});

function givenOf<K extends string>(req: ConfigurationsReq, keys: readonly K[]): Partial<Record<K, unknown>> {
  const r = req as Record<string, unknown>;
  return Object.fromEntries(keys.filter((k) => r[k] !== undefined).map((k) => [k, r[k]])) as Partial<Record<K, unknown>>;
}

/** Whether a group's given keys configure something (see SWITCHES). */
const configures = (given: object, configured: boolean) => Object.keys(given).length > 0 && (configured || Object.keys(given).some((k) => !SWITCHES.has(k)));

/** The OIDC settings to save: the stored ones (or the defaults), the given keys over them, checked; or the 400 messages. */
function oidcInputOf(view: OidcSettings | null, given: Partial<Record<HarborOidcKey, unknown>>): { input: TOidcSettings } | { problems: string[] } {
  const base = view ?? OIDC_DEFAULTS;
  const input: Record<string, unknown> = {
    providerName: base.providerName,
    issuer: base.issuer,
    clientId: base.clientId,
    scopes: base.scopes,
    usernameClaim: base.usernameClaim,
    groupsClaim: base.groupsClaim,
    adminGroup: base.adminGroup ?? "",
    autoOnboard: base.autoOnboard,
    verifyCertificate: base.verifyCertificate,
  };
  for (const [key, value] of Object.entries(given) as [HarborOidcKey, unknown][]) {
    input[OIDC_FIELDS[key]] = key === "oidc_scope" ? String(value).replace(/,/g, " ") : value;
  }
  const parsed = ZOidcSettings.safeParse(input);
  if (!parsed.success) return { problems: [zodMessage(parsed.error, OIDC_HARBOR_NAMES)] };
  if (parsed.data.clientSecret === null && !view?.hasClientSecret) return { problems: ["oidc_client_secret: Required: no client secret is stored yet"] };
  return { input: parsed.data };
}

export const update = withApi(async ({ req, actor }) => {
  const body = await readJsonObject(req);
  // 1. Keys and types, before anything is read or saved.
  const problems = unsupportedKeys(body, KNOWN_KEYS);
  const parsed = ZConfigurationsReq.safeParse(body);
  if (!parsed.success) problems.push(zodMessage(parsed.error));
  if (problems.length) throw new ValidationError(problems.join("; "));
  const given = parsed.data!;
  await assertMayChangeSettings({ actor });

  // 2. Each group over its stored settings.
  const mode = given.auth_mode;
  const ldapGiven = givenOf(given, Object.keys(LDAP_FIELDS) as HarborLdapKey[]);
  const oidcGiven = givenOf(given, Object.keys(OIDC_FIELDS) as HarborOidcKey[]);
  const restriction = given.project_creation_restriction;
  const ldapView = Object.keys(ldapGiven).length ? await getLdapSettings({ actor }) : null;
  const oidcView = Object.keys(oidcGiven).length ? await getOidcSettings({ actor }) : null;

  let ldapInput: Record<string, unknown> | null = null;
  if (configures(ldapGiven, ldapView !== null)) {
    const input = { ...(ldapFormOf(ldapView) ?? { ...LDAP_DEFAULTS, bindPassword: "" }), ...ldapFieldsFromHarbor(ldapGiven) };
    try {
      parseLdapSettings(input);
      ldapInput = input;
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(harborLdapError(error).message);
    }
  }
  let oidcInput: TOidcSettings | null = null;
  if (configures(oidcGiven, oidcView !== null)) {
    const result = oidcInputOf(oidcView, oidcGiven);
    if ("problems" in result) problems.push(...result.problems);
    else oidcInput = result.input;
  }
  if (problems.length) throw new ValidationError(problems.join("; "));
  if (!mode && !ldapInput && !oidcInput && !restriction) return ok();

  // 3. One transaction: every group is saved, or none (each service checks setting.update first and
  // writes its own row; a refusal's failure row is written outside the transaction and stays).
  await inSettingsTransaction(async (tx) => {
    if (ldapInput) await saveLdapSettings({ actor, input: ldapInput, tx });
    if (oidcInput) await updateOidcSettings({ actor, input: oidcInput, tx });
    if (restriction) await updateSystemSettings({ actor, input: { projectCreationRestriction: restriction }, tx });
    if (mode) await setAuthMode({ actor, mode, tx });
  });
  // The sign-in's cached OIDC view, emptied again now that the transaction has committed.
  forgetOidcConfig();
  return ok();
});
