import { getTranslations } from "next-intl/server";
import { AdminTwoFactorForm, IpAllowlistForm, SettingsForm, SystemCveAllowlistForm } from "@/app/(console)/admin/settings/settings-form";
import { getAdminTwoFactorRequirement } from "@/lib/services/auth/admin-two-factor";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { getSystemCveAllowlist } from "@/lib/services/pull-policy/allowlists";
import { getSystemSettings } from "@/lib/services/settings/system-settings";
import { getIpAllowlist } from "@/lib/services/ip-allowlist/ip-allowlist";
import { StorageLimitForm } from "@/components/quota/storage-limit-form";
import { formatBytes } from "@/lib/format/bytes";
import { storageLimitFormValue } from "@/lib/validation/quotas";

export async function generateMetadata() {
  return { title: (await getTranslations("settings"))("title") };
}

export default async function SettingsPage() {
  const actor = await getActor();
  const outcome = await attempt(() => getSystemSettings({ actor }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const allowlist = await getSystemCveAllowlist({ actor });
  const ipAllowlist = await getIpAllowlist({ actor });
  const adminTwoFactor = await getAdminTwoFactorRequirement({ actor });
  const canEdit = hasSystemPermission(actor, "setting.update");
  const t = await getTranslations("settings");
  const tq = await getTranslations("quota");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <div className="max-w-lg rounded-lg border border-slate-200 bg-white p-6">
        <SettingsForm settings={{ projectCreationRestriction: outcome.value.projectCreationRestriction }} canEdit={canEdit} />
      </div>
      <section className="mt-6 max-w-lg rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="default-quota-heading">
        <h2 id="default-quota-heading" className="mb-1 font-semibold">{tq("defaultHeading")}</h2>
        <p className="mb-4 text-sm text-slate-600">{tq("defaultDescription")}</p>
        {canEdit ? (
          <StorageLimitForm value={storageLimitFormValue(outcome.value.defaultStorageLimit)} />
        ) : (
          <p className="text-sm" data-testid="default-storage-limit">{outcome.value.defaultStorageLimit < 0n ? tq("unlimited") : formatBytes(outcome.value.defaultStorageLimit)}</p>
        )}
      </section>
      <section className="mt-6 max-w-lg rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="cve-allowlist-heading">
        <h2 id="cve-allowlist-heading" className="mb-1 font-semibold">{t("allowlist")}</h2>
        <p className="mb-4 text-sm text-slate-600">
          {t("allowlistHint")}
        </p>
        <SystemCveAllowlistForm list={allowlist} canEdit={canEdit} />
      </section>
      <section className="mt-6 max-w-lg rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="admin-two-factor-heading">
        <h2 id="admin-two-factor-heading" className="mb-1 font-semibold">{t("adminTwoFactor")}</h2>
        <AdminTwoFactorForm required={adminTwoFactor} canEdit={canEdit} />
      </section>
      <section className="mt-6 max-w-lg rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="ip-allowlist-heading">
        <h2 id="ip-allowlist-heading" className="mb-1 font-semibold">{t("ipAllowlist")}</h2>
        <p className="mb-4 text-sm text-slate-600">{t("ipAllowlistHint")}</p>
        <IpAllowlistForm entries={ipAllowlist.entries} ownAddress={actor.client.ip} canEdit={canEdit} />
      </section>
    </>
  );
}
