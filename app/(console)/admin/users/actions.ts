"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { formAction } from "@/lib/actions/form-action";
import { createUser } from "@/lib/services/users/create-user";
import { resetUserPassword } from "@/lib/services/users/reset-user-password";
import { setUserSystemRole } from "@/lib/services/users/set-user-system-role";
import { setUserDisabled } from "@/lib/services/users/set-user-disabled";
import { updateUser } from "@/lib/services/users/update-user";
import { resetTwoFactor } from "@/lib/services/auth/two-factor";
import { createRoleRule, deleteRoleRule } from "@/lib/services/members/role-rules";
import {
  ZCreateRoleRule,
  ZCreateUser,
  ZDeleteRoleRule,
  ZResetTwoFactor,
  ZResetUserPassword,
  ZSetUserDisabled,
  ZSetUserSystemRole,
  ZUpdateUser,
} from "@/lib/validation/users";

// Thin actions: parse with the shared schema, call the service (which authorizes and audits),
// map errors. Permission checks live in lib/services, never here.

export const createUserAction = formAction(
  ZCreateUser,
  (input, actor) => createUser({ actor, input }),
  (_input, user) => {
    revalidatePath("/admin/users");
    redirect(`/admin/users/${user.id}?created=1`);
  },
);

export const updateUserAction = formAction(
  ZUpdateUser,
  (input, actor) => updateUser({ actor, input }),
  () => {
    revalidatePath("/admin/users");
    return { ok: true, message: "Profile saved." };
  },
);

export const resetUserPasswordAction = formAction(
  ZResetUserPassword,
  (input, actor) => resetUserPassword({ actor, input }),
  () => ({ ok: true, message: "Password reset. The user's open sessions have ended." }),
);

/** A lost phone and lost recovery codes: the user signs in with the password again and re-enrols. */
export const resetTwoFactorAction = formAction(
  ZResetTwoFactor,
  (input, actor) => resetTwoFactor({ actor, userId: input.userId }),
  (input) => {
    revalidatePath(`/admin/users/${input.userId}`);
    return { ok: true, message: "Two-factor sign-in reset. The user signs in with the password and can set it up again." };
  },
  { hiddenFieldsOnly: true },
);

/** A role in every project whose name matches a pattern, present and future. */
export const createRoleRuleAction = formAction(
  ZCreateRoleRule,
  (input, actor) => createRoleRule({ actor, input }),
  (input, rule) => {
    revalidatePath(`/admin/users/${input.userId}`);
    return { ok: true, message: `Role added for projects matching ${rule.pattern}.` };
  },
);

export const deleteRoleRuleAction = formAction(
  ZDeleteRoleRule,
  (input, actor) => deleteRoleRule({ actor, userId: input.userId, ruleId: input.ruleId }),
  (input) => {
    revalidatePath(`/admin/users/${input.userId}`);
    return { ok: true, message: "Role across projects removed." };
  },
  { hiddenFieldsOnly: true },
);

export const setUserDisabledAction = formAction(
  ZSetUserDisabled,
  (input, actor) => setUserDisabled({ actor, input }),
  (input) => {
    revalidatePath("/admin/users");
    revalidatePath(`/admin/users/${input.userId}`);
    return { ok: true, message: input.disabled ? "User disabled." : "User enabled." };
  },
);

export const setUserSystemRoleAction = formAction(
  ZSetUserSystemRole,
  (input, actor) => setUserSystemRole({ actor, input }),
  (input) => {
    revalidatePath("/admin/users");
    revalidatePath(`/admin/users/${input.userId}`);
    return { ok: true, message: "System role saved." };
  },
);
