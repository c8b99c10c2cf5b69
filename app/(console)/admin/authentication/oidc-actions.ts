"use server";

import { revalidatePath } from "next/cache";
import type { ActionResult } from "@/lib/actions/action-state";
import { formAction } from "@/lib/actions/form-action";
import { type OidcDiscovery, testOidcConnection } from "@/lib/services/identity/oidc/discovery";
import { updateOidcSettings } from "@/lib/services/identity/oidc/settings";
import { ZOidcSettings, ZOidcTestConnection } from "@/lib/validation/oidc";

/** Test connection answers with what the discovery document says, for the form to list. */
export type OidcTestResult = ActionResult & { discovery?: OidcDiscovery };

export const saveOidcSettingsAction = formAction(
  ZOidcSettings,
  (input, actor) => updateOidcSettings({ actor, input }),
  () => {
    revalidatePath("/admin/authentication");
    return { ok: true, message: "OIDC settings saved." };
  },
);

/** Test connection of the issuer and certificate switch in the form, saved or not. Changes nothing. */
export const testOidcConnectionAction = formAction(
  ZOidcTestConnection,
  (input, actor) => testOidcConnection({ actor, input }),
  (_input, result): OidcTestResult =>
    result.ok ? { ok: true, message: "Connected: the discovery document is valid.", discovery: result.discovery } : { ok: false, message: result.error },
);
