import type { ProjectPermission } from "@/lib/services/authz/project-roles";
import type { SystemPermission } from "@/lib/services/authz/system-permissions";

/**
 * Every operation Wharf records, `<resource>.<verb>`. A refused attempt is recorded under the same
 * name as the row its success would have written (the permission it lacked goes in the detail), so
 * one operation filter in the audit log finds both.
 */
export const AUDIT_OPERATIONS = [
  "artifact.copy",
  "artifact.delete",
  "artifact.pull",
  "artifact.push",
  "audit_log.export",
  "audit_log.forwarding.update",
  "audit_log.purge",
  "audit_log.purge.retry",
  "audit_log.purge.start",
  "audit_log.purge_policy.update",
  "blob.delete",
  "index.reconcile",
  "index.reconcile.retry",
  "index.reconcile.schedule.update",
  "index.reconcile.start",
  "job_run.fail",
  "member.create",
  "member.delete",
  "member.update",
  "project.create",
  "project.delete",
  "project.update",
  "registry.login",
  "repository.delete",
  "repository.update",
  "robot.create",
  "robot.delete",
  "robot.disable",
  "robot.enable",
  "robot.refresh_secret",
  "session.sign_in",
  "session.sign_out",
  "setting.update",
  "tag.create",
  "tag.delete",
  "user.change_password",
  "user.create",
  "user.disable",
  "user.enable",
  "user.grant_admin",
  "user.reset_password",
  "user.revoke_admin",
  "user.set_system_role",
  "user.update",
] as const;

export type AuditOperation = (typeof AUDIT_OPERATIONS)[number];

/** `member:delete` -> `member.delete`: the name a refused project permission check is recorded under. */
export type ProjectPermissionOperation = ProjectPermission extends infer P
  ? P extends `${infer R}:${infer A}`
    ? `${R}.${A}`
    : never
  : never;

/**
 * What an audit row's action may be: an operation, or, for a refused read (reads are not recorded
 * when they succeed), the permission the read needed: a system one (`audit.list`) or a project one
 * in operation form (`artifact.read`).
 */
export type AuditAction = AuditOperation | SystemPermission | ProjectPermissionOperation;

export function projectPermissionOperation(permission: ProjectPermission): ProjectPermissionOperation {
  return permission.replace(":", ".") as ProjectPermissionOperation;
}
