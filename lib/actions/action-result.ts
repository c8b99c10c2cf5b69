import { AppError, ConflictError, ValidationError } from "@/lib/errors";

/** What every server action returns to its form: never a database row, never a stack trace. */
export type ActionResult = {
  ok: boolean;
  message?: string;
  fieldErrors?: Record<string, string[]>;
};

export const INITIAL_ACTION_RESULT: ActionResult = { ok: false };

export function toActionError(err: unknown): ActionResult {
  if (err instanceof ValidationError || err instanceof ConflictError) {
    return { ok: false, message: err.message, fieldErrors: err.fieldErrors };
  }
  if (err instanceof AppError) return { ok: false, message: err.message };
  console.error("wharf: server action failed", err);
  return { ok: false, message: "Something went wrong on the server. Nothing was changed." };
}
