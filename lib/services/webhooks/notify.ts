import "server-only";
import type { DbTransaction } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { webhookDeliverJob } from "@/lib/jobs/definitions";
import { queueRun } from "@/lib/services/jobs/queue-run";
import type { HarborWebhookPayload } from "@/lib/services/webhooks/payload";

/**
 * Queues one delivery per enabled policy of the project that asks for the event's type, in the
 * caller's transaction (the one that records the event): a `webhook_deliveries` row and its
 * `webhook.deliver` run. Nothing is sent here; the job does that, off every request's path.
 * Answers the delivery ids.
 */
export async function queueWebhookEvent(tx: DbTransaction, projectId: number, payload: HarborWebhookPayload, trigger = "event"): Promise<number[]> {
  const policies = await tx.webhookPolicy.findMany({
    where: { projectId, enabled: true, eventTypes: { has: payload.type } },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  const ids: number[] = [];
  for (const policy of policies) ids.push(await queueDelivery(tx, policy.id, payload, trigger));
  return ids;
}

export async function queueDelivery(tx: DbTransaction, policyId: number, payload: HarborWebhookPayload, trigger: string): Promise<number> {
  const delivery = await tx.webhookDelivery.create({
    data: { policyId, eventType: payload.type, trigger, payload: payload as unknown as Prisma.InputJsonValue },
    select: { id: true },
  });
  const { runId } = await queueRun(tx, webhookDeliverJob, { deliveryId: delivery.id }, `webhook:${trigger}`);
  await tx.webhookDelivery.update({ where: { id: delivery.id }, data: { runId }, select: { id: true } });
  return delivery.id;
}

/** Whether any enabled policy of these projects asks for the type (a cheap check before building payloads). */
export async function projectsWanting(tx: DbTransaction, projectIds: number[], type: string): Promise<Set<number>> {
  if (projectIds.length === 0) return new Set();
  const rows = await tx.webhookPolicy.findMany({
    where: { projectId: { in: [...new Set(projectIds)] }, enabled: true, eventTypes: { has: type } },
    select: { projectId: true },
    distinct: ["projectId"],
  });
  return new Set(rows.map((r) => r.projectId));
}
