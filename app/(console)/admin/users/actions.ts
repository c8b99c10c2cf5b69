"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { type ActionResult, toActionError } from "@/lib/actions/action-result";
import { getActor } from "@/lib/auth/session";
import { createUser } from "@/lib/services/users/create-user";
import { resetUserPassword } from "@/lib/services/users/reset-user-password";
import { setUserSystemRole } from "@/lib/services/users/set-user-system-role";
import { setUserDisabled } from "@/lib/services/users/set-user-disabled";
import { updateUser } from "@/lib/services/users/update-user";
import { fieldErrorsOf } from "@/lib/validation/common";
import { ZCreateUser, ZResetUserPassword, ZSetUserDisabled, ZSetUserSystemRole, ZUpdateUser } from "@/lib/validation/users";

// Thin actions: parse with the shared schema, call the service (which authorizes and audits),
// map errors. Permission checks live in lib/services, never here.

const INVALID = "Check the highlighted fields.";

export async function createUserAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZCreateUser.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: INVALID, fieldErrors: fieldErrorsOf(parsed.error) };
  let userId: number;
  try {
    userId = (await createUser({ actor: await getActor(), input: parsed.data })).id;
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath("/admin/users");
  redirect(`/admin/users/${userId}?created=1`);
}

export async function updateUserAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZUpdateUser.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: INVALID, fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await updateUser({ actor: await getActor(), input: parsed.data });
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath("/admin/users");
  return { ok: true, message: "Profile saved." };
}

export async function resetUserPasswordAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZResetUserPassword.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: INVALID, fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await resetUserPassword({ actor: await getActor(), input: parsed.data });
  } catch (err) {
    return toActionError(err);
  }
  return { ok: true, message: "Password reset. The user's open sessions have ended." };
}

export async function setUserDisabledAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZSetUserDisabled.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: INVALID, fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await setUserDisabled({ actor: await getActor(), input: parsed.data });
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath("/admin/users");
  revalidatePath(`/admin/users/${parsed.data.userId}`);
  return { ok: true, message: parsed.data.disabled ? "User disabled." : "User enabled." };
}

export async function setUserSystemRoleAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZSetUserSystemRole.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: INVALID, fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await setUserSystemRole({ actor: await getActor(), input: parsed.data });
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath("/admin/users");
  revalidatePath(`/admin/users/${parsed.data.userId}`);
  return { ok: true, message: "System role saved." };
}
