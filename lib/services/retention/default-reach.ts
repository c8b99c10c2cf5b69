import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";

/**
 * How many projects the system-wide default policy governs: those without a policy of their own,
 * counted now (a project created later follows the default too, as the default is looked up when a
 * run starts). Readers of the system default (setting.read) may ask.
 */
export async function countProjectsOnSystemDefault({ actor }: { actor: Actor }): Promise<{ onDefault: number; total: number }> {
  await assertSystemPermission(actor, "setting.read", { type: "retention_policy", name: "system default" });
  const [onDefault, total] = await Promise.all([db.project.count({ where: { retentionPolicy: null } }), db.project.count()]);
  return { onDefault, total };
}
