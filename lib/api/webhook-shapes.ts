/**
 * Harbor's webhook shapes (WebhookPolicy with its WebhookTargetObject, Execution and Task as Harbor
 * 2.8+ reports a policy's deliveries, WebhookLastTrigger, WebhookJob, SupportedWebhookEventTypes),
 * the request schema of POST/PUT .../webhook/policies and the mappers from the service's views.
 * One Wharf delivery is one Harbor execution with one task (the same id).
 */
import { z } from "zod";
import type { WebhookDeliveryView, WebhookPolicyView } from "@/lib/services/webhooks/policies";
import { WEBHOOK_EVENT_TYPES, WEBHOOK_TARGET_TYPES } from "@/lib/validation/webhooks";

/** An auth header is never answered: a policy that has one shows this instead; sent back, it keeps it. */
export const AUTH_HEADER_MASK = "*****";

export const ZWebhookTargetReq = z.object({
  type: z.string().optional(),
  address: z.string().optional(),
  auth_header: z.string().nullish(),
  skip_cert_verify: z.boolean().nullish(),
  payload_format: z.string().nullish(),
});

/** Harbor's WebhookPolicy as a request: exactly one target (Harbor's console makes one). */
export const ZWebhookPolicyReq = z.object({
  id: z.number().nullish(),
  name: z.string().optional(),
  description: z.string().nullish(),
  project_id: z.number().nullish(),
  targets: z.array(ZWebhookTargetReq).length(1, "Exactly one target"),
  event_types: z.array(z.string()).optional(),
  creator: z.string().nullish(),
  creation_time: z.string().nullish(),
  update_time: z.string().nullish(),
  enabled: z.boolean().nullish(),
});
export type WebhookPolicyReq = z.infer<typeof ZWebhookPolicyReq>;

export const ZHarborWebhookTarget = z.object({ type: z.string(), address: z.string(), auth_header: z.string(), skip_cert_verify: z.boolean(), payload_format: z.string() });
export const ZHarborWebhookPolicy = z.object({
  id: z.int(),
  name: z.string(),
  description: z.string(),
  project_id: z.int(),
  targets: z.array(ZHarborWebhookTarget),
  event_types: z.array(z.string()),
  creator: z.string(),
  creation_time: z.string(),
  update_time: z.string(),
  enabled: z.boolean(),
});
const ZMetrics = z.object({
  task_count: z.int(),
  success_task_count: z.int(),
  error_task_count: z.int(),
  pending_task_count: z.int(),
  running_task_count: z.int(),
  scheduled_task_count: z.int(),
  stopped_task_count: z.int(),
});
const ZDeliveryAttrs = z.object({
  event_type: z.string(),
  payload: z.string(),
  response_code: z.int().nullable(),
  duration_ms: z.int().nullable(),
  attempts: z.int(),
  last_error: z.string().nullable(),
});
export const ZHarborWebhookExecution = z.object({
  id: z.int(),
  vendor_type: z.string(),
  vendor_id: z.int(),
  status: z.string(),
  status_message: z.string(),
  metrics: ZMetrics,
  trigger: z.string(),
  extra_attrs: ZDeliveryAttrs,
  start_time: z.string(),
  end_time: z.string(),
});
export const ZHarborWebhookTask = z.object({
  id: z.int(),
  execution_id: z.int(),
  status: z.string(),
  status_message: z.string(),
  run_count: z.int(),
  extra_attrs: ZDeliveryAttrs,
  creation_time: z.string(),
  update_time: z.string(),
  start_time: z.string(),
  end_time: z.string(),
});
export const ZHarborWebhookLastTrigger = z.object({ policy_name: z.string(), event_type: z.string(), enabled: z.boolean(), creation_time: z.string(), last_trigger_time: z.string() });
export const ZHarborWebhookJob = z.object({
  id: z.int(),
  policy_id: z.int(),
  event_type: z.string(),
  notify_type: z.string(),
  status: z.string(),
  job_detail: z.string(),
  creation_time: z.string(),
  update_time: z.string(),
});
export const ZHarborSupportedWebhookEventTypes = z.object({
  event_type: z.array(z.string()),
  notify_type: z.array(z.string()),
  payload_formats: z.array(z.object({ notify_type: z.string(), formats: z.array(z.string()) })),
});
export const ZWebhookTestAccepted = z.object({ id: z.int() });

/** Harbor's zero time for "never". */
const ZERO_TIME = "0001-01-01T00:00:00.000Z";
const iso = (d: Date | null) => (d ? d.toISOString() : ZERO_TIME);

export function toHarborWebhookPolicy(p: WebhookPolicyView): z.infer<typeof ZHarborWebhookPolicy> {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    project_id: p.projectId,
    targets: [{ type: p.targetType, address: p.address, auth_header: p.hasAuthHeader ? AUTH_HEADER_MASK : "", skip_cert_verify: p.skipCertVerify, payload_format: "Default" }],
    event_types: p.eventTypes,
    creator: p.creator,
    creation_time: p.createdAt.toISOString(),
    update_time: p.updatedAt.toISOString(),
    enabled: p.enabled,
  };
}

/** A Harbor request as the shared schema's input; a masked or absent auth header keeps the stored one. */
export function webhookInputFromHarbor(body: WebhookPolicyReq, current?: WebhookPolicyView): Record<string, unknown> {
  const target = body.targets[0]!;
  const auth = target.auth_header;
  return {
    name: body.name ?? current?.name,
    description: body.description ?? current?.description ?? "",
    enabled: body.enabled ?? current?.enabled ?? true,
    eventTypes: body.event_types ?? current?.eventTypes,
    targetType: target.type ?? current?.targetType,
    address: target.address ?? current?.address,
    ...(auth === undefined || auth === null || auth === AUTH_HEADER_MASK ? {} : { authHeader: auth }),
    skipCertVerify: target.skip_cert_verify ?? current?.skipCertVerify ?? false,
  };
}

/** The shared schema's field names, as Harbor's JSON spells them. */
export const WEBHOOK_FIELDS: Readonly<Record<string, string>> = {
  eventTypes: "event_types",
  targetType: "targets[0].type",
  address: "targets[0].address",
  authHeader: "targets[0].auth_header",
  skipCertVerify: "targets[0].skip_cert_verify",
};

const STATUS = { pending: "Pending", success: "Success", error: "Error" } as const;

function attrs(d: WebhookDeliveryView): z.infer<typeof ZDeliveryAttrs> {
  return { event_type: d.eventType, payload: JSON.stringify(d.payload), response_code: d.responseCode, duration_ms: d.durationMs, attempts: d.attempts, last_error: d.lastError };
}

export function toHarborWebhookExecution(d: WebhookDeliveryView): z.infer<typeof ZHarborWebhookExecution> {
  const one = (s: WebhookDeliveryView["status"]) => (d.status === s ? 1 : 0);
  return {
    id: d.id,
    vendor_type: "WEBHOOK",
    vendor_id: d.policyId,
    status: STATUS[d.status],
    status_message: d.lastError ?? "",
    metrics: { task_count: 1, success_task_count: one("success"), error_task_count: one("error"), pending_task_count: one("pending"), running_task_count: 0, scheduled_task_count: 0, stopped_task_count: 0 },
    trigger: d.trigger === "test" ? "MANUAL" : "EVENT",
    extra_attrs: attrs(d),
    start_time: d.createdAt.toISOString(),
    end_time: iso(d.finishedAt),
  };
}

export function toHarborWebhookTask(d: WebhookDeliveryView): z.infer<typeof ZHarborWebhookTask> {
  return {
    id: d.id,
    execution_id: d.id,
    status: STATUS[d.status],
    status_message: d.lastError ?? "",
    run_count: d.attempts,
    extra_attrs: attrs(d),
    creation_time: d.createdAt.toISOString(),
    update_time: d.updatedAt.toISOString(),
    start_time: d.createdAt.toISOString(),
    end_time: iso(d.finishedAt),
  };
}

export function toHarborWebhookJob(d: WebhookDeliveryView, notifyType: string): z.infer<typeof ZHarborWebhookJob> {
  return {
    id: d.id,
    policy_id: d.policyId,
    event_type: d.eventType,
    notify_type: notifyType,
    status: d.status === "success" ? "Success" : d.status === "error" ? "Error" : "Pending",
    job_detail: JSON.stringify(d.payload),
    creation_time: d.createdAt.toISOString(),
    update_time: d.updatedAt.toISOString(),
  };
}

export function supportedWebhookEventTypes(): z.infer<typeof ZHarborSupportedWebhookEventTypes> {
  return {
    event_type: [...WEBHOOK_EVENT_TYPES],
    notify_type: [...WEBHOOK_TARGET_TYPES],
    payload_formats: [
      { notify_type: "http", formats: ["Default"] },
      { notify_type: "slack", formats: ["Default"] },
    ],
  };
}

export function toHarborLastTrigger(t: { policyName: string; eventType: string; enabled: boolean; createdAt: Date; lastTriggerAt: Date | null }): z.infer<typeof ZHarborWebhookLastTrigger> {
  return { policy_name: t.policyName, event_type: t.eventType, enabled: t.enabled, creation_time: t.createdAt.toISOString(), last_trigger_time: iso(t.lastTriggerAt) };
}
