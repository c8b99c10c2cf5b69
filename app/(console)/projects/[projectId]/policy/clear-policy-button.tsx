"use client";

import { useTranslations } from "next-intl";
import { ConfirmActionForm } from "@/components/ui/confirm-dialog";
import type { ActionResult } from "@/lib/actions/action-state";

/** Removes the project's own policy, so the system default (if any) applies again. */
export function ClearPolicyButton({ action, projectId }: { action: (prev: ActionResult, formData: FormData) => Promise<ActionResult>; projectId: number }) {
  const t = useTranslations("policy");
  return (
    <ConfirmActionForm
      action={action}
      fields={{ projectId }}
      triggerLabel={t("useSystemDefault")}
      title={t("clearTitle")}
      description={t("clearDescription")}
      confirmLabel={t("removeProjectPolicy")}
      pendingText={t("removing")}
      variant="secondary"
    />
  );
}
