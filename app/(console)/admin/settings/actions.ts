"use server";

import { revalidatePath } from "next/cache";
import { formAction } from "@/lib/actions/form-action";
import { updateSystemSettings } from "@/lib/services/settings/system-settings";
import { ZUpdateSystemSettings } from "@/lib/validation/projects";

export const updateSystemSettingsAction = formAction(
  ZUpdateSystemSettings,
  (input, actor) => updateSystemSettings({ actor, input }),
  () => {
    revalidatePath("/admin/settings");
    return { ok: true, message: "Settings saved." };
  },
);
