import type { z } from "zod";
import { type ActionResult, toActionError } from "@/lib/actions/action-result";
import type { Actor } from "@/lib/auth/actor";
import { getActor } from "@/lib/auth/session";
import { translateActionResult } from "@/lib/i18n/server-text";
import { requestLocale } from "@/lib/i18n/server-locale";
import { fieldErrorsOf } from "@/lib/validation/common";

const INVALID = "Check the highlighted fields.";
const INVALID_REQUEST = "Invalid request.";

/** How a form's fields become the schema's input, and what an unparseable form is told. */
export type FormActionOptions = {
  /** Default: every field once (`Object.fromEntries`). A form with repeated fields reads them itself. */
  read?: (formData: FormData) => unknown;
  /**
   * A form of hidden fields only (ids) has nothing to highlight: it is told "Invalid request."
   * without field errors. Default: "Check the highlighted fields." with them.
   */
  hiddenFieldsOnly?: boolean;
};

/**
 * A form's server action: parses the form with the action's one zod schema, calls the service with
 * the request's actor (the service authorizes and audits; never the action), maps a refusal with
 * toActionError, and only after a success runs `done` (revalidate, then a message or a redirect).
 * `done` runs outside the error mapping, so Next's redirect() can throw its signal. The answer's
 * messages are translated into the request's console language (lib/i18n/server-text.ts).
 */
export function formAction<Schema extends z.ZodType, Result, Answer extends ActionResult = ActionResult>(
  schema: Schema,
  call: (input: z.output<Schema>, actor: Actor) => Promise<Result>,
  done: (input: z.output<Schema>, result: Result, formData: FormData) => NoInfer<Answer>,
  { read = (formData) => Object.fromEntries(formData), hiddenFieldsOnly = false }: FormActionOptions = {},
): (prev: Answer, formData: FormData) => Promise<Answer> {
  // Two declared parameters: the fuzz test finds form actions by their arity.
  return async (_prev: Answer, formData: FormData): Promise<Answer> =>
    translateActionResult(await answer(formData), await requestLocale());
  async function answer(formData: FormData): Promise<Answer> {
    const parsed = schema.safeParse(read(formData));
    // Answer only adds optional fields to ActionResult (a robot's one-time secret), so a refusal is one.
    if (!parsed.success) {
      return (hiddenFieldsOnly ? { ok: false, message: INVALID_REQUEST } : { ok: false, message: INVALID, fieldErrors: fieldErrorsOf(parsed.error) }) as Answer;
    }
    let result: Result;
    try {
      result = await call(parsed.data, await getActor());
    } catch (err) {
      return toActionError(err) as Answer;
    }
    return done(parsed.data, result, formData);
  }
}
