"use client";

import { useTranslations } from "next-intl";
import { type ReactNode, type RefObject, useActionState, useEffect, useId, useRef } from "react";
import { Button } from "@/components/ui/button";
import { flash } from "@/components/ui/flash";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { type ActionResult, INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";

/**
 * The one confirmation for dangerous actions (deletes, secret refreshes): a trigger button opens a
 * modal dialog (native <dialog> with showModal: focus moves in and is kept inside, Escape cancels,
 * the page behind is inert) whose title and text name exactly what goes; only its confirm button
 * submits the form. After a success the action's message goes to the page's flash region, because
 * the row holding this form is usually gone after a delete.
 */
export function ConfirmActionForm<R extends ActionResult>({
  action,
  initial = INITIAL_ACTION_RESULT as R,
  fields,
  triggerLabel,
  title,
  description,
  confirmLabel,
  pendingText,
  success,
  variant = "danger",
  testId,
  openRef,
  children,
}: {
  action: (prev: R, formData: FormData) => Promise<R>;
  initial?: R;
  fields: Record<string, string | number>;
  /** The button in the row, e.g. "Delete". */
  triggerLabel: string;
  /** Names what goes, e.g. "Delete robot robot$alpha+ci?". */
  title: string;
  description?: ReactNode;
  /** The dialog's confirm button, e.g. "Delete robot". */
  confirmLabel: string;
  pendingText?: string;
  /** Shown in the flash region after a success when the action gives no message. */
  success?: string;
  variant?: "danger" | "secondary";
  testId?: string;
  /**
   * Opens the dialog from elsewhere (e.g. a row menu's item) instead of the trigger button, which
   * is then not rendered.
   */
  openRef?: RefObject<(() => void) | null>;
  /** Rendered under the form (e.g. a one-time secret from the result). */
  children?: (result: R) => ReactNode;
}) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const t = useTranslations("common");
  const titleId = useId();
  const descriptionId = useId();
  const [result, formAction] = useActionState(async (prev: Awaited<R>, formData: FormData): Promise<Awaited<R>> => {
    const next = (await action(prev, formData)) as Awaited<R>;
    dialogRef.current?.close();
    if (next.ok && (next.message ?? success)) flash((next.message ?? success)!);
    return next;
  }, initial as Awaited<R>);
  useEffect(() => {
    if (!openRef) return;
    openRef.current = () => dialogRef.current?.showModal();
    return () => {
      openRef.current = null;
    };
  }, [openRef]);
  return (
    <form action={formAction} data-testid={testId} className="inline-flex flex-col items-end gap-1">
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {!openRef && (
        <Button type="button" variant={variant} onClick={() => dialogRef.current?.showModal()}>
          {triggerLabel}
        </Button>
      )}
      <dialog
        ref={dialogRef}
        aria-labelledby={titleId}
        aria-describedby={description ? descriptionId : undefined}
        className="m-auto w-[min(28rem,calc(100vw-2rem))] rounded-lg border border-slate-200 bg-white p-5 text-left shadow-xl backdrop:bg-slate-900/40"
      >
        <h2 id={titleId} className="text-base font-semibold break-words">
          {title}
        </h2>
        {description && (
          <div id={descriptionId} className="mt-2 text-sm text-slate-600">
            {description}
          </div>
        )}
        <div className="mt-5 flex justify-end gap-2">
          <Button type="button" variant="secondary" autoFocus onClick={() => dialogRef.current?.close()}>
            {t("cancel")}
          </Button>
          <SubmitButton variant={variant} pendingText={pendingText ?? t("working")}>
            {confirmLabel}
          </SubmitButton>
        </div>
      </dialog>
      {!result.ok && <FormMessage result={result} />}
      {children?.(result as R)}
    </form>
  );
}
