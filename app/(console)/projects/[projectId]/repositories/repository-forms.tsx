"use client";

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
  return (
    <ConfirmActionForm
      action={action}
      fields={fields}
      triggerLabel={label}
      title={confirmText}
      confirmLabel={label}
      pendingText="Deleting…"
      success="Deleted."
      testId={testId}
    />
  );
}

export function AddTagForm({ projectId, repository, digest }: { projectId: number; repository: string; digest: string }) {
  const { result, formProps: formActionProps } = useActionForm(addTagAction, INITIAL_ACTION_RESULT, { resetOnSuccess: true });
  const errors = result.fieldErrors ?? {};
  return (
    <form {...formActionProps} className="mt-3 flex flex-wrap items-end gap-2" aria-label="Add a tag">
      <input type="hidden" name="projectId" value={projectId} />
      <input type="hidden" name="repository" value={repository} />
      <input type="hidden" name="digest" value={digest} />
      <div>
        <label htmlFor="new-tag" className="block text-sm font-medium">
          New tag
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
      <SubmitButton variant="secondary" pendingText="Adding…">
        Add tag
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
  if (!editing) {
    return (
      <div>
        {description && rendered ? (
          rendered
        ) : (
          <p className="text-sm whitespace-pre-wrap text-slate-700" data-testid="repository-description">
            {description || "No description."}
          </p>
        )}
        {canEdit && (
          <Button variant="secondary" className="mt-2" onClick={() => setEditing(true)}>
            Edit description
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
        Description (markdown)
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
        <SubmitButton pendingText="Saving…">Save</SubmitButton>
        <Button type="button" variant="secondary" onClick={() => setEditing(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

/** A pull command with a button that copies it. */
export function PullCommand({ command, label }: { command: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="flex items-center gap-2">
      {/* Focusable: a command longer than its box scrolls, and keyboard users must reach it (axe: scrollable-region-focusable). */}
      <code tabIndex={0} data-testid="pull-command" className="min-w-0 flex-1 overflow-x-auto rounded bg-ink-900 px-3 py-1.5 font-mono text-xs whitespace-nowrap text-ink-100">
        {command}
      </code>
      <Button
        type="button"
        variant="secondary"
        aria-label={`Copy ${label}`}
        onClick={() => {
          void navigator.clipboard?.writeText(command).then(() => setCopied(true));
        }}
      >
        {copied ? "Copied" : "Copy"}
      </Button>
    </div>
  );
}
