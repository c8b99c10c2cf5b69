"use client";

import { useTranslations } from "next-intl";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import type { JobRunView } from "@/lib/services/jobs/job-runs";
import { formatDateTime, formatTimeOfDay } from "@/lib/format/datetime";

/**
 * The latest runs of one background job: status, who started it, a progress bar, the error, a
 * retry button for failed runs and the log. Shared by the System health page (index reconcile)
 * and the audit log's purge policy page, so every job looks and behaves the same.
 */
const TONE = { queued: "neutral", running: "info", succeeded: "good", failed: "bad" } as const;

export function isActive(runs: JobRunView[]): boolean {
  return runs.some((r) => r.status === "queued" || r.status === "running");
}

/** react-query's refetchInterval for a run list: fast while one is active, slow otherwise. */
export function runsRefetchInterval(runs: JobRunView[] | undefined): number {
  return runs && isActive(runs) ? 2_000 : 30_000;
}

function percent(run: JobRunView): number {
  if (!run.progressTotal) return run.status === "succeeded" ? 100 : 0;
  return Math.min(100, Math.round((run.progressDone / run.progressTotal) * 100));
}

export function JobRunList({
  runs,
  testIdPrefix,
  progressText,
  detailText,
  onRetry,
  retryDisabled,
  retryLabel,
}: {
  runs: JobRunView[];
  /** e.g. `reconcile` gives `reconcile-run-<id>` and `reconcile-retry-<id>`. */
  testIdPrefix: string;
  progressText: (run: JobRunView) => string;
  /** An extra line under the progress (e.g. the checkpoint). */
  detailText?: (run: JobRunView) => string | null;
  /** Absent: no retry button (the viewer may not retry). */
  onRetry?: (runId: number) => void;
  retryDisabled?: boolean;
  retryLabel?: string;
}) {
  const t = useTranslations("jobs");
  if (runs.length === 0) return <p className="text-sm text-slate-500">{t("noRuns")}</p>;
  return (
    <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
      {runs.map((run) => {
        const detail = detailText?.(run);
        return (
          <li key={run.id} className="space-y-2 px-4 py-3" data-testid={`${testIdPrefix}-run-${run.id}`}>
            <div className="flex items-center justify-between gap-4 text-sm">
              <span>
                {t("runBy", { id: run.id, trigger: run.trigger, time: formatDateTime(run.queuedAt) })}
                {run.attempts > 1 && t("attempt", { n: run.attempts })}
              </span>
              <Badge tone={TONE[run.status]}>{t(`status.${run.status}`)}</Badge>
            </div>
            <div className="h-1.5 w-full rounded bg-slate-100" role="progressbar" aria-label={t("progressLabel", { id: run.id })} aria-valuenow={percent(run)} aria-valuemin={0} aria-valuemax={100}>
              <div className="h-1.5 rounded bg-sky-600" style={{ width: `${percent(run)}%` }} />
            </div>
            <p className="text-xs text-slate-600">
              {progressText(run)}
              {detail && ` · ${detail}`}
              {run.heartbeatAt && t("workerAlive", { time: formatTimeOfDay(run.heartbeatAt) })}
            </p>
            {run.error && <p className="text-sm text-red-700">{run.error}</p>}
            {onRetry && run.status === "failed" && (
              <Button type="button" variant="secondary" onClick={() => onRetry(run.id)} disabled={retryDisabled} data-testid={`${testIdPrefix}-retry-${run.id}`}>
                {retryLabel ?? t("retry")}
              </Button>
            )}
            {run.log && (
              <details>
                <summary className="cursor-pointer text-xs text-slate-500">{t("log")}</summary>
                <pre tabIndex={0} aria-label={t("logOf", { id: run.id })} className="mt-1 max-h-48 overflow-auto whitespace-pre-wrap rounded bg-slate-50 p-2 text-xs">{run.log}</pre>
              </details>
            )}
          </li>
        );
      })}
    </ul>
  );
}
