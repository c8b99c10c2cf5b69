"use client";

import { useTranslations } from "next-intl";
import { setAuthModeAction } from "@/app/(console)/admin/authentication/actions";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

const MODES = ["db_auth", "ldap_auth", "oidc_auth"] as const;

/** How people sign in: Wharf passwords only, or also LDAP or OIDC (local accounts keep their passwords in every mode). */
export function AuthModeForm({ mode, canEdit }: { mode: (typeof MODES)[number]; canEdit: boolean }) {
  const t = useTranslations("authentication");
  const { result, formProps } = useActionForm(setAuthModeAction, INITIAL_ACTION_RESULT);
  return (
    <form {...formProps} className="space-y-4" data-testid="auth-mode-form">
      <fieldset disabled={!canEdit}>
        <legend className="text-sm font-medium">{t("modeLegend")}</legend>
        {MODES.map((value) => (
          <label key={value} className="mt-2 flex items-center gap-2 text-sm">
            <input type="radio" name="mode" value={value} defaultChecked={mode === value} />
            {t(`mode_${value}`)}
          </label>
        ))}
        <p className="mt-2 text-xs text-slate-500">{t("modeHint")}</p>
      </fieldset>
      {canEdit && <SubmitButton>{t("saveMode")}</SubmitButton>}
      <FormMessage result={result} />
    </form>
  );
}
