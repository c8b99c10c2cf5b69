import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { artifactHref, shortDigest } from "@/app/(console)/projects/[projectId]/repositories/format";
import { SecuritySummaryView } from "@/components/scan/security-summary-view";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { ValidationError } from "@/lib/errors";
import { requestLocale } from "@/lib/i18n/server-locale";
import { translateServerText } from "@/lib/i18n/server-text";
import { searchVulnerabilities, systemSecuritySummary } from "@/lib/services/scan/security";
import { ZConsolePaging } from "@/lib/validation/pagination";

export async function generateMetadata() {
  return { title: (await getTranslations("securityHub"))("title") };
}

function one(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
}

/**
 * Administration → Security hub (Harbor's): the system's vulnerability totals, the most dangerous
 * artifacts and most common CVEs, and one CVE id or package searched across every artifact, paged
 * by the service. Administrators and auditors; the services refuse anyone else.
 */
export default async function SecurityHubPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const kind = one(params.kind) === "package" ? "package" : "cve";
  const q = one(params.q).slice(0, 255);
  // The console's paging: a bad page or page size in a hand-edited URL falls back to its default.
  const { page, pageSize } = ZConsolePaging.parse(params);
  const actor = await getActor();
  const summary = await attempt(() => systemSecuritySummary({ actor }));
  if (!summary.ok) return <RefusalNotice error={summary.error} />;
  const hits = q ? await attempt(() => searchVulnerabilities({ actor, query: { ...(kind === "cve" ? { cveId: q } : { package: q }), page, pageSize } })) : null;
  if (hits && !hits.ok && !(hits.error instanceof ValidationError)) return <RefusalNotice error={hits.error} />;
  const field = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";
  const t = await getTranslations("securityHub");
  const ts = await getTranslations("scan");
  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
      />
      <SecuritySummaryView summary={summary.value} showProject cveHref={(id) => `/admin/security?${new URLSearchParams({ kind: "cve", q: id }).toString()}#search-heading`} />

      <section aria-labelledby="search-heading" className="mt-8" data-testid="vulnerability-search">
        <h2 id="search-heading" className="mb-2 font-semibold">
          {t("searchHeading")}
        </h2>
        <form method="get" action="/admin/security#search-heading" role="search" aria-label={t("searchLabel")} className="mb-3 flex flex-wrap items-end gap-3">
          <label className="flex flex-col text-xs text-slate-600">
            {t("searchBy")}
            <select name="kind" defaultValue={kind} className={field} data-testid="search-kind">
              <option value="cve">{t("cveExact")}</option>
              <option value="package">{t("packageExact")}</option>
            </select>
          </label>
          <label className="flex flex-col text-xs text-slate-600">
            {t("value")}
            <input type="search" name="q" defaultValue={q} maxLength={255} required placeholder={t("searchPlaceholder")} className={`${field} w-64 max-w-full`} data-testid="search-text" />
          </label>
          <button type="submit" className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100" data-testid="search-submit">
            {t("search")}
          </button>
        </form>
        {hits && !hits.ok && (
          <p role="alert" className="text-sm text-red-800">
            {translateServerText(hits.error.message, await requestLocale())}
          </p>
        )}
        {hits?.ok && (
          <>
            <p className="mb-2 text-sm text-slate-600" data-testid="search-total">
              {t(kind === "cve" ? "totalCve" : "totalPackage", { count: hits.value.total, q })}
            </p>
            <Table testId="search-results" container columns={[t("col.artifact"), t("col.vulnerability"), t("col.package"), t("col.installed"), { label: t("col.fixedIn"), className: "hidden @2xl:table-cell" }, t("col.severity"), { label: t("col.cvss"), className: "hidden @xl:table-cell" }]}>
              {hits.value.rows.map((h, i) => (
                <tr key={`${h.repository}@${h.digest}/${h.id}/${h.package}/${i}`} data-testid="search-hit">
                  <td className="px-4 py-2">
                    <Link href={artifactHref(h.projectId, h.repository, h.digest)} prefetch={false} className="font-mono text-xs text-sky-800 [overflow-wrap:anywhere] hover:underline" title={h.digest}>
                      {h.repository}@{shortDigest(h.digest)}
                    </Link>
                    {h.tags.length > 0 && <span className="block text-xs text-slate-500">{h.tags.join(", ")}</span>}
                  </td>
                  <td className="px-4 py-2 font-mono text-xs whitespace-nowrap">{h.id}</td>
                  <td className="px-4 py-2 font-mono text-xs [overflow-wrap:anywhere]">{h.package || "—"}</td>
                  <td className="px-4 py-2 font-mono text-xs [overflow-wrap:anywhere]">{h.version || "—"}</td>
                  <td className="hidden px-4 py-2 font-mono text-xs [overflow-wrap:anywhere] @2xl:table-cell">{h.fixVersion ?? "—"}</td>
                  <td className="px-4 py-2 text-xs">{ts(`severity.${h.severity}` as "severity.High")}</td>
                  <td className="hidden px-4 py-2 text-xs @xl:table-cell">{h.cvssScoreV3 === null ? "—" : h.cvssScoreV3.toFixed(1)}</td>
                </tr>
              ))}
              {hits.value.rows.length === 0 && <EmptyRow colSpan={7}>{t("noArtifact")}</EmptyRow>}
            </Table>
            <Pagination basePath="/admin/security" params={{ kind, q }} page={hits.value.page} pageSize={hits.value.pageSize} total={hits.value.total} />
          </>
        )}
      </section>
    </>
  );
}
