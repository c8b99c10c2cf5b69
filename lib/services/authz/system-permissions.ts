import "server-only";
import type { Actor } from "@/lib/auth/actor";

/**
 * System-level permissions as data: which system role may do what outside any single project.
 * Anything not listed is denied (fail closed). The auditor holds every read and no write.
 * (Project-level permissions are Harbor's matrix in project-roles.ts.)
 */
export type SystemRole = "admin" | "auditor";

export const SYSTEM_PERMISSION_GRANTS = {
  "user.list": ["admin", "auditor"],
  "user.read": ["admin", "auditor"],
  "user.create": ["admin"],
  "user.update": ["admin"],
  "audit.list": ["admin", "auditor"],
  "system.health.read": ["admin", "auditor"],
  /** See every project, private ones included, and their members and robots. */
  "project.list_all": ["admin", "auditor"],
  "robot.system.list": ["admin", "auditor"],
  "robot.system.create": ["admin"],
  "robot.system.update": ["admin"],
  "robot.system.delete": ["admin"],
  "setting.read": ["admin", "auditor"],
  "setting.update": ["admin"],
  /** The registry's _catalog (every repository name). */
  "registry.catalog": ["admin"],
  /** Start a run of the job that brings the artifact index in line with the registry. */
  "index.reconcile": ["admin"],
} as const satisfies Record<string, readonly SystemRole[]>;

export type SystemPermission = keyof typeof SYSTEM_PERMISSION_GRANTS;

export function systemRolesOf(actor: Actor): SystemRole[] {
  if (actor.kind !== "user") return [];
  if (actor.isAdmin) return ["admin"];
  if (actor.isAuditor) return ["auditor"];
  return [];
}

export function hasSystemPermission(actor: Actor, permission: SystemPermission): boolean {
  // Wharf's own start-up tasks and jobs act as the system and are trusted.
  if (actor.kind === "system") return true;
  const grants: readonly SystemRole[] | undefined = SYSTEM_PERMISSION_GRANTS[permission];
  if (!grants) return false;
  return systemRolesOf(actor).some((role) => grants.includes(role));
}
