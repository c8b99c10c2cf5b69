"use client";

import { useTranslations } from "next-intl";
import { updateDefaultStorageLimitAction } from "@/app/(console)/admin/settings/actions";
import { updateProjectQuotaAction } from "@/app/(console)/projects/[projectId]/configuration/actions";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

const UNITS = ["MiB", "GiB", "TiB"] as const;

/**
 * A storage limit as a number and a unit (-1: unlimited): a project's (its Configuration tab,
 * administrators) or the default of new projects (Settings). The field error stays under the
 * number, with what was typed.
 */
export function StorageLimitForm({
  projectId,
  value,
}: {
  /** Absent: the default for new projects. */
  projectId?: number;
  value: { storageLimit: string; storageUnit: (typeof UNITS)[number] };
}) {
  const t = useTranslations("quota");
  const { result, formProps } = useActionForm(projectId === undefined ? updateDefaultStorageLimitAction : updateProjectQuotaAction, INITIAL_ACTION_RESULT);
  const errors = result.fieldErrors?.storageLimit;
  const invalid = Boolean(errors?.length);
  const id = projectId === undefined ? "default-storage-limit" : "project-storage-limit";
  return (
    <form {...formProps} className="space-y-3" data-testid="storage-limit-form">
      {projectId !== undefined && <input type="hidden" name="projectId" value={projectId} />}
      <div className="space-y-1">
        <label htmlFor={id} className="block text-sm font-medium text-slate-800">
          {projectId === undefined ? t("defaultLimitLabel") : t("limitLabel")}
        </label>
        <div className="flex items-center gap-2">
          <input
            id={id}
            name="storageLimit"
            inputMode="decimal"
            defaultValue={value.storageLimit}
            aria-invalid={invalid || undefined}
            aria-describedby={`${id}-hint${invalid ? ` ${id}-error` : ""}`}
            className={`block w-40 rounded-md border px-3 py-2 text-sm shadow-sm focus:border-sky-600 focus:outline-none ${invalid ? "border-red-500" : "border-slate-300"}`}
          />
          <select name="storageUnit" aria-label={t("unit")} defaultValue={value.storageUnit} className="rounded-md border border-slate-300 px-2 py-2 text-sm">
            {UNITS.map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
        </div>
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {t("limitHint")}
        </p>
        {invalid && (
          <p id={`${id}-error`} className="text-sm text-red-700" data-testid="error-storageLimit">
            {errors!.join(". ")}
          </p>
        )}
      </div>
      <SubmitButton>{t("save")}</SubmitButton>
      <FormMessage result={result} />
    </form>
  );
}
