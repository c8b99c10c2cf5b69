/**
 * The form side of a server action's answer, with no imports: client components take these from
 * here, not from action-result.ts, whose error mapping would bring zod and the error classes into
 * every page's JavaScript.
 */

/** What every server action returns to its form: never a database row, never a stack trace. */
export type ActionResult = {
  ok: boolean;
  message?: string;
  fieldErrors?: Record<string, string[]>;
};

export const INITIAL_ACTION_RESULT: ActionResult = { ok: false };
