"use client";

import { useTranslations } from "next-intl";
import { useEffect } from "react";
import { changeOwnPasswordAction } from "@/app/(console)/account/actions";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";
import { signOutOfSession } from "@/lib/auth/browser-session";

export function ChangePasswordForm() {
  const t = useTranslations("account");
  const { result, errors, formProps } = useActionForm(changeOwnPasswordAction, INITIAL_ACTION_RESULT);

  useEffect(() => {
    // The change ended every session of this user, this one included: sign the browser out cleanly.
    if (result.ok) {
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination -- a full load on purpose (see above)
      void signOutOfSession().then(() => window.location.assign("/sign-in?notice=password-changed"));
    }
  }, [result.ok]);

  return (
    <form {...formProps} className="space-y-4" noValidate>
      <FormMessage result={result} />
      <Field label={t("currentPassword")} name="currentPassword" type="password" autoComplete="current-password" maxLength={128} errors={errors.currentPassword} />
      <Field
        label={t("newPassword")}
        name="newPassword"
        type="password"
        autoComplete="new-password"
        maxLength={128}
        // The rule once: as the hint, or in the error that repeats it.
        hint={errors.newPassword ? undefined : t("passwordRule")}
        errors={errors.newPassword}
      />
      <Field label={t("confirmPassword")} name="confirmPassword" type="password" autoComplete="new-password" maxLength={128} errors={errors.confirmPassword} />
      <SubmitButton pendingText={t("changing")}>{t("changePassword")}</SubmitButton>
    </form>
  );
}
