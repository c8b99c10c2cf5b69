"use client";

import { ConfirmActionForm } from "@/components/ui/confirm-dialog";
import type { ActionResult } from "@/lib/actions/action-state";

/** Removes the project's own policy, so the system default (if any) applies again. */
export function ClearPolicyButton({ action, projectId }: { action: (prev: ActionResult, formData: FormData) => Promise<ActionResult>; projectId: number }) {
  return (
    <ConfirmActionForm
      action={action}
      fields={{ projectId }}
      triggerLabel="Use the system default instead"
      title="Remove this project's own retention policy?"
      description="The system default policy, if there is one, applies again from the next run."
      confirmLabel="Remove project policy"
      pendingText="Removing…"
      variant="secondary"
    />
  );
}
