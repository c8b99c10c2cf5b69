import { getTranslations } from "next-intl/server";
import { AuthModeForm } from "@/app/(console)/admin/authentication/auth-mode-form";
import { LdapSection } from "@/app/(console)/admin/authentication/ldap-section";
import { OidcSection } from "@/app/(console)/admin/authentication/oidc-section";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { getAuthMode } from "@/lib/services/identity/auth-mode";

export async function generateMetadata() {
  return { title: (await getTranslations("authentication"))("title") };
}

/** Administration → Authentication: the auth mode, LDAP and OIDC (administrators edit, auditors read). */
export default async function AuthenticationPage() {
  const actor = await getActor();
  const outcome = await attempt(() => getAuthMode({ actor }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const canEdit = hasSystemPermission(actor, "setting.update");
  const t = await getTranslations("authentication");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <section className="max-w-2xl rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="auth-mode-heading">
        <h2 id="auth-mode-heading" className="mb-1 font-semibold">
          {t("modeHeading")}
        </h2>
        <AuthModeForm mode={outcome.value} canEdit={canEdit} />
      </section>
      <LdapSection actor={actor} canEdit={canEdit} />
      <OidcSection actor={actor} canEdit={canEdit} />
    </>
  );
}
