"use server";

import { revalidatePath } from "next/cache";
import { formAction } from "@/lib/actions/form-action";
import { changeOwnPassword } from "@/lib/services/users/change-own-password";
import { setPreferredLocale } from "@/lib/services/users/preferred-locale";
import { ZChangeOwnPassword, ZSetPreferredLocale } from "@/lib/validation/users";

export const changeOwnPasswordAction = formAction(
  ZChangeOwnPassword,
  (input, actor) => changeOwnPassword({ actor, input }),
  () => ({ ok: true, message: "Password changed." }),
);

export const setPreferredLocaleAction = formAction(
  ZSetPreferredLocale,
  (input, actor) => setPreferredLocale({ actor, input }),
  // Every page's text changes: re-render the whole console for the new language.
  () => {
    revalidatePath("/", "layout");
    return { ok: true };
  },
);
