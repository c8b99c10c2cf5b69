import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";
import { assertAnotherEnabledAdminRemains } from "@/lib/services/users/last-admin-guard";
import { USER_SUMMARY_SELECT, type UserSummary } from "@/lib/services/users/user-dto";
import type { TSetUserAdmin } from "@/lib/validation/users";

export type SetUserAdminOptions = { actor: Actor; input: TSetUserAdmin };

/** Grants or revokes the system administrator role (Harbor's "sysadmin" flag). */
export async function setUserAdmin({ actor, input }: SetUserAdminOptions): Promise<UserSummary> {
  await assertSystemPermission(actor, "user.update", { type: "user", id: input.userId }, input.isAdmin ? "user.grant_admin" : "user.revoke_admin");
  if (!input.isAdmin && actor.kind === "user" && actor.id === input.userId) {
    throw new ConflictError("You cannot revoke your own administrator role; ask another administrator.");
  }
  return db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: input.userId }, select: USER_SUMMARY_SELECT });
    if (!before) throw new NotFoundError(`User ${input.userId} does not exist.`);
    if (before.isAdmin === input.isAdmin) return before;
    if (!input.isAdmin && !before.disabled) await assertAnotherEnabledAdminRemains(tx, input.userId);
    const user = await tx.user.update({
      where: { id: input.userId },
      // The two system roles exclude each other (a check constraint enforces it too).
      data: { isAdmin: input.isAdmin, ...(input.isAdmin ? { isAuditor: false } : {}) },
      select: USER_SUMMARY_SELECT,
    });
    await recordAuditEvent(tx, {
      actor,
      action: input.isAdmin ? "user.grant_admin" : "user.revoke_admin",
      resource: { type: "user", id: user.id, name: user.username },
    });
    await bumpGrantVersion(tx);
    return user;
  });
}
