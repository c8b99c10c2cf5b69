"use client";

import { Fragment, useId, useState } from "react";
import { Badge } from "@/components/ui/badge";

export type AuditRowView = {
  id: string;
  time: string;
  isoTime: string;
  user: string;
  principalKind: string;
  actorId: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  resource: string | null;
  projectId: string | null;
  project: string | null;
  result: "success" | "failure";
  reason: string | null;
  clientIp: string | null;
  userAgent: string | null;
  /** The JSON detail, pretty-printed on the server. */
  detail: string;
};

const cell = "px-4 py-2.5 align-top";

/**
 * One audit row and, when opened, a full-width row under it with everything the table leaves out
 * (ids, user agent, the JSON detail). A second table row rather than <details> in a cell, so the
 * detail gets the table's whole width.
 */
export function AuditRow({ row, colSpan }: { row: AuditRowView; colSpan: number }) {
  const [open, setOpen] = useState(false);
  const detailId = useId();
  return (
    <Fragment>
      <tr data-testid={`audit-row-${row.id}`}>
        <td className={cell}>
          <button
            type="button"
            onClick={() => setOpen(!open)}
            aria-expanded={open}
            aria-controls={detailId}
            className="rounded px-1 text-slate-500 hover:bg-slate-100 hover:text-slate-900"
            title={open ? "Hide details" : "Show details"}
          >
            <span aria-hidden="true">{open ? "▾" : "▸"}</span>
            <span className="sr-only">{open ? "Hide details" : "Show details"}</span>
          </button>
        </td>
        <td className={`${cell} whitespace-nowrap text-slate-600`}>
          <time dateTime={row.isoTime}>{row.time}</time>
        </td>
        <td className={cell}>
          {row.user}
          {row.principalKind !== "user" && <span className="ml-1 text-xs text-slate-500">({row.principalKind})</span>}
        </td>
        <td className={`${cell} font-mono text-xs`}>{row.action}</td>
        <td className={`${cell} text-slate-600`}>{row.resourceType}</td>
        <td className={`${cell} break-all`}>{row.resource ?? "—"}</td>
        <td className={cell}>{row.project ?? "—"}</td>
        <td className={cell}>{row.result === "success" ? <Badge tone="good">success</Badge> : <Badge tone="bad">failure</Badge>}</td>
        <td className={`${cell} text-xs text-slate-600`}>{row.reason ?? ""}</td>
        <td className={`${cell} whitespace-nowrap text-slate-600`}>{row.clientIp ?? "—"}</td>
      </tr>
      {open && (
        <tr id={detailId} data-testid={`audit-detail-${row.id}`} className="bg-slate-50">
          <td colSpan={colSpan} className="px-4 py-3">
            <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-xs">
              <dt className="font-semibold text-slate-600">Event id</dt>
              <dd className="font-mono">{row.id}</dd>
              <dt className="font-semibold text-slate-600">Time</dt>
              <dd className="font-mono">{row.isoTime}</dd>
              <dt className="font-semibold text-slate-600">Principal</dt>
              <dd>
                {row.principalKind} {row.user}
                {row.actorId && <span className="text-slate-500"> (user id {row.actorId})</span>}
              </dd>
              <dt className="font-semibold text-slate-600">Resource</dt>
              <dd>
                {row.resourceType} {row.resource ?? ""}
                {row.resourceId && <span className="text-slate-500"> (id {row.resourceId})</span>}
              </dd>
              <dt className="font-semibold text-slate-600">Project id</dt>
              <dd>{row.projectId ?? "—"}</dd>
              <dt className="font-semibold text-slate-600">User agent</dt>
              <dd className="break-all">{row.userAgent ?? "—"}</dd>
              <dt className="font-semibold text-slate-600">Detail</dt>
              <dd>
                <pre className="max-h-80 overflow-auto rounded border border-slate-200 bg-white p-2 font-mono text-xs whitespace-pre-wrap">{row.detail}</pre>
              </dd>
            </dl>
          </td>
        </tr>
      )}
    </Fragment>
  );
}
