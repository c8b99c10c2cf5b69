"use client";

import { type FormEvent, startTransition, useActionState, useEffect, useRef, useState } from "react";
import type { ActionResult } from "@/lib/actions/action-result";

const LEAVE_WARNING = "You have unsaved changes on this page. Leave without saving?";

/**
 * The one way a console form talks to its server action.
 *
 * `<form action={…}>` alone makes React reset every uncontrolled field after each submission, to
 * the defaultValue of the render before: a weak-password error emptied the whole form, a changed
 * role select jumped back to the old role (and a second click saved the old role), the copy form's
 * target went back to the first project. Here the submit is handled in onSubmit and dispatched in
 * a transition, which React runs without that reset (useFormStatus still reports pending):
 * - after an error the fields keep what was typed;
 * - after a success they show what was saved (edit forms), or `onSuccess` clears them (create forms);
 * - while a field was changed and not saved, leaving the page (a link, reload, closing) asks first.
 * `action` is kept on the form too, so it still posts before hydration.
 */
export function useActionForm<R extends ActionResult>(
  action: (prev: R, formData: FormData) => Promise<R>,
  initial: R,
  { onSuccess, resetOnSuccess = false }: { onSuccess?: (result: R) => void; resetOnSuccess?: boolean } = {},
) {
  const formRef = useRef<HTMLFormElement>(null);
  const [dirty, setDirty] = useState(false);
  const [result, dispatch, pending] = useActionState(async (prev: Awaited<R>, formData: FormData): Promise<Awaited<R>> => {
    const next = (await action(prev, formData)) as Awaited<R>;
    if (next.ok) {
      setDirty(false);
      if (resetOnSuccess) formRef.current?.reset();
      onSuccess?.(next);
    }
    return next;
  }, initial as Awaited<R>);
  useLeaveGuard(dirty);
  return {
    result: result as R,
    errors: result.fieldErrors ?? {},
    pending,
    dirty,
    formProps: {
      ref: formRef,
      action: dispatch,
      onSubmit(event: FormEvent<HTMLFormElement>) {
        event.preventDefault();
        const submitter = (event.nativeEvent as SubmitEvent).submitter;
        const formData = new FormData(event.currentTarget, submitter);
        startTransition(() => dispatch(formData));
      },
      onChange() {
        setDirty(true);
      },
    },
  };
}

/** Asks before the page is left (reload, close, or a link inside the console) while `dirty`. */
export function useLeaveGuard(dirty: boolean) {
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    // Client-side navigation (next/link) fires no beforeunload: catch the link click itself.
    const onClick = (event: MouseEvent) => {
      const link = (event.target as Element | null)?.closest?.("a[href]");
      if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
      if (!window.confirm(LEAVE_WARNING)) {
        event.preventDefault();
        event.stopPropagation();
      }
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    document.addEventListener("click", onClick, true);
    return () => {
      window.removeEventListener("beforeunload", onBeforeUnload);
      document.removeEventListener("click", onClick, true);
    };
  }, [dirty]);
}
