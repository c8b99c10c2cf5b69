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
  // Answer only adds optional fields to ActionResult (a robot's one-time secret), so a refusal is one.
  const invalid = (error: z.ZodError) =>
    (hiddenFieldsOnly ? { ok: false, message: INVALID_REQUEST } : { ok: false, message: INVALID, fieldErrors: fieldErrorsOf(error) }) as Answer;
  // Two declared parameters: the fuzz test finds form actions by their arity.
  return async (_prev: Answer, formData: FormData): Promise<Answer> =>
    translateActionResult(await answer(schema, read(formData), invalid, call, (input, result) => done(input, result, formData)), await requestLocale());
}

/**
 * The same for an action a button calls with one plain value instead of a form (a Retry
 * button's run id, or nothing for a Start button, parsed with `z.void()`): the value is parsed
 * with the schema, and one that does not parse is told `invalid` (default "Invalid request."; a
 * retry says "No such run."), without calling the service.
 */
export function valueAction<Schema extends z.ZodType, Result>(
  schema: Schema,
  call: (input: z.output<Schema>, actor: Actor) => Promise<Result>,
  done: (input: z.output<Schema>, result: Result) => ActionResult,
  { invalid = INVALID_REQUEST }: { invalid?: string } = {},
): (value: z.input<Schema>) => Promise<ActionResult> {
  // One declared parameter: the fuzz test calls it with hostile values.
  return async (value: z.input<Schema>): Promise<ActionResult> =>
    translateActionResult(await answer(schema, value, (): ActionResult => ({ ok: false, message: invalid }), call, done), await requestLocale());
}

/** Parse, call the service with the actor, map a refusal; `done` only after a success, outside the mapping. */
async function answer<Schema extends z.ZodType, Result, Answer extends ActionResult>(
  schema: Schema,
  input: unknown,
  invalid: (error: z.ZodError) => Answer,
  call: (input: z.output<Schema>, actor: Actor) => Promise<Result>,
  done: (input: z.output<Schema>, result: Result) => Answer,
): Promise<Answer> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  let result: Result;
  try {
    result = await call(parsed.data, await getActor());
  } catch (err) {
    return toActionError(err) as Answer;
  }
  return done(parsed.data, result);
}
