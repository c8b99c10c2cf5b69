"use client";

import { useTranslations } from "next-intl";
import { startTransition, useActionState, useEffect, useState } from "react";
import { type GcPoll, pollGcAction, startGcAction, stopGcAction, updateGcScheduleAction } from "@/app/(console)/admin/clean-up/actions";
import { usePoll } from "@/components/live/use-poll";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { valueOf } from "@/lib/actions/poll-value";
import { formatDateTime } from "@/lib/format/datetime";
import type { GcExecutionView, GcStatus, GcTargetInfo } from "@/lib/services/gc/gc";

/** 1536 -> "1.5 KiB". */
function bytes(n: number | null): string {
  if (n === null) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

const TONE: Record<GcStatus, "good" | "bad" | "neutral" | "info"> = { Success: "good", Error: "bad", Stopped: "neutral", Running: "info", Pending: "neutral" };
const PRESETS = ["none", "hourly", "daily", "weekly", "custom"] as const;
const PRESET_CRON: Record<string, string | null> = { "0 * * * *": "hourly", "0 0 * * *": "daily", "0 0 * * 0": "weekly" };

/**
 * Registry garbage collection: whether it is possible here (and why not), Run (a dry run by default)
 * and the schedule for administrators, and the history with each run's findings, its log and Stop.
 * Polls every 2 s while a run is pending or running, every 30 s otherwise.
 */
export function GcPanel({ initial, target, canRun }: { initial: GcPoll; target: GcTargetInfo & { reasonText?: string }; canRun: boolean }) {
  const t = useTranslations("cleanUp");
  const { data, refresh, poller } = usePoll({
    key: "gc",
    initial,
    read: async () => valueOf(await pollGcAction()),
    interval: (data) => (data?.executions.some((e) => e.status === "Pending" || e.status === "Running") ? 2_000 : 30_000),
  });
  const active = data.executions.some((e) => e.status === "Pending" || e.status === "Running");

  return (
    <div className="max-w-4xl space-y-8">
      {poller}
      {!target.available && (
        <p role="status" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="gc-unavailable">
          <span className="font-medium">{t("unavailable")}</span> {target.reasonText ?? target.reason}
        </p>
      )}
      <section className="space-y-3" aria-labelledby="gc-run-heading">
        <h2 id="gc-run-heading" className="text-lg font-semibold">
          {t("run.heading")}
        </h2>
        <p className="text-sm text-slate-600">{t("run.explain")}</p>
        {canRun && target.available && <RunForm disabled={active} onDone={refresh} />}
      </section>
      <section className="space-y-3" aria-labelledby="gc-schedule-heading">
        <h2 id="gc-schedule-heading" className="text-lg font-semibold">
          {t("schedule.heading")}
        </h2>
        <p className="text-sm" data-testid="gc-schedule">
          {data.schedule.cron ? (
            <>
              <Badge tone="good">{t("schedule.on")}</Badge> <code>{data.schedule.cron}</code> UTC{data.schedule.dryRun ? ` · ${t("schedule.dryRunEach")}` : ""}
              {data.schedule.nextRunAt && <span className="text-slate-600"> · {t("schedule.next", { time: formatDateTime(data.schedule.nextRunAt, "minute") })}</span>}
            </>
          ) : (
            <>
              <Badge>{t("schedule.off")}</Badge> <span className="text-slate-600">{t("schedule.byHand")}</span>
            </>
          )}
        </p>
        {canRun && <ScheduleForm cron={data.schedule.cron} dryRun={data.schedule.dryRun} onDone={refresh} />}
      </section>
      <section className="space-y-3" aria-labelledby="gc-history-heading">
        <h2 id="gc-history-heading" className="text-lg font-semibold">
          {t("history.heading")}
        </h2>
        {data.executions.length === 0 ? (
          <p className="text-sm text-slate-600" data-testid="gc-history-empty">
            {t("history.empty")}
          </p>
        ) : (
          <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
            <table className="w-full text-left text-sm" data-testid="gc-history">
              <thead className="bg-slate-50 text-xs uppercase text-slate-600">
                <tr>
                  <th scope="col" className="px-3 py-2">
                    {t("history.id")}
                  </th>
                  <th scope="col" className="px-3 py-2">
                    {t("history.kind")}
                  </th>
                  <th scope="col" className="px-3 py-2">
                    {t("history.status")}
                  </th>
                  <th scope="col" className="px-3 py-2">
                    {t("history.found")}
                  </th>
                  <th scope="col" className="px-3 py-2">
                    {t("history.freed")}
                  </th>
                  <th scope="col" className="px-3 py-2">
                    {t("history.started")}
                  </th>
                  <th scope="col" className="px-3 py-2">
                    {t("history.duration")}
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {data.executions.map((e) => (
                  <ExecutionRow key={e.id} e={e} canRun={canRun} onDone={refresh} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function RunForm({ disabled, onDone }: { disabled: boolean; onDone: () => void }) {
  const t = useTranslations("cleanUp");
  const [result, action, pending] = useActionState(startGcAction, INITIAL_ACTION_RESULT);
  const [dryRun, setDryRun] = useState(true);
  useEffect(() => {
    if (result.ok) onDone();
  }, [result, onDone]);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        startTransition(() => action(form));
      }}
      className="space-y-3 rounded-lg border border-slate-200 bg-white p-4"
      data-testid="gc-run-form"
      noValidate
    >
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="dryRun" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} data-testid="gc-dry-run" />
        {t("run.dryRun")}
      </label>
      {!dryRun && <p className="text-sm text-amber-800">{t("run.realWarning")}</p>}
      <Button type="submit" disabled={pending || disabled} data-testid="gc-start">
        {pending ? t("run.starting") : dryRun ? t("run.startDry") : t("run.start")}
      </Button>
      <FormMessage result={result} />
    </form>
  );
}

function ScheduleForm({ cron, dryRun, onDone }: { cron: string | null; dryRun: boolean; onDone: () => void }) {
  const t = useTranslations("cleanUp");
  const [result, action, pending] = useActionState(updateGcScheduleAction, INITIAL_ACTION_RESULT);
  const [preset, setPreset] = useState<string>(cron === null ? "none" : (PRESET_CRON[cron] ?? "custom"));
  const [text, setText] = useState(cron ?? "30 3 * * 6");
  const [dry, setDry] = useState(dryRun);
  useEffect(() => {
    if (result.ok) onDone();
  }, [result, onDone]);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        startTransition(() => action(form));
      }}
      className="space-y-3 rounded-lg border border-slate-200 bg-white p-4"
      data-testid="gc-schedule-form"
      noValidate
    >
      <div className="space-y-1">
        <label htmlFor="gc-preset" className="block text-sm font-medium text-slate-800">
          {t("schedule.preset")}
        </label>
        <select id="gc-preset" name="preset" value={preset} onChange={(e) => setPreset(e.target.value)} className="block rounded-md border border-slate-300 px-3 py-2 text-sm">
          {PRESETS.map((p) => (
            <option key={p} value={p}>
              {t(`schedule.presets.${p}`)}
            </option>
          ))}
        </select>
      </div>
      {preset === "custom" && <Field label={t("schedule.cron")} name="cron" value={text} onChange={(e) => setText(e.target.value)} hint={t("schedule.cronHint")} errors={result.fieldErrors?.cron} />}
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="dryRun" checked={dry} onChange={(e) => setDry(e.target.checked)} />
        {t("schedule.dryRun")}
      </label>
      <Button type="submit" disabled={pending}>
        {pending ? t("schedule.saving") : t("schedule.save")}
      </Button>
      <FormMessage result={result} />
    </form>
  );
}

function ExecutionRow({ e, canRun, onDone }: { e: GcExecutionView; canRun: boolean; onDone: () => void }) {
  const t = useTranslations("cleanUp");
  const [open, setOpen] = useState(false);
  const [log, setLog] = useState<string | null>(null);
  const [stopResult, stopAction, stopping] = useActionState(stopGcAction, INITIAL_ACTION_RESULT);
  useEffect(() => {
    if (stopResult.ok) onDone();
  }, [stopResult, onDone]);
  const running = e.status === "Pending" || e.status === "Running";
  const toggleLog = async () => {
    const next = !open;
    setOpen(next);
    if (next) {
      const res = await fetch(`/api/v2.0/system/gc/${e.id}/log`, { cache: "no-store" });
      setLog(res.ok ? await res.text() : t("history.logFailed", { status: res.status }));
    }
  };
  return (
    <>
      <tr data-testid={`gc-row-${e.id}`}>
        <td className="px-3 py-2 font-mono">#{e.id}</td>
        <td className="px-3 py-2">
          {e.dryRun ? t("history.dryRun") : t("history.real")}
          <span className="block text-xs text-slate-500">{e.trigger === "Schedule" ? t("history.bySchedule") : t("history.by", { name: e.triggeredBy })}</span>
        </td>
        <td className="px-3 py-2">
          <Badge tone={TONE[e.status]}>{t(`status.${e.status}`)}</Badge>
          {running && e.progressTotal !== null && (
            <span className="ml-1 text-xs text-slate-500">
              {e.progressDone} / {e.progressTotal}
            </span>
          )}
          {e.error && <span className="block text-xs text-red-700">{e.error}</span>}
        </td>
        <td className="px-3 py-2" data-testid={`gc-found-${e.id}`}>
          {e.blobsEligible === null ? "—" : t("history.blobs", { count: e.blobsEligible, size: bytes(e.bytesEligible) })}
          {e.pinnedBlobs ? <span className="block text-xs text-slate-500">{t("history.kept", { count: e.pinnedBlobs })}</span> : null}
        </td>
        <td className="px-3 py-2">{e.dryRun ? "—" : e.blobsDeleted === null ? "—" : t("history.blobs", { count: e.blobsDeleted, size: bytes(e.freedBytes) })}</td>
        <td className="px-3 py-2 whitespace-nowrap">{formatDateTime(e.startedAt)}</td>
        <td className="px-3 py-2">
          {e.durationMs === null ? "—" : t("history.seconds", { seconds: (e.durationMs / 1000).toFixed(1) })}
          <div className="mt-1 flex gap-2">
            <Button type="button" variant="secondary" onClick={() => void toggleLog()} aria-expanded={open} data-testid={`gc-log-toggle-${e.id}`}>
              {open ? t("history.hideLog") : t("history.showLog")}
            </Button>
            {canRun && running && (
              <form action={stopAction}>
                <input type="hidden" name="id" value={e.id} />
                <Button type="submit" variant="danger" disabled={stopping} data-testid={`gc-stop-${e.id}`}>
                  {t("history.stop")}
                </Button>
              </form>
            )}
          </div>
        </td>
      </tr>
      {open && (
        <tr>
          <td colSpan={7} className="bg-slate-50 px-3 py-2">
            <pre className="max-h-80 overflow-auto whitespace-pre-wrap break-all text-xs" data-testid={`gc-log-${e.id}`}>
              {log ?? t("history.loading")}
            </pre>
          </td>
        </tr>
      )}
    </>
  );
}
