import { Badge } from "@/components/ui/badge";
import { formatDateTime } from "@/lib/format/datetime";

/** Harbor's status words for executions and tasks, as the console shows them. */
const STATUS: Record<string, { tone: "good" | "bad" | "info" | "neutral"; label: string }> = {
  Pending: { tone: "neutral", label: "Pending" },
  InProgress: { tone: "info", label: "In progress" },
  Succeed: { tone: "good", label: "Succeeded" },
  Failed: { tone: "bad", label: "Failed" },
  Stopped: { tone: "neutral", label: "Stopped" },
};

export function ReplicationStatus({ status }: { status: string }) {
  const known = STATUS[status] ?? { tone: "neutral" as const, label: status };
  return <Badge tone={known.tone}>{known.label}</Badge>;
}

export const formatTime = (d: Date | null) => formatDateTime(d);

/** 1536 -> "1.5 KiB". */
export function formatBytes(bytes: number | bigint): string {
  let value = Number(bytes);
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** How long from start to end (or to now while running): "850 ms", "12 s", "3 min 4 s". */
export function formatDuration(start: Date | null, end: Date | null): string {
  if (!start) return "—";
  const ms = (end ?? new Date()).getTime() - start.getTime();
  if (ms < 1000) return `${Math.max(0, ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const TRIGGER_LABELS: Record<string, string> = { manual: "Manual", scheduled: "Scheduled", event_based: "Event based" };

/** What a policy's trigger says in a list: the cron expression for a scheduled one. */
export function describeTrigger(trigger: string, cron: string | null): string {
  return trigger === "scheduled" && cron ? `Scheduled: ${cron} (UTC)` : (TRIGGER_LABELS[trigger] ?? trigger);
}

/** A progress bar for an execution: the tasks that have ended out of all of them. */
export function ExecutionProgress({ executionId, total, done }: { executionId: number; total: number; done: number }) {
  const percent = total === 0 ? 0 : Math.min(100, Math.round((done / total) * 100));
  return (
    <div className="min-w-24">
      <div className="h-1.5 w-full rounded bg-slate-100" role="progressbar" aria-label={`Progress of execution #${executionId}`} aria-valuenow={percent} aria-valuemin={0} aria-valuemax={100}>
        <div className="h-1.5 rounded bg-sky-600" style={{ width: `${percent}%` }} />
      </div>
      <span className="text-xs text-slate-600">
        {done} / {total} tasks
      </span>
    </div>
  );
}
