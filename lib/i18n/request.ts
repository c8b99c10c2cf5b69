import { cookies, headers } from "next/headers";
import { getRequestConfig } from "next-intl/server";
import { getActor } from "@/lib/auth/session";
import { DEFAULT_LOCALE, isLocale, type Locale, LOCALE_COOKIE, negotiateLocale } from "@/lib/i18n/locales";
import { getPreferredLocale } from "@/lib/services/users/preferred-locale";

/**
 * next-intl's request configuration (no locale in the URL: the console's paths, the REST API and
 * /v2 stay as they are). The language is the signed-in user's stored choice, else the
 * `wharf_locale` cookie (the sign-in page's switcher, the last choice in this browser), else the
 * browser's Accept-Language, else English. Times are UTC (lib/format/datetime.ts).
 */
export async function resolveLocale(): Promise<Locale> {
  const actor = await getActor();
  if (actor.kind === "user") {
    const stored = await getPreferredLocale(actor);
    if (stored) return stored;
  }
  const cookie = (await cookies()).get(LOCALE_COOKIE)?.value;
  if (isLocale(cookie)) return cookie;
  return negotiateLocale((await headers()).get("accept-language")) ?? DEFAULT_LOCALE;
}

const catalogues: Record<Locale, () => Promise<Record<string, unknown>>> = {
  en: async () => (await import("@/messages/en.json")).default,
  "zh-CN": async () => (await import("@/messages/zh-CN.json")).default,
};

export default getRequestConfig(async () => {
  const locale = await resolveLocale();
  return { locale, messages: await catalogues[locale](), timeZone: "UTC" };
});
