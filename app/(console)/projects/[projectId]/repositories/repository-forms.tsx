"use client";

import { useTranslations } from "next-intl";
import { type ComponentProps, lazy, Suspense, useState } from "react";
import { Button } from "@/components/ui/button";
import { ConfirmActionForm } from "@/components/ui/confirm-dialog";
import type { ActionResult } from "@/lib/actions/action-state";

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

const AddTagFormPart = lazy(() => import("@/app/(console)/projects/[projectId]/repositories/repository-edit-forms").then((m) => ({ default: m.AddTagForm })));

/** Rendered on the server with the page; its JavaScript is its own chunk, hydrated once it arrives. */
export function AddTagForm(props: ComponentProps<typeof AddTagFormPart>) {
  return (
    <Suspense fallback={null}>
      <AddTagFormPart {...props} />
    </Suspense>
  );
}

const DescriptionFormPart = lazy(() => import("@/app/(console)/projects/[projectId]/repositories/repository-edit-forms").then((m) => ({ default: m.DescriptionForm })));

/** Rendered on the server with the page; its JavaScript is its own chunk, hydrated once it arrives. */
export function DescriptionForm(props: ComponentProps<typeof DescriptionFormPart>) {
  return (
    <Suspense fallback={null}>
      <DescriptionFormPart {...props} />
    </Suspense>
  );
}
