"use client";

import { createProjectAction } from "@/app/(console)/projects/actions";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

export function CreateProjectForm() {
  const { result, formProps: formActionProps } = useActionForm(createProjectAction, INITIAL_ACTION_RESULT);
  const errors = result.fieldErrors ?? {};
  return (
    <form {...formActionProps} className="space-y-4" noValidate>
      <FormMessage result={result} />
      <Field
        label="Project name"
        name="name"
        autoComplete="off"
        maxLength={255}
        hint="2-255 lowercase letters and digits, with single . _ - between them. It cannot be changed later."
        errors={errors.name}
      />
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="isPublic" className="mt-0.5 h-4 w-4 rounded border-slate-300" />
        <span>
          Public
          <span className="block text-slate-500">Anyone, even without an account, can pull its images.</span>
        </span>
      </label>
      <SubmitButton pendingText="Creating…">Create project</SubmitButton>
    </form>
  );
}
