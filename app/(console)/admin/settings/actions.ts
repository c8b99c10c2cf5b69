"use server";

import { revalidatePath } from "next/cache";
import { formAction } from "@/lib/actions/form-action";
import { updateDefaultStorageLimit, updateSystemSettings } from "@/lib/services/settings/system-settings";
import { ZUpdateDefaultStorageLimit } from "@/lib/validation/quotas";
import { updateSystemCveAllowlist } from "@/lib/services/pull-policy/allowlists";
import { ZUpdateSystemSettings } from "@/lib/validation/projects";
import { ZUpdateSystemCveAllowlist } from "@/lib/validation/pull-policy";

export const updateSystemSettingsAction = formAction(
  ZUpdateSystemSettings,
  (input, actor) => updateSystemSettings({ actor, input }),
  () => {
    revalidatePath("/admin/settings");
    return { ok: true, message: "Settings saved." };
  },
);

export const updateSystemCveAllowlistAction = formAction(
  ZUpdateSystemCveAllowlist,
  (input, actor) => updateSystemCveAllowlist({ actor, input: { cveIds: input.cveIds, expiresAt: input.cveExpiresAt } }),
  () => {
    revalidatePath("/admin/settings");
    return { ok: true, message: "System CVE allowlist saved." };
  },
);

export const updateDefaultStorageLimitAction = formAction(
  ZUpdateDefaultStorageLimit,
  (input, actor) => updateDefaultStorageLimit({ actor, storageLimit: input.storageLimit }),
  () => {
    revalidatePath("/admin/settings");
    return { ok: true, message: "Default storage limit saved." };
  },
);
