import { getTranslations } from "next-intl/server";
import { ChangePasswordForm } from "@/app/(console)/account/change-password-form";
import { AccountLanguageForm } from "@/components/i18n/account-language-form";
import { PageHeader } from "@/components/ui/page-header";
import { requireUserActor } from "@/lib/auth/session";

export async function generateMetadata() {
  return { title: (await getTranslations("account"))("title") };
}

export default async function AccountPage() {
  const actor = await requireUserActor();
  const t = await getTranslations("account");
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
        <section className="max-w-lg rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="change-password-heading">
          <h2 id="change-password-heading" className="mb-1 font-semibold">
            {t("changePassword")}
          </h2>
          <p className="mb-4 text-sm text-slate-600">{t("changePasswordHint")}</p>
          <ChangePasswordForm />
        </section>
      </div>
    </>
  );
}
