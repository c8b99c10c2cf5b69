import "server-only";
import type { Actor } from "@/lib/auth/actor";

/**
 * System-level permissions as data: which system role may do what outside any project.
 * Anything not listed is denied (fail closed). Project roles (Harbor's matrix) join this
 * in the projects issue; the auditor role will get the read-only rows.
 */
export type SystemRole = "admin";

export const SYSTEM_PERMISSION_GRANTS = {
  "user.list": ["admin"],
  "user.read": ["admin"],
  "user.create": ["admin"],
  "user.update": ["admin"],
  "audit.list": ["admin"],
  "system.health.read": ["admin"],
} as const satisfies Record<string, readonly SystemRole[]>;

export type SystemPermission = keyof typeof SYSTEM_PERMISSION_GRANTS;

export function systemRolesOf(actor: Actor): SystemRole[] {
  return actor.kind === "user" && actor.isAdmin ? ["admin"] : [];
}

export function hasSystemPermission(actor: Actor, permission: SystemPermission): boolean {
  // Wharf's own start-up tasks and jobs act as the system and are trusted.
  if (actor.kind === "system") return true;
  const grants: readonly SystemRole[] | undefined = SYSTEM_PERMISSION_GRANTS[permission];
  if (!grants) return false;
  return systemRolesOf(actor).some((role) => grants.includes(role));
}
