import { LOCALE_COOKIE, type Locale } from "@/lib/i18n/locales";

/** Remembers the language in this browser for a year (the sign-in page reads it). Not secret. */
export function rememberLocaleInBrowser(locale: Locale): void {
  document.cookie = `${LOCALE_COOKIE}=${encodeURIComponent(locale)}; path=/; max-age=${60 * 60 * 24 * 365}; samesite=lax`;
}
