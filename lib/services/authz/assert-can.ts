import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { ForbiddenError, UnauthenticatedError } from "@/lib/errors";
import type { AuditOperation } from "@/lib/services/audit/audit-actions";
import { recordRefusal } from "@/lib/services/audit/record-audit-event";
import { hasSystemPermission, type SystemPermission } from "@/lib/services/authz/system-permissions";

/**
 * The gate every service calls before it reads or writes. A refusal is recorded in the audit log
 * (result = failure) and thrown: 401 for anonymous callers, 403 for everyone else. A mutation
 * names its `operation`, so the refusal row carries the same action as its success row would (the
 * permission goes in the detail); a refused read is recorded under the permission's name.
 */
export async function assertSystemPermission(
  actor: Actor,
  permission: SystemPermission,
  resource: { type: string; id?: string | number | null; name?: string | null } = { type: "system" },
  operation?: AuditOperation,
): Promise<void> {
  if (hasSystemPermission(actor, permission)) return;
  await recordRefusal({ actor, action: operation ?? permission, resource, reason: `missing permission ${permission}`, detail: { permission } });
  if (actor.kind === "anonymous") throw new UnauthenticatedError();
  throw new ForbiddenError();
}
