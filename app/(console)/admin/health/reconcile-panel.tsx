"use client";

import { useTranslations } from "next-intl";
import { listReconcileRunsAction, retryReconcileAction, startReconcileAction } from "@/app/(console)/admin/health/actions";
import { updateReconcileScheduleAction } from "@/app/(console)/admin/health/schedule-actions";
import { isActive, JobRunList, runsRefetchInterval } from "@/components/jobs/job-run-list";
import { JobScheduleForm } from "@/components/jobs/job-schedule-form";
import { useCall } from "@/components/live/use-call";
import { usePoll } from "@/components/live/use-poll";
import { Button } from "@/components/ui/button";
import { valueOf } from "@/lib/actions/poll-value";
import type { JobRunView } from "@/lib/services/jobs/job-runs";
import type { ReconcileScheduleView } from "@/lib/services/jobs/reconcile-schedule";


/**
 * The index reconcile: its schedule (one setting for every Wharf instance; administrators change
 * it), start a run (administrators) and follow the latest runs. Polls every 2 s while a run is
 * queued or running, every 30 s otherwise (a scheduled run shows up by itself).
 */
export function ReconcilePanel({
  initial,
  canStart,
  schedule,
  canEditSchedule,
}: {
  initial: JobRunView[];
  canStart: boolean;
  schedule: ReconcileScheduleView;
  canEditSchedule: boolean;
}) {
  const { data: runs, refresh, poller } = usePoll({
    key: "reconcile-runs",
    initial,
    read: async () => valueOf(await listReconcileRunsAction()),
    interval: runsRefetchInterval,
  });
  const start = useCall(() => startReconcileAction(), { onSettled: refresh });
  const retry = useCall((runId: number) => retryReconcileAction(runId), { onSettled: refresh });
  const active = isActive(runs);
  const t = useTranslations("healthJobs");
  const progressText = (run: JobRunView): string => {
    if (run.progressTotal === null) return run.status === "queued" ? t("waiting") : t("repositories", { done: run.progressDone });
    return t("repositoriesOf", { done: run.progressDone, total: run.progressTotal });
  };

  return (
    <section className="max-w-2xl space-y-3" data-testid="reconcile-panel">
      {poller}
      <div className="flex items-center justify-between gap-4">
        <div>
          <h2 className="text-lg font-semibold">{t("reconcile")}</h2>
          <p className="text-sm text-slate-600">{t("reconcileText")}</p>
        </div>
        {canStart && (
          <Button type="button" onClick={() => start.call(undefined)} disabled={start.isPending || active} data-testid="reconcile-start">
            {start.isPending ? t("queuing") : t("reconcileNow")}
          </Button>
        )}
      </div>
      <JobScheduleForm schedule={schedule} canEdit={canEditSchedule} action={updateReconcileScheduleAction} defaultCron={schedule.defaultCron} testIdPrefix="reconcile" />
      {start.data && <p className={`text-sm ${start.data.ok ? "text-emerald-700" : "text-red-700"}`}>{start.data.message}</p>}
      {retry.data && <p className={`text-sm ${retry.data.ok ? "text-emerald-700" : "text-red-700"}`}>{retry.data.message}</p>}
      <JobRunList
        runs={runs}
        testIdPrefix="reconcile"
        progressText={progressText}
        detailText={(run) => (run.checkpoint && run.status !== "succeeded" ? t("lastDone", { checkpoint: run.checkpoint }) : null)}
        onRetry={canStart ? (runId) => retry.call(runId) : undefined}
        retryDisabled={retry.isPending || active}
        retryLabel={t("retryCheckpoint")}
      />
    </section>
  );
}
