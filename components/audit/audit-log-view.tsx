import Link from "next/link";
import { useFormatter, useTranslations } from "next-intl";
import { AuditFilterForm, type AuditFilterValues } from "@/components/audit/audit-filter-form";
import { AuditTable } from "@/components/audit/audit-table";
import { buttonClass } from "@/components/ui/button";
import { formatUtc } from "@/lib/format/datetime";
import type { AuditListResult } from "@/lib/services/audit/list-audit-events";
import { auditFilterParams, auditFilterToQ, type TAuditLogSearch } from "@/lib/validation/audit";

/** The URL's search parameters as the form's raw strings (first value of a repeated key). */
export function auditFormValues(raw: Record<string, string | string[] | undefined>): AuditFilterValues {
  const values: AuditFilterValues = {};
  for (const key of ["user", "op", "type", "resource", "project", "result", "from", "to", "size"] as const) {
    const v = raw[key];
    const s = Array.isArray(v) ? v[0] : v;
    if (s !== undefined && s !== "") values[key] = s;
  }
  // The time inputs show the table's own format (lib/format/datetime.ts: `2026-01-31 13:45:07`, UTC),
  // so a time copied from a row can be pasted into From or To; a URL's ISO time is shown that way.
  for (const key of ["from", "to"] as const) {
    const s = values[key];
    if (s && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?Z$/.test(s)) values[key] = formatUtc(s);
  }
  return values;
}

const FORM_FIELDS = new Set(["user", "op", "type", "resource", "project", "result", "from", "to", "size"]);

const linkClass = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100";

/**
 * The audit viewer shared by the system Audit log and a project's Logs tab: filter form, bounded
 * count, table, Newer/Older keyset links and the Export CSV link (the REST API's CSV variant with
 * the same filter as Harbor `q`).
 */
export function AuditLogView({
  basePath,
  exportPath,
  values,
  errors,
  search,
  result,
  showProject,
  operations,
}: {
  basePath: string;
  /** The REST list this view's CSV comes from, e.g. /api/v2.0/audit-logs. */
  exportPath: string;
  values: AuditFilterValues;
  errors: Record<string, string[]>;
  /** The parsed search (absent when it had errors). */
  search?: TAuditLogSearch;
  result?: AuditListResult;
  showProject: boolean;
  operations: string[];
}) {
  const filterParams = search ? auditFilterParams(search) : new URLSearchParams();
  if (search && search.size !== 25) filterParams.set("size", String(search.size));
  const pageHref = (cursor: string) => {
    const p = new URLSearchParams(filterParams);
    p.set("cursor", cursor);
    return `${basePath}?${p.toString()}`;
  };
  const exportParams = new URLSearchParams({ format: "csv" });
  const q = search ? auditFilterToQ(search) : "";
  if (q) exportParams.set("q", q);
  const filtered = search ? auditFilterToQ(search) !== "" : false;
  const total = result?.total;
  const t = useTranslations("audit");
  const format = useFormatter();
  return (
    <>
      <AuditFilterForm action={basePath} values={values} errors={errors} showProject={showProject} operations={operations} />
      {!result ? (
        <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900" data-testid="audit-filter-invalid">
          {t("fixFilter")}
          {Object.entries(errors)
            .filter(([key]) => !FORM_FIELDS.has(key))
            .map(([key, messages]) => (
              <span key={key} className="block" data-testid={`error-${key}`}>
                {key}: {messages.join(". ")}
              </span>
            ))}
        </p>
      ) : (
        <>
          <div className="mb-2 flex flex-wrap items-center justify-between gap-2 text-sm text-slate-600">
            <span data-testid="audit-count">
              {total === undefined || total === null
                ? t("newestFirst")
                : total.exact
                  ? t("matching", { count: total.count, formatted: format.number(total.count) })
                  : t("matchingMore", { formatted: format.number(total.count) })}
            </span>
            <a href={`${exportPath}?${exportParams.toString()}`} className={buttonClass("secondary")} data-testid="audit-export" download>
              {t("exportCsv")}
            </a>
          </div>
          <AuditTable rows={result.rows} filtered={filtered} showProject={showProject} />
          <nav aria-label={t("pagination")} className="mt-4 flex items-center justify-end gap-2 text-sm">
            {result.newer ? (
              <Link className={linkClass} href={pageHref(result.newer)} rel="prev">
                {t("newer")}
              </Link>
            ) : null}
            {search?.cursor && (
              <Link className={linkClass} href={filterParams.size ? `${basePath}?${filterParams.toString()}` : basePath}>
                {t("newest")}
              </Link>
            )}
            {result.older ? (
              <Link className={linkClass} href={pageHref(result.older)} rel="next">
                {t("older")}
              </Link>
            ) : null}
          </nav>
        </>
      )}
    </>
  );
}
