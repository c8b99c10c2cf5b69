import type { ProjectPermission } from "@/lib/services/authz/project-roles";
import type { SystemPermission } from "@/lib/services/authz/system-permissions";

/**
 * Every operation Wharf records, `<resource>.<verb>`. A refused attempt is recorded under the same
 * name as the row its success would have written (the permission it lacked goes in the detail), so
 * one operation filter in the audit log finds both.
 */
export const AUDIT_OPERATIONS = [
  "artifact.cache",
  "artifact.copy",
  "artifact.delete",
  "artifact.download",
  "artifact.import",
  "artifact.label.add",
  "artifact.label.remove",
  "artifact.pull",
  "artifact.push",
  "artifact.scan",
  "artifact.scan.stop",
  "audit_log.export",
  "audit_log.forwarding.update",
  "audit_log.purge",
  "audit_log.purge.retry",
  "audit_log.purge.start",
  "audit_log.purge_policy.update",
  "blob.delete",
  "cli_secret.refresh",
  "cve_allowlist.update",
  "gc.schedule.update",
  "gc.start",
  "gc.stop",
  "immutable_rule.create",
  "immutable_rule.delete",
  "immutable_rule.update",
  "index.reconcile",
  "index.reconcile.retry",
  "index.reconcile.schedule.update",
  "index.reconcile.start",
  "ip_allowlist.deny",
  "ip_allowlist.update",
  "job_run.fail",
  "label.create",
  "label.delete",
  "label.update",
  "ldap.ping",
  "ldap.search",
  "member.create",
  "member.delete",
  "member.update",
  "oidc.test_connection",
  "project.create",
  "project.delete",
  "project.update",
  "project_role_rule.create",
  "project_role_rule.delete",
  "project_scanner.update",
  "quota.update",
  "registry.login",
  "registry_endpoint.create",
  "registry_endpoint.delete",
  "registry_endpoint.ping",
  "registry_endpoint.update",
  "replication_execution.retry",
  "replication_execution.start",
  "replication_execution.stop",
  "replication_policy.create",
  "replication_policy.delete",
  "replication_policy.update",
  "repository.delete",
  "repository.delete.retry",
  "repository.update",
  "retention_execution.retry",
  "retention_execution.start",
  "retention_execution.stop",
  "retention_policy.default_update",
  "retention_policy.delete",
  "retention_policy.update",
  "robot.create",
  "robot.delete",
  "robot.disable",
  "robot.enable",
  "robot.refresh_secret",
  "robot.update",
  "scan_all.schedule.update",
  "scan_all.start",
  "scan_all.stop",
  "scanner.create",
  "scanner.delete",
  "scanner.ping",
  "scanner.set_default",
  "scanner.update",
  "session.sign_in",
  "session.sign_out",
  "setting.update",
  "tag.create",
  "tag.delete",
  "tag_naming_policy.update",
  "two_factor.disable",
  "two_factor.enable",
  "two_factor.enrol",
  "two_factor.recovery_codes",
  "two_factor.reset",
  "user.change_password",
  "user.create",
  "user.disable",
  "user.enable",
  "user.grant_admin",
  "user.reset_password",
  "user.revoke_admin",
  "user.set_locale",
  "user.set_system_role",
  "user.update",
  "user_group.delete",
  "vulnerability_db.import",
  "webhook_policy.create",
  "webhook_policy.delete",
  "webhook_policy.test",
  "webhook_policy.update",
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
