"use client";

import { type FormEvent, startTransition, useActionState, useState } from "react";
import type { ActionResult } from "@/lib/actions/action-state";

/**
 * A settings form with two submit buttons, Save and Test connection (`name="intent"`,
 * `value="save"` / `"test"`), each with its own server action. Submitted from onSubmit, not the
 * form's `action`: React resets a form after its action runs, which would throw away what was
 * typed after a field error or a test. `result` is the answer of the button pressed last.
 */
export function useSaveOrTestForm<S extends ActionResult, T extends ActionResult>(
  save: (prev: S, data: FormData) => Promise<S>,
  test: (prev: T, data: FormData) => Promise<T>,
  initial: { save: NoInfer<S>; test: NoInfer<T> },
) {
  const [saveResult, saveAction, saving] = useActionState<S, FormData>(save, initial.save as Awaited<S>);
  const [testResult, testAction, testing] = useActionState<T, FormData>(test, initial.test as Awaited<T>);
  const [last, setLast] = useState<"save" | "test">("save");
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const intent = (e.nativeEvent as SubmitEvent).submitter?.getAttribute("value") === "test" ? "test" : "save";
    setLast(intent);
    startTransition(() => (intent === "test" ? testAction(data) : saveAction(data)));
  };
  const result: S | T = last === "save" ? saveResult : testResult;
  return { onSubmit, result, saveResult, testResult, last, saving, testing, busy: saving || testing };
}
