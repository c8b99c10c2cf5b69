"use client";

import { useLocale, useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { rememberLocaleInBrowser } from "@/components/i18n/locale-cookie";
import { isLocale, LOCALE_NAMES, LOCALES } from "@/lib/i18n/locales";

/**
 * The sign-in page's language choice, before anyone is signed in: this browser's cookie only (no
 * account to store it on, so nothing is audited). A signed-in user's stored choice wins over it.
 */
export function SignInLanguageSwitcher() {
  const t = useTranslations("signIn");
  const locale = useLocale();
  const router = useRouter();
  return (
    <div className="flex items-center justify-end gap-2 text-sm">
      <label htmlFor="sign-in-locale" className="text-slate-600">
        {t("language")}
      </label>
      <select
        id="sign-in-locale"
        value={locale}
        onChange={(e) => {
          if (!isLocale(e.target.value)) return;
          rememberLocaleInBrowser(e.target.value);
          router.refresh();
        }}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
      >
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LOCALE_NAMES[l]}
          </option>
        ))}
      </select>
    </div>
  );
}
