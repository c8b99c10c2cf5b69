"use client";

import { useTranslations } from "next-intl";
import { listRepositoryDeleteRunsAction, retryRepositoryDeleteAction } from "@/app/(console)/admin/health/actions";
import { JobRunList, runsRefetchInterval } from "@/components/jobs/job-run-list";
import { useCall } from "@/components/live/use-call";
import { usePoll } from "@/components/live/use-poll";
import { valueOf } from "@/lib/actions/poll-value";
import type { JobRunView } from "@/lib/services/jobs/job-runs";

function repositoryOf(run: JobRunView): string {
  const payload = run.payload as { repository?: unknown } | null;
  return typeof payload?.repository === "string" ? payload.repository : "?";
}


/**
 * Repository deletes: a delete is accepted at once (the repository leaves every listing) and a
 * job deletes its manifests in the registry. Its latest runs, and a retry for one that failed
 * (it continues with the manifests left).
 */
export function RepositoryDeletePanel({ initial, canRetry }: { initial: JobRunView[]; canRetry: boolean }) {
  const { data: runs, refresh, poller } = usePoll({
    key: "repository-delete-runs",
    initial,
    read: async () => valueOf(await listRepositoryDeleteRunsAction()),
    interval: runsRefetchInterval,
  });
  const retry = useCall((runId: number) => retryRepositoryDeleteAction(runId), { onSettled: refresh });
  const t = useTranslations("healthJobs");
  const progressText = (run: JobRunView): string => {
    const repository = repositoryOf(run);
    if (run.progressTotal === null) return run.status === "queued" ? t("repoWaiting", { repository }) : t("manifests", { repository, done: run.progressDone });
    return t("manifestsOf", { repository, done: run.progressDone, total: run.progressTotal });
  };
  return (
    <section className="max-w-2xl space-y-3" data-testid="repository-delete-panel">
      {poller}
      <div>
        <h2 className="text-lg font-semibold">{t("repositoryDeletes")}</h2>
        <p className="text-sm text-slate-600">{t("repositoryDeletesText")}</p>
      </div>
      {retry.data && <p className={`text-sm ${retry.data.ok ? "text-emerald-700" : "text-red-700"}`}>{retry.data.message}</p>}
      <JobRunList
        runs={runs}
        testIdPrefix="repository-delete"
        progressText={progressText}
        onRetry={canRetry ? (runId) => retry.call(runId) : undefined}
        retryDisabled={retry.isPending}
        retryLabel={t("retryManifests")}
      />
    </section>
  );
}
