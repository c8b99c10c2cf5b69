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
  /** Replication's registry endpoints; reads never include the stored secret. */
  "registry_endpoint.list": ["admin", "auditor"],
  "registry_endpoint.read": ["admin", "auditor"],
  "registry_endpoint.create": ["admin"],
  "registry_endpoint.update": ["admin"],
  "registry_endpoint.delete": ["admin"],
  /** Test connection: Wharf connects to a URL of the caller's choosing. */
  "registry_endpoint.ping": ["admin"],
  /** Replication policies and their executions; auditors read them. */
  "replication_policy.list": ["admin", "auditor"],
  "replication_policy.read": ["admin", "auditor"],
  "replication_policy.create": ["admin"],
  "replication_policy.update": ["admin"],
  "replication_policy.delete": ["admin"],
  /** Start, stop, retry an execution (copies between registries). */
  "replication_execution.start": ["admin"],
  "replication_execution.stop": ["admin"],
  /** Scanner registrations (Interrogation services); reads never include the stored credential. */
  "scanner.list": ["admin", "auditor"],
  "scanner.read": ["admin", "auditor"],
  "scanner.create": ["admin"],
  "scanner.update": ["admin"],
  "scanner.delete": ["admin"],
  /** Ping (GET metadata) and set the default: Wharf connects to a URL of the caller's choosing. */
  "scanner.ping": ["admin"],
  "scanner.set_default": ["admin"],
  /** Start a run of the job that brings the artifact index in line with the registry. */
  "index.reconcile": ["admin"],
  /** The vulnerability DB (OSV advisories): its state and import history; imports from an upload or a URL. */
  "vulnerability_db.read": ["admin", "auditor"],
  "vulnerability_db.import": ["admin"],
  /** Security Hub: vulnerability totals, top artifacts and CVEs, and the CVE search across every project. */
  "security_hub.read": ["admin", "auditor"],
  /** Scan all: its progress, metrics and schedule are read by auditors; starting, scheduling, stopping are administrators'. */
  "scan_all.read": ["admin", "auditor"],
  "scan_all.run": ["admin"],
  /** Prometheus metrics (/metrics): every project's traffic and storage, job queues. */
  "metrics.read": ["admin", "auditor"],
  /** Registry garbage collection: history, logs and schedule are read by auditors; runs, stops and the schedule are administrators'. */
  "gc.read": ["admin", "auditor"],
  "gc.run": ["admin"],
  /** Project quotas (/quotas): every project's limit and usage; limits are set by administrators. */
  "quota.list": ["admin", "auditor"],
  "quota.read": ["admin", "auditor"],
  "quota.update": ["admin"],
  /** Where the space goes across the registry, and the storage filesystem's size. */
  "storage.read": ["admin", "auditor"],
  /** Global labels (scope "g"): any signed-in principal lists and reads them; administrators manage them. */
  "label.create": ["admin"],
  "label.update": ["admin"],
  "label.delete": ["admin"],
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
