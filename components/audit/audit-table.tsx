import { useTranslations } from "next-intl";
import { AuditRow, type AuditRowView } from "@/components/audit/audit-row";
import type { AuditEventRow } from "@/lib/services/audit/audit-query";
import { formatUtc } from "@/lib/format/datetime";

type Column = { key: string; width: string; srOnly?: boolean; project?: true };

/**
 * Fixed widths for the short columns, shares of what is left for the others: with a fixed table
 * layout the browser never widens a column for a long name (cells are cut with an ellipsis, the
 * expanded row has the full text), so the table is as wide as its box at 1280 px. Below its
 * minimum width (narrow screens) the box scrolls, the page does not.
 */
const COLUMNS: Column[] = [
  { key: "details", width: "2.25rem", srOnly: true },
  { key: "time", width: "10.5rem" },
  { key: "user", width: "15%" },
  { key: "operation", width: "14%" },
  { key: "resourceType", width: "8%" },
  { key: "resource", width: "20%" },
  { key: "project", width: "10%", project: true },
  { key: "result", width: "6.5rem" },
  { key: "reason", width: "18%" },
  { key: "clientIp", width: "8rem" },
];

/** A row as the client component needs it: strings only, the detail already pretty-printed. */
function toView(row: AuditEventRow): AuditRowView {
  return {
    id: row.id,
    time: formatUtc(row.occurredAt),
    isoTime: row.occurredAt.toISOString(),
    user: row.actorName,
    verified: row.actorVerified,
    principalKind: row.principalKind,
    actorId: row.actorId === null ? null : String(row.actorId),
    action: row.action,
    resourceType: row.resourceType,
    resourceId: row.resourceId,
    resource: row.resourceName,
    projectId: row.projectId === null ? null : String(row.projectId),
    project: row.projectName ?? (row.projectId === null ? null : `#${row.projectId}`),
    result: row.result,
    reason: row.reason,
    clientIp: row.clientIp,
    userAgent: row.userAgent,
    detail: JSON.stringify(row.detail ?? {}, null, 2),
    count: row.repeatCount,
  };
}

/**
 * Audit rows as a table, each expandable to its full detail; shared by the system Audit log and a
 * project's Logs tab (which has no Project column: every row is its own project's).
 */
export function AuditTable({ rows, filtered = false, showProject = true }: { rows: AuditEventRow[]; filtered?: boolean; showProject?: boolean }) {
  const t = useTranslations("audit");
  const columns = COLUMNS.filter((c) => showProject || !c.project);
  return (
    <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full min-w-[56rem] table-fixed divide-y divide-slate-200 text-sm" data-testid="audit-table">
        <colgroup>
          {columns.map((c) => (
            <col key={c.key} style={{ width: c.width }} />
          ))}
        </colgroup>
        <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" className="truncate px-3 py-3">
                {c.srOnly ? <span className="sr-only">{t(`columns.${c.key}`)}</span> : t(`columns.${c.key}`)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((row) => (
            <AuditRow key={row.id} row={toView(row)} colSpan={columns.length} showProject={showProject} />
          ))}
          {rows.length === 0 && (
            <tr>
              <td colSpan={columns.length} className="px-4 py-8 text-center text-slate-500">
                {filtered ? t("noMatch") : t("empty")}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
