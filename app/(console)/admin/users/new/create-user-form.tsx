"use client";

import { useTranslations } from "next-intl";
import { createUserAction } from "@/app/(console)/admin/users/actions";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

export function CreateUserForm() {
  const t = useTranslations("users");
  const { result, formProps: formActionProps } = useActionForm(createUserAction, INITIAL_ACTION_RESULT);
  const errors = result.fieldErrors ?? {};
  return (
    // noValidate: the server's zod schema is the authority and its messages are the ones shown.
    <form {...formActionProps} className="space-y-4" noValidate>
      <FormMessage result={result} />
      <Field label={t("columns.username")} name="username" autoComplete="off" maxLength={255} errors={errors.username} />
      <Field label={t("columns.email")} name="email" type="email" autoComplete="off" maxLength={255} errors={errors.email} />
      <Field label={t("columns.fullName")} name="fullName" autoComplete="off" maxLength={255} errors={errors.fullName} />
      <Field
        label={t("password")}
        name="password"
        type="password"
        autoComplete="new-password"
        maxLength={128}
        hint={t("passwordRule")}
        errors={errors.password}
      />
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="isAdmin" className="h-4 w-4 rounded border-slate-300" />
        {t("isAdmin")}
      </label>
      <SubmitButton pendingText={t("creating")}>{t("create")}</SubmitButton>
    </form>
  );
}
