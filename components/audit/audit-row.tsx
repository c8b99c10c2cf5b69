"use client";

import { useTranslations } from "next-intl";
import { Fragment, useId, useState } from "react";
import { Badge } from "@/components/ui/badge";

export type AuditRowView = {
  id: string;
  time: string;
  isoTime: string;
  user: string;
  /** False: `user` is the name a failed sign-in claimed, never a proven actor. */
  verified: boolean;
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
  /** Identical refusals within one minute this row stands for. */
  count: number;
};

const cell = "px-3 py-2.5 align-top";

/** One line, cut with an ellipsis; the full text as a tooltip (and in the expanded row). */
function Cut({ text, className = "" }: { text: string | null; className?: string }) {
  if (text === null || text === "") return <span className="text-slate-500">—</span>;
  return (
    <div className={`truncate ${className}`} title={text}>
      {text}
    </div>
  );
}

/**
 * The actor: a name cut with an ellipsis when long, and its mark never cut with it ("(unverified)"
 * for a name a failed sign-in claimed, the principal kind for robots, anonymous and system).
 */
function Who({ row }: { row: AuditRowView }) {
  const t = useTranslations("audit");
  const mark = !row.verified ? t("unverified") : row.principalKind !== "user" ? row.principalKind : null;
  return (
    <div className="flex min-w-0 items-baseline gap-1" title={row.verified ? row.user : `${row.user} (${t("unverified")})`}>
      <span className={`truncate ${row.verified ? "" : "text-slate-600 italic"}`}>{row.user}</span>
      {mark && (
        <span className={`shrink-0 text-xs ${row.verified ? "text-slate-500" : "font-medium text-amber-800"}`} data-testid={row.verified ? undefined : "unverified-mark"}>
          ({mark})
        </span>
      )}
    </div>
  );
}

/**
 * One audit row and, when opened, a full-width row under it with everything the table cuts or
 * leaves out (full names and reason, ids, count, user agent, the JSON detail). A second table row
 * rather than <details> in a cell, so the detail gets the table's whole width.
 */
export function AuditRow({ row, colSpan, showProject = true }: { row: AuditRowView; colSpan: number; showProject?: boolean }) {
  const t = useTranslations("audit");
  const [open, setOpen] = useState(false);
  const detailId = useId();
  return (
    <Fragment>
      <tr data-testid={`audit-row-${row.id}`}>
        <td className={`${cell} px-1.5`}>
          <button
            type="button"
            onClick={() => setOpen(!open)}
            aria-expanded={open}
            aria-controls={detailId}
            className="rounded px-1 text-slate-500 hover:bg-slate-100 hover:text-slate-900"
            title={open ? t("hideDetails") : t("showDetails")}
          >
            <span aria-hidden="true">{open ? "▾" : "▸"}</span>
            <span className="sr-only">{open ? t("hideDetails") : t("showDetails")}</span>
          </button>
        </td>
        <td className={`${cell} whitespace-nowrap text-slate-600 tabular-nums`}>
          <time dateTime={row.isoTime}>{row.time}</time>
        </td>
        <td className={cell}>
          <Who row={row} />
        </td>
        <td className={cell}>
          <Cut text={row.action} className="font-mono text-xs leading-5" />
        </td>
        <td className={`${cell} text-slate-600`}>
          <Cut text={row.resourceType} />
        </td>
        <td className={cell}>
          <Cut text={row.resource} />
        </td>
        {showProject && (
          <td className={cell}>
            <Cut text={row.project} />
          </td>
        )}
        <td className={`${cell} whitespace-nowrap`}>
          {row.result === "success" ? <Badge tone="good">{t("success")}</Badge> : <Badge tone="bad">{t("failure")}</Badge>}
          {row.count > 1 && (
            <span className="ml-1 text-xs text-slate-600 tabular-nums" title={t("countTitle", { count: row.count })} data-testid="audit-count-badge">
              ×{row.count}
            </span>
          )}
        </td>
        <td className={`${cell} text-xs leading-5 text-slate-600`}>
          <Cut text={row.reason} />
        </td>
        <td className={`${cell} text-slate-600`}>
          <Cut text={row.clientIp} />
        </td>
      </tr>
      {open && (
        <tr id={detailId} data-testid={`audit-detail-${row.id}`} className="bg-slate-50">
          <td colSpan={colSpan} className="px-4 py-3">
            <dl className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-4 gap-y-1 text-xs">
              <dt className="font-semibold text-slate-600">{t("detail.eventId")}</dt>
              <dd className="font-mono">{row.id}</dd>
              <dt className="font-semibold text-slate-600">{t("detail.time")}</dt>
              <dd className="font-mono">{row.isoTime}</dd>
              <dt className="font-semibold text-slate-600">{t("detail.principal")}</dt>
              <dd className="break-words">
                {row.verified ? (
                  <>
                    {row.principalKind} {row.user}
                    {row.actorId && <span className="text-slate-500"> {t("detail.userId", { id: row.actorId })}</span>}
                  </>
                ) : (
                  <>
                    {row.user} <span className="font-medium text-amber-800">({t("unverified")})</span>
                    <span className="text-slate-500">{t("detail.unverifiedExplained")}</span>
                  </>
                )}
              </dd>
              <dt className="font-semibold text-slate-600">{t("columns.operation")}</dt>
              <dd className="font-mono break-words">{row.action}</dd>
              <dt className="font-semibold text-slate-600">{t("columns.resource")}</dt>
              <dd className="break-words">
                {row.resourceType} {row.resource ?? ""}
                {row.resourceId && <span className="text-slate-500"> {t("detail.id", { id: row.resourceId })}</span>}
              </dd>
              <dt className="font-semibold text-slate-600">{t("columns.project")}</dt>
              <dd className="break-words">
                {row.project ?? "—"}
                {row.projectId && <span className="text-slate-500"> {t("detail.id", { id: row.projectId })}</span>}
              </dd>
              {row.reason && (
                <>
                  <dt className="font-semibold text-slate-600">{t("columns.reason")}</dt>
                  <dd className="break-words whitespace-pre-wrap" data-testid="audit-detail-reason">
                    {row.reason}
                  </dd>
                </>
              )}
              {row.count > 1 && (
                <>
                  <dt className="font-semibold text-slate-600">{t("detail.count")}</dt>
                  <dd>{t("detail.countText", { count: row.count })}</dd>
                </>
              )}
              <dt className="font-semibold text-slate-600">{t("columns.clientIp")}</dt>
              <dd className="break-all">{row.clientIp ?? "—"}</dd>
              <dt className="font-semibold text-slate-600">{t("detail.userAgent")}</dt>
              <dd className="break-all">{row.userAgent ?? "—"}</dd>
              <dt className="font-semibold text-slate-600">{t("detail.detail")}</dt>
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
