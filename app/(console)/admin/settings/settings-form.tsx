"use client";

import { updateSystemSettingsAction } from "@/app/(console)/admin/settings/actions";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-result";
import { useActionForm } from "@/lib/actions/use-action-form";

export function SettingsForm({
  settings,
  canEdit,
}: {
  settings: { projectCreationRestriction: "everyone" | "adminonly" };
  canEdit: boolean;
}) {
  const { result, formProps: formActionProps } = useActionForm(updateSystemSettingsAction, INITIAL_ACTION_RESULT);
  return (
    <form {...formActionProps} className="space-y-4">
      <fieldset disabled={!canEdit}>
        <legend className="text-sm font-medium">Who may create projects</legend>
        <label className="mt-2 flex items-center gap-2 text-sm">
          <input type="radio" name="projectCreationRestriction" value="everyone" defaultChecked={settings.projectCreationRestriction === "everyone"} />
          Everyone with an account
        </label>
        <label className="mt-1 flex items-center gap-2 text-sm">
          <input type="radio" name="projectCreationRestriction" value="adminonly" defaultChecked={settings.projectCreationRestriction === "adminonly"} />
          Administrators only
        </label>
      </fieldset>
      {canEdit && <SubmitButton>Save settings</SubmitButton>}
      <FormMessage result={result} />
    </form>
  );
}
