import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { auditPage, boundedCount, decodeCursor, distinctActions, resolveAuditFilter } from "@/lib/services/audit/audit-query";
import type { AuditListResult } from "@/lib/services/audit/list-audit-events";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import type { TAuditFilter } from "@/lib/validation/audit";

export type ListProjectAuditEventsOptions = {
  actor: Actor;
  /** Project id or name. */
  project: number | string;
  filter: Partial<TAuditFilter>;
  pageSize: number;
  cursor?: string | undefined;
  /** Rows to skip (Harbor's page/page_size over REST; the console pages by cursor only). */
  offset?: number;
  withTotal?: boolean;
  /** Also list the recorded operations (for the form's suggestions; one loose index scan). */
  withOperations?: boolean;
};

/**
 * A project's Logs tab: its rows only, filtered, newest first (project admins, auditors, system
 * admins: the project's `log:list`). A project filter in `filter` cannot widen the scope.
 */
export async function listProjectAuditEvents({ actor, project, filter, pageSize, cursor, offset, withTotal, withOperations }: ListProjectAuditEventsOptions): Promise<AuditListResult> {
  const ref = await findProjectRef(project);
  await assertProjectPermission(actor, ref, "log:list");
  const decoded = cursor ? decodeCursor(cursor) : undefined;
  const resolved = await resolveAuditFilter(filter, { projectId: ref.id });
  const [page, total, operations] = await Promise.all([
    auditPage(resolved, pageSize, decoded, offset),
    withTotal ? boundedCount(resolved) : undefined,
    withOperations ? distinctActions() : undefined,
  ]);
  return { ...page, ...(withTotal ? { total } : {}), ...(operations ? { operations } : {}) };
}
