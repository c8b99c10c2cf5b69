/** Which project permissions a robot may hold; no zod, so the permission picker can use it in the browser. */
import { ALL_PROJECT_PERMISSIONS } from "@/lib/services/authz/project-roles";

/**
 * Resources no robot may hold. `member`: a robot with member:create could make any user a Project
 * Admin (more than the robot itself holds), and Harbor's robot accounts offer no member
 * permissions either. The member services also refuse every robot caller, whatever it holds.
 */
export const ROBOT_FORBIDDEN_RESOURCES: ReadonlySet<string> = new Set(["member"]);

export function isRobotGrantable(permission: string): boolean {
  return !ROBOT_FORBIDDEN_RESOURCES.has(permission.split(":")[0] ?? "");
}

/** The project permissions a robot may be given: the matrix without member management. */
export const ROBOT_PROJECT_PERMISSIONS: readonly string[] = ALL_PROJECT_PERMISSIONS.filter(isRobotGrantable);
