import type { z } from "zod";
import { type ActionResult, toActionError } from "@/lib/actions/action-result";
import type { Actor } from "@/lib/auth/actor";
import { getActor } from "@/lib/auth/session";
import { fieldErrorsOf } from "@/lib/validation/common";

const INVALID = "Check the highlighted fields.";

/**
 * A form's server action: parses the form with the action's one zod schema, calls the service with
 * the request's actor (the service authorizes and audits; never the action), maps a refusal with
 * toActionError, and only after a success runs `done` (revalidate, then a message or a redirect).
 * `done` runs outside the error mapping, so Next's redirect() can throw its signal.
 */
export function formAction<Schema extends z.ZodType, Result>(
  schema: Schema,
  call: (input: z.output<Schema>, actor: Actor) => Promise<Result>,
  done: (input: z.output<Schema>, result: Result) => ActionResult,
): (prev: ActionResult, formData: FormData) => Promise<ActionResult> {
  // Two declared parameters: the fuzz test finds form actions by their arity.
  return async (_prev: ActionResult, formData: FormData): Promise<ActionResult> => {
    const parsed = schema.safeParse(Object.fromEntries(formData));
    if (!parsed.success) return { ok: false, message: INVALID, fieldErrors: fieldErrorsOf(parsed.error) };
    let result: Result;
    try {
      result = await call(parsed.data, await getActor());
    } catch (err) {
      return toActionError(err);
    }
    return done(parsed.data, result);
  };
}
