import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";
import { assertAnotherEnabledAdminRemains } from "@/lib/services/users/last-admin-guard";
import { USER_SUMMARY_SELECT, type UserSummary } from "@/lib/services/users/user-dto";
import type { TSetUserDisabled } from "@/lib/validation/users";

export type SetUserDisabledOptions = { actor: Actor; input: TSetUserDisabled };

/** Disables or re-enables a user. Disabling ends the user's sessions at their next request. */
export async function setUserDisabled({ actor, input }: SetUserDisabledOptions): Promise<UserSummary> {
  await assertSystemPermission(actor, "user.update", { type: "user", id: input.userId }, input.disabled ? "user.disable" : "user.enable");
  if (input.disabled && actor.kind === "user" && actor.id === input.userId) {
    throw new ConflictError("You cannot disable your own account.");
  }
  return db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: input.userId }, select: USER_SUMMARY_SELECT });
    if (!before) throw new NotFoundError(`User ${input.userId} does not exist.`);
    if (before.disabled === input.disabled) return before; // nothing changes, nothing to audit
    if (input.disabled && before.isAdmin) await assertAnotherEnabledAdminRemains(tx, input.userId);
    const user = await tx.user.update({
      where: { id: input.userId },
      data: { disabled: input.disabled, ...(input.disabled ? { sessionVersion: { increment: 1 } } : {}) },
      select: USER_SUMMARY_SELECT,
    });
    await recordAuditEvent(tx, {
      actor,
      action: input.disabled ? "user.disable" : "user.enable",
      resource: { type: "user", id: user.id, name: user.username },
    });
    // Ends the registry tokens it holds too, on the next request.
    await bumpGrantVersion(tx);
    return user;
  });
}
