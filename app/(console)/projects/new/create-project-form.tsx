"use client";

import { useTranslations } from "next-intl";
import { createProjectAction } from "@/app/(console)/projects/actions";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

/** `upstreams`: the registry endpoints a proxy cache may pull from; null hides the section (not an administrator). */
export function CreateProjectForm({ upstreams }: { upstreams: { id: number; name: string; url: string }[] | null }) {
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
      {upstreams && (
        <fieldset className="space-y-3 rounded-md border border-slate-200 p-4">
          <legend className="px-1 text-sm font-medium text-slate-800">{t("form.proxyTitle")}</legend>
          <p className="text-xs text-slate-500">{t("form.proxyHint")}</p>
          {upstreams.length === 0 ? (
            <p className="text-sm text-slate-600">{t("form.noUpstreams")}</p>
          ) : (
            <>
              <div className="space-y-1">
                <label htmlFor="field-registryId" className="block text-sm font-medium text-slate-800">
                  {t("form.upstream")}
                </label>
                <select
                  id="field-registryId"
                  name="registryId"
                  defaultValue=""
                  aria-invalid={errors.registryId ? true : undefined}
                  className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
                >
                  <option value="">{t("form.upstreamNone")}</option>
                  {upstreams.map((upstream) => (
                    <option key={upstream.id} value={upstream.id}>
                      {upstream.name} ({upstream.url})
                    </option>
                  ))}
                </select>
                {errors.registryId && (
                  <p className="text-sm text-red-700" data-testid="error-registryId">
                    {errors.registryId.join(". ")}
                  </p>
                )}
              </div>
              <Field label={t("form.cacheDays")} name="cacheDays" type="number" min={1} max={3650} defaultValue={7} hint={t("form.cacheDaysHint")} errors={errors.cacheDays} />
            </>
          )}
        </fieldset>
      )}
      <SubmitButton pendingText={t("form.creating")}>{t("form.create")}</SubmitButton>
    </form>
  );
}
