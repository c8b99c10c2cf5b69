"use server";

import { type ActionResult, toActionError } from "@/lib/actions/action-result";
import { getActor } from "@/lib/auth/session";
import { changeOwnPassword } from "@/lib/services/users/change-own-password";
import { fieldErrorsOf } from "@/lib/validation/common";
import { ZChangeOwnPassword } from "@/lib/validation/users";

export async function changeOwnPasswordAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZChangeOwnPassword.safeParse(Object.fromEntries(formData));
  if (!parsed.success) {
    return { ok: false, message: "Check the highlighted fields.", fieldErrors: fieldErrorsOf(parsed.error) };
  }
  try {
    await changeOwnPassword({ actor: await getActor(), input: parsed.data });
  } catch (err) {
    return toActionError(err);
  }
  return { ok: true, message: "Password changed." };
}
