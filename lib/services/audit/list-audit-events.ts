import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { type Page, skipTake } from "@/lib/services/pagination";
import type { TListAuditEventsQuery } from "@/lib/validation/audit";

export type AuditEventRow = {
  id: string;
  occurredAt: Date;
  principalKind: string;
  actorName: string;
  action: string;
  resourceType: string;
  resourceName: string | null;
  result: "success" | "failure";
  reason: string | null;
  clientIp: string | null;
};

/**
 * The latest audit rows, newest first. (The full viewer with filters and keyset paging is the
 * audit-log issue; this is the plain admin list.)
 */
export async function listAuditEvents({
  actor,
  query,
}: {
  actor: Actor;
  query: TListAuditEventsQuery;
}): Promise<Page<AuditEventRow>> {
  await assertSystemPermission(actor, "audit.list", { type: "audit_log" });
  const [rows, total] = await db.$transaction([
    db.auditEvent.findMany({
      orderBy: [{ occurredAt: "desc" }, { id: "desc" }],
      select: {
        id: true,
        occurredAt: true,
        principalKind: true,
        actorName: true,
        action: true,
        resourceType: true,
        resourceName: true,
        result: true,
        reason: true,
        clientIp: true,
      },
      ...skipTake(query.page, query.pageSize),
    }),
    db.auditEvent.count(),
  ]);
  return {
    rows: rows.map((r) => ({ ...r, id: r.id.toString() })),
    total,
    page: query.page,
    pageSize: query.pageSize,
  };
}
