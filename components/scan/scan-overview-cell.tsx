import { useTranslations } from "next-intl";
import { Badge } from "@/components/ui/badge";
import type { ScanOverview, SeverityCounts } from "@/lib/scan/security-summary";

/** The bar's parts, most severe first; Negligible is shown with Low (as the artifact page's summary). */
const PARTS = [
  { key: "Critical", className: "bg-red-700" },
  { key: "High", className: "bg-orange-500" },
  { key: "Medium", className: "bg-amber-400" },
  { key: "Low", className: "bg-sky-400" },
  { key: "Unknown", className: "bg-slate-400" },
] as const;

type Part = (typeof PARTS)[number]["key"];

export function partCounts(c: SeverityCounts): Record<Part, number> {
  return { Critical: c.Critical, High: c.High, Medium: c.Medium, Low: c.Low + c.Negligible, Unknown: c.Unknown };
}

/** "2 Critical, 5 High, 0 Medium, 1 Low": the tooltip and the screen reader's text. */
export function countsLabel(c: SeverityCounts): string {
  const parts = partCounts(c);
  return PARTS.filter((p) => p.key !== "Unknown" || parts.Unknown > 0)
    .map((p) => `${parts[p.key]} ${p.key}`)
    .join(", ");
}

/** A compact stacked bar (each part's width its share of the findings), fixed width so a list row stays narrow. */
export function StackedSeverityBar({ counts, className = "w-24" }: { counts: SeverityCounts; className?: string }) {
  const parts = partCounts(counts);
  const total = PARTS.reduce((n, p) => n + parts[p.key], 0);
  return (
    <span className={`flex h-2.5 overflow-hidden rounded-full bg-emerald-200 ${className}`} aria-hidden>
      {total > 0 && PARTS.map((p) => (parts[p.key] > 0 ? <span key={p.key} className={p.className} style={{ width: `${(parts[p.key] / total) * 100}%` }} /> : null))}
    </span>
  );
}

/**
 * An artifact list's scan column: Not scanned, Queued, Scanning (an index: how far its images
 * are), Failed, Stopped, or the severity bar with its numbers (tooltip, and the label below it).
 */
export function ScanOverviewCell({ overview }: { overview: ScanOverview | undefined }) {
  const t = useTranslations("scan");
  if (!overview) return <span className="text-xs whitespace-nowrap text-slate-500" data-testid="scan-state">{t("notScanned")}</span>;
  const ofIndex = overview.children ? t("ofIndex", { withReport: overview.children.withReport, total: overview.children.total }) : "";
  switch (overview.status) {
    case "queued":
      return (
        <Badge tone="info" title={t("waiting", { ofIndex })}>
          <span data-testid="scan-state">{t("status.queued")}</span>
        </Badge>
      );
    case "running":
      return (
        <Badge tone="info" title={t("scanningTitle", { ofIndex })}>
          <span data-testid="scan-state">{overview.children ? t("scanningPercent", { percent: overview.completePercent }) : t("scanning")}</span>
        </Badge>
      );
    case "failed":
      return (
        <Badge tone="bad" title={t("failedTitle", { ofIndex })}>
          <span data-testid="scan-state">{t("status.failed")}</span>
        </Badge>
      );
    case "stopped":
      return (
        <Badge title={t("stoppedTitle", { ofIndex })}>
          <span data-testid="scan-state">{t("status.stopped")}</span>
        </Badge>
      );
    default: {
      const c = overview.summary;
      if (!c) return <span className="text-xs text-slate-500" data-testid="scan-state">{t("status.succeeded")}</span>;
      const parts = partCounts(c);
      const label =
        c.total === 0
          ? t("noVulnerabilities")
          : PARTS.filter((p) => p.key !== "Unknown" || parts.Unknown > 0)
              .map((p) => t("countPart", { count: parts[p.key], severity: t(`severity.${p.key}`) }))
              .join(", ");
      return (
        <span className="block w-24" role="img" aria-label={t("vulnerabilitiesLabel", { label, ofIndex })} title={label + (c.fixable ? t("fixableCount", { count: c.fixable }) : "") + ofIndex} data-testid="severity-bar">
          <StackedSeverityBar counts={c} />
          <span className="mt-0.5 block text-[0.7rem] whitespace-nowrap text-slate-600" data-testid="scan-state">
            {c.total === 0 ? t("noneFoundShort") : t("short", { total: c.total, critical: parts.Critical, high: parts.High })}
          </span>
        </span>
      );
    }
  }
}
