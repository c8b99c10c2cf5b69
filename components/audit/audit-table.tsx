import { Badge } from "@/components/ui/badge";
import type { AuditEventRow } from "@/lib/services/audit/list-audit-events";

/** Audit rows as a table; shared by the system Audit log and a project's Logs tab. */
export function AuditTable({ rows }: { rows: AuditEventRow[] }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid="audit-table">
        <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
          <tr>
            <th scope="col" className="px-4 py-3">Time (UTC)</th>
            <th scope="col" className="px-4 py-3">Who</th>
            <th scope="col" className="px-4 py-3">Operation</th>
            <th scope="col" className="px-4 py-3">Resource</th>
            <th scope="col" className="px-4 py-3">Result</th>
            <th scope="col" className="px-4 py-3">Client</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
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
          {rows.length === 0 && (
            <tr>
              <td colSpan={6} className="px-4 py-8 text-center text-slate-500">
                Nothing recorded yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
