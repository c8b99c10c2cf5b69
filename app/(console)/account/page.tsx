import { getTranslations } from "next-intl/server";
import { ChangePasswordForm } from "@/app/(console)/account/change-password-form";
import { AccountLanguageForm } from "@/components/i18n/account-language-form";
import { PageHeader } from "@/components/ui/page-header";
import { TwoFactorPanel } from "@/app/(console)/account/two-factor-panel";
import { OidcCliSecretPanel } from "@/app/(console)/account/oidc-cli-secret-panel";
import { requireUserActor } from "@/lib/auth/session";
import { formatDateTime } from "@/lib/format/datetime";
import { getTwoFactorStatus } from "@/lib/services/auth/two-factor";
import { getOidcAccountStatus } from "@/lib/services/identity/oidc/account";

export async function generateMetadata() {
  return { title: (await getTranslations("account"))("title") };
}

export default async function AccountPage() {
  const actor = await requireUserActor();
  const t = await getTranslations("account");
  const twoFactor = await getTwoFactorStatus({ actor });
  const oidc = await getOidcAccountStatus({ actor });
  const tOidc = await getTranslations("oidc");
  return (
    <>
      <PageHeader title={t("heading")} description={t("signedInAs", { username: actor.username })} />
      <div className="space-y-6">
        <section className="max-w-lg rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="language-heading">
          <h2 id="language-heading" className="mb-1 font-semibold">
            {t("languageHeading")}
          </h2>
          <p className="mb-4 text-sm text-slate-600">{t("languageHint")}</p>
          <AccountLanguageForm />
        </section>
        {oidc.oidc ? (
          // An OIDC account has no Wharf password (and signs in with the provider's own factors):
          // its registry clients use the CLI secret.
          <section className="max-w-lg rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="cli-secret-heading">
            <h2 id="cli-secret-heading" className="mb-1 font-semibold">
              {tOidc("cliHeading")}
            </h2>
            <p className="mb-4 text-sm text-slate-600" data-testid="password-elsewhere">
              {tOidc("passwordElsewhere")}
            </p>
            <OidcCliSecretPanel username={actor.username} cliSecretCreatedAt={oidc.cliSecretCreatedAt ? formatDateTime(oidc.cliSecretCreatedAt) : null} />
          </section>
        ) : (
          <>
            <section className="max-w-lg rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="change-password-heading">
              <h2 id="change-password-heading" className="mb-1 font-semibold">
                {t("changePassword")}
              </h2>
              <p className="mb-4 text-sm text-slate-600">{t("changePasswordHint")}</p>
              <ChangePasswordForm />
            </section>
            <section className="max-w-lg rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="two-factor-heading">
              <h2 id="two-factor-heading" className="mb-1 font-semibold">
                {t("twoFactorHeading")}
              </h2>
              <p className="mb-4 text-sm text-slate-600">{t("twoFactorHint")}</p>
              <TwoFactorPanel
                username={actor.username}
                status={{
                  enabled: twoFactor.enabled,
                  enabledAt: twoFactor.enabledAt ? formatDateTime(twoFactor.enabledAt) : null,
                  recoveryCodesLeft: twoFactor.recoveryCodesLeft,
                  cliSecretCreatedAt: twoFactor.cliSecretCreatedAt ? formatDateTime(twoFactor.cliSecretCreatedAt) : null,
                }}
              />
            </section>
          </>
        )}
      </div>
    </>
  );
}
