import { HealthPanel } from "@/app/(console)/admin/health/health-panel";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { getSystemHealthDetails } from "@/lib/services/system/get-system-health";

export const metadata = { title: "System health" };

export default async function HealthPage() {
  const outcome = await attempt(async () => getSystemHealthDetails({ actor: await getActor() }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  return (
    <>
      <PageHeader title="System health" description="Live status of Wharf's components, refreshed every 10 seconds." />
      <HealthPanel initial={outcome.value} />
    </>
  );
}
