"use server";

import { revalidatePath } from "next/cache";
import { type ActionResult, toActionError } from "@/lib/actions/action-result";
import { getActor } from "@/lib/auth/session";
import { updateSystemSettings } from "@/lib/services/settings/system-settings";
import { fieldErrorsOf } from "@/lib/validation/common";
import { ZUpdateSystemSettings } from "@/lib/validation/projects";

export async function updateSystemSettingsAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZUpdateSystemSettings.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: "Check the highlighted fields.", fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await updateSystemSettings({ actor: await getActor(), input: parsed.data });
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath("/admin/settings");
  return { ok: true, message: "Settings saved." };
}
