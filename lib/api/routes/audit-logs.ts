/**
 * The audit log in Harbor v2.0's shapes: `GET /audit-logs` (the whole log: admins and auditors)
 * and `GET /projects/{project_name_or_id}/logs` (one project: its admins, auditors, system
 * admins). Harbor's `AuditLog` fields plus Wharf's (`result`, `reason`, `project_id`,
 * `client_ip`, `action`, `detail`); `q` as Harbor (see parseAuditQ); a CSV variant with
 * `format=csv` or `Accept: text/csv`.
 *
 * Paging on millions of rows: `page`/`page_size` work as in Harbor (an OFFSET, allowed up to
 * MAX_OFFSET rows), and every answer's `Link: rel="next"` carries a keyset `cursor` instead of
 * `page`, so a client that follows the links pages at the same cost to the very end.
 * `X-Total-Count` is exact up to 10,000 matching rows; beyond that (or when a filter cannot be
 * counted within its small time budget) it is left out rather than costing a COUNT(*) over
 * millions on every request, and `X-Total-Count-Bound: 10000+` says why.
 */
import type { NextRequest } from "next/server";
import { parsePaging } from "@/lib/api/pagination";
import { projectFromPath } from "@/lib/api/params";
import { harborQ } from "@/lib/api/query";
import type { HarborAuditLog } from "@/lib/api/shapes";
import { withApi } from "@/lib/api/with-api";
import type { Actor } from "@/lib/auth/actor";
import { ValidationError } from "@/lib/errors";
import type { AuditEventRow } from "@/lib/services/audit/audit-query";
import { exportAuditEvents } from "@/lib/services/audit/export-audit-events";
import { actorLabel } from "@/lib/services/audit/record-audit-event";
import { type AuditListResult, listAuditEvents } from "@/lib/services/audit/list-audit-events";
import { listProjectAuditEvents } from "@/lib/services/audit/list-project-audit-events";
import { AUDIT_Q_FIELD_NAMES, parseAuditQ, type TAuditFilter, ZAuditCursor, ZAuditFilter } from "@/lib/validation/audit";

/** Deeper than this, OFFSET paging is refused: follow the Link header's cursor instead. */
export const MAX_OFFSET = 10_000;

export function toHarborAuditLog(row: AuditEventRow): HarborAuditLog {
  const dot = row.action.lastIndexOf(".");
  return {
    id: Number(row.id),
    username: actorLabel(row),
    resource: row.resourceName ?? "",
    resource_type: row.resourceType,
    operation: dot < 0 ? row.action : row.action.slice(dot + 1),
    op_time: row.occurredAt.toISOString(),
    result: row.result,
    reason: row.reason,
    project_id: row.projectId,
    client_ip: row.clientIp,
    action: row.action,
    detail: row.detail ?? {},
    actor_verified: row.actorVerified,
    count: row.repeatCount,
  };
}

/** `q` -> the shared filter; anything wrong is a 400 naming the `q` key. */
export function auditFilterFromQ(q: string | null): Partial<TAuditFilter> {
  const parsedQ = parseAuditQ(q);
  if (!parsedQ.ok) throw new ValidationError(parsedQ.message);
  const parsed = ZAuditFilter.safeParse(parsedQ.filter);
  if (!parsed.success) {
    const message = parsed.error.issues
      .map((issue) => `q: ${AUDIT_Q_FIELD_NAMES[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`)
      .join("; ");
    throw new ValidationError(message);
  }
  return parsed.data;
}

function wantsCsv(req: NextRequest, params: URLSearchParams): boolean {
  const format = params.get("format");
  if (format !== null && format !== "" && format !== "csv" && format !== "json") throw new ValidationError("format: csv or json");
  if (format === "csv") return true;
  if (format === "json") return false;
  // Accept: text/csv wins only when it comes before JSON (browsers send */* last).
  const accept = (req.headers.get("accept") ?? "").toLowerCase();
  const csv = accept.indexOf("text/csv");
  const json = accept.indexOf("application/json");
  return csv >= 0 && (json < 0 || csv < json);
}

function csvResponse(filename: string, stream: ReadableStream<Uint8Array>): Response {
  return new Response(stream, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "X-Content-Type-Options": "nosniff",
    },
  });
}

type ListCall = (args: { filter: Partial<TAuditFilter>; pageSize: number; cursor?: string; offset?: number; withTotal: boolean }) => Promise<AuditListResult>;

/** Go's url.Values.Encode order, as lib/api/pagination's links. */
function linkTo(url: URL, set: Record<string, string>, drop: string[]): string {
  const params = new URLSearchParams(url.searchParams);
  for (const key of drop) params.delete(key);
  for (const [k, v] of Object.entries(set)) params.set(k, v);
  const entries = [...params.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${url.pathname}?${new URLSearchParams(entries).toString()}`;
}

async function listAnswer(url: URL, list: ListCall): Promise<Response> {
  const query = url.searchParams;
  const filter = auditFilterFromQ(harborQ(query));
  // The order is fixed (it is what the indexes and the cursor follow); Harbor's default is accepted.
  const sort = query.get("sort");
  if (sort && sort !== "-op_time") throw new ValidationError("sort: only -op_time (newest first) is supported");
  const cursorParam = query.get("cursor");
  const cursor = cursorParam === null ? undefined : ZAuditCursor.safeParse(cursorParam);
  if (cursor && (!cursor.success || !cursor.data)) throw new ValidationError("cursor: not a valid page cursor (follow the Link header)");
  const paging = parsePaging(query);
  const offset = cursor ? 0 : (paging.page - 1) * paging.pageSize;
  if (offset > MAX_OFFSET) {
    throw new ValidationError(`page: at most ${MAX_OFFSET} rows can be skipped with page/page_size; follow the Link header's rel="next" (a cursor) to page further`);
  }
  const result = await list({
    filter,
    pageSize: paging.pageSize,
    ...(cursor?.data ? { cursor: cursor.data } : {}),
    ...(offset > 0 ? { offset } : {}),
    withTotal: true,
  });
  const headers = new Headers();
  if (result.total?.exact) headers.set("X-Total-Count", String(result.total.count));
  else if (result.total) headers.set("X-Total-Count-Bound", `${result.total.count}+`);
  const links: string[] = [];
  const size = String(paging.pageSize);
  if (cursor && result.newer) links.push(`<${linkTo(url, { cursor: result.newer, page_size: size }, ["page"])}>; rel="prev"`);
  else if (!cursor && paging.page > 1) links.push(`<${linkTo(url, { page: String(paging.page - 1), page_size: size }, ["cursor"])}>; rel="prev"`);
  if (result.older) links.push(`<${linkTo(url, { cursor: result.older, page_size: size }, ["page"])}>; rel="next"`);
  if (links.length) headers.set("Link", links.join(" , "));
  return Response.json(result.rows.map(toHarborAuditLog), { headers });
}

async function exportAnswer(actor: Actor, url: URL, project?: number): Promise<Response> {
  const filter = auditFilterFromQ(harborQ(url.searchParams));
  const { filename, stream } = await exportAuditEvents({ actor, filter, ...(project !== undefined ? { project } : {}) });
  return csvResponse(filename, stream);
}

export const listAuditLogsRoute = withApi(async ({ req, url, actor }) => {
  if (wantsCsv(req, url.searchParams)) return exportAnswer(actor, url);
  return listAnswer(url, (args) => listAuditEvents({ actor, ...args }));
});

export const listProjectLogsRoute = withApi<{ project_name_or_id: string }>(async ({ req, url, actor, params }) => {
  const project = await projectFromPath(req, params.project_name_or_id);
  if (wantsCsv(req, url.searchParams)) return exportAnswer(actor, url, project.id);
  return listAnswer(url, (args) => listProjectAuditEvents({ actor, project: project.id, ...args }));
});
