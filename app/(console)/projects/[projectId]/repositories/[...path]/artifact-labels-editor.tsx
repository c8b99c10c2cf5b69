"use client";

import { useTranslations } from "next-intl";
import { addArtifactLabelAction, removeArtifactLabelAction } from "@/app/(console)/projects/[projectId]/repositories/label-actions";
import { LabelBadge } from "@/components/labels/label-badge";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

export type PickerLabel = { id: number; name: string; color: string; description: string; scope: "g" | "p" };

type Target = { projectId: number; repository: string; digest: string };

/**
 * An artifact's labels: each as its badge, with a remove button for those who may remove labels;
 * and a picker of the labels it may still get (the global ones and its project's). Rendered
 * through React.lazy (artifact-labels.tsx): its own chunk, hydrated once it arrives.
 */
export function ArtifactLabels({ target, attached, available, canAdd, canRemove }: { target: Target; attached: PickerLabel[]; available: PickerLabel[]; canAdd: boolean; canRemove: boolean }) {
  const t = useTranslations("labels");
  const add = useActionForm(addArtifactLabelAction, INITIAL_ACTION_RESULT);
  const remove = useActionForm(removeArtifactLabelAction, INITIAL_ACTION_RESULT);
  const hidden = (
    <>
      <input type="hidden" name="projectId" value={target.projectId} />
      <input type="hidden" name="repository" value={target.repository} />
      <input type="hidden" name="digest" value={target.digest} />
    </>
  );
  return (
    <div className="space-y-3 rounded-lg border border-slate-200 bg-white p-4" data-testid="artifact-labels">
      {attached.length === 0 ? (
        <p className="text-sm text-slate-500">{t("noneOnArtifact")}</p>
      ) : (
        <ul className="flex flex-wrap gap-2">
          {attached.map((l) => (
            <li key={l.id} className="flex items-center gap-1">
              <LabelBadge name={l.name} color={l.color} description={l.description} />
              {canRemove && (
                <form {...remove.formProps} className="inline">
                  {hidden}
                  <input type="hidden" name="labelId" value={l.id} />
                  <button type="submit" className="rounded px-1 text-sm text-slate-500 hover:bg-slate-100 hover:text-red-700" aria-label={t("removeLabel", { name: l.name })}>
                    ×
                  </button>
                </form>
              )}
            </li>
          ))}
        </ul>
      )}
      {canAdd && (
        <form {...add.formProps} className="flex flex-wrap items-end gap-2">
          {hidden}
          <div className="space-y-1">
            <label htmlFor="artifact-label-picker" className="block text-sm font-medium text-slate-800">
              {t("addLabel")}
            </label>
            <select id="artifact-label-picker" name="labelId" required defaultValue="" className="block rounded-md border border-slate-300 px-3 py-2 text-sm">
              <option value="" disabled>
                {available.length ? t("choose") : t("noneAvailable")}
              </option>
              {available.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.scope === "g" ? t("globalOption", { name: l.name }) : l.name}
                </option>
              ))}
            </select>
          </div>
          <SubmitButton pendingText={t("saving")}>{t("add")}</SubmitButton>
        </form>
      )}
      <FormMessage result={add.result} />
      <FormMessage result={remove.result} />
    </div>
  );
}
