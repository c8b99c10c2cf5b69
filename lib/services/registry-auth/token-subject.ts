import "server-only";
import { anonymousActor, type Actor, type ClientInfo } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ROBOT_NAME_PREFIX } from "@/lib/services/robots/robot-secret";

/**
 * The actor behind a token's `sub`, for audit rows and the catalog: "" is anonymous, `robot$…` a
 * robot, anything else a user. Returns null when the account no longer exists or was disabled
 * (or expired) since the token was issued, so it stops working at once where the gateway looks.
 */
export async function actorForTokenSubject(subject: string, client: ClientInfo): Promise<Actor | null> {
  if (subject === "") return anonymousActor(client);
  if (subject.startsWith(ROBOT_NAME_PREFIX)) {
    const robot = await db.robot.findUnique({
      where: { name: subject },
      select: {
        id: true,
        name: true,
        level: true,
        disabled: true,
        expiresAt: true,
        permissions: { select: { namespace: true, resource: true, action: true } },
      },
    });
    if (!robot || robot.disabled || (robot.expiresAt && robot.expiresAt <= new Date())) return null;
    return { kind: "robot", id: robot.id, name: robot.name, level: robot.level, grants: robot.permissions, client };
  }
  const user = await db.user.findUnique({
    where: { username: subject },
    select: { id: true, username: true, isAdmin: true, isAuditor: true, disabled: true },
  });
  if (!user || user.disabled) return null;
  return { kind: "user", id: user.id, username: user.username, isAdmin: user.isAdmin, isAuditor: user.isAuditor, client };
}
