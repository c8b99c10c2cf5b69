"use server";

import { revalidatePath } from "next/cache";
import { formAction } from "@/lib/actions/form-action";
import { updateDefaultStorageLimit, updateSystemSettings } from "@/lib/services/settings/system-settings";
import { ZUpdateDefaultStorageLimit } from "@/lib/validation/quotas";
import { updateSystemCveAllowlist } from "@/lib/services/pull-policy/allowlists";
import { ZUpdateSystemSettings } from "@/lib/validation/projects";
import { ZUpdateSystemCveAllowlist } from "@/lib/validation/pull-policy";
import { updateIpAllowlist } from "@/lib/services/ip-allowlist/ip-allowlist";
import { setAdminTwoFactorRequirement } from "@/lib/services/auth/admin-two-factor";
import { ZAdminTwoFactorRequirement } from "@/lib/validation/users";
import { ZIpAllowlistForm } from "@/lib/validation/ip-allowlist";

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

export const updateIpAllowlistAction = formAction(
  ZIpAllowlistForm,
  (input, actor) => updateIpAllowlist({ actor, input: input.entries }),
  () => {
    revalidatePath("/admin/settings");
    return { ok: true, message: "IP allowlist saved." };
  },
);

export const updateAdminTwoFactorAction = formAction(
  ZAdminTwoFactorRequirement,
  (input, actor) => setAdminTwoFactorRequirement({ actor, required: input.requireAdminTwoFactor }),
  () => {
    revalidatePath("/admin/settings");
    return { ok: true, message: "Two-factor requirement saved." };
  },
);
