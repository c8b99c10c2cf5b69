import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { CACHE_CHANNEL } from "@/lib/cache/process-cache";
import { db, type DbTransaction } from "@/lib/db/client";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { z } from "zod";

/**
 * How people sign in (Harbor's `auth_mode`): with Wharf passwords only ("db_auth"), or also
 * through an LDAP directory ("ldap_auth") or an OIDC identity provider ("oidc_auth"). Local
 * accounts keep their passwords in every mode, so switching a mode can never lock the
 * administrators out; what a mode adds is configured in lib/services/identity/ldap and /oidc.
 */
export const AUTH_MODES = ["db_auth", "ldap_auth", "oidc_auth"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];
export const ZAuthMode = z.enum(AUTH_MODES, { error: "Choose db_auth, ldap_auth or oidc_auth" });

const KEY = "auth_mode";

/** The cache topic of the sign-in settings (the mode, the OIDC provider's): lib/cache/process-cache.ts. */
export const SIGN_IN_SETTINGS_TOPIC = "sign-in-settings" as const;

/** In a save's transaction: every instance empties its cached sign-in settings when it commits. */
export async function notifySignInSettingsChanged(tx: DbTransaction): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${CACHE_CHANNEL}, ${SIGN_IN_SETTINGS_TOPIC})`;
}

export async function readAuthMode(): Promise<AuthMode> {
  const row = await db.systemSetting.findUnique({ where: { key: KEY } });
  const parsed = ZAuthMode.safeParse(row?.value);
  return parsed.success ? parsed.data : "db_auth";
}

export async function getAuthMode({ actor }: { actor: Actor }): Promise<AuthMode> {
  await assertSystemPermission(actor, "setting.read", { type: "setting", name: KEY });
  return readAuthMode();
}

/**
 * Administrators; one `setting.update` row when it changes, none when it does not. `tx`: run inside
 * the caller's transaction (PUT /configurations saves several settings all or nothing).
 */
export async function setAuthMode({ actor, mode, tx: outer }: { actor: Actor; mode: AuthMode; tx?: DbTransaction }): Promise<AuthMode> {
  await assertSystemPermission(actor, "setting.update", { type: "setting", name: KEY });
  const work = async (tx: DbTransaction) => {
    const before = await tx.systemSetting.findUnique({ where: { key: KEY } });
    const previous = ZAuthMode.safeParse(before?.value).data ?? "db_auth";
    if (previous === mode) return;
    await tx.systemSetting.upsert({ where: { key: KEY }, create: { key: KEY, value: mode }, update: { value: mode } });
    // The OIDC sign-in's cached view depends on the mode too.
    await notifySignInSettingsChanged(tx);
    await recordAuditEvent(tx, { actor, action: "setting.update", resource: { type: "setting", name: KEY }, detail: { before: previous, after: mode } });
  };
  await (outer ? work(outer) : db.$transaction(work));
  return mode;
}

/**
 * One transaction for several sign-in settings saved together (PUT /configurations: the auth mode,
 * LDAP, OIDC), each service given its `tx`, so they are saved all or none. Checks nothing itself:
 * every service it runs checks its own permission.
 */
/**
 * For a request that changes several sign-in settings at once (REST PUT /configurations): refused
 * up front under `setting.update`, before any setting is read for merging, so a refusal is filed
 * as the change it was.
 */
export async function assertMayChangeSettings({ actor }: { actor: Actor }): Promise<void> {
  await assertSystemPermission(actor, "setting.update", { type: "setting", name: "configurations" });
}

export function inSettingsTransaction<T>(work: (tx: DbTransaction) => Promise<T>): Promise<T> {
  return db.$transaction(work);
}
