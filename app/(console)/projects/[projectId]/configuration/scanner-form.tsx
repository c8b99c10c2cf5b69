"use client";

import { useTranslations } from "next-intl";
import { chooseProjectScannerAction } from "@/app/(console)/projects/[projectId]/configuration/scanner-actions";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

export type ScannerChoiceOption = { id: number; name: string; isDefault: boolean };

/**
 * The project's scanner: one of the enabled scanners, or the system default (whichever it is when
 * a scan starts). The select keeps what was chosen after an error (useActionForm).
 */
export function ProjectScannerForm({
  projectId,
  chosenId,
  candidates,
  defaultName,
}: {
  projectId: number;
  /** The project's own choice, null when it uses the default. */
  chosenId: number | null;
  candidates: ScannerChoiceOption[];
  defaultName: string | null;
}) {
  const { result, errors, formProps } = useActionForm(chooseProjectScannerAction, INITIAL_ACTION_RESULT);
  const t = useTranslations("configuration");
  return (
    <form {...formProps} className="space-y-3" data-testid="project-scanner-form">
      <input type="hidden" name="projectId" value={projectId} />
      <div className="space-y-1">
        <label htmlFor="field-scannerId" className="block text-sm font-medium text-slate-800">
          {t("scanner")}
        </label>
        <select
          id="field-scannerId"
          name="scannerId"
          defaultValue={chosenId === null ? "" : String(chosenId)}
          aria-invalid={errors.scannerId ? true : undefined}
          className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
        >
          <option value="">{defaultName ? t("systemDefault", { name: defaultName }) : t("systemDefaultNone")}</option>
          {candidates.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
              {c.isDefault ? t("theDefault") : ""}
            </option>
          ))}
        </select>
        {errors.scannerId && (
          <p className="text-sm text-red-700" data-testid="error-scannerId">
            {errors.scannerId.join(". ")}
          </p>
        )}
      </div>
      <SubmitButton>{t("saveScanner")}</SubmitButton>
      <FormMessage result={result} />
    </form>
  );
}
