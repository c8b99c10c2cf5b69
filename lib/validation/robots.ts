import { z } from "zod";
import { ALL_PROJECT_PERMISSIONS } from "@/lib/services/authz/project-roles";
import { multiLine, singleLine, ZId } from "@/lib/validation/common";
import { isRobotGrantable } from "@/lib/validation/robot-permissions";

export const ZRobotName = z
  .string({ error: "Name is required" })
  .trim()
  .min(1, "Name is required")
  .max(128, "Name must be at most 128 characters")
  .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, "Use lowercase letters, digits and single . _ - between them");

/** Days until expiry; -1 = never (Harbor's `duration`). */
export const ZRobotDuration = z.coerce
  .number({ error: "Enter a number of days, or -1 for never" })
  .int("Enter a whole number of days")
  .refine((v) => v === -1 || (v >= 1 && v <= 3650), "Expiry must be 1-3650 days, or -1 for never");

export { isRobotGrantable, ROBOT_FORBIDDEN_RESOURCES, ROBOT_PROJECT_PERMISSIONS } from "@/lib/validation/robot-permissions";

const PERMISSION_SET = new Set<string>(ALL_PROJECT_PERMISSIONS);
/** Any permission of the project matrix (what an existing robot may show). */
export const ZProjectPermission = z.string().refine((v) => PERMISSION_SET.has(v), { message: "Unknown permission" });

/** A permission a new robot may be given. */
export const ZRobotPermission = ZProjectPermission.refine(isRobotGrantable, {
  message: "Robots cannot hold member permissions (a Project Admin manages members)",
});

export const ZCreateProjectRobot = z.object({
  projectId: ZId,
  name: ZRobotName,
  description: multiLine(z.string().trim()).max(1024, "Description must be at most 1024 characters").default(""),
  durationDays: ZRobotDuration,
  /** `resource:action` pairs from the project matrix. */
  permissions: z.array(ZRobotPermission).min(1, "Choose at least one permission").max(200),
});
export type TCreateProjectRobot = z.infer<typeof ZCreateProjectRobot>;

export const ZRobotGrantInput = z.object({
  /** A project name, or "*" for every project. */
  namespace: singleLine(z.string().trim()).min(1).max(255),
  permission: ZRobotPermission,
});

export const ZCreateSystemRobot = z.object({
  name: ZRobotName,
  description: multiLine(z.string().trim()).max(1024).default(""),
  durationDays: ZRobotDuration,
  grants: z.array(ZRobotGrantInput).min(1, "Choose at least one permission").max(1000),
});
export type TCreateSystemRobot = z.infer<typeof ZCreateSystemRobot>;

export const ZRobotRef = z.object({ robotId: ZId });
export const ZSetRobotDisabled = z.object({ robotId: ZId, disabled: z.preprocess((v) => v === true || v === "true" || v === "on", z.boolean()) });
export type TSetRobotDisabled = z.infer<typeof ZSetRobotDisabled>;
