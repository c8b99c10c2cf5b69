import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { readSystemSettings } from "@/lib/services/settings/system-settings";

/** Whether to offer "New project" (createProject makes the same decision and enforces it). */
export async function canCreateProjects(actor: Actor): Promise<boolean> {
  if (actor.kind === "system") return true;
  if (actor.kind !== "user") return false;
  if (actor.isAdmin) return true;
  if (actor.isAuditor) return false;
  return (await readSystemSettings()).projectCreationRestriction === "everyone";
}
