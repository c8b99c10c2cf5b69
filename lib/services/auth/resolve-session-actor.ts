import "server-only";
import type { ClientInfo, UserActor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";

export type ResolveSessionActorOptions = { userId: number; sessionVersion: number; client: ClientInfo };

/**
 * Turns a session cookie's claims into an actor, re-checked against Postgres on every request:
 * a deleted or disabled user, or a session older than the last password reset, gets nothing.
 */
export async function resolveSessionActor({
  userId,
  sessionVersion,
  client,
}: ResolveSessionActorOptions): Promise<UserActor | null> {
  const user = await db.user.findUnique({
    where: { id: userId },
    select: { id: true, username: true, isAdmin: true, isAuditor: true, disabled: true, sessionVersion: true },
  });
  if (!user || user.disabled || user.sessionVersion !== sessionVersion) return null;
  return { kind: "user", id: user.id, username: user.username, isAdmin: user.isAdmin, isAuditor: user.isAuditor, client };
}
