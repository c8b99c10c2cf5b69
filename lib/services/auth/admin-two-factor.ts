import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { processCache } from "@/lib/cache/process-cache";
import { db } from "@/lib/db/client";
import { ValidationError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";

/**
 * "Require two-factor sign-in for administrators" (issue 18 item 4). While it is on, an
 * administrator without two-factor sign-in holds no administrator rights anywhere — console,
 * REST, registry — until they turn it on: their password alone never yields them. They can still
 * sign in and reach their account page to set it up (the console says why on every page), so
 * nobody is locked out, and a forgotten enrolment is not an open door.
 *
 * The effective flag is decided where actors are made (the session check, Basic credentials, a
 * token's subject) by {@link effectiveAdmin}. The setting and every enrolment change of an
 * administrator bump the registry grant version, which empties cached grants and this setting's
 * cache on every instance.
 */
export const REQUIRE_ADMIN_TWO_FACTOR_KEY = "require_admin_two_factor";

const cache = processCache<{ required: boolean }>({ name: "admin-two-factor", max: 1, ttlMs: 10_000, invalidatedBy: "registry-grants" });

export async function adminTwoFactorRequired(): Promise<boolean> {
  const hit = cache.get(REQUIRE_ADMIN_TWO_FACTOR_KEY);
  if (hit) return hit.required;
  const row = await db.systemSetting.findUnique({ where: { key: REQUIRE_ADMIN_TWO_FACTOR_KEY } });
  const required = row?.value === true;
  cache.set(REQUIRE_ADMIN_TWO_FACTOR_KEY, { required });
  return required;
}

/**
 * Whether a user holds their administrator rights now. Reads the setting only for an
 * administrator without two-factor sign-in (the rare case), so other requests pay nothing.
 */
export async function effectiveAdmin(user: { isAdmin: boolean; totpEnabledAt: Date | null }): Promise<{ isAdmin: boolean; adminPaused: boolean }> {
  if (!user.isAdmin || user.totpEnabledAt) return { isAdmin: user.isAdmin, adminPaused: false };
  const paused = await adminTwoFactorRequired();
  return { isAdmin: !paused, adminPaused: paused };
}

/** Administrators and auditors read the setting. */
export async function getAdminTwoFactorRequirement({ actor }: { actor: Actor }): Promise<boolean> {
  await assertSystemPermission(actor, "setting.read", { type: "setting", name: REQUIRE_ADMIN_TWO_FACTOR_KEY });
  return adminTwoFactorRequired();
}

/**
 * Turns the requirement on or off (administrators). Turning it on is refused while the saver has
 * no two-factor sign-in themselves: they would pause their own rights with the click. One
 * `setting.update` row per save, with before and after (as the other settings).
 */
export async function setAdminTwoFactorRequirement({ actor, required }: { actor: Actor; required: boolean }): Promise<void> {
  await assertSystemPermission(actor, "setting.update", { type: "setting", name: REQUIRE_ADMIN_TWO_FACTOR_KEY });
  if (required && actor.kind === "user") {
    const own = await db.user.findUniqueOrThrow({ where: { id: actor.id }, select: { totpEnabledAt: true } });
    if (!own.totpEnabledAt) {
      const message = "Turn on your own two-factor sign-in first (Account): requiring it now would pause your administrator rights";
      throw new ValidationError(`requireAdminTwoFactor: ${message}`, { requireAdminTwoFactor: [message] });
    }
  }
  await db.$transaction(async (tx) => {
    const before = (await tx.systemSetting.findUnique({ where: { key: REQUIRE_ADMIN_TWO_FACTOR_KEY } }))?.value === true;
    await tx.systemSetting.upsert({ where: { key: REQUIRE_ADMIN_TWO_FACTOR_KEY }, create: { key: REQUIRE_ADMIN_TWO_FACTOR_KEY, value: required }, update: { value: required } });
    await recordAuditEvent(tx, { actor, action: "setting.update", resource: { type: "setting", name: REQUIRE_ADMIN_TWO_FACTOR_KEY }, detail: { before, after: required } });
    // Administrators' rights change with it: cached grants and this cache go on every instance.
    await bumpGrantVersion(tx);
  });
  cache.clear();
}
