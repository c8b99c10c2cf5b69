import { randomBytes } from "node:crypto";
import type { ClientInfo } from "@/lib/auth/actor";
import { hashRobotSecret, robotLoginName } from "@/lib/services/robots/robot-secret";
import { createTestUser, db, TEST_PASSWORD } from "@/lib/testing/factories";

/**
 * Rows the registry-auth tests need, inserted directly (test setup is not an audited action).
 * Not a test file itself; imported by the *.test.ts files next to it.
 */
export const TEST_CLIENT: ClientInfo = { ip: "203.0.113.9", userAgent: "skopeo/1.9.3" };

export function uniqueProjectName(prefix = "proj"): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

export function createProject({ isPublic = false, name = uniqueProjectName() }: { isPublic?: boolean; name?: string } = {}) {
  return db.project.create({ data: { name, isPublic }, select: { id: true, name: true, isPublic: true, createdAt: true } });
}

/** A user holding `roleId` (Harbor's ids: 1 admin, 2 developer, 3 guest, 4 maintainer, 5 limited guest). */
export async function createMember(projectId: number, roleId: number) {
  const user = await createTestUser();
  await db.projectMember.create({ data: { projectId, userId: user.id, roleId } });
  return user;
}

export function basic(username: string, password: string = TEST_PASSWORD): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

/** A project robot with the given `resource:action` permissions in its project. */
export async function createRobot(
  project: { id: number; name: string },
  permissions: string[],
  { disabled = false, expiresAt = null }: { disabled?: boolean; expiresAt?: Date | null } = {},
) {
  const secret = `${randomBytes(24).toString("base64url")}Rb7`;
  const name = robotLoginName(`ci-${randomBytes(3).toString("hex")}`, project.name);
  const robot = await db.robot.create({
    data: {
      name,
      level: "project",
      projectId: project.id,
      secretHash: hashRobotSecret(secret),
      disabled,
      expiresAt,
      creatorName: "test",
      permissions: {
        create: permissions.map((p) => {
          const [resource = "", action = ""] = p.split(":");
          return { namespace: project.name, resource, action };
        }),
      },
    },
  });
  return { ...robot, secret };
}

export { db, TEST_PASSWORD };
