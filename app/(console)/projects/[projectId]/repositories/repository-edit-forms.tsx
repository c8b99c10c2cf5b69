"use client";

import { useTranslations } from "next-intl";
import { type ReactNode, useActionState, useState } from "react";
import { addTagAction, updateDescriptionAction } from "@/app/(console)/projects/[projectId]/repositories/actions";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

/*
 * The add-tag and description forms (repository-forms.tsx renders them through React.lazy): their
 * own chunk, so the repository and artifact pages' initial JavaScript does not carry them (issue 16).
 */

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
