import { knownAppError } from "@/lib/api/errors";
import { ConflictError, ValidationError } from "@/lib/errors";
import { RegistryUnavailableError } from "@/lib/registry/errors";

import type { ActionResult } from "@/lib/actions/action-state";

export { type ActionResult, INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";

/**
 * A refusal as the form shows it. Deliberate errors (AppErrors, the registry being down, text
 * Postgres cannot store) become their message; anything else is a bug, logged, with a generic one.
 */
export function toActionError(err: unknown): ActionResult {
  const known = knownAppError(err);
  if (known instanceof ValidationError || known instanceof ConflictError) {
    return { ok: false, message: known.message, fieldErrors: known.fieldErrors };
  }
  if (known) {
    if (err instanceof RegistryUnavailableError) console.warn(`wharf: server action: ${err.message}`);
    return { ok: false, message: known.message };
  }
  console.error("wharf: server action failed", err);
  return { ok: false, message: "Something went wrong on the server. Nothing was changed." };
}
