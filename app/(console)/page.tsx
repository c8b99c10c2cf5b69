import { getTranslations } from "next-intl/server";
import { DashboardView } from "@/components/dashboard/dashboard-view";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { systemDashboard } from "@/lib/services/dashboard/dashboard";
import { SystemStoragePanel } from "@/components/quota/system-storage-panel";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { systemStorage } from "@/lib/services/quotas/storage";

export async function generateMetadata() {
  return { title: (await getTranslations("dashboard"))("title") };
}

/** The landing page: the whole registry for administrators and auditors, one's own projects for everyone else. */
export default async function DashboardPage() {
  const actor = await getActor();
  const outcome = await attempt(() => systemDashboard({ actor }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const dashboard = outcome.value;
  // The registry's storage against its filesystem (85% warning): administrators and auditors.
  const storage = hasSystemPermission(actor, "storage.read") ? await systemStorage({ actor }) : null;
  const t = await getTranslations("dashboard");
  return (
    <>
      <PageHeader
        title={t("title")}
        description={dashboard.scope === "system" ? t("scopeSystem") : t("scopeMember")}
      />
      {storage && (
        <div className="mb-6">
          <SystemStoragePanel storage={storage} />
        </div>
      )}
      <DashboardView dashboard={dashboard} />
    </>
  );
}
