import { getTranslations } from "next-intl/server";
import { HealthPanel } from "@/app/(console)/admin/health/health-panel";
import { ReconcilePanel } from "@/app/(console)/admin/health/reconcile-panel";
import { RepositoryDeletePanel } from "@/app/(console)/admin/health/repository-delete-panel";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { deleteRepositoryJob, reconcileIndexJob } from "@/lib/jobs/definitions";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { listJobRuns } from "@/lib/services/jobs/job-runs";
import { getReconcileSchedule } from "@/lib/services/jobs/reconcile-schedule";
import { getSystemHealthDetails } from "@/lib/services/system/get-system-health";
import { SystemStoragePanel } from "@/components/quota/system-storage-panel";
import { systemStorage } from "@/lib/services/quotas/storage";

export async function generateMetadata() {
  return { title: (await getTranslations("health"))("title") };
}

export default async function HealthPage() {
  const actor = await getActor();
  // The time of this check travels with it, so server and browser render the same "Last checked".
  // A server component renders once per request: this is that request's check time, not render state.
  // eslint-disable-next-line react-hooks/purity
  const outcome = await attempt(async () => ({ health: await getSystemHealthDetails({ actor }), checkedAt: Date.now() }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const [runs, schedule, deletes, storage] = await Promise.all([
    listJobRuns({ actor, jobName: reconcileIndexJob.id, take: 5 }),
    getReconcileSchedule({ actor }),
    listJobRuns({ actor, jobName: deleteRepositoryJob.id, take: 5 }),
    systemStorage({ actor }),
  ]);
  const t = await getTranslations("health");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <div className="space-y-8">
        <HealthPanel initial={outcome.value.health} checkedAt={outcome.value.checkedAt} />
        <SystemStoragePanel storage={storage} />
        <ReconcilePanel
          initial={runs}
          canStart={hasSystemPermission(actor, "index.reconcile")}
          schedule={schedule}
          canEditSchedule={hasSystemPermission(actor, "setting.update")}
        />
        {/* Administrators hold repository:delete in every project; the service checks it per run. */}
        <RepositoryDeletePanel initial={deletes} canRetry={hasSystemPermission(actor, "setting.update")} />
      </div>
    </>
  );
}
