import Link from "next/link";
import { useTranslations } from "next-intl";
import { artifactHref, shortDigest } from "@/app/(console)/projects/[projectId]/repositories/format";
import { StackedSeverityBar, partCounts } from "@/components/scan/scan-overview-cell";
import { EmptyRow, Table } from "@/components/ui/table";
import type { SecuritySummary } from "@/lib/services/scan/security";

const CARDS = [
  { key: "Critical", className: "border-red-300 text-red-900" },
  { key: "High", className: "border-orange-300 text-orange-900" },
  { key: "Medium", className: "border-amber-300 text-amber-900" },
  { key: "Low", className: "border-sky-300 text-sky-900" },
  { key: "Unknown", className: "border-slate-300 text-slate-700" },
] as const;

/**
 * A security summary (a project's Security tab, the system's Security hub): totals by severity
 * (Negligible counted with Low, as on artifact pages), scanned and unscanned images, the most
 * vulnerable artifacts and the most common CVEs. `showProject`: the system view names each
 * artifact's project.
 */
export function SecuritySummaryView({ summary, showProject = false, cveHref }: { summary: SecuritySummary; showProject?: boolean; cveHref?: (id: string) => string }) {
  const parts = partCounts(summary.counts);
  const unscanned = summary.totalArtifacts - summary.scannedArtifacts;
  const t = useTranslations("scan");
  return (
    <div className="space-y-6">
      <section aria-labelledby="totals-heading" className="rounded-lg border border-slate-200 bg-white p-4" data-testid="security-totals">
        <h2 id="totals-heading" className="mb-3 font-semibold">
          {t("vulnerabilities")}
        </h2>
        <ul className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
          <li className="rounded-md border border-slate-300 p-3" data-testid="total-all">
            <span className="block text-xs text-slate-500">{t("totalCard")}</span>
            <span className="text-2xl font-semibold">{summary.counts.total}</span>
            <span className="block text-xs text-slate-500">{t("fixable", { count: summary.counts.fixable })}</span>
          </li>
          {CARDS.map((c) => (
            <li key={c.key} className={`rounded-md border p-3 ${c.className}`} data-testid={`total-${c.key.toLowerCase()}`}>
              <span className="block text-xs">{t(`severity.${c.key}`)}</span>
              <span className="text-2xl font-semibold">{parts[c.key]}</span>
            </li>
          ))}
        </ul>
        <StackedSeverityBar counts={summary.counts} className="mt-4 w-full max-w-xl" />
        <p className="mt-3 text-sm text-slate-600" data-testid="scanned-counts">
          {t("scannedCounts", { scanned: summary.scannedArtifacts, total: summary.totalArtifacts, unscanned })}
        </p>
      </section>

      <div className="grid grid-cols-[minmax(0,1fr)] gap-6 xl:grid-cols-[repeat(2,minmax(0,1fr))]">
        <section aria-labelledby="top-artifacts-heading">
          <h2 id="top-artifacts-heading" className="mb-2 font-semibold">
            {t("mostVulnerable")}
          </h2>
          <Table testId="top-artifacts" columns={[t("artifact"), { label: t("severity.Critical"), className: "text-right" }, { label: t("severity.High"), className: "text-right" }, { label: t("totalCard"), className: "text-right" }]}>
            {summary.mostVulnerable.map((a) => {
              const counts = partCounts(a.counts);
              return (
                <tr key={`${a.repository}@${a.digest}`} data-testid={`top-artifact-${a.digest}`}>
                  <td className="px-4 py-2">
                    <Link href={artifactHref(a.projectId, a.repository, a.digest)} prefetch={false} className="block font-mono text-xs text-sky-800 [overflow-wrap:anywhere] hover:underline" title={a.digest}>
                      {a.repository}@{shortDigest(a.digest)}
                    </Link>
                    {showProject && <span className="text-xs text-slate-500">{t("projectName", { name: a.projectName })}</span>}
                  </td>
                  <td className="px-4 py-2 text-right">{counts.Critical}</td>
                  <td className="px-4 py-2 text-right">{counts.High}</td>
                  <td className="px-4 py-2 text-right">{a.counts.total}</td>
                </tr>
              );
            })}
            {summary.mostVulnerable.length === 0 && <EmptyRow colSpan={4}>{t("noVulnerable")}</EmptyRow>}
          </Table>
        </section>
        <section aria-labelledby="top-cves-heading">
          <h2 id="top-cves-heading" className="mb-2 font-semibold">
            {t("mostCommon")}
          </h2>
          <Table testId="top-cves" columns={[t("vulnerability"), t("severityLabel"), t("package"), { label: t("artifacts"), className: "text-right" }]}>
            {summary.commonCves.map((c) => (
              <tr key={c.id} data-testid={`top-cve-${c.id}`}>
                <td className="px-4 py-2 font-mono text-xs whitespace-nowrap">
                  {cveHref ? (
                    <Link href={cveHref(c.id)} prefetch={false} className="text-sky-800 hover:underline">
                      {c.id}
                    </Link>
                  ) : (
                    c.id
                  )}
                </td>
                <td className="px-4 py-2 text-xs">{t(`severity.${c.severity}` as "severity.High")}</td>
                <td className="px-4 py-2 font-mono text-xs [overflow-wrap:anywhere]">{c.package || "—"}</td>
                <td className="px-4 py-2 text-right">{c.artifacts}</td>
              </tr>
            ))}
            {summary.commonCves.length === 0 && <EmptyRow colSpan={4}>{t("noneFound")}</EmptyRow>}
          </Table>
        </section>
      </div>
    </div>
  );
}
