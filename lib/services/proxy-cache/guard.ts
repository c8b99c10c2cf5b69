import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ForbiddenError } from "@/lib/errors";
import type { AuditOperation } from "@/lib/services/audit/audit-actions";
import { recordRefusal } from "@/lib/services/audit/record-audit-event";
import { proxyCacheWriteRefusal } from "@/lib/services/proxy-cache/write-policy";

/**
 * The console's and REST's ways into a project other than a push (a copy, a tar import): refused
 * in a proxy-cache project as its pushes are at the gateway, with one failure row under the
 * operation's own name.
 */
export async function assertNotProxyCache(actor: Actor, project: { id: number }, operation: AuditOperation, resource: { type: string; name: string }): Promise<void> {
  const row = await db.project.findUnique({ where: { id: project.id }, select: { proxyRegistryId: true } });
  const refused = proxyCacheWriteRefusal(row?.proxyRegistryId ?? null, "manifest-put");
  if (!refused) return;
  await recordRefusal({ actor, action: operation, resource, projectId: project.id, reason: refused.reason });
  throw new ForbiddenError(refused.message);
}
