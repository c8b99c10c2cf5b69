"use client";

import { useFormatter, useTranslations } from "next-intl";
import { useState } from "react";
import { dryRunPurgeAction, listPurgeRunsAction, retryPurgeAction, startPurgeAction } from "@/app/(console)/admin/audit-log/policy/actions";
import { isActive, JobRunList, runsRefetchInterval } from "@/components/jobs/job-run-list";
import { useCall } from "@/components/live/use-call";
import { usePoll } from "@/components/live/use-poll";
import { Button } from "@/components/ui/button";
import { valueOf } from "@/lib/actions/poll-value";
import type { JobRunView } from "@/lib/services/jobs/job-runs";

import { formatDateTime } from "@/lib/format/datetime";

const utc = (iso: string) => formatDateTime(iso);

/**
 * Dry run (how many rows the saved retention would delete now), "Purge now" behind a confirmation
 * that names that count, and the latest purge runs with their progress (polled while one runs).
 */
export function PurgePanel({ initialRuns, retentionDays, canPurge }: { initialRuns: JobRunView[]; retentionDays: number; canPurge: boolean }) {
  const [confirming, setConfirming] = useState(false);
  const { data: runs, refresh, poller } = usePoll({
    key: "purge-runs",
    initial: initialRuns,
    read: async () => valueOf(await listPurgeRunsAction()),
    interval: runsRefetchInterval,
  });
  const dryRun = useCall(() => dryRunPurgeAction());
  const start = useCall(() => startPurgeAction(), {
    onSettled: () => {
      setConfirming(false);
      dryRun.reset();
      refresh();
    },
  });
  const retry = useCall((runId: number) => retryPurgeAction(runId), { onSettled: refresh });
  const active = isActive(runs);
  const counted = dryRun.data?.ok ? dryRun.data.value : undefined;
  const t = useTranslations("auditPolicy");
  const format = useFormatter();
  const rows = (n: number) => t("rows", { count: n });
  const progressText = (run: JobRunView): string => {
    if (run.progressTotal === null) return run.status === "queued" ? t("waiting") : t("deleted", { rows: rows(run.progressDone) });
    return t("deletedOf", { done: format.number(run.progressDone), rows: rows(run.progressTotal) });
  };
  const cutoffText = (run: JobRunView): string | null => {
    const cutoff = (run.result as { cutoff?: unknown } | null)?.cutoff;
    return typeof cutoff === "string" ? t("olderThan", { time: utc(cutoff) }) : null;
  };

  return (
    <section className="space-y-3" data-testid="purge-panel">
      {poller}
      <div>
        <h2 className="text-lg font-semibold">{t("purge")}</h2>
        <p className="text-sm text-slate-600">{t("purgeText", { days: format.number(retentionDays) })}</p>
      </div>
      <div className="flex flex-wrap gap-2">
        <Button type="button" variant="secondary" onClick={() => dryRun.call(undefined)} disabled={dryRun.isPending} data-testid="purge-dry-run">
          {dryRun.isPending ? t("counting") : t("dryRun")}
        </Button>
        {canPurge && !confirming && (
          <Button
            type="button"
            variant="danger"
            disabled={active || dryRun.isPending}
            onClick={() => {
              // The confirmation names the count, so count first.
              dryRun.call(undefined, { onSuccess: (r) => r.ok && setConfirming(true) });
            }}
            data-testid="purge-now"
          >
            {t("purgeNow")}
          </Button>
        )}
      </div>
      {dryRun.data && !dryRun.data.ok && <p className="text-sm text-red-700">{dryRun.data.message}</p>}
      {counted && !confirming && (
        <p className="text-sm" data-testid="purge-dry-run-result">
          {t("dryRunResult", { rows: rows(counted.rows), time: utc(counted.cutoff) })}
        </p>
      )}
      {canPurge && confirming && counted && (
        <div className="space-y-2 rounded-md border border-red-200 bg-red-50 p-3" role="alertdialog" aria-label={t("confirmLabel")} data-testid="purge-confirm">
          <p className="text-sm text-red-900">
            {t("confirmText", { rows: rows(counted.rows), time: utc(counted.cutoff) })}
          </p>
          <div className="flex gap-2">
            <Button type="button" variant="danger" onClick={() => start.call(undefined)} disabled={start.isPending} data-testid="purge-confirm-yes">
              {start.isPending ? t("queuing") : t("deleteRows", { rows: rows(counted.rows) })}
            </Button>
            <Button type="button" variant="secondary" onClick={() => setConfirming(false)} disabled={start.isPending}>
              {t("cancel")}
            </Button>
          </div>
        </div>
      )}
      {start.data && <p className={`text-sm ${start.data.ok ? "text-emerald-700" : "text-red-700"}`}>{start.data.message}</p>}
      {retry.data && <p className={`text-sm ${retry.data.ok ? "text-emerald-700" : "text-red-700"}`}>{retry.data.message}</p>}
      <h3 className="text-sm font-medium text-slate-800">{t("recentRuns")}</h3>
      <JobRunList
        runs={runs}
        testIdPrefix="purge"
        progressText={progressText}
        detailText={cutoffText}
        onRetry={canPurge ? (runId) => retry.call(runId) : undefined}
        retryDisabled={retry.isPending || active}
      />
    </section>
  );
}
