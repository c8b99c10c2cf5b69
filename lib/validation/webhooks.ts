import { z } from "zod";
import { multiLine, singleLine, ZCheckbox } from "@/lib/validation/common";

/**
 * Project webhooks (Harbor's WebhookPolicy with one target), shared by the console form, the REST
 * API (Harbor's JSON names mapped onto these) and lib/services/webhooks. Pure: safe in the browser.
 */

export { WEBHOOK_EVENT_TYPES, WEBHOOK_TARGET_TYPES, type WebhookEventType, type WebhookTargetType } from "@/lib/validation/webhook-types";
import { WEBHOOK_EVENT_TYPES, WEBHOOK_TARGET_TYPES } from "@/lib/validation/webhook-types";

export const ZWebhookName = singleLine(z.string({ error: "Name is required" }).trim().min(1, "Name is required").max(255, "Name must be at most 255 characters"));

/** An http(s) URL, no credentials in it (the auth header carries them); kept as written. */
export const ZWebhookAddress = z
  .string({ error: "Endpoint URL is required" })
  .trim()
  .min(1, "Endpoint URL is required")
  .max(2048, "Endpoint URL must be at most 2048 characters")
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "Enter a URL such as https://ci.example.com/hooks/wharf" });
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") ctx.addIssue({ code: "custom", message: "Must start with http:// or https://" });
    else if (url.username || url.password) ctx.addIssue({ code: "custom", message: "Put credentials in the auth header, not in the URL" });
  });

export const ZWebhookPolicyInput = z.object({
  name: ZWebhookName,
  description: multiLine(z.string().max(1024, "Description must be at most 1024 characters")).default(""),
  enabled: ZCheckbox.default(true),
  eventTypes: z
    .array(z.enum(WEBHOOK_EVENT_TYPES, { error: `Must be one of ${WEBHOOK_EVENT_TYPES.join(", ")}` }), { error: "Choose at least one event type" })
    .min(1, "Choose at least one event type")
    .transform((types) => WEBHOOK_EVENT_TYPES.filter((t) => types.includes(t))),
  targetType: z.enum(WEBHOOK_TARGET_TYPES, { error: 'Must be "http" or "slack"' }),
  address: ZWebhookAddress,
  /**
   * The Authorization header's value (e.g. `Bearer abc`). Absent: keep the stored one on an
   * update; empty: none.
   */
  authHeader: singleLine(z.string().max(4096, "Auth header must be at most 4096 characters")).optional(),
  skipCertVerify: ZCheckbox.default(false),
});
export type WebhookPolicyInput = z.input<typeof ZWebhookPolicyInput>;
export type WebhookPolicyParsed = z.output<typeof ZWebhookPolicyInput>;
