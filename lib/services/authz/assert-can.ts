import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { ForbiddenError, UnauthenticatedError } from "@/lib/errors";
import { recordRefusal } from "@/lib/services/audit/record-audit-event";
import { hasSystemPermission, type SystemPermission } from "@/lib/services/authz/system-permissions";

/**
 * The gate every service calls before it reads or writes. A refusal is recorded in the audit log
 * (result = failure) and thrown: 401 for anonymous callers, 403 for everyone else.
 */
export async function assertSystemPermission(
  actor: Actor,
  permission: SystemPermission,
  resource: { type: string; id?: string | number | null; name?: string | null } = { type: "system" },
): Promise<void> {
  if (hasSystemPermission(actor, permission)) return;
  await recordRefusal({ actor, action: permission, resource, reason: `missing permission ${permission}` });
  if (actor.kind === "anonymous") throw new UnauthenticatedError();
  throw new ForbiddenError();
}
