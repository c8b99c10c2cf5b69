import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { type SealContext, SealedSecretFormatError, SealedSecretKeyError, sealSecret, unsealSecret } from "@/lib/crypto/sealed-secret";
import { db, type DbTransaction } from "@/lib/db/client";
import { type FieldErrors, ValidationError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { FilterParser } from "ldapts";
import { type LdapScope, LDAP_SCOPES, type TLdapSettings, ZLdapSettings } from "@/lib/validation/ldap";

/**
 * The LDAP settings (system_settings key `ldap_config`, JSON). The bind password is sealed under
 * WHARF_SECRET_KEY (lib/crypto/sealed-secret.ts) and leaves this directory only as `hasBindPassword`:
 * no reader, audit row or message carries it.
 */
export const LDAP_CONFIG_KEY = "ldap_config";

/** What is stored: the settings, with the password sealed. */
type StoredLdapConfig = Omit<TLdapSettings, "bindPassword" | "clearBindPassword"> & { bindPasswordSealed: string | null };

/** What callers see (auditors too): everything but the password. */
export type LdapSettingsView = Omit<TLdapSettings, "bindPassword" | "clearBindPassword"> & { hasBindPassword: boolean };

/** What the directory code uses: the settings with the password opened. Never leaves lib/services. */
export type LdapConnectionConfig = Omit<TLdapSettings, "bindPassword" | "clearBindPassword"> & {
  bindPassword: string;
  /** Why the stored password cannot be used (WHARF_SECRET_KEY changed): the directory is then unusable, not a 500. */
  bindPasswordProblem?: string;
};

const SEAL: SealContext = { purpose: "wharf ldap bind password v1", binding: `setting:${LDAP_CONFIG_KEY}`, what: "the LDAP bind password" };

function isStored(value: unknown): value is StoredLdapConfig {
  if (value === null || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return typeof v.url === "string" && typeof v.userBaseDn === "string" && typeof v.uidAttribute === "string" && LDAP_SCOPES.includes(v.scope as LdapScope);
}

async function readStored(): Promise<StoredLdapConfig | null> {
  const row = await db.systemSetting.findUnique({ where: { key: LDAP_CONFIG_KEY } });
  return isStored(row?.value) ? row.value : null;
}

function toView({ bindPasswordSealed, ...rest }: StoredLdapConfig): LdapSettingsView {
  return { ...rest, hasBindPassword: bindPasswordSealed !== null };
}

/** For sign-in and the directory tools: the stored settings with the password, or null when none are saved. */
export async function readLdapConnectionConfig(): Promise<LdapConnectionConfig | null> {
  const stored = await readStored();
  if (!stored) return null;
  const { bindPasswordSealed, ...rest } = stored;
  return { ...rest, ...openPassword(bindPasswordSealed) };
}

function openPassword(sealed: string | null): { bindPassword: string; bindPasswordProblem?: string } {
  if (!sealed) return { bindPassword: "" };
  try {
    return { bindPassword: unsealSecret(sealed, SEAL) };
  } catch (err) {
    if (err instanceof SealedSecretKeyError || err instanceof SealedSecretFormatError) return { bindPassword: "", bindPasswordProblem: `${err.message} Enter the bind password again.` };
    throw err;
  }
}

/** Administrators and auditors; null when LDAP was never configured. */
export async function getLdapSettings({ actor }: { actor: Actor }): Promise<LdapSettingsView | null> {
  await assertSystemPermission(actor, "setting.read", { type: "setting", name: LDAP_CONFIG_KEY });
  const stored = await readStored();
  return stored ? toView(stored) : null;
}

/** Parses with the shared schema and checks the filters parse as LDAP filters: field errors, nothing written. */
export function parseLdapSettings(input: unknown): TLdapSettings {
  const parsed = ZLdapSettings.safeParse(input);
  const fieldErrors: FieldErrors = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) (fieldErrors[issue.path.map(String).join(".") || "_"] ??= []).push(issue.message);
  } else {
    for (const key of ["userFilter", "groupFilter"] as const) {
      const value = parsed.data[key];
      if (value === "") continue;
      try {
        FilterParser.parseString(value);
      } catch (err) {
        fieldErrors[key] = [`Not a valid LDAP filter: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300)];
      }
    }
  }
  if (Object.keys(fieldErrors).length > 0 || !parsed.success) {
    const text = Object.entries(fieldErrors).map(([k, v]) => `${k}: ${v.join(", ")}`).join("; ");
    throw new ValidationError(text || "Invalid LDAP settings.", fieldErrors);
  }
  return parsed.data;
}

/** The settings to try: submitted ones, with the stored password when none is submitted. */
export async function connectionConfigFrom(input: TLdapSettings): Promise<LdapConnectionConfig> {
  const { bindPassword, clearBindPassword, ...rest } = input;
  if (bindPassword !== "" || clearBindPassword || rest.bindDn === "") return { ...rest, bindPassword: rest.bindDn === "" ? "" : bindPassword };
  const stored = await readStored();
  return { ...rest, ...openPassword(stored?.bindPasswordSealed ?? null) };
}

/**
 * Administrators. Saves the whole configuration (an empty password keeps the stored one) with one
 * `setting.update` row in the same transaction, naming the fields that changed (the password only
 * as "changed"). Bad input: a ValidationError with field errors, nothing saved. `tx`: run inside the
 * caller's transaction (PUT /configurations saves several settings all or nothing).
 */
export async function saveLdapSettings({ actor, input, tx: outer }: { actor: Actor; input: unknown; tx?: DbTransaction }): Promise<LdapSettingsView> {
  await assertSystemPermission(actor, "setting.update", { type: "setting", name: LDAP_CONFIG_KEY });
  const settings = parseLdapSettings(input);
  const { bindPassword, clearBindPassword, ...rest } = settings;
  const work = async (tx: DbTransaction) => {
    const row = await tx.systemSetting.findUnique({ where: { key: LDAP_CONFIG_KEY } });
    const before = isStored(row?.value) ? row.value : null;
    const bindPasswordSealed =
      rest.bindDn === "" || clearBindPassword ? null : bindPassword !== "" ? sealSecret(bindPassword, SEAL) : (before?.bindPasswordSealed ?? null);
    const next: StoredLdapConfig = { ...rest, bindPasswordSealed };
    await tx.systemSetting.upsert({ where: { key: LDAP_CONFIG_KEY }, create: { key: LDAP_CONFIG_KEY, value: next }, update: { value: next } });
    const changed = (Object.keys(rest) as (keyof typeof rest)[]).filter((k) => !before || before[k] !== rest[k]);
    const passwordChanged = bindPassword !== "" || (before?.bindPasswordSealed ?? null) !== bindPasswordSealed;
    await recordAuditEvent(tx, {
      actor,
      action: "setting.update",
      resource: { type: "setting", name: LDAP_CONFIG_KEY },
      detail: {
        changed: [...changed, ...(passwordChanged ? ["bindPassword"] : [])],
        after: { ...rest, hasBindPassword: bindPasswordSealed !== null },
      },
    });
    return toView(next);
  };
  return outer ? work(outer) : db.$transaction(work);
}
