"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { createLabelAction, deleteLabelAction, updateLabelAction } from "@/app/(console)/admin/labels/actions";
import { LabelBadge } from "@/components/labels/label-badge";
import { ConfirmActionForm } from "@/components/ui/confirm-dialog";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

export type LabelFormValues = { id: number; name: string; color: string; description: string };

/** Harbor's console offers a palette; any #RRGGBB is accepted. */
const DEFAULT_COLOR = "#2E7D32";

/**
 * Create (no `label`) or edit a label: global when `projectId` is absent, else that project's.
 * The colour has a picker and its #RRGGBB text side by side; the badge previews both.
 */
export function LabelForm({ projectId, label }: { projectId?: number; label?: LabelFormValues }) {
  const t = useTranslations("labels");
  const { result, errors, formProps } = useActionForm(label ? updateLabelAction : createLabelAction, INITIAL_ACTION_RESULT, { resetOnSuccess: !label });
  const [color, setColor] = useState(label?.color ?? DEFAULT_COLOR);
  const [name, setName] = useState(label?.name ?? "");
  const headingId = label ? `edit-label-${label.id}` : "new-label";
  const pickerValue = /^#[0-9a-f]{6}$/i.test(color) ? color.toLowerCase() : "#000000";
  return (
    <form {...formProps} className="space-y-4 rounded-lg border border-slate-200 bg-white p-4" aria-labelledby={headingId} data-testid="label-form">
      <h2 id={headingId} className="font-semibold">
        {label ? t("editTitle", { name: label.name }) : t("createTitle")}
      </h2>
      {projectId !== undefined && <input type="hidden" name="projectId" value={projectId} />}
      {label && <input type="hidden" name="labelId" value={label.id} />}
      <div className="grid gap-4 md:grid-cols-3">
        <Field label={t("name")} name="name" value={name} onChange={(e) => setName(e.target.value)} errors={errors.name} required maxLength={128} />
        <div className="space-y-1">
          <label htmlFor="label-color" className="block text-sm font-medium text-slate-800">
            {t("color")}
          </label>
          <div className="flex items-center gap-2">
            <input type="color" aria-label={t("colorPicker")} value={pickerValue} onChange={(e) => setColor(e.target.value.toUpperCase())} className="h-9 w-12 rounded border border-slate-300" />
            <input
              id="label-color"
              name="color"
              value={color}
              onChange={(e) => setColor(e.target.value)}
              required
              maxLength={7}
              aria-invalid={errors.color ? true : undefined}
              aria-describedby={errors.color ? "label-color-error" : undefined}
              className={`block w-28 rounded-md border px-3 py-2 font-mono text-sm ${errors.color ? "border-red-500" : "border-slate-300"}`}
            />
            <LabelBadge name={name || t("preview")} color={pickerValue} testId="label-preview" />
          </div>
          {errors.color && (
            <p id="label-color-error" className="text-sm text-red-700" data-testid="error-color">
              {errors.color.join(". ")}
            </p>
          )}
        </div>
        <Field label={t("description")} name="description" defaultValue={label?.description ?? ""} errors={errors.description} maxLength={1024} />
      </div>
      <div className="flex items-center gap-3">
        <SubmitButton pendingText={t("saving")}>{label ? t("save") : t("create")}</SubmitButton>
        <FormMessage result={result} />
      </div>
    </form>
  );
}

/** A row's delete button, with the shared confirmation. */
export function DeleteLabelButton({ projectId, label }: { projectId?: number; label: { id: number; name: string } }) {
  const t = useTranslations("labels");
  return (
    <ConfirmActionForm
      action={deleteLabelAction}
      fields={{ ...(projectId !== undefined ? { projectId } : {}), labelId: label.id }}
      triggerLabel={t("delete")}
      title={t("deleteTitle", { name: label.name })}
      description={t("deleteText")}
      confirmLabel={t("deleteConfirm")}
      testId={`delete-label-${label.id}`}
    />
  );
}
