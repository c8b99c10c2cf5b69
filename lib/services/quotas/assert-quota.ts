import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { AppError } from "@/lib/errors";
import { recordRefusal } from "@/lib/services/audit/record-audit-event";
import type { AuditOperation } from "@/lib/services/audit/audit-actions";
import type { QuotaDecision } from "@/lib/services/quotas/decision";
import { queueQuotaExceededWebhook } from "@/lib/services/webhooks/quota";

/** A write Wharf itself makes (a tar import) refused by the project's storage quota: 412, as the gateway answers a push. */
export class QuotaExceededError extends AppError {
  constructor(message: string) {
    super(message, 412, "PRECONDITION");
  }
}

/**
 * The service-side twin of the gateway's quota hook (lib/gateway/hooks/quota.ts) for writes that
 * do not come through /v2: a refusal writes one failure row, queues the project's QUOTA_EXCEED
 * webhooks and throws QuotaExceededError; nothing is indexed.
 */
export async function assertWithinQuota(
  decision: QuotaDecision,
  refused: { actor: Actor; operation: AuditOperation; projectId: number; repository: string; resourceName: string; digest: string | null; tag: string | null },
): Promise<void> {
  if (decision.allowed) return;
  await recordRefusal({
    actor: refused.actor,
    action: refused.operation,
    resource: { type: "artifact", name: refused.resourceName },
    projectId: refused.projectId,
    reason: decision.reason,
    detail: { quota: true },
  });
  await queueQuotaExceededWebhook({ actor: refused.actor, projectId: refused.projectId, repository: refused.repository, digest: refused.digest, tag: refused.tag, details: decision.message });
  throw new QuotaExceededError(decision.message);
}
