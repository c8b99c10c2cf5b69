import "server-only";
import type { ClientInfo } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";

export type RecordSignOutOptions = { userId: number; client: ClientInfo };

/** Sign-out changes no table but the audit log; the row names the user as they are now. */
export async function recordSignOut({ userId, client }: RecordSignOutOptions): Promise<void> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { id: true, username: true, isAdmin: true, isAuditor: true } });
  if (!user) return;
  await db.$transaction((tx) =>
    recordAuditEvent(tx, {
      actor: { kind: "user", id: user.id, username: user.username, isAdmin: user.isAdmin, isAuditor: user.isAuditor, client },
      action: "session.sign_out",
      resource: { type: "session", id: user.id, name: user.username },
    }),
  );
}
