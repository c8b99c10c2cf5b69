import { DashboardView } from "@/components/dashboard/dashboard-view";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { systemDashboard } from "@/lib/services/dashboard/dashboard";

export const metadata = { title: "Dashboard" };

/** The landing page: the whole registry for administrators and auditors, one's own projects for everyone else. */
export default async function DashboardPage() {
  const actor = await getActor();
  const outcome = await attempt(() => systemDashboard({ actor }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const dashboard = outcome.value;
  return (
    <>
      <PageHeader
        title="Dashboard"
        description={dashboard.scope === "system" ? "The whole registry." : "The projects you are a member of. Public projects of other teams show their figures on their own Summary."}
      />
      <DashboardView dashboard={dashboard} />
    </>
  );
}
