import Link from "next/link";
import { useTranslations } from "next-intl";
import { getTranslations } from "next-intl/server";
import { RefreshWhileScanning, ScanButton } from "@/app/(console)/projects/[projectId]/repositories/[...path]/scan-controls";
import { artifactHref, formatTime, shortDigest } from "@/app/(console)/projects/[projectId]/repositories/format";
import { Badge } from "@/components/ui/badge";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import type { Actor } from "@/lib/auth/actor";
import type { Severity } from "@/lib/scan/adapter/spec-schemas";
import {
  artifactVulnerabilities,
  SUMMARY_SEVERITIES,
  type ArtifactVulnerabilities,
  type IndexChildScan,
  type SummarySeverity,
  type VulnerabilityFilter,
  type VulnerabilitySort,
} from "@/lib/services/scan/manual-scan";

const SEVERITY_STYLE: Record<SummarySeverity, { bar: string; badge: string }> = {
  Critical: { bar: "bg-red-700", badge: "bg-red-100 text-red-900" },
  High: { bar: "bg-orange-500", badge: "bg-orange-100 text-orange-900" },
  Medium: { bar: "bg-amber-400", badge: "bg-amber-100 text-amber-900" },
  Low: { bar: "bg-sky-400", badge: "bg-sky-100 text-sky-900" },
  Unknown: { bar: "bg-slate-400", badge: "bg-slate-100 text-slate-700" },
};

function summaryOf(severity: Severity): SummarySeverity {
  return severity === "Negligible" ? "Low" : severity;
}

/** The counts as one stacked bar (each part's width its share), with the numbers beside it. */
export function SeverityBar({ summary }: { summary: Record<SummarySeverity, number> }) {
  const total = SUMMARY_SEVERITIES.reduce((n, s) => n + summary[s], 0);
  const t = useTranslations("scan");
  return (
    <div data-testid="severity-summary" className="space-y-2">
      <div className="flex h-3 w-full max-w-xl overflow-hidden rounded-full bg-emerald-100" role="img" aria-label={SUMMARY_SEVERITIES.map((s) => t("countPart", { count: summary[s], severity: t(`severity.${s}`) })).join(", ")}>
        {total > 0 && SUMMARY_SEVERITIES.map((s) => (summary[s] > 0 ? <span key={s} className={SEVERITY_STYLE[s].bar} style={{ width: `${(summary[s] / total) * 100}%` }} /> : null))}
      </div>
      <ul className="flex flex-wrap gap-3 text-sm">
        {SUMMARY_SEVERITIES.map((s) => (
          <li key={s} data-testid={`severity-${s.toLowerCase()}`}>
            <span className={`mr-1 inline-block h-2.5 w-2.5 rounded-full align-middle ${SEVERITY_STYLE[s].bar}`} aria-hidden />
            {t(`severity.${s}`)}: <span className="font-semibold">{summary[s]}</span>
          </li>
        ))}
        <li className="text-slate-600">{t("total", { total })}</li>
      </ul>
    </div>
  );
}

const STATUS_TONE = { succeeded: "good", failed: "bad", queued: "info", running: "info" } as const;

const scanning = (s: string | null | undefined) => s === "queued" || s === "running";

const KNOWN_STATUSES = new Set(["succeeded", "failed", "queued", "running", "stopped", "error", "pending"]);

function StatusBadge({ status }: { status: string }) {
  const t = useTranslations("scan");
  return (
    <Badge tone={STATUS_TONE[status as keyof typeof STATUS_TONE] ?? "neutral"}>
      {KNOWN_STATUSES.has(status) ? t(`status.${status}` as "status.succeeded") : status[0]!.toUpperCase() + status.slice(1)}
    </Badge>
  );
}

/**
 * An image index is scanned child by child: its section lists each platform's status and counts
 * (each child's own page has its findings) and sums the counts of those scanned.
 */
function IndexScans({
  platforms: children,
  projectId,
  repository,
  digest,
  canScan,
}: {
  platforms: IndexChildScan[];
  projectId: number;
  repository: string;
  digest: string;
  canScan: boolean;
}) {
  const busy = children.some((c) => scanning(c.status));
  const scanned = children.filter((c) => c.summary !== null);
  const total: Record<SummarySeverity, number> = { Critical: 0, High: 0, Medium: 0, Low: 0, Unknown: 0 };
  for (const c of scanned) for (const s of SUMMARY_SEVERITIES) total[s] += c.summary![s];
  const t = useTranslations("scan");
  return (
    <div data-testid="vulnerabilities" className="space-y-3">
      <RefreshWhileScanning scanning={busy} />
      <div className="flex flex-wrap items-start justify-between gap-3">
        <p className="text-sm text-slate-600" data-testid="scan-status">
          {t("indexStatus", { scanned: scanned.length, count: children.length, busy: String(busy) })}
        </p>
        {canScan && !busy && (
          <div className="flex flex-wrap items-start gap-2">
            <ScanButton projectId={projectId} repository={repository} digest={digest} label={t("scanAllPlatforms")} />
          </div>
        )}
      </div>
      {scanned.length > 0 && <SeverityBar summary={total} />}
      <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid="index-scans-table">
          <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
            <tr>
              <th scope="col" className="px-4 py-3">{t("platform")}</th>
              <th scope="col" className="px-4 py-3">{t("artifact")}</th>
              <th scope="col" className="px-4 py-3">{t("scan")}</th>
              {SUMMARY_SEVERITIES.map((s) => (
                <th key={s} scope="col" className="px-4 py-3 text-right">
                  {t(`severity.${s}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {children.map((c) => (
              <tr key={c.digest} data-testid={`index-scan-${c.platform}`}>
                <td className="px-4 py-2 text-xs">{c.platform}</td>
                <td className="px-4 py-2 font-mono text-xs">
                  <Link href={artifactHref(projectId, repository, c.digest)} prefetch={false} className="text-sky-800 hover:underline" title={c.digest}>
                    {shortDigest(c.digest)}
                  </Link>
                </td>
                <td className="px-4 py-2 text-xs" title={c.error ?? undefined}>
                  {c.status ? <StatusBadge status={c.status} /> : <span className="text-slate-500">{t("notScanned")}</span>}
                </td>
                {SUMMARY_SEVERITIES.map((s) => (
                  <td key={s} className="px-4 py-2 text-right text-xs">
                    {c.summary ? c.summary[s] : "—"}
                  </td>
                ))}
              </tr>
            ))}
            {children.length === 0 && <EmptyRow colSpan={3 + SUMMARY_SEVERITIES.length}>{t("noPlatforms")}</EmptyRow>}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** The table's filters as query parameters (the page's links, and the CSV export's). */
function filterParams(filter: VulnerabilityFilter): Record<string, string> {
  return {
    ...(filter.severity ? { vulnSeverity: filter.severity } : {}),
    ...(filter.q ? { vulnQ: filter.q } : {}),
    ...(filter.fixable ? { vulnFixable: "1" } : {}),
  };
}

/** A link to this artifact page with the table's query (sort, page, filters), landing on the section. */
function hrefOf(self: string, sort: VulnerabilitySort, page: number, filter: VulnerabilityFilter = {}): string {
  const search = new URLSearchParams({ vulnSort: sort, ...filterParams(filter) });
  if (page > 1) search.set("vulnPage", String(page));
  return `${self}?${search.toString()}#vulnerabilities-heading`;
}

function SortHeader({ self, label, column, sort, filter }: { self: string; label: string; column: "severity" | "cvss"; sort: VulnerabilitySort; filter: VulnerabilityFilter }) {
  const active = sort === column || sort === `-${column}`;
  const next: VulnerabilitySort = sort === `-${column}` ? column : (`-${column}` as VulnerabilitySort);
  const t = useTranslations("scan");
  return (
    <Link href={hrefOf(self, next, 1, filter)} className="hover:underline" aria-label={t("sortBy", { label: label.toLowerCase() })} data-testid={`sort-${column}`}>
      {label}
      {active ? (sort.startsWith("-") ? " ↓" : " ↑") : ""}
    </Link>
  );
}

const filtered = (f: VulnerabilityFilter) => Boolean(f.severity || f.q || f.fixable);

/**
 * The table's filters: a plain GET form (works without JavaScript), filtered by the service; the
 * sort is kept, the page starts again at 1. The CSV link exports what the filters match.
 */
function VulnerabilityFilters({ data, self, csvHref }: { data: ArtifactVulnerabilities; self: string; csvHref: string }) {
  const f = data.filter;
  const field = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";
  const t = useTranslations("scan");
  return (
    <div className="flex flex-wrap items-end justify-between gap-3">
      <form method="get" action={`${self}#vulnerabilities-heading`} className="flex flex-wrap items-end gap-3" data-testid="vulnerability-filters" role="search" aria-label={t("filterLabel")}>
        <input type="hidden" name="vulnSort" value={data.sort} />
        <label className="flex flex-col text-xs text-slate-600">
          {t("severityLabel")}
          <select name="vulnSeverity" defaultValue={f.severity ?? ""} className={field} data-testid="filter-severity">
            <option value="">{t("all")}</option>
            {SUMMARY_SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {t(`severity.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col text-xs text-slate-600">
          {t("packageOrId")}
          <input type="search" name="vulnQ" defaultValue={f.q ?? ""} maxLength={200} placeholder="openssl, CVE-2024-…" className={`${field} w-48`} data-testid="filter-text" />
        </label>
        <label className="flex items-center gap-1.5 pb-2 text-sm text-slate-700">
          <input type="checkbox" name="vulnFixable" value="1" defaultChecked={f.fixable} data-testid="filter-fixable" />
          {t("fixableOnly")}
        </label>
        <button type="submit" className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100" data-testid="filter-apply">
          {t("filter")}
        </button>
        {filtered(f) && (
          <Link href={hrefOf(self, data.sort, 1)} className="pb-2 text-sm text-sky-800 hover:underline" data-testid="filter-clear">
            {t("clear")}
          </Link>
        )}
      </form>
      <a href={csvHref} download className="pb-2 text-sm text-sky-800 hover:underline" data-testid="vulnerabilities-csv">
        {filtered(f) ? t("downloadCsvFiltered") : t("downloadCsv")}
      </a>
    </div>
  );
}

export function VulnerabilityTable({ data, self }: { data: ArtifactVulnerabilities; self: string }) {
  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
  const first = data.total === 0 ? 0 : (data.page - 1) * data.pageSize + 1;
  const last = Math.min(data.total, data.page * data.pageSize);
  const pager = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100";
  const t = useTranslations("scan");
  return (
    <>
      <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid="vulnerabilities-table">
          <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
            <tr>
              <th scope="col" className="px-4 py-3">{t("vulnerability")}</th>
              <th scope="col" className="px-4 py-3">{t("package")}</th>
              <th scope="col" className="px-4 py-3">{t("installed")}</th>
              <th scope="col" className="px-4 py-3">{t("fixedIn")}</th>
              <th scope="col" className="px-4 py-3" aria-sort={data.sort.endsWith("severity") ? (data.sort.startsWith("-") ? "descending" : "ascending") : undefined}>
                <SortHeader self={self} label={t("severityLabel")} column="severity" sort={data.sort} filter={data.filter} />
              </th>
              <th scope="col" className="px-4 py-3" aria-sort={data.sort.endsWith("cvss") ? (data.sort.startsWith("-") ? "descending" : "ascending") : undefined}>
                <SortHeader self={self} label={t("cvss")} column="cvss" sort={data.sort} filter={data.filter} />
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {data.rows.map((v, i) => (
              <tr key={`${v.id}-${v.package}-${i}`} data-testid={`vulnerability-${v.id}`}>
                <td className="px-4 py-2 font-mono text-xs whitespace-nowrap">
                  {v.link ? (
                    <a href={v.link} target="_blank" rel="noopener noreferrer" className="text-sky-800 hover:underline">
                      {v.id}
                    </a>
                  ) : (
                    v.id
                  )}
                </td>
                <td className="px-4 py-2 font-mono text-xs [overflow-wrap:anywhere]">{v.package || "—"}</td>
                <td className="px-4 py-2 font-mono text-xs [overflow-wrap:anywhere]">{v.version || "—"}</td>
                <td className="px-4 py-2 font-mono text-xs [overflow-wrap:anywhere]">{v.fixVersion ?? "—"}</td>
                <td className="px-4 py-2">
                  <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ${SEVERITY_STYLE[summaryOf(v.severity)].badge}`}>{t(`severity.${v.severity}`)}</span>
                </td>
                <td className="px-4 py-2 text-xs whitespace-nowrap" title={v.cvssVector ?? undefined}>
                  {v.cvssScore === null ? "—" : v.cvssScore.toFixed(1)}
                </td>
              </tr>
            ))}
            {data.rows.length === 0 && <EmptyRow colSpan={6}>{filtered(data.filter) ? t("noMatch") : t("noneFound")}</EmptyRow>}
          </tbody>
        </table>
      </div>
      {data.total > data.pageSize && (
        <nav aria-label={t("pagesLabel")} className="mt-3 flex items-center justify-between text-sm text-slate-600">
          <span>{t("range", { first, last, total: data.total })}</span>
          <span className="flex items-center gap-2">
            {data.page > 1 && (
              <Link className={pager} href={hrefOf(self, data.sort, data.page - 1, data.filter)} rel="prev">
                {t("previous")}
              </Link>
            )}
            <span>{t("pageOf", { page: data.page, pages })}</span>
            {data.page < pages && (
              <Link className={pager} href={hrefOf(self, data.sort, data.page + 1, data.filter)} rel="next">
                {t("next")}
              </Link>
            )}
          </span>
        </nav>
      )}
    </>
  );
}

/**
 * The artifact page's Vulnerabilities section: the report of the project's scanner (status,
 * times, a failure's message and log), its severity summary and table (sorted and paged by the
 * service), the SBOM download when one was produced, and Scan buttons for those who may scan.
 */
export async function VulnerabilitiesSection({
  actor,
  projectId,
  repository,
  digest,
  self,
  canScan,
  searchParams,
}: {
  actor: Actor;
  projectId: number;
  repository: string;
  digest: string;
  self: string;
  canScan: boolean;
  searchParams: Record<string, string | string[] | undefined>;
}) {
  const outcome = await attempt(() =>
    artifactVulnerabilities({
      actor,
      repository,
      digest,
      query: { vulnSort: searchParams.vulnSort, vulnPage: searchParams.vulnPage, vulnSeverity: searchParams.vulnSeverity, vulnQ: searchParams.vulnQ, vulnFixable: searchParams.vulnFixable },
    }),
  );
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const data = outcome.value;
  if (data.children) return <IndexScans platforms={data.children} projectId={projectId} repository={repository} digest={digest} canScan={canScan} />;
  const report = data.report;
  const busy = scanning(report?.status) || scanning(data.sbom?.status);
  const sbomHref = `/projects/${projectId}/repositories/-/sbom?${new URLSearchParams({ repository, digest }).toString()}`;
  const csvHref = `/projects/${projectId}/repositories/-/vulnerabilities?${new URLSearchParams({ repository, digest, vulnSort: data.sort, ...filterParams(data.filter) }).toString()}`;
  const t = await getTranslations("scan");
  return (
    <div data-testid="vulnerabilities" className="space-y-3">
      <RefreshWhileScanning scanning={busy} />
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="text-sm" data-testid="scan-status">
          {report === null ? (
            <p className="text-slate-600">{t("notScannedDot")}</p>
          ) : (
            <p className="flex flex-wrap items-center gap-2">
              <StatusBadge status={report.status} />
              <span className="text-slate-600">
                {t("by", { scanner: report.scanner })}
                {report.startedAt && t("started", { time: formatTime(report.startedAt) })}
                {report.endedAt && t("ended", { time: formatTime(report.endedAt) })}
              </span>
            </p>
          )}
        </div>
        {canScan && !scanning(report?.status) && (
          <div className="flex flex-wrap items-start gap-2">
            <ScanButton projectId={projectId} repository={repository} digest={digest} label={report ? t("scanAgain") : t("scan")} />
            {!scanning(data.sbom?.status) && <ScanButton projectId={projectId} repository={repository} digest={digest} scanType="sbom" label={data.sbom ? t("generateSbomAgain") : t("generateSbom")} />}
          </div>
        )}
      </div>
      {report?.status === "failed" && (
        <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-900" data-testid="scan-error">
          {report.error ?? t("scanFailed")}
        </div>
      )}
      {report && report.log !== "" && report.status !== "succeeded" && (
        <details open={report.status === "failed"}>
          <summary className="cursor-pointer text-sm text-slate-700">{t("scanLog")}</summary>
          <pre className="mt-2 max-h-64 overflow-auto rounded bg-ink-900 p-3 font-mono text-xs whitespace-pre-wrap text-ink-100" data-testid="scan-log">
            {report.log}
          </pre>
        </details>
      )}
      {data.summary && <SeverityBar summary={data.summary} />}
      {report?.status === "succeeded" && <VulnerabilityFilters data={data} self={self} csvHref={csvHref} />}
      {report?.status === "succeeded" && <VulnerabilityTable data={data} self={self} />}
      {data.sbom && (
        <p className="text-sm" data-testid="sbom-status">
          {t("sbom")}{" "}
          {data.sbom.status === "succeeded" ? (
            <a href={sbomHref} download className="text-sky-800 hover:underline" data-testid="sbom-download">
              {t("downloadSbom")}
            </a>
          ) : (
            <span className="text-slate-600">{KNOWN_STATUSES.has(data.sbom.status) ? t(`status.${data.sbom.status}` as "status.succeeded") : data.sbom.status}</span>
          )}
        </p>
      )}
    </div>
  );
}
