import { useTranslations } from "next-intl";
import { Badge } from "@/components/ui/badge";
import { formatDateTime } from "@/lib/format/datetime";

/** Harbor's status words for executions and tasks, as the console shows them. */
const STATUS_TONE: Record<string, "good" | "bad" | "info" | "neutral"> = {
  Pending: "neutral",
  InProgress: "info",
  Succeed: "good",
  Failed: "bad",
  Stopped: "neutral",
};

export function ReplicationStatus({ status }: { status: string }) {
  const t = useTranslations("replication");
  const tone = STATUS_TONE[status];
  return <Badge tone={tone ?? "neutral"}>{tone ? t(`status.${status}` as "status.Pending") : status}</Badge>;
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

type Translate = (key: string, values?: Record<string, string | number>) => string;

const TRIGGERS = new Set(["manual", "scheduled", "event_based"]);

/** A trigger's name (`t` reads the `replication` namespace). */
export function triggerLabel(trigger: string, t: Translate): string {
  return TRIGGERS.has(trigger) ? t(`trigger.${trigger}`) : trigger;
}

/** What a policy's trigger says in a list: the cron expression for a scheduled one. */
export function describeTrigger(trigger: string, cron: string | null, t: Translate): string {
  return trigger === "scheduled" && cron ? t("scheduledCron", { cron }) : triggerLabel(trigger, t);
}

/** A progress bar for an execution: the tasks that have ended out of all of them. */
export function ExecutionProgress({ executionId, total, done }: { executionId: number; total: number; done: number }) {
  const percent = total === 0 ? 0 : Math.min(100, Math.round((done / total) * 100));
  const t = useTranslations("replication");
  return (
    <div className="min-w-24">
      <div className="h-1.5 w-full rounded bg-slate-100" role="progressbar" aria-label={t("progressLabel", { id: executionId })} aria-valuenow={percent} aria-valuemin={0} aria-valuemax={100}>
        <div className="h-1.5 rounded bg-sky-600" style={{ width: `${percent}%` }} />
      </div>
      <span className="text-xs text-slate-600">{t("progressTasks", { done, total })}</span>
    </div>
  );
}
