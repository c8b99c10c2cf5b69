import { AuditRow, type AuditRowView } from "@/components/audit/audit-row";
import { EmptyRow, Table } from "@/components/ui/table";
import type { AuditEventRow } from "@/lib/services/audit/audit-query";

export const AUDIT_COLUMNS = ["Time (UTC)", "User", "Operation", "Resource type", "Resource", "Project", "Result", "Reason", "Client IP"] as const;

/** A row as the client component needs it: strings only, the detail already pretty-printed. */
function toView(row: AuditEventRow): AuditRowView {
  return {
    id: row.id,
    time: row.occurredAt.toISOString().slice(0, 19).replace("T", " "),
    isoTime: row.occurredAt.toISOString(),
    user: row.actorName,
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
  };
}

/**
 * Audit rows as a table, each expandable to its full detail; shared by the system Audit log and a
 * project's Logs tab.
 */
export function AuditTable({ rows, filtered = false }: { rows: AuditEventRow[]; filtered?: boolean }) {
  return (
    <Table testId="audit-table" columns={[{ label: "Details", srOnly: true }, ...AUDIT_COLUMNS]}>
      {rows.map((row) => (
        <AuditRow key={row.id} row={toView(row)} colSpan={AUDIT_COLUMNS.length + 1} />
      ))}
      {rows.length === 0 && <EmptyRow colSpan={AUDIT_COLUMNS.length + 1}>{filtered ? "No rows match this filter." : "Nothing recorded yet."}</EmptyRow>}
    </Table>
  );
}
