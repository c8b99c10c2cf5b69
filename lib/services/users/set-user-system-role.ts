import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";
import { assertAnotherEnabledAdminRemains } from "@/lib/services/users/last-admin-guard";
import { USER_SUMMARY_SELECT, type UserSummary } from "@/lib/services/users/user-dto";
import type { TSetUserSystemRole } from "@/lib/validation/users";

export function systemRoleOf(user: { isAdmin: boolean; isAuditor: boolean }): "admin" | "auditor" | "none" {
  return user.isAdmin ? "admin" : user.isAuditor ? "auditor" : "none";
}

/** Sets a user's system role: administrator, auditor (reads everything, changes nothing) or none. */
export async function setUserSystemRole({ actor, input }: { actor: Actor; input: TSetUserSystemRole }): Promise<UserSummary> {
  await assertSystemPermission(actor, "user.update", { type: "user", id: input.userId }, "user.set_system_role");
  if (input.role !== "admin" && actor.kind === "user" && actor.id === input.userId) {
    throw new ConflictError("You cannot give up your own administrator role; ask another administrator.");
  }
  return db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: input.userId }, select: USER_SUMMARY_SELECT });
    if (!before) throw new NotFoundError(`User ${input.userId} does not exist.`);
    const previous = systemRoleOf(before);
    if (previous === input.role) return before;
    if (previous === "admin" && !before.disabled) await assertAnotherEnabledAdminRemains(tx, input.userId);
    const user = await tx.user.update({
      where: { id: input.userId },
      data: { isAdmin: input.role === "admin", isAuditor: input.role === "auditor" },
      select: USER_SUMMARY_SELECT,
    });
    await recordAuditEvent(tx, {
      actor,
      action: "user.set_system_role",
      resource: { type: "user", id: user.id, name: user.username },
      detail: { before: previous, after: input.role },
    });
    await bumpGrantVersion(tx);
    return user;
  });
}
