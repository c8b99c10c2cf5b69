"use client";

import { useTranslations } from "next-intl";
import { type ReactNode, useActionState, useState } from "react";
import { addTagAction, updateDescriptionAction } from "@/app/(console)/projects/[projectId]/repositories/actions";
import { Button } from "@/components/ui/button";
import { ConfirmActionForm } from "@/components/ui/confirm-dialog";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { type ActionResult, INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

/**
 * A delete button whose confirmation dialog names exactly what goes (the caller writes that
 * sentence). The server action re-checks the permission; hiding the button is only a courtesy.
 */
export function ConfirmDeleteForm({
  action,
  fields,
  confirmText,
  label,
  testId,
}: {
  action: (prev: ActionResult, formData: FormData) => Promise<ActionResult>;
  fields: Record<string, string | number>;
  confirmText: string;
  label: string;
  testId?: string;
}) {
  const t = useTranslations("artifacts");
  return (
    <ConfirmActionForm
      action={action}
      fields={fields}
      triggerLabel={label}
      title={confirmText}
      confirmLabel={label}
      pendingText={t("deleting")}
      success={t("deleted")}
      testId={testId}
    />
  );
}

export function AddTagForm({ projectId, repository, digest }: { projectId: number; repository: string; digest: string }) {
  const { result, formProps: formActionProps } = useActionForm(addTagAction, INITIAL_ACTION_RESULT, { resetOnSuccess: true });
  const errors = result.fieldErrors ?? {};
  const t = useTranslations("artifacts");
  return (
    <form {...formActionProps} className="mt-3 flex flex-wrap items-end gap-2" aria-label={t("addTagLabel")}>
      <input type="hidden" name="projectId" value={projectId} />
      <input type="hidden" name="repository" value={repository} />
      <input type="hidden" name="digest" value={digest} />
      <div>
        <label htmlFor="new-tag" className="block text-sm font-medium">
          {t("newTag")}
        </label>
        <input
          id="new-tag"
          name="tag"
          required
          maxLength={128}
          autoComplete="off"
          aria-invalid={errors.tag ? true : undefined}
          aria-describedby={errors.tag ? "new-tag-error" : undefined}
          className="mt-1 block w-56 rounded-md border border-slate-300 px-3 py-1.5 text-sm"
        />
      </div>
      <SubmitButton variant="secondary" pendingText={t("adding")}>
        {t("addTag")}
      </SubmitButton>
      {errors.tag && (
        <p id="new-tag-error" className="w-full text-sm text-red-700">
          {errors.tag.join(". ")}
        </p>
      )}
      <div className="w-full">
        <FormMessage result={result} />
      </div>
    </form>
  );
}

/**
 * The markdown description (`rendered` on the server; plain text without it); a textarea for
 * those who may edit it.
 */
export function DescriptionForm({
  projectId,
  repository,
  description,
  canEdit,
  rendered,
}: {
  projectId: number;
  repository: string;
  description: string;
  canEdit: boolean;
  rendered?: ReactNode;
}) {
  const [result, formAction] = useActionState(updateDescriptionAction, INITIAL_ACTION_RESULT);
  const [editing, setEditing] = useState(false);
  const t = useTranslations("artifacts");
  if (!editing) {
    return (
      <div>
        {description && rendered ? (
          rendered
        ) : (
          <p className="text-sm whitespace-pre-wrap text-slate-700" data-testid="repository-description">
            {description || t("noDescription")}
          </p>
        )}
        {canEdit && (
          <Button variant="secondary" className="mt-2" onClick={() => setEditing(true)}>
            {t("editDescription")}
          </Button>
        )}
        <div className="mt-2">
          <FormMessage result={result} />
        </div>
      </div>
    );
  }
  return (
    <form
      action={async (formData) => {
        formAction(formData);
        setEditing(false);
      }}
    >
      <input type="hidden" name="projectId" value={projectId} />
      <input type="hidden" name="repository" value={repository} />
      <label htmlFor="repository-description" className="block text-sm font-medium">
        {t("descriptionMarkdown")}
      </label>
      <textarea
        id="repository-description"
        name="description"
        defaultValue={description}
        rows={6}
        maxLength={65536}
        className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 font-mono text-sm"
      />
      <div className="mt-2 flex gap-2">
        <SubmitButton pendingText={t("saving")}>{t("save")}</SubmitButton>
        <Button type="button" variant="secondary" onClick={() => setEditing(false)}>
          {t("cancel")}
        </Button>
      </div>
    </form>
  );
}

/** A pull command with a button that copies it. */
export function PullCommand({ command, label }: { command: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const t = useTranslations("artifacts");
  return (
    <div className="flex items-center gap-2">
      {/* Focusable: a command longer than its box scrolls, and keyboard users must reach it (axe: scrollable-region-focusable). */}
      <code tabIndex={0} data-testid="pull-command" className="min-w-0 flex-1 overflow-x-auto rounded bg-ink-900 px-3 py-1.5 font-mono text-xs whitespace-nowrap text-ink-100">
        {command}
      </code>
      <Button
        type="button"
        variant="secondary"
        aria-label={t("copyLabel", { label })}
        onClick={() => {
          void navigator.clipboard?.writeText(command).then(() => setCopied(true));
        }}
      >
        {copied ? t("copied") : t("copy")}
      </Button>
    </div>
  );
}
