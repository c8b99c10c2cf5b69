import Link from "next/link";
import { useFormatter, useTranslations } from "next-intl";
import type { ReactNode } from "react";
import { formatSize, formatTime, repositoryHref } from "@/app/(console)/projects/[projectId]/repositories/format";
import { LazyTrafficChart } from "@/components/dashboard/traffic-chart-lazy";
import { Badge } from "@/components/ui/badge";
import type { Dashboard, DashboardFailure, JobHealth, TrafficDay } from "@/lib/services/dashboard/dashboard";

/**
 * The dashboard's figures, rendered on the server from one service call (systemDashboard or
 * projectDashboard); only the two charts are client components. Shared by the landing page and a
 * project's Summary tab, so both read the same way.
 */
export function DashboardView({ dashboard }: { dashboard: Dashboard }) {
  const { counts } = dashboard;
  const t = useTranslations("dashboard");
  const format = useFormatter();
  return (
    <div className="space-y-6" data-testid="dashboard">
      <dl className="grid grid-cols-[repeat(2,minmax(0,1fr))] gap-4 lg:grid-cols-[repeat(4,minmax(0,1fr))]">
        {counts.projects !== null && <Stat testId="count-projects" label={t("projects")} value={format.number(counts.projects)} />}
        <Stat testId="count-repositories" label={t("repositories")} value={format.number(counts.repositories)} />
        <Stat testId="count-artifacts" label={t("artifacts")} value={format.number(counts.artifacts)} />
        <Stat
          testId="count-storage"
          label={t("storage")}
          value={formatSize(counts.storageBytes)}
          hint={t("storageHint")}
        />
      </dl>

      <div className="grid grid-cols-[minmax(0,1fr)] gap-6 lg:grid-cols-[repeat(2,minmax(0,1fr))]">
        <TrafficPanel testId="chart-pushes" title={t("pushesPerDay")} traffic={dashboard.traffic} series="pushes" color="var(--color-sky-700)" />
        <TrafficPanel testId="chart-pulls" title={t("pullsPerDay")} traffic={dashboard.traffic} series="pulls" color="var(--color-emerald-700)" />
      </div>

      <div className="grid grid-cols-[minmax(0,1fr)] gap-6 lg:grid-cols-[repeat(2,minmax(0,1fr))]">
        <Panel title={t("topPulled")} subtitle={t("last30Days")}>
          {dashboard.topPulled.length === 0 ? (
            <Empty>{t("noPulls")}</Empty>
          ) : (
            <ol className="divide-y divide-slate-100 text-sm" data-testid="top-pulled">
              {dashboard.topPulled.map((r) => (
                <li key={r.repositoryId} className="flex items-baseline justify-between gap-3 py-2">
                  <Link href={repositoryHref(r.projectId, r.name)} prefetch={false} className="min-w-0 break-words text-sky-800 hover:underline">
                    {r.name}
                  </Link>
                  <span className="shrink-0 text-slate-600 tabular-nums">{t("pulls", { count: r.pulls, formatted: format.number(r.pulls) })}</span>
                </li>
              ))}
            </ol>
          )}
        </Panel>
        <Panel title={t("recentFailures")} subtitle={t("recentFailuresSubtitle")}>
          {dashboard.failures === null ? (
            <Empty>{t("failuresHidden")}</Empty>
          ) : dashboard.failures.length === 0 ? (
            <Empty>{t("noFailures")}</Empty>
          ) : (
            <ul className="divide-y divide-slate-100 text-sm" data-testid="recent-failures">
              {dashboard.failures.map((f) => (
                <FailureItem key={`${f.kind}-${f.id}`} failure={f} />
              ))}
            </ul>
          )}
        </Panel>
      </div>

      {dashboard.jobHealth && <JobHealthPanel jobs={dashboard.jobHealth} />}
    </div>
  );
}

function Stat({ testId, label, value, hint }: { testId: string; label: string; value: string; hint?: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4">
      <dt className="text-sm text-slate-600" title={hint}>
        {label}
      </dt>
      <dd className="mt-1 text-2xl font-semibold break-words text-slate-900 tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

function Panel({ title, subtitle, children, testId }: { title: string; subtitle?: string; children: ReactNode; testId?: string }) {
  return (
    <section className="min-w-0 rounded-lg border border-slate-200 bg-white p-4 sm:p-6" data-testid={testId}>
      <h2 className="mb-3 font-semibold text-slate-900">
        {title}
        {subtitle && <span className="ml-2 text-sm font-normal text-slate-500">{subtitle}</span>}
      </h2>
      {children}
    </section>
  );
}

function Empty({ children }: { children: ReactNode }) {
  return <p className="py-4 text-sm text-slate-500">{children}</p>;
}

function TrafficPanel({ testId, title, traffic, series, color }: { testId: string; title: string; traffic: TrafficDay[]; series: "pushes" | "pulls"; color: string }) {
  const total = traffic.reduce((n, t) => n + t[series], 0);
  const busiest = traffic.reduce((best, t) => (t[series] > best[series] ? t : best), traffic[0]!);
  const t = useTranslations("dashboard");
  const format = useFormatter();
  const label = series === "pushes" ? t("pushes") : t("pullsLabel");
  return (
    <Panel testId={testId} title={title} subtitle={t("trafficSubtitle", { total: format.number(total) })}>
      {/* What the bars say, for screen readers (the chart is a picture of it). */}
      <p className="sr-only">
        {total === 0
          ? t(series === "pushes" ? "noPushesSr" : "noPullsSr")
          : t(series === "pushes" ? "pushesSr" : "pullsSr", { total, from: traffic[0]!.day, to: traffic.at(-1)!.day, most: busiest[series], busiest: busiest.day })}
      </p>
      <div aria-hidden="true">
        <LazyTrafficChart data={traffic.map((t) => ({ day: t.day, value: t[series] }))} label={label} color={color} />
      </div>
    </Panel>
  );
}

function FailureItem({ failure: f }: { failure: DashboardFailure }) {
  const t = useTranslations("dashboard");
  if (f.kind === "job") {
    return (
      <li className="py-2">
        <div className="flex flex-wrap items-center gap-2">
          <Badge tone="bad">{t("jobFailed")}</Badge>
          <span className="font-medium break-words">{f.jobName}</span>
          <span className="text-slate-500">{t("run", { id: f.id })}</span>
        </div>
        {f.error && <p className="mt-1 line-clamp-2 break-words text-slate-600" title={f.error}>{f.error}</p>}
        <p className="mt-0.5 text-xs text-slate-500">{formatTime(f.at)}</p>
      </li>
    );
  }
  return (
    <li className="py-2">
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone="bad">{t("refused")}</Badge>
        <span className="font-medium">{f.action}</span>
        <span className="min-w-0 break-words text-slate-600">{f.resource ?? "—"}</span>
        {f.repeatCount > 1 && <span className="text-xs text-slate-500">×{f.repeatCount}</span>}
      </div>
      <p className="mt-1 line-clamp-2 break-words text-slate-600" title={f.reason ?? undefined}>
        {f.actor}
        {f.reason ? `: ${f.reason}` : ""}
      </p>
      <p className="mt-0.5 text-xs text-slate-500">{formatTime(f.at)}</p>
    </li>
  );
}

const STATUS_TONE = { succeeded: "good", failed: "bad", running: "info", queued: "neutral" } as const;

function JobHealthPanel({ jobs }: { jobs: JobHealth[] }) {
  const t = useTranslations("dashboard");
  return (
    <Panel title={t("jobHealth")} subtitle={t("jobHealthSubtitle")}>
      <ul className="grid grid-cols-[minmax(0,1fr)] gap-x-6 text-sm sm:grid-cols-[repeat(2,minmax(0,1fr))] xl:grid-cols-[repeat(3,minmax(0,1fr))]" data-testid="job-health">
        {jobs.map((j) => (
          <li key={j.jobName} className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-100 py-2" data-testid={`job-${j.jobName}`}>
            <span className="min-w-0 font-mono text-xs break-all">{j.jobName}</span>
            <span className="flex flex-wrap items-center gap-1.5">
              {j.lastStatus ? (
                <Badge tone={STATUS_TONE[j.lastStatus]} title={j.lastQueuedAt ? t("lastQueued", { time: formatTime(j.lastQueuedAt) }) : undefined}>
                  {t(`status.${j.lastStatus}`)}
                </Badge>
              ) : (
                <Badge>{t("neverRun")}</Badge>
              )}
              {j.failedLast24h > 0 && <Badge tone="bad">{t("failed24h", { count: j.failedLast24h })}</Badge>}
              {j.queuedNow > 0 && <Badge tone="info">{t("queuedNow", { count: j.queuedNow })}</Badge>}
            </span>
          </li>
        ))}
      </ul>
    </Panel>
  );
}
