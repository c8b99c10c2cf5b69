import "server-only";
import { anonymousActor, type Actor, type ClientInfo } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { effectiveAdmin } from "@/lib/services/auth/admin-two-factor";
import { findScannerSubject, isScannerSubject } from "@/lib/services/registry-auth/scanner-grant";
import { ROBOT_NAME_PREFIX } from "@/lib/services/robots/robot-secret";

/** An actor without the request it came with (the client is attached per request). */
export type SubjectActor = WithoutClient<Actor>;
type WithoutClient<T> = T extends unknown ? Omit<T, "client"> : never;

/**
 * The account behind a token's `sub` as it is now: "" is anonymous, `robot$…` a robot, anything
 * else a user. `actor` is null when the account is disabled. `expiresAt` (ms) is a robot's expiry,
 * which passes without any change being made. `tokensValidFrom` (seconds, as a token's `iat`): a
 * token issued before it is refused; for robots it is their last change, so a refreshed secret
 * (or a disable, or a robot deleted and re-created under the same name) ends the tokens that the
 * old one obtained; for users it is their last password change or reset, so a password someone
 * else learnt stops working in the registry at once, not when its tokens expire. Null when there
 * is no such account.
 */
export type SubjectRecord = { actor: SubjectActor | null; expiresAt: number | null; tokensValidFrom: number };

export async function findTokenSubject(subject: string): Promise<SubjectRecord | null> {
  if (subject === "") return { actor: { kind: "anonymous" }, expiresAt: null, tokensValidFrom: 0 };
  if (isScannerSubject(subject)) return findScannerSubject(subject);
  if (subject.startsWith(ROBOT_NAME_PREFIX)) {
    const robot = await db.robot.findUnique({
      where: { name: subject },
      select: {
        id: true,
        name: true,
        level: true,
        disabled: true,
        expiresAt: true,
        updatedAt: true,
        permissions: { select: { namespace: true, resource: true, action: true } },
      },
    });
    if (!robot) return null;
    return {
      actor: robot.disabled ? null : { kind: "robot", id: robot.id, name: robot.name, level: robot.level, grants: robot.permissions },
      expiresAt: robot.expiresAt?.getTime() ?? null,
      tokensValidFrom: Math.floor(robot.updatedAt.getTime() / 1000),
    };
  }
  const user = await db.user.findUnique({
    where: { username: subject },
    select: { id: true, username: true, isAdmin: true, isAuditor: true, disabled: true, passwordChangedAt: true, totpEnabledAt: true },
  });
  if (!user) return null;
  // Cached under the grant version, which the admin two-factor setting and an administrator's enrolment bump.
  const { isAdmin } = await effectiveAdmin(user);
  return {
    actor: user.disabled ? null : { kind: "user", id: user.id, username: user.username, isAdmin, isAuditor: user.isAuditor },
    expiresAt: null,
    tokensValidFrom: Math.floor(user.passwordChangedAt.getTime() / 1000),
  };
}

/** The actor a record stands for at `now`, with the request's client; null if disabled or expired. */
export function activeActor(record: SubjectRecord | null, client: ClientInfo, now = Date.now()): Actor | null {
  if (!record?.actor || (record.expiresAt !== null && record.expiresAt <= now)) return null;
  return { ...record.actor, client } as Actor;
}

/**
 * The actor behind a token's `sub`, for audit rows and the catalog. Returns null when the account
 * no longer exists or was disabled (or expired) since the token was issued, so it stops working
 * at once where the gateway looks.
 */
export async function actorForTokenSubject(subject: string, client: ClientInfo): Promise<Actor | null> {
  if (subject === "") return anonymousActor(client);
  return activeActor(await findTokenSubject(subject), client);
}
