/** Webhook event and target types: plain data, no zod (client components import it). */

/** Harbor's event types, in Harbor's order. */
export const WEBHOOK_EVENT_TYPES = [
  "PUSH_ARTIFACT",
  "PULL_ARTIFACT",
  "DELETE_ARTIFACT",
  "SCANNING_COMPLETED",
  "SCANNING_FAILED",
  "QUOTA_EXCEED",
  "TAG_RETENTION",
  "REPLICATION",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Harbor's notify types: `http` (Harbor's JSON payload) and `slack` (an incoming webhook message). */
export const WEBHOOK_TARGET_TYPES = ["http", "slack"] as const;
export type WebhookTargetType = (typeof WEBHOOK_TARGET_TYPES)[number];
