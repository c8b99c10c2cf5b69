import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { sealSecret, unsealSecret, type SealContext } from "@/lib/crypto/sealed-secret";
import { processCache } from "@/lib/cache/process-cache";
import { db, type DbTransaction } from "@/lib/db/client";
import { ValidationError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { notifySignInSettingsChanged, readAuthMode, SIGN_IN_SETTINGS_TOPIC } from "@/lib/services/identity/auth-mode";
import { type TOidcSettings, ZOidcIssuer } from "@/lib/validation/oidc";
import { z } from "zod";

/**
 * The OIDC identity provider Wharf signs people in through (issue 18 item 1), one JSON row of
 * system_settings (`oidc_config`). The client secret is sealed under WHARF_SECRET_KEY
 * (lib/crypto/sealed-secret.ts) and leaves this module only for next-auth's token request
 * ({@link readOidcSignInConfig}); every reader through an actor gets `hasClientSecret` instead.
 */
export const OIDC_CONFIG_KEY = "oidc_config";

const sealContext: SealContext = { purpose: "wharf oidc client secret v1", binding: `system-setting:${OIDC_CONFIG_KEY}`, what: "the OIDC client secret" };

/** The row as stored. Parsed leniently: a row written by hand that does not fit is "not configured". */
const ZStored = z.object({
  providerName: z.string(),
  issuer: ZOidcIssuer,
  clientId: z.string(),
  clientSecretSealed: z.string().nullable(),
  scopes: z.string(),
  usernameClaim: z.string(),
  groupsClaim: z.string(),
  adminGroup: z.string().nullable(),
  autoOnboard: z.boolean(),
  verifyCertificate: z.boolean(),
});
type Stored = z.infer<typeof ZStored>;

/** What administrators and auditors read: everything but the secret. */
export type OidcSettings = Omit<Stored, "clientSecretSealed"> & { hasClientSecret: boolean };

/** What the sign-in needs, the secret in clear. Server-side only, never returned to a caller with an actor. */
export type OidcSignInConfig = Omit<Stored, "clientSecretSealed"> & { clientSecret: string };

function parseStored(value: unknown): Stored | null {
  const parsed = ZStored.safeParse(value);
  return parsed.success ? parsed.data : null;
}

function withoutKey<T extends object, K extends keyof T>(value: T, key: K): Omit<T, K> {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

function toSettings({ clientSecretSealed, ...rest }: Stored): OidcSettings {
  return { ...rest, hasClientSecret: clientSecretSealed !== null };
}

/** Administrators and auditors; null while OIDC was never configured. */
export async function getOidcSettings({ actor }: { actor: Actor }): Promise<OidcSettings | null> {
  await assertSystemPermission(actor, "setting.read", { type: "setting", name: OIDC_CONFIG_KEY });
  const row = await db.systemSetting.findUnique({ where: { key: OIDC_CONFIG_KEY }, select: { value: true } });
  const stored = row ? parseStored(row.value) : null;
  return stored ? toSettings(stored) : null;
}

/**
 * Administrators: saves the settings, sealing a new client secret (an empty one keeps the stored
 * secret; required when none is stored), with one `setting.update` row in the same transaction whose
 * detail says what changed, the secret only as `new_client_key` (true when a new one was sealed; a key named "secret" would be redacted).
 * `tx`: run inside the caller's transaction (PUT /configurations), who calls forgetOidcConfig() again after its commit.
 */
export async function updateOidcSettings({ actor, input, tx: outer }: { actor: Actor; input: TOidcSettings; tx?: DbTransaction }): Promise<OidcSettings> {
  await assertSystemPermission(actor, "setting.update", { type: "setting", name: OIDC_CONFIG_KEY });
  const work = async (tx: DbTransaction) => {
    const before = await tx.systemSetting.findUnique({ where: { key: OIDC_CONFIG_KEY }, select: { value: true } });
    const previous = before ? parseStored(before.value) : null;
    const clientSecretSealed = input.clientSecret !== null ? sealSecret(input.clientSecret, sealContext) : (previous?.clientSecretSealed ?? null);
    if (clientSecretSealed === null) {
      throw new ValidationError("Check the highlighted fields.", { clientSecret: ["Client secret is required"] });
    }
    const next: Stored = { ...withoutKey(input, "clientSecret"), clientSecretSealed };
    await tx.systemSetting.upsert({ where: { key: OIDC_CONFIG_KEY }, create: { key: OIDC_CONFIG_KEY, value: next }, update: { value: next } });
    await notifySignInSettingsChanged(tx);
    await recordAuditEvent(tx, {
      actor,
      action: "setting.update",
      resource: { type: "setting", name: OIDC_CONFIG_KEY },
      detail: {
        before: previous ? withoutKey(previous, "clientSecretSealed") : null,
        after: withoutKey(next, "clientSecretSealed"),
        new_client_key: input.clientSecret !== null,
      },
    });
    return next;
  };
  const saved = await (outer ? work(outer) : db.$transaction(work));
  forgetOidcConfig();
  return toSettings(saved);
}

// ---- the sign-in's view ------------------------------------------------------------------------

/**
 * Read on every request to /api/auth (next-auth's options are built per request), so held per
 * process (lib/cache, on globalThis: Next's pages and route handlers share it). A save sends the
 * "sign-in-settings" topic in its transaction, which empties it on every instance; the time to live
 * bounds a write made behind the services. The OIDC sign-in's own requests read it `fresh`.
 */
const cache = processCache<{ value: Promise<OidcSignInConfig | null> }>({ name: "oidc-sign-in", max: 1, ttlMs: 30_000, invalidatedBy: SIGN_IN_SETTINGS_TOPIC });

export function forgetOidcConfig(): void {
  cache.clear();
}

/**
 * The provider to sign in through, or null: only in the OIDC auth mode and with a complete
 * configuration whose secret opens. A secret that does not open (WHARF_SECRET_KEY changed) is logged
 * and leaves the OIDC button off: local accounts still sign in.
 */
export function readOidcSignInConfig({ fresh = false }: { fresh?: boolean } = {}): Promise<OidcSignInConfig | null> {
  const hit = fresh ? undefined : cache.get("config");
  if (hit) return hit.value;
  const value = load().catch((err: unknown) => {
    console.error("wharf: OIDC settings cannot be read", err);
    return null;
  });
  cache.set("config", { value });
  return value;
}

async function load(): Promise<OidcSignInConfig | null> {
  if ((await readAuthMode()) !== "oidc_auth") return null;
  const row = await db.systemSetting.findUnique({ where: { key: OIDC_CONFIG_KEY }, select: { value: true } });
  const stored = row ? parseStored(row.value) : null;
  if (!stored || stored.clientSecretSealed === null) return null;
  const { clientSecretSealed, ...rest } = stored;
  return { ...rest, clientSecret: unsealSecret(clientSecretSealed, sealContext) };
}

/** The sign-in page's button: the provider's name while OIDC sign-in is on (nothing secret). */
export async function readOidcSignInButton(): Promise<{ providerName: string } | null> {
  const config = await readOidcSignInConfig();
  return config ? { providerName: config.providerName } : null;
}

/** The stored issuer and certificate switch, for Test connection without a form (REST, or an unchanged form). */
export async function readStoredOidcEndpoint(): Promise<{ issuer: string; verifyCertificate: boolean } | null> {
  const row = await db.systemSetting.findUnique({ where: { key: OIDC_CONFIG_KEY }, select: { value: true } });
  const stored = row ? parseStored(row.value) : null;
  return stored ? { issuer: stored.issuer, verifyCertificate: stored.verifyCertificate } : null;
}
