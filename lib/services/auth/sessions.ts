import "server-only";
import { randomBytes } from "node:crypto";
import type { ClientInfo } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";

/** Console sessions last a working day from sign-in, however active; every request re-checks the session row. */
export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

/**
 * Opens a console session for a user who just proved their password, in the caller's transaction
 * (with the sign-in's audit row). Returns its id, which the session cookie carries. Expired
 * sessions of anyone are deleted on the way (indexed, so a sign-in deletes only what expired since
 * the last one).
 */
export async function startSession(tx: DbTransaction, userId: number): Promise<string> {
  await tx.userSession.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  const id = randomBytes(32).toString("base64url");
  await tx.userSession.create({
    data: { id, userId, expiresAt: new Date(Date.now() + SESSION_MAX_AGE_SECONDS * 1000) },
    select: { id: true },
  });
  return id;
}

export type EndSessionOptions = { userId: number; sessionId: string | undefined; client: ClientInfo };

/**
 * Signing out ends this session only (the user's other browsers stay signed in): its row goes, so
 * the cookie, even a copy kept elsewhere, signs nobody in again. The audit row names the user as
 * they are now.
 */
export async function endSession({ userId, sessionId, client }: EndSessionOptions): Promise<void> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { id: true, username: true, isAdmin: true, isAuditor: true } });
  if (!user) return;
  await db.$transaction(async (tx) => {
    if (sessionId !== undefined) await tx.userSession.deleteMany({ where: { id: sessionId, userId } });
    await recordAuditEvent(tx, {
      actor: { kind: "user", id: user.id, username: user.username, isAdmin: user.isAdmin, isAuditor: user.isAuditor, client },
      action: "session.sign_out",
      resource: { type: "session", id: user.id, name: user.username },
    });
  });
}
