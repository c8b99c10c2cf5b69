import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { actorName } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { AuditAction } from "@/lib/services/audit/audit-actions";

export type AuditEventInput = {
  actor: Actor;
  /** `<resource>.<verb>`, e.g. `user.create`: only names of the catalogue. */
  action: AuditAction;
  resource: { type: string; id?: string | number | null; name?: string | null };
  projectId?: number | null;
  result?: "success" | "failure";
  /** For failures: why, in words an auditor can read. */
  reason?: string | null;
  /** Small structured detail; keys that look secret are redacted before writing. */
  detail?: Record<string, unknown>;
};

const SECRET_KEY = /pass(word)?|secret|token|hash|credential|authorization|cookie/i;

/** Replaces the value of every key that looks like a secret, at any depth. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? "[REDACTED]" : redactSecrets(v)]),
    );
  }
  return value;
}

function truncate(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  return value.length > max ? value.slice(0, max) : value;
}

function toRow(event: AuditEventInput): Prisma.AuditEventCreateInput {
  const { actor } = event;
  return {
    principalKind: actor.kind,
    actorId: actor.kind === "user" ? actor.id : null,
    actorName: actorName(actor),
    action: event.action,
    resourceType: event.resource.type,
    resourceId: event.resource.id === undefined || event.resource.id === null ? null : String(event.resource.id),
    resourceName: truncate(event.resource.name, 512),
    projectId: event.projectId ?? null,
    result: event.result ?? "success",
    reason: truncate(event.reason, 512),
    clientIp: truncate(actor.client.ip, 64),
    userAgent: truncate(actor.client.userAgent, 512),
    detail: (redactSecrets(event.detail ?? {}) ?? {}) as Prisma.InputJsonValue,
  };
}

/**
 * Writes one audit row inside the caller's transaction, so the row exists exactly when the change
 * it describes does. Errors propagate: an action whose audit row cannot be written does not happen.
 */
export async function recordAuditEvent(tx: DbTransaction, event: AuditEventInput): Promise<void> {
  await tx.auditEvent.create({ data: toRow(event), select: { id: true } });
}

/**
 * Writes a row for something that changed nothing (a refused attempt), outside any transaction.
 * Its failure must not hide the refusal the caller is about to report, so errors are logged only.
 */
export async function recordRefusal(event: Omit<AuditEventInput, "result">): Promise<void> {
  try {
    await db.auditEvent.create({ data: toRow({ ...event, result: "failure" }), select: { id: true } });
  } catch (err) {
    console.error("wharf: could not write audit row for a refused attempt", err);
  }
}
