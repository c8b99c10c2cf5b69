"use client";

import { useTranslations } from "next-intl";
import { setRegistryMirrorAction } from "@/app/(console)/projects/[projectId]/cache/actions";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

/** An administrator's switch: this project becomes the registry mirror, or mirror mode ends. */
export function MirrorForm({ projectId, isMirror }: { projectId: number; isMirror: boolean }) {
  const t = useTranslations("proxyCache");
  const { result, formProps } = useActionForm(setRegistryMirrorAction, INITIAL_ACTION_RESULT);
  return (
    <form {...formProps} className="space-y-2" data-testid="mirror-form">
      <FormMessage result={result} />
      <input type="hidden" name="projectId" value={projectId} />
      {!isMirror && <input type="hidden" name="mirror" value="on" />}
      <SubmitButton pendingText={t("saving")}>{isMirror ? t("stopMirror") : t("makeMirror")}</SubmitButton>
    </form>
  );
}
