"use client";

import { useTranslations } from "next-intl";
import { createProjectAction } from "@/app/(console)/projects/actions";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

export function CreateProjectForm() {
  const t = useTranslations("projects");
  const { result, formProps: formActionProps } = useActionForm(createProjectAction, INITIAL_ACTION_RESULT);
  const errors = result.fieldErrors ?? {};
  return (
    <form {...formActionProps} className="space-y-4" noValidate>
      <FormMessage result={result} />
      <Field
        label={t("form.name")}
        name="name"
        autoComplete="off"
        maxLength={255}
        hint={t("form.nameHint")}
        errors={errors.name}
      />
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="isPublic" className="mt-0.5 h-4 w-4 rounded border-slate-300" />
        <span>
          {t("form.public")}
          <span className="block text-slate-500">{t("form.publicHint")}</span>
        </span>
      </label>
      <SubmitButton pendingText={t("form.creating")}>{t("form.create")}</SubmitButton>
    </form>
  );
}
