"use server";

import { formAction } from "@/lib/actions/form-action";
import { changeOwnPassword } from "@/lib/services/users/change-own-password";
import { ZChangeOwnPassword } from "@/lib/validation/users";

export const changeOwnPasswordAction = formAction(
  ZChangeOwnPassword,
  (input, actor) => changeOwnPassword({ actor, input }),
  () => ({ ok: true, message: "Password changed." }),
);
