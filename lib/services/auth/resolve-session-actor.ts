import "server-only";
import type { ClientInfo, UserActor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { effectiveAdmin } from "@/lib/services/auth/admin-two-factor";

export type ResolveSessionActorOptions = { userId: number; sessionVersion: number; sessionId: string; client: ClientInfo };

/**
 * Turns a session cookie's claims into an actor, re-checked against Postgres on every request, in
 * one indexed query: a session that was signed out or has expired, a deleted or disabled user, or
 * a session older than the last password change or reset gets nothing.
 */
export async function resolveSessionActor({
  userId,
  sessionVersion,
  sessionId,
  client,
}: ResolveSessionActorOptions): Promise<UserActor | null> {
  const [user] = await db.$queryRaw<{ id: number; username: string; is_admin: boolean; is_auditor: boolean; totp_enabled_at: Date | null }[]>`
    SELECT u.id, u.username, u.is_admin, u.is_auditor, u.totp_enabled_at
    FROM user_sessions s JOIN users u ON u.id = s.user_id
    WHERE s.id = ${sessionId} AND s.user_id = ${userId} AND s.expires_at > now()
      AND NOT u.disabled AND u.session_version = ${sessionVersion}`;
  if (!user) return null;
  // An administrator without two-factor sign-in while it is required holds no administrator rights.
  const { isAdmin, adminPaused } = await effectiveAdmin({ isAdmin: user.is_admin, totpEnabledAt: user.totp_enabled_at });
  return { kind: "user", id: user.id, username: user.username, isAdmin, isAuditor: user.is_auditor, ...(adminPaused ? { adminPaused } : {}), client };
}
