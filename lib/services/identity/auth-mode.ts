import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
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

export async function readAuthMode(): Promise<AuthMode> {
  const row = await db.systemSetting.findUnique({ where: { key: KEY } });
  const parsed = ZAuthMode.safeParse(row?.value);
  return parsed.success ? parsed.data : "db_auth";
}

export async function getAuthMode({ actor }: { actor: Actor }): Promise<AuthMode> {
  await assertSystemPermission(actor, "setting.read", { type: "setting", name: KEY });
  return readAuthMode();
}

/** Administrators; one `setting.update` row when it changes, none when it does not. */
export async function setAuthMode({ actor, mode }: { actor: Actor; mode: AuthMode }): Promise<AuthMode> {
  await assertSystemPermission(actor, "setting.update", { type: "setting", name: KEY });
  await db.$transaction(async (tx) => {
    const before = await tx.systemSetting.findUnique({ where: { key: KEY } });
    const previous = ZAuthMode.safeParse(before?.value).data ?? "db_auth";
    if (previous === mode) return;
    await tx.systemSetting.upsert({ where: { key: KEY }, create: { key: KEY, value: mode }, update: { value: mode } });
    await recordAuditEvent(tx, { actor, action: "setting.update", resource: { type: "setting", name: KEY }, detail: { before: previous, after: mode } });
  });
  return mode;
}
