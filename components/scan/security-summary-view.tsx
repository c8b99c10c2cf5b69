import Link from "next/link";
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
  return (
    <div className="space-y-6">
      <section aria-labelledby="totals-heading" className="rounded-lg border border-slate-200 bg-white p-4" data-testid="security-totals">
        <h2 id="totals-heading" className="mb-3 font-semibold">
          Vulnerabilities
        </h2>
        <ul className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
          <li className="rounded-md border border-slate-300 p-3" data-testid="total-all">
            <span className="block text-xs text-slate-500">Total</span>
            <span className="text-2xl font-semibold">{summary.counts.total}</span>
            <span className="block text-xs text-slate-500">{summary.counts.fixable} fixable</span>
          </li>
          {CARDS.map((c) => (
            <li key={c.key} className={`rounded-md border p-3 ${c.className}`} data-testid={`total-${c.key.toLowerCase()}`}>
              <span className="block text-xs">{c.key}</span>
              <span className="text-2xl font-semibold">{parts[c.key]}</span>
            </li>
          ))}
        </ul>
        <StackedSeverityBar counts={summary.counts} className="mt-4 w-full max-w-xl" />
        <p className="mt-3 text-sm text-slate-600" data-testid="scanned-counts">
          {summary.scannedArtifacts} of {summary.totalArtifacts} image{summary.totalArtifacts === 1 ? "" : "s"} scanned
          {unscanned > 0 ? ` · ${unscanned} not scanned` : ""}. Each image counts once, with its newest succeeded scan.
        </p>
      </section>

      <div className="grid grid-cols-[minmax(0,1fr)] gap-6 xl:grid-cols-[repeat(2,minmax(0,1fr))]">
        <section aria-labelledby="top-artifacts-heading">
          <h2 id="top-artifacts-heading" className="mb-2 font-semibold">
            Most vulnerable artifacts
          </h2>
          <Table testId="top-artifacts" columns={["Artifact", { label: "Critical", className: "text-right" }, { label: "High", className: "text-right" }, { label: "Total", className: "text-right" }]}>
            {summary.mostVulnerable.map((a) => {
              const counts = partCounts(a.counts);
              return (
                <tr key={`${a.repository}@${a.digest}`} data-testid={`top-artifact-${a.digest}`}>
                  <td className="px-4 py-2">
                    <Link href={artifactHref(a.projectId, a.repository, a.digest)} prefetch={false} className="block font-mono text-xs text-sky-800 [overflow-wrap:anywhere] hover:underline" title={a.digest}>
                      {a.repository}@{shortDigest(a.digest)}
                    </Link>
                    {showProject && <span className="text-xs text-slate-500">project {a.projectName}</span>}
                  </td>
                  <td className="px-4 py-2 text-right">{counts.Critical}</td>
                  <td className="px-4 py-2 text-right">{counts.High}</td>
                  <td className="px-4 py-2 text-right">{a.counts.total}</td>
                </tr>
              );
            })}
            {summary.mostVulnerable.length === 0 && <EmptyRow colSpan={4}>No vulnerable artifacts.</EmptyRow>}
          </Table>
        </section>
        <section aria-labelledby="top-cves-heading">
          <h2 id="top-cves-heading" className="mb-2 font-semibold">
            Most common CVEs
          </h2>
          <Table testId="top-cves" columns={["Vulnerability", "Severity", "Package", { label: "Artifacts", className: "text-right" }]}>
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
                <td className="px-4 py-2 text-xs">{c.severity}</td>
                <td className="px-4 py-2 font-mono text-xs [overflow-wrap:anywhere]">{c.package || "—"}</td>
                <td className="px-4 py-2 text-right">{c.artifacts}</td>
              </tr>
            ))}
            {summary.commonCves.length === 0 && <EmptyRow colSpan={4}>No vulnerabilities found.</EmptyRow>}
          </Table>
        </section>
      </div>
    </div>
  );
}
