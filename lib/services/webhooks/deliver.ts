import "server-only";
import { unsealSecret } from "@/lib/crypto/sealed-secret";
import { db } from "@/lib/db/client";
import { fetchForTls } from "@/lib/registry/tls-fetch";
import { type HarborWebhookPayload, slackMessage } from "@/lib/services/webhooks/payload";
import { authHeaderSeal } from "@/lib/services/webhooks/seal";

/** Each attempt waits this long for the receiver's answer (headers and body). */
export const WEBHOOK_ATTEMPT_TIMEOUT_MS = 10_000;

export type DeliveryOutcome = { ok: boolean; responseCode: number | null; durationMs: number; message: string };

/**
 * One attempt of a delivery (the `webhook.deliver` job calls it): POSTs the payload (an http
 * target: Harbor's JSON with the policy's Authorization header; a slack target: the Slack message),
 * with the policy's TLS setting, no redirects followed, at most WEBHOOK_ATTEMPT_TIMEOUT_MS. The row
 * records the attempt (count, code, duration, error); `final` attempts that fail mark it `error`,
 * others leave it `pending` for pg-boss's retry. A delivery whose policy was deleted
 * ends with nothing sent.
 */
export async function attemptWebhookDelivery({
  deliveryId,
  final,
  signal,
  timeoutMs = WEBHOOK_ATTEMPT_TIMEOUT_MS,
}: {
  deliveryId: number;
  final: boolean;
  signal?: AbortSignal;
  /** Tests shorten it. */
  timeoutMs?: number;
}): Promise<DeliveryOutcome> {
  const delivery = await db.webhookDelivery.findUnique({
    where: { id: deliveryId },
    select: { id: true, payload: true, status: true, trigger: true, policy: { select: { id: true, enabled: true, targetType: true, address: true, authHeaderSealed: true, skipCertVerify: true } } },
  });
  if (!delivery) return { ok: true, responseCode: null, durationMs: 0, message: `delivery ${deliveryId} no longer exists (its policy was deleted)` };
  if (delivery.status === "success") return { ok: true, responseCode: null, durationMs: 0, message: `delivery ${deliveryId} was sent already` };
  const { policy } = delivery;
  const payload = delivery.payload as unknown as HarborWebhookPayload;
  const headers = new Headers({ "content-type": "application/json", "user-agent": "Wharf-Webhook/1" });
  let body: string;
  if (policy.targetType === "slack") {
    body = JSON.stringify(slackMessage(payload));
  } else {
    body = JSON.stringify(payload);
    if (policy.authHeaderSealed) headers.set("authorization", unsealSecret(policy.authHeaderSealed, authHeaderSeal(policy.id)));
  }
  const started = performance.now();
  let responseCode: number | null = null;
  let error: string | null = null;
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    const res = await fetchForTls({ insecure: policy.skipCertVerify })(policy.address, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    responseCode = res.status;
    // The answer's body is not kept; read (bounded by the same timeout) so the connection is reused.
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status > 299) error = `the receiver answered ${res.status}`;
  } catch (cause) {
    const c = cause as Error & { cause?: Error };
    error =
      c.name === "TimeoutError" || c.name === "AbortError"
        ? `no answer within ${timeoutMs / 1000} s`
        : `request failed: ${c.cause?.message ?? c.message}`;
  }
  const durationMs = Math.round(performance.now() - started);
  const ok = error === null;
  await db.webhookDelivery.update({
    where: { id: delivery.id },
    data: {
      attempts: { increment: 1 },
      responseCode,
      durationMs,
      lastError: error?.slice(0, 2000) ?? null,
      status: ok ? "success" : final ? "error" : "pending",
      finishedAt: ok || final ? new Date() : null,
    },
    select: { id: true },
  });
  return { ok, responseCode, durationMs, message: ok ? `${policy.address} answered ${responseCode} in ${durationMs} ms` : `${policy.address}: ${error} (${durationMs} ms)` };
}
