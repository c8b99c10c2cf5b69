import type { ReactNode } from "react";

/** A header cell: its label, shown to screen readers only, and classes (e.g. `hidden @3xl:table-cell`). */
export type TableColumn = string | { label: string; srOnly?: boolean; className?: string };

/**
 * The console's list table: a bordered, horizontally scrollable table with a header row. Rows are
 * passed as children (`<tr>`), so each page keeps full control of its cells. The scroll box is
 * positioned, so a visually hidden header label (absolutely positioned) stays inside it instead of
 * widening the page. With `container`, the box is a CSS container: columns (header and cells) can
 * collapse with `hidden @4xl:table-cell` as the table's own width shrinks, whatever the viewport.
 */
export function Table({ testId, columns, container = false, children }: { testId: string; columns: TableColumn[]; container?: boolean; children: ReactNode }) {
  return (
    <div className={`relative overflow-x-auto rounded-lg border border-slate-200 bg-white ${container ? "@container" : ""}`}>
      <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid={testId}>
        <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
          <tr>
            {columns.map((column) => {
              const { label, srOnly, className = "" } = typeof column === "string" ? { label: column, srOnly: false } : column;
              return (
                <th key={label} scope="col" className={`px-4 py-3 ${className}`}>
                  {srOnly ? <span className="sr-only">{label}</span> : label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
    </div>
  );
}

/** The row a table shows when it has nothing to list. */
export function EmptyRow({ colSpan, children }: { colSpan: number; children: ReactNode }) {
  return (
    <tr>
      <td colSpan={colSpan} className="px-4 py-8 text-center text-slate-500">
        {children}
      </td>
    </tr>
  );
}
