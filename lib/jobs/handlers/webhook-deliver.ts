import type { JobHandler } from "@/lib/jobs/define-job";
import { type WebhookDeliverPayload, webhookDeliverJob } from "@/lib/jobs/definitions";
import { attemptWebhookDelivery } from "@/lib/services/webhooks/deliver";

/**
 * One attempt of a `webhook.deliver` run: the POST and its outcome on the delivery's row. A failed
 * attempt throws, so pg-boss retries it (with backoff) until its retries are used up; the last one
 * marks the delivery `error`.
 */
const handleWebhookDeliver: JobHandler<WebhookDeliverPayload> = async ({ payload, run, log, signal }) => {
  const final = run.attempt > webhookDeliverJob.retryLimit;
  const outcome = await attemptWebhookDelivery({ deliveryId: payload.deliveryId, final, signal });
  log(outcome.message);
  if (!outcome.ok) throw new Error(outcome.message);
  return { status: outcome.responseCode, durationMs: outcome.durationMs };
};

export default handleWebhookDeliver;
