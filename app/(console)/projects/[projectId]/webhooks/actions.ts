"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction } from "@/lib/actions/form-action";
import { createWebhookPolicy, deleteWebhookPolicy, sendWebhookTestEvent, setWebhookPolicyEnabled, updateWebhookPolicy } from "@/lib/services/webhooks/policies";
import { ZCheckbox, ZId } from "@/lib/validation/common";

/**
 * The Webhooks tab's actions. The policy's fields are checked by the service with the shared
 * schema (lib/validation/webhooks), so a form and the REST API get the same field messages.
 */
const ZPolicyForm = z.object({ projectId: ZId, policyId: ZId.optional(), input: z.record(z.string(), z.unknown()) });
const ZPolicyRef = z.object({ projectId: ZId, policyId: ZId });

/** The form's fields as the shared schema's input: event types repeat; an untouched auth header is not sent. */
function readPolicyForm(formData: FormData) {
  const authHeader = formData.get("authHeader");
  const keepAuth = formData.get("keepAuthHeader") === "on";
  return {
    projectId: formData.get("projectId"),
    policyId: formData.get("policyId") || undefined,
    input: {
      name: formData.get("name") ?? "",
      description: formData.get("description") ?? "",
      enabled: formData.get("enabled") === "on",
      eventTypes: formData.getAll("eventTypes"),
      targetType: formData.get("targetType") ?? "",
      address: formData.get("address") ?? "",
      ...(keepAuth && !authHeader ? {} : { authHeader: typeof authHeader === "string" ? authHeader : "" }),
      skipCertVerify: formData.get("skipCertVerify") === "on",
    },
  };
}

const refresh = (projectId: number) => revalidatePath(`/projects/${projectId}/webhooks`);

export const createWebhookAction = formAction(
  ZPolicyForm,
  (input, actor) => createWebhookPolicy({ actor, project: input.projectId, input: input.input }),
  (input, policy) => {
    refresh(input.projectId);
    return { ok: true, message: `Webhook ${policy.name} created.` };
  },
  { read: readPolicyForm },
);

export const updateWebhookAction = formAction(
  ZPolicyForm.extend({ policyId: ZId }),
  (input, actor) => updateWebhookPolicy({ actor, project: input.projectId, policyId: input.policyId, input: input.input }),
  (input, policy) => {
    refresh(input.projectId);
    return { ok: true, message: `Webhook ${policy.name} saved.` };
  },
  { read: readPolicyForm },
);

export const setWebhookEnabledAction = formAction(
  ZPolicyRef.extend({ enabled: ZCheckbox }),
  (input, actor) => setWebhookPolicyEnabled({ actor, project: input.projectId, policyId: input.policyId, enabled: input.enabled }),
  (input, policy) => {
    refresh(input.projectId);
    return { ok: true, message: `Webhook ${policy.name} ${policy.enabled ? "enabled" : "disabled"}.` };
  },
  { hiddenFieldsOnly: true },
);

export const deleteWebhookAction = formAction(
  ZPolicyRef,
  (input, actor) => deleteWebhookPolicy({ actor, project: input.projectId, policyId: input.policyId }),
  (input) => {
    refresh(input.projectId);
    return { ok: true, message: "Webhook deleted." };
  },
  { hiddenFieldsOnly: true },
);

export const sendWebhookTestAction = formAction(
  ZPolicyRef,
  (input, actor) => sendWebhookTestEvent({ actor, project: input.projectId, policyId: input.policyId }),
  (input, { deliveryId }) => {
    refresh(input.projectId);
    return { ok: true, message: `Test event queued (delivery #${deliveryId}).` };
  },
  { hiddenFieldsOnly: true },
);
