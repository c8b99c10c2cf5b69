"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { listReconcileRunsAction, retryReconcileAction, startReconcileAction } from "@/app/(console)/admin/health/actions";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import type { JobRunView } from "@/lib/services/jobs/job-runs";

const TONE = { queued: "neutral", running: "info", succeeded: "good", failed: "bad" } as const;

function progressText(run: JobRunView): string {
  if (run.progressTotal === null) return run.status === "queued" ? "waiting for the worker" : `${run.progressDone} repositories`;
  return `${run.progressDone} / ${run.progressTotal} repositories`;
}

function percent(run: JobRunView): number {
  if (!run.progressTotal) return run.status === "succeeded" ? 100 : 0;
  return Math.min(100, Math.round((run.progressDone / run.progressTotal) * 100));
}

/**
 * The index reconcile: start a run (administrators) and follow the latest runs. Polls every 2 s
 * while a run is queued or running, every 30 s otherwise (a scheduled run shows up by itself).
 */
export function ReconcilePanel({ initial, canStart }: { initial: JobRunView[]; canStart: boolean }) {
  const queryClient = useQueryClient();
  const { data: runs } = useQuery({
    queryKey: ["reconcile-runs"],
    queryFn: () => listReconcileRunsAction(),
    initialData: initial,
    refetchInterval: (query) => (query.state.data?.some((r) => r.status === "queued" || r.status === "running") ? 2_000 : 30_000),
  });
  const start = useMutation({
    mutationFn: () => startReconcileAction(),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["reconcile-runs"] }),
  });
  const retry = useMutation({
    mutationFn: (runId: number) => retryReconcileAction(runId),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["reconcile-runs"] }),
  });
  const active = runs.some((r) => r.status === "queued" || r.status === "running");

  return (
    <section className="max-w-2xl space-y-3" data-testid="reconcile-panel">
      <div className="flex items-center justify-between gap-4">
        <div>
          <h2 className="text-lg font-semibold">Artifact index reconcile</h2>
          <p className="text-sm text-slate-600">
            Walks the backing registry and brings the index in line with content written behind Wharf&apos;s back. Also runs on a schedule.
          </p>
        </div>
        {canStart && (
          <Button type="button" onClick={() => start.mutate()} disabled={start.isPending || active} data-testid="reconcile-start">
            {start.isPending ? "Queuing…" : "Reconcile now"}
          </Button>
        )}
      </div>
      {start.data && <p className={`text-sm ${start.data.ok ? "text-emerald-700" : "text-red-700"}`}>{start.data.message}</p>}
      {retry.data && <p className={`text-sm ${retry.data.ok ? "text-emerald-700" : "text-red-700"}`}>{retry.data.message}</p>}
      {runs.length === 0 ? (
        <p className="text-sm text-slate-500">No runs yet.</p>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
          {runs.map((run) => (
            <li key={run.id} className="space-y-2 px-4 py-3" data-testid={`reconcile-run-${run.id}`}>
              <div className="flex items-center justify-between gap-4 text-sm">
                <span>
                  #{run.id} by {run.trigger} · {new Date(run.queuedAt).toISOString().slice(0, 19).replace("T", " ")} UTC
                  {run.attempts > 1 && ` · attempt ${run.attempts}`}
                </span>
                <Badge tone={TONE[run.status]}>{run.status}</Badge>
              </div>
              <div className="h-1.5 w-full rounded bg-slate-100" role="progressbar" aria-valuenow={percent(run)} aria-valuemin={0} aria-valuemax={100}>
                <div className="h-1.5 rounded bg-sky-600" style={{ width: `${percent(run)}%` }} />
              </div>
              <p className="text-xs text-slate-600">
                {progressText(run)}
                {run.checkpoint && run.status !== "succeeded" && ` · last done: ${run.checkpoint}`}
              </p>
              {run.error && <p className="text-sm text-red-700">{run.error}</p>}
              {canStart && run.status === "failed" && (
                <Button type="button" variant="secondary" onClick={() => retry.mutate(run.id)} disabled={retry.isPending || active} data-testid={`reconcile-retry-${run.id}`}>
                  Retry from checkpoint
                </Button>
              )}
              {run.log && (
                <details>
                  <summary className="cursor-pointer text-xs text-slate-500">Log</summary>
                  <pre className="mt-1 max-h-48 overflow-auto whitespace-pre-wrap rounded bg-slate-50 p-2 text-xs">{run.log}</pre>
                </details>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
