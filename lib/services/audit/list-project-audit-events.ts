import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import type { AuditEventRow } from "@/lib/services/audit/list-audit-events";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import { type Page, skipTake } from "@/lib/services/pagination";

/** A project's Logs tab: its audit rows, newest first (project admins and auditors). */
export async function listProjectAuditEvents({
  actor,
  projectId,
  page,
  pageSize,
}: {
  actor: Actor;
  projectId: number;
  page: number;
  pageSize: number;
}): Promise<Page<AuditEventRow>> {
  const ref = await findProjectRef(projectId);
  await assertProjectPermission(actor, ref, "log:list");
  const where = { projectId: ref.id };
  const [rows, total] = await db.$transaction([
    db.auditEvent.findMany({
      where,
      orderBy: [{ occurredAt: "desc" }, { id: "desc" }],
      select: { id: true, occurredAt: true, principalKind: true, actorName: true, action: true, resourceType: true, resourceName: true, result: true, reason: true, clientIp: true },
      ...skipTake(page, pageSize),
    }),
    db.auditEvent.count({ where }),
  ]);
  return { rows: rows.map((r) => ({ ...r, id: r.id.toString() })), total, page, pageSize };
}
