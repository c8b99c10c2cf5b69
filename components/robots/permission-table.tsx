"use client";

import { useTranslations } from "next-intl";
import { useId } from "react";
import { gridPermissions, matchingPreset, type PickerGrid, presetPermissions, ROBOT_PRESETS } from "@/lib/robots/picker-model";

/**
 * The robot permission picker: presets, then a resource × action table (a checkbox only where the
 * pair exists and the creator holds it), with select all, per row and per column. Controlled: the
 * form keeps the selection in state, so it survives a refused submit; each ticked box posts
 * `name=resource:action`.
 */
export function PermissionTable({
  grid,
  selected,
  onChange,
  name = "permissions",
  label,
  errors,
}: {
  grid: PickerGrid;
  selected: ReadonlySet<string>;
  onChange: (next: Set<string>) => void;
  name?: string;
  label?: string;
  errors?: string[] | undefined;
}) {
  const id = useId();
  const t = useTranslations("robots");
  const all = gridPermissions(grid);
  const preset = matchingPreset(selected, grid);
  const allChecked = all.length > 0 && all.every((p) => selected.has(p));
  const set = (permissions: string[], on: boolean) => {
    const next = new Set(selected);
    for (const p of permissions) {
      if (on) next.add(p);
      else next.delete(p);
    }
    onChange(next);
  };
  const missingOf = (key: (typeof ROBOT_PRESETS)[number]["key"]) => presetPermissions(key, grid).missing;
  return (
    <fieldset className="min-w-0" aria-describedby={errors?.length ? `${id}-error` : undefined}>
      <legend className="text-sm font-medium">{label ?? t("permissions")}</legend>
      <div className="mt-2 flex flex-wrap items-center gap-2 text-sm" role="group" aria-label={t("presets")}>
        <span className="text-slate-600">{t("presetsLabel")}</span>
        {ROBOT_PRESETS.map((p) => {
          const missing = missingOf(p.key);
          return (
            <button
              key={p.key}
              type="button"
              aria-pressed={preset === p.key}
              title={missing.length ? t("presetMissing", { missing: missing.join(", ") }) : p.permissions.join(", ")}
              onClick={() => onChange(new Set(presetPermissions(p.key, grid).permissions))}
              className={`rounded-full border px-3 py-1 ${preset === p.key ? "border-sky-700 bg-sky-700 text-white" : "border-slate-300 bg-white hover:bg-slate-100"}`}
            >
              {t(`preset.${p.key}`)}
            </button>
          );
        })}
        <label className="ml-auto flex items-center gap-1">
          <input type="checkbox" checked={allChecked} onChange={(e) => set(all, e.target.checked)} />
          {t("selectAll")}
        </label>
      </div>
      {errors?.length ? (
        <p id={`${id}-error`} className="mt-1 text-sm text-red-700" data-testid={`error-${name}`}>
          {errors.join(". ")}
        </p>
      ) : null}
      {/* The table is wider than a phone: it scrolls in its own box there, not the page. */}
      <div className="mt-2 overflow-x-auto rounded-md border border-slate-200">
        <table className="min-w-full text-sm" data-testid="permission-table">
          <thead className="bg-slate-50 text-xs text-slate-600">
            <tr>
              <th scope="col" className="px-3 py-2 text-left font-semibold">
                {t("resource")}
              </th>
              {grid.actions.map((action) => {
                const column = grid.rows.filter((r) => r.actions.includes(action)).map((r) => `${r.resource}:${action}`);
                const on = column.every((p) => selected.has(p));
                return (
                  <th key={action} scope="col" className="px-2 py-2 text-center font-semibold">
                    <label className="flex flex-col items-center gap-1">
                      {action}
                      <input type="checkbox" checked={on} onChange={(e) => set(column, e.target.checked)} aria-label={t("everyAction", { action })} />
                    </label>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {grid.rows.map((row) => {
              const permissions = row.actions.map((a) => `${row.resource}:${a}`);
              const on = permissions.every((p) => selected.has(p));
              return (
                <tr key={row.resource}>
                  <th scope="row" className="px-3 py-1.5 text-left font-normal whitespace-nowrap">
                    <label className="flex items-center gap-2">
                      <input type="checkbox" checked={on} onChange={(e) => set(permissions, e.target.checked)} aria-label={t("everyResource", { resource: row.resource })} />
                      <span className="font-mono text-xs">{row.resource}</span>
                    </label>
                  </th>
                  {grid.actions.map((action) => {
                    const value = `${row.resource}:${action}`;
                    return (
                      <td key={action} className="px-2 py-1.5 text-center">
                        {row.actions.includes(action) ? (
                          <input
                            type="checkbox"
                            name={name}
                            value={value}
                            checked={selected.has(value)}
                            onChange={(e) => set([value], e.target.checked)}
                            aria-label={value}
                          />
                        ) : null}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </fieldset>
  );
}
