import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { type AuditCursor, type AuditEventRow, fetchAuditRows, keyOf, resolveAuditFilter, toAuditRows } from "@/lib/services/audit/audit-query";
import { actorLabel, recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import { auditFilterToQ, type TAuditFilter } from "@/lib/validation/audit";

/** Rows per database round trip of an export: big enough to be fast, small enough to stay flat. */
export const EXPORT_BATCH_SIZE = 2_000;

export const CSV_COLUMNS = [
  "id",
  "time",
  "username",
  "principal_kind",
  "operation",
  "resource_type",
  "resource",
  "project",
  "result",
  "reason",
  "client_ip",
  "user_agent",
  "detail",
  // Appended, so existing readers of the columns above keep working.
  "actor_verified",
  "count",
] as const;

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma or line break, quotes doubled.
 * A cell that a spreadsheet would run as a formula (starting with = + - @, or a tab or carriage
 * return) gets a leading apostrophe first: user names, resource names and user agents are chosen
 * by whoever acted, and an auditor opening the export must not execute them (OWASP "CSV injection").
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: (string | number | null | undefined)[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

function rowLine(row: AuditEventRow): string {
  return csvLine([
    row.id,
    row.occurredAt.toISOString(),
    // "alice (unverified)" for a name claimed in a failed sign-in: a reader of this column alone
    // must not take it for alice's own action (actor_verified says the same for machines).
    actorLabel(row),
    row.principalKind,
    row.action,
    row.resourceType,
    row.resourceName,
    row.projectName ?? (row.projectId === null ? null : String(row.projectId)),
    row.result,
    row.reason,
    row.clientIp,
    row.userAgent,
    JSON.stringify(row.detail ?? {}),
    row.actorVerified ? "true" : "false",
    row.repeatCount,
  ]);
}

export type ExportAuditEventsOptions = {
  actor: Actor;
  filter: Partial<TAuditFilter>;
  /** A project's logs only (id or name); absent for the system log. */
  project?: number | string | undefined;
};

export type AuditExport = { filename: string; stream: ReadableStream<Uint8Array> };

/**
 * The rows of a filter as a CSV stream, for any number of rows. The stream is pull-based: each
 * pull reads the next keyset batch of EXPORT_BATCH_SIZE rows and enqueues it as one chunk, and
 * it is pulled only when the consumer (the HTTP response) has taken the previous chunk, so a slow
 * client slows the reads down instead of growing memory. No transaction or cursor stays open
 * between batches; rows written after the export started are newer than its first key and are
 * not part of it.
 *
 * Same permissions as the viewer. Starting an export writes one `audit_log.export` row (the
 * filter in its detail): an auditor's copy of the log is itself a read worth recording.
 */
export async function exportAuditEvents({ actor, filter, project }: ExportAuditEventsOptions): Promise<AuditExport> {
  let projectRef: { id: number; name: string } | undefined;
  if (project !== undefined) {
    const ref = await findProjectRef(project);
    await assertProjectPermission(actor, ref, "log:list", undefined, "audit_log.export");
    projectRef = ref;
  } else {
    await assertSystemPermission(actor, "audit.list", { type: "audit_log" }, "audit_log.export");
  }
  const resolved = await resolveAuditFilter(filter, { projectId: projectRef?.id });
  const startedAt = new Date();
  await db.$transaction((tx) =>
    recordAuditEvent(tx, {
      actor,
      action: "audit_log.export",
      resource: { type: "audit_log", name: projectRef ? projectRef.name : "system" },
      projectId: projectRef?.id ?? null,
      detail: { format: "csv", q: auditFilterToQ(filter), filter: describeFilter(filter) },
    }),
  );

  const encoder = new TextEncoder();
  let after: AuditCursor | undefined;
  let headerSent = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(csvLine([...CSV_COLUMNS])));
          return;
        }
        const raw = await fetchAuditRows(resolved, { limit: EXPORT_BATCH_SIZE, after });
        if (raw.length > 0) {
          after = { ...keyOf(raw[raw.length - 1]!), direction: "older" };
          const rows = await toAuditRows(raw);
          controller.enqueue(encoder.encode(rows.map(rowLine).join("")));
        }
        if (raw.length < EXPORT_BATCH_SIZE) controller.close();
      },
    },
    // One chunk (one batch) read ahead at most.
    { highWaterMark: 1 },
  );
  const stamp = startedAt.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
  const filename = projectRef ? `wharf-${projectRef.name}-logs-${stamp}.csv` : `wharf-audit-log-${stamp}.csv`;
  return { filename, stream };
}

/** The filter as plain strings for the audit row's detail. */
function describeFilter(filter: Partial<TAuditFilter>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined || value === null || key === "size" || key === "cursor") continue;
    out[key] = value instanceof Date ? value.toISOString() : String(value);
  }
  return out;
}
