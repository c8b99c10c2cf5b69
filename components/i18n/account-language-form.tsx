"use client";

import { useLocale, useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { setPreferredLocaleAction } from "@/app/(console)/account/actions";
import { rememberLocaleInBrowser } from "@/components/i18n/locale-cookie";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";
import { isLocale, LOCALE_NAMES, LOCALES } from "@/lib/i18n/locales";

/** The signed-in user's language: stored on their account (every browser), and in this browser's cookie. */
export function AccountLanguageForm() {
  const t = useTranslations("account");
  const locale = useLocale();
  const router = useRouter();
  const { result, errors, formProps } = useActionForm(setPreferredLocaleAction, INITIAL_ACTION_RESULT, {
    onSuccess: () => {
      const chosen = new FormData(document.getElementById("language-form") as HTMLFormElement).get("locale");
      if (isLocale(chosen)) rememberLocaleInBrowser(chosen);
      router.refresh();
    },
  });
  return (
    <form id="language-form" {...formProps} className="flex flex-wrap items-end gap-3" noValidate>
      <div className="space-y-1">
        <label htmlFor="field-locale" className="block text-sm font-medium text-slate-800">
          {t("language")}
        </label>
        <select
          id="field-locale"
          name="locale"
          defaultValue={locale}
          aria-invalid={errors.locale ? true : undefined}
          className="block rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
        >
          {LOCALES.map((l) => (
            <option key={l} value={l} lang={l}>
              {LOCALE_NAMES[l]}
            </option>
          ))}
        </select>
      </div>
      <SubmitButton pendingText={t("savingLanguage")}>{t("saveLanguage")}</SubmitButton>
      {!result.ok && <FormMessage result={result} />}
    </form>
  );
}
