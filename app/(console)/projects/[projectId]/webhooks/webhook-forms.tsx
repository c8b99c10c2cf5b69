"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { createWebhookAction, deleteWebhookAction, sendWebhookTestAction, setWebhookEnabledAction, updateWebhookAction } from "@/app/(console)/projects/[projectId]/webhooks/actions";
import { ConfirmActionForm } from "@/components/ui/confirm-dialog";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";
import { WEBHOOK_EVENT_TYPES, WEBHOOK_TARGET_TYPES } from "@/lib/validation/webhook-types";

/** What the form shows of a stored policy (never its auth header, only whether there is one). */
export type WebhookFormValues = {
  id: number;
  name: string;
  description: string;
  enabled: boolean;
  eventTypes: string[];
  targetType: string;
  address: string;
  hasAuthHeader: boolean;
  skipCertVerify: boolean;
};

/** Create (no `policy`) or edit a webhook. */
export function WebhookForm({ projectId, policy }: { projectId: number; policy?: WebhookFormValues }) {
  const t = useTranslations("webhooks");
  const { result, errors, formProps } = useActionForm(policy ? updateWebhookAction : createWebhookAction, INITIAL_ACTION_RESULT, { resetOnSuccess: !policy });
  const [targetType, setTargetType] = useState(policy?.targetType ?? "http");
  const headingId = policy ? `edit-webhook-${policy.id}` : "new-webhook";
  return (
    <form {...formProps} className="space-y-4 rounded-lg border border-slate-200 bg-white p-4" aria-labelledby={headingId} data-testid="webhook-form">
      <h2 id={headingId} className="font-semibold">
        {policy ? t("editTitle", { name: policy.name }) : t("createTitle")}
      </h2>
      <input type="hidden" name="projectId" value={projectId} />
      {policy && <input type="hidden" name="policyId" value={policy.id} />}
      <div className="grid gap-4 md:grid-cols-2">
        <Field label={t("name")} name="name" defaultValue={policy?.name ?? ""} errors={errors.name} required maxLength={255} />
        <Field label={t("description")} name="description" defaultValue={policy?.description ?? ""} errors={errors.description} maxLength={1024} />
        <div className="space-y-1">
          <label htmlFor="webhook-target-type" className="block text-sm font-medium text-slate-800">
            {t("targetType")}
          </label>
          <select
            id="webhook-target-type"
            name="targetType"
            value={targetType}
            onChange={(e) => setTargetType(e.target.value)}
            className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
          >
            {WEBHOOK_TARGET_TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`targetTypes.${type}`)}
              </option>
            ))}
          </select>
        </div>
        <Field label={t("address")} name="address" type="url" defaultValue={policy?.address ?? ""} errors={errors.address} required placeholder="https://ci.example.com/hooks/wharf" hint={t("addressHint")} />
        {targetType === "http" && (
          <Field
            label={t("authHeader")}
            name="authHeader"
            type="password"
            autoComplete="off"
            errors={errors.authHeader}
            hint={policy?.hasAuthHeader ? t("authHeaderKept") : t("authHeaderHint")}
          />
        )}
        {policy?.hasAuthHeader && <input type="hidden" name="keepAuthHeader" value="on" />}
      </div>
      <fieldset>
        <legend className="text-sm font-medium text-slate-800">{t("eventTypes")}</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-2 lg:grid-cols-4">
          {WEBHOOK_EVENT_TYPES.map((type) => (
            <label key={type} className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="eventTypes" value={type} defaultChecked={policy ? policy.eventTypes.includes(type) : type === "PUSH_ARTIFACT"} />
              {t(`events.${type}`)}
            </label>
          ))}
        </div>
        {errors.eventTypes && (
          <p className="mt-1 text-sm text-red-700" data-testid="error-eventTypes">
            {errors.eventTypes.join(". ")}
          </p>
        )}
      </fieldset>
      <div className="flex flex-wrap gap-6 text-sm">
        <label className="flex items-center gap-2">
          <input type="checkbox" name="skipCertVerify" defaultChecked={policy?.skipCertVerify ?? false} />
          {t("skipCertVerify")}
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" name="enabled" defaultChecked={policy?.enabled ?? true} />
          {t("enabled")}
        </label>
      </div>
      <div className="flex items-center gap-3">
        <SubmitButton pendingText={t("saving")}>{policy ? t("save") : t("create")}</SubmitButton>
        <FormMessage result={result} />
      </div>
    </form>
  );
}

/** A row's buttons: on/off, send a test event, delete (the shared confirmation). */
export function WebhookRowActions({ projectId, policy }: { projectId: number; policy: { id: number; name: string; enabled: boolean } }) {
  const t = useTranslations("webhooks");
  const toggle = useActionForm(setWebhookEnabledAction, INITIAL_ACTION_RESULT);
  const test = useActionForm(sendWebhookTestAction, INITIAL_ACTION_RESULT);
  return (
    <div className="flex flex-wrap items-center gap-2">
      <form {...toggle.formProps}>
        <input type="hidden" name="projectId" value={projectId} />
        <input type="hidden" name="policyId" value={policy.id} />
        {!policy.enabled && <input type="hidden" name="enabled" value="on" />}
        <SubmitButton variant="secondary" pendingText={t("saving")}>
          {policy.enabled ? t("disable") : t("enable")}
        </SubmitButton>
      </form>
      <form {...test.formProps}>
        <input type="hidden" name="projectId" value={projectId} />
        <input type="hidden" name="policyId" value={policy.id} />
        <SubmitButton variant="secondary" pendingText={t("sending")}>
          {t("sendTest")}
        </SubmitButton>
      </form>
      <ConfirmActionForm
        action={deleteWebhookAction}
        fields={{ projectId, policyId: policy.id }}
        triggerLabel={t("delete")}
        title={t("deleteTitle", { name: policy.name })}
        description={t("deleteText")}
        confirmLabel={t("deleteConfirm")}
        testId={`delete-webhook-${policy.id}`}
      />
      <FormMessage result={toggle.result} />
      <FormMessage result={test.result} />
    </div>
  );
}
