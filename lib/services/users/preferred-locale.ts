import "server-only";
import type { Actor, UserActor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { UnauthenticatedError } from "@/lib/errors";
import { isLocale, type Locale } from "@/lib/i18n/locales";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import type { TSetPreferredLocale } from "@/lib/validation/users";

/** The console language the signed-in user chose, or null when they have not chosen one. */
export async function getPreferredLocale(actor: UserActor): Promise<Locale | null> {
  const user = await db.user.findUnique({ where: { id: actor.id }, select: { locale: true } });
  return isLocale(user?.locale) ? user.locale : null;
}

export type SetPreferredLocaleOptions = { actor: Actor; input: TSetPreferredLocale };

/**
 * A signed-in user chooses their own console language. Like a password change it is their own
 * profile, so every user may (auditors included: it changes nothing in the registry). One audit
 * row, `user.set_locale`, with the languages before and after, in the update's transaction.
 */
export async function setPreferredLocale({ actor, input }: SetPreferredLocaleOptions): Promise<Locale> {
  if (actor.kind !== "user") throw new UnauthenticatedError();
  return db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: actor.id }, select: { locale: true } });
    if (!before) throw new UnauthenticatedError();
    await tx.user.update({ where: { id: actor.id }, data: { locale: input.locale }, select: { id: true } });
    await recordAuditEvent(tx, {
      actor,
      action: "user.set_locale",
      resource: { type: "user", id: actor.id, name: actor.username },
      detail: { before: before.locale, after: input.locale },
    });
    return input.locale;
  });
}
