import { HealthPanel } from "@/app/(console)/admin/health/health-panel";
import { ReconcilePanel } from "@/app/(console)/admin/health/reconcile-panel";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { reconcileIndexJob } from "@/lib/jobs/definitions";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { listJobRuns } from "@/lib/services/jobs/job-runs";
import { getReconcileSchedule } from "@/lib/services/jobs/reconcile-schedule";
import { getSystemHealthDetails } from "@/lib/services/system/get-system-health";

export const metadata = { title: "System health" };

export default async function HealthPage() {
  const actor = await getActor();
  const outcome = await attempt(async () => getSystemHealthDetails({ actor }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const [runs, schedule] = await Promise.all([listJobRuns({ actor, jobName: reconcileIndexJob.id, take: 5 }), getReconcileSchedule({ actor })]);
  return (
    <>
      <PageHeader title="System health" description="Live status of Wharf's components, refreshed every 10 seconds." />
      <div className="space-y-8">
        <HealthPanel initial={outcome.value} />
        <ReconcilePanel
          initial={runs}
          canStart={hasSystemPermission(actor, "index.reconcile")}
          schedule={schedule}
          canEditSchedule={hasSystemPermission(actor, "setting.update")}
        />
      </div>
    </>
  );
}
