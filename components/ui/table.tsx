import type { ReactNode } from "react";

export type TableColumn = string | { label: string; srOnly?: boolean };

/**
 * The console's list table: a bordered, horizontally scrollable table with a header row. Rows are
 * passed as children (`<tr>`), so each page keeps full control of its cells.
 */
export function Table({ testId, columns, children }: { testId: string; columns: TableColumn[]; children: ReactNode }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid={testId}>
        <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
          <tr>
            {columns.map((column) => {
              const { label, srOnly } = typeof column === "string" ? { label: column, srOnly: false } : column;
              return (
                <th key={label} scope="col" className="px-4 py-3">
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
