import { Badge } from "@/components/ui/badge";
import type { AuditEventRow } from "@/lib/services/audit/list-audit-events";
import { EmptyRow, Table } from "@/components/ui/table";

/** Audit rows as a table; shared by the system Audit log and a project's Logs tab. */
export function AuditTable({ rows }: { rows: AuditEventRow[] }) {
  return (
    <Table testId="audit-table" columns={["Time (UTC)", "Who", "Operation", "Resource", "Result", "Client"]}>
      {rows.map((row) => (
        <tr key={row.id}>
          <td className="px-4 py-2.5 whitespace-nowrap text-slate-600">
            <time dateTime={row.occurredAt.toISOString()}>{row.occurredAt.toISOString().slice(0, 19).replace("T", " ")}</time>
          </td>
          <td className="px-4 py-2.5">
            {row.actorName}
            {row.principalKind !== "user" && <span className="ml-1 text-xs text-slate-500">({row.principalKind})</span>}
          </td>
          <td className="px-4 py-2.5 font-mono text-xs">{row.action}</td>
          <td className="px-4 py-2.5">
            <span className="text-slate-500">{row.resourceType}</span> {row.resourceName}
          </td>
          <td className="px-4 py-2.5">
            {row.result === "success" ? (
              <Badge tone="good">success</Badge>
            ) : (
              <span title={row.reason ?? undefined}>
                <Badge tone="bad">failure</Badge>
                {row.reason && <span className="ml-2 text-xs text-slate-600">{row.reason}</span>}
              </span>
            )}
          </td>
          <td className="px-4 py-2.5 text-slate-600">{row.clientIp ?? "—"}</td>
        </tr>
      ))}
      {rows.length === 0 && <EmptyRow colSpan={6}>Nothing recorded yet.</EmptyRow>}
    </Table>
  );
}
