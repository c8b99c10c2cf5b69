import { getTranslations } from "next-intl/server";
import { OidcSettingsForm } from "@/app/(console)/admin/authentication/oidc-settings-form";
import type { Actor } from "@/lib/auth/actor";
import { getServerEnv } from "@/lib/env";
import { getOidcSettings } from "@/lib/services/identity/oidc/settings";

/**
 * The OIDC section of Administration → Authentication: the identity provider's settings (the client
 * secret never comes back, only whether one is stored), Test connection, and the redirect URI to
 * register at the provider. Auditors read it without the buttons.
 */
export async function OidcSection({ actor, canEdit }: { actor: Actor; canEdit: boolean }) {
  const t = await getTranslations("oidc");
  const settings = await getOidcSettings({ actor });
  const env = getServerEnv();
  const redirectUri = `${(env.NEXTAUTH_URL ?? env.externalUrl).replace(/\/+$/, "")}/api/auth/callback/oidc`;
  return (
    <section className="max-w-2xl rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="oidc-heading" data-testid="oidc-section">
      <h2 id="oidc-heading" className="mb-1 font-semibold">
        {t("heading")}
      </h2>
      <p className="mb-2 text-sm text-slate-600">{t("hint")}</p>
      <p className="mb-4 text-sm text-slate-600">
        {t("redirectUri")}{" "}
        <code className="rounded bg-slate-100 px-1 font-mono text-xs break-all" data-testid="oidc-redirect-uri">
          {redirectUri}
        </code>
      </p>
      <OidcSettingsForm settings={settings} canEdit={canEdit} />
    </section>
  );
}
