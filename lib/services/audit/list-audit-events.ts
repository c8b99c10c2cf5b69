import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { auditPage, type AuditPage, boundedCount, decodeCursor, distinctActions, resolveAuditFilter } from "@/lib/services/audit/audit-query";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import type { TAuditFilter } from "@/lib/validation/audit";

export type { AuditEventRow } from "@/lib/services/audit/audit-query";

export type ListAuditEventsOptions = {
  actor: Actor;
  filter: Partial<TAuditFilter>;
  pageSize: number;
  /** An opaque cursor from a previous page's `older`/`newer`. */
  cursor?: string | undefined;
  /** Rows to skip (Harbor's page/page_size over REST; the console pages by cursor only). */
  offset?: number;
  /** Also count the matching rows (bounded: see boundedCount). */
  withTotal?: boolean;
  /** Also list the recorded operations (for the form's suggestions; one loose index scan). */
  withOperations?: boolean;
};

export type AuditListResult = AuditPage & { total?: { count: number; exact: boolean } | null; operations?: string[] };

/** The system Audit log: every row, filtered, newest first, one keyset page (admins and auditors). */
export async function listAuditEvents({ actor, filter, pageSize, cursor, offset, withTotal, withOperations }: ListAuditEventsOptions): Promise<AuditListResult> {
  await assertSystemPermission(actor, "audit.list", { type: "audit_log" });
  const decoded = cursor ? decodeCursor(cursor) : undefined;
  const resolved = await resolveAuditFilter(filter);
  const [page, total, operations] = await Promise.all([
    auditPage(resolved, pageSize, decoded, offset),
    withTotal ? boundedCount(resolved) : undefined,
    withOperations ? distinctActions() : undefined,
  ]);
  return { ...page, ...(withTotal ? { total } : {}), ...(operations ? { operations } : {}) };
}
