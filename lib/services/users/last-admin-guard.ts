import "server-only";
import type { DbTransaction } from "@/lib/db/client";
import { ConflictError } from "@/lib/errors";

/**
 * Refuses a change that would leave no enabled administrator: nobody could then manage users
 * or recover the system from the console.
 */
export async function assertAnotherEnabledAdminRemains(tx: DbTransaction, userId: number): Promise<void> {
  // Lock the admin rows so two concurrent demotions cannot each see the other as the survivor.
  await tx.$queryRaw`SELECT id FROM users WHERE is_admin AND NOT disabled FOR UPDATE`;
  const others = await tx.user.count({ where: { isAdmin: true, disabled: false, id: { not: userId } } });
  if (others === 0) {
    throw new ConflictError("At least one enabled administrator must remain.");
  }
}
