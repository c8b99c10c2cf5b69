import Link from "next/link";
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
  return (
    <div className="space-y-6" data-testid="dashboard">
      <dl className="grid grid-cols-[repeat(2,minmax(0,1fr))] gap-4 lg:grid-cols-[repeat(4,minmax(0,1fr))]">
        {counts.projects !== null && <Stat testId="count-projects" label="Projects" value={counts.projects.toLocaleString("en-US")} />}
        <Stat testId="count-repositories" label="Repositories" value={counts.repositories.toLocaleString("en-US")} />
        <Stat testId="count-artifacts" label="Artifacts" value={counts.artifacts.toLocaleString("en-US")} />
        <Stat
          testId="count-storage"
          label="Storage used"
          value={formatSize(counts.storageBytes)}
          hint="Artifact sizes added up: a layer shared by several artifacts counts once for each."
        />
      </dl>

      <div className="grid grid-cols-[minmax(0,1fr)] gap-6 lg:grid-cols-[repeat(2,minmax(0,1fr))]">
        <TrafficPanel testId="chart-pushes" title="Pushes per day" traffic={dashboard.traffic} series="pushes" color="var(--color-sky-700)" />
        <TrafficPanel testId="chart-pulls" title="Pulls per day" traffic={dashboard.traffic} series="pulls" color="var(--color-emerald-700)" />
      </div>

      <div className="grid grid-cols-[minmax(0,1fr)] gap-6 lg:grid-cols-[repeat(2,minmax(0,1fr))]">
        <Panel title="Most pulled repositories" subtitle="last 30 days">
          {dashboard.topPulled.length === 0 ? (
            <Empty>No pulls in the last 30 days.</Empty>
          ) : (
            <ol className="divide-y divide-slate-100 text-sm" data-testid="top-pulled">
              {dashboard.topPulled.map((r) => (
                <li key={r.repositoryId} className="flex items-baseline justify-between gap-3 py-2">
                  <Link href={repositoryHref(r.projectId, r.name)} prefetch={false} className="min-w-0 break-words text-sky-800 hover:underline">
                    {r.name}
                  </Link>
                  <span className="shrink-0 text-slate-600 tabular-nums">{r.pulls.toLocaleString("en-US")} pulls</span>
                </li>
              ))}
            </ol>
          )}
        </Panel>
        <Panel title="Recent failures" subtitle="refused requests and failed jobs, last 30 days">
          {dashboard.failures === null ? (
            <Empty>Refused requests are shown to those who may read the audit log (a project&apos;s Project Admins, auditors, administrators).</Empty>
          ) : dashboard.failures.length === 0 ? (
            <Empty>No failures in the last 30 days.</Empty>
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
  const label = series === "pushes" ? "Pushes" : "Pulls";
  return (
    <Panel testId={testId} title={title} subtitle={`last 30 days (UTC): ${total.toLocaleString("en-US")}`}>
      {/* What the bars say, for screen readers (the chart is a picture of it). */}
      <p className="sr-only">
        {total === 0
          ? `No ${series} in the last 30 days.`
          : `${total} ${series} from ${traffic[0]!.day} to ${traffic.at(-1)!.day}; the most, ${busiest[series]}, on ${busiest.day}.`}
      </p>
      <div aria-hidden="true">
        <LazyTrafficChart data={traffic.map((t) => ({ day: t.day, value: t[series] }))} label={label} color={color} />
      </div>
    </Panel>
  );
}

function FailureItem({ failure: f }: { failure: DashboardFailure }) {
  if (f.kind === "job") {
    return (
      <li className="py-2">
        <div className="flex flex-wrap items-center gap-2">
          <Badge tone="bad">job failed</Badge>
          <span className="font-medium break-words">{f.jobName}</span>
          <span className="text-slate-500">run #{f.id}</span>
        </div>
        {f.error && <p className="mt-1 line-clamp-2 break-words text-slate-600" title={f.error}>{f.error}</p>}
        <p className="mt-0.5 text-xs text-slate-500">{formatTime(f.at)}</p>
      </li>
    );
  }
  return (
    <li className="py-2">
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone="bad">refused</Badge>
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
  return (
    <Panel title="Job health" subtitle="background jobs">
      <ul className="grid grid-cols-[minmax(0,1fr)] gap-x-6 text-sm sm:grid-cols-[repeat(2,minmax(0,1fr))] xl:grid-cols-[repeat(3,minmax(0,1fr))]" data-testid="job-health">
        {jobs.map((j) => (
          <li key={j.jobName} className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-100 py-2" data-testid={`job-${j.jobName}`}>
            <span className="min-w-0 font-mono text-xs break-all">{j.jobName}</span>
            <span className="flex flex-wrap items-center gap-1.5">
              {j.lastStatus ? (
                <Badge tone={STATUS_TONE[j.lastStatus]} title={j.lastQueuedAt ? `last queued ${formatTime(j.lastQueuedAt)}` : undefined}>
                  {j.lastStatus}
                </Badge>
              ) : (
                <Badge>never run</Badge>
              )}
              {j.failedLast24h > 0 && <Badge tone="bad">{j.failedLast24h} failed in 24 h</Badge>}
              {j.queuedNow > 0 && <Badge tone="info">{j.queuedNow} queued</Badge>}
            </span>
          </li>
        ))}
      </ul>
    </Panel>
  );
}
