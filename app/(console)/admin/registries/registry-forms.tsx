"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import {
  createRegistryAction,
  deleteRegistryAction,
  testRegistrySettingsAction,
  testStoredRegistryAction,
  updateRegistryAction,
} from "@/app/(console)/admin/registries/actions";
import { Button } from "@/components/ui/button";
import { ConfirmActionForm } from "@/components/ui/confirm-dialog";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useSaveOrTestForm } from "@/lib/actions/use-save-or-test-form";
import { REGISTRY_TYPE_LABELS, REGISTRY_TYPES } from "@/lib/validation/registry-types";
import { useActionForm } from "@/lib/actions/use-action-form";

export type RegistryFormValues = {
  id: number;
  name: string;
  type: string;
  url: string;
  credentialType: string;
  username: string;
  hasSecret: boolean;
  insecure: boolean;
  caCertificate: string | null;
  description: string;
};

/**
 * New endpoint and edit form, with Test connection of what is typed. Submitted from onSubmit (not
 * the form's `action`) because React resets a form after its action runs, which would throw away
 * what was typed after a field error or a test.
 */
export function RegistryForm({ registry }: { registry?: RegistryFormValues }) {
  const { onSubmit, result, saving, testing } = useSaveOrTestForm(registry ? updateRegistryAction : createRegistryAction, testRegistrySettingsAction, {
    save: INITIAL_ACTION_RESULT,
    test: INITIAL_ACTION_RESULT,
  });
  const [credentialType, setCredentialType] = useState(registry?.credentialType ?? "basic");
  const errors = result.fieldErrors ?? {};
  const t = useTranslations("registries");
  return (
    <form
      onSubmit={onSubmit}
      className="space-y-4"
      data-testid="registry-form"
      noValidate
    >
      <FormMessage result={result} />
      {registry && <input type="hidden" name="registryId" value={registry.id} />}
      <Field label={t("name")} name="name" defaultValue={registry?.name} autoComplete="off" maxLength={255} errors={errors.name} />
      <div className="space-y-1">
        <label htmlFor="field-type" className="block text-sm font-medium text-slate-800">
          {t("provider")}
        </label>
        <select id="field-type" name="type" defaultValue={registry?.type ?? "docker-registry"} className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm">
          {REGISTRY_TYPES.map((type) => (
            <option key={type} value={type}>
              {REGISTRY_TYPE_LABELS[type]}
            </option>
          ))}
        </select>
        {errors.type && <p className="text-sm text-red-700">{errors.type.join(". ")}</p>}
      </div>
      <Field
        label={t("endpointUrl")}
        name="url"
        defaultValue={registry?.url}
        placeholder="https://registry.example.com"
        autoComplete="off"
        maxLength={1024}
        errors={errors.url}
        hint={t("endpointHint")}
      />
      <div className="space-y-1">
        <label htmlFor="field-credentialType" className="block text-sm font-medium text-slate-800">
          {t("credentials")}
        </label>
        <select
          id="field-credentialType"
          name="credentialType"
          value={credentialType}
          onChange={(e) => setCredentialType(e.target.value)}
          className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
        >
          <option value="basic">{t("credentialBasic")}</option>
          <option value="none">{t("credentialNone")}</option>
        </select>
      </div>
      {credentialType === "basic" && (
        <>
          <Field label={t("username")} name="username" defaultValue={registry?.username} autoComplete="off" maxLength={255} errors={errors.username} hint={t("usernameHint")} />
          <Field
            label={t("password")}
            name="secret"
            type="password"
            autoComplete="new-password"
            errors={errors.secret}
            hint={registry?.hasSecret ? t("keepPassword") : t("storedEncrypted")}
          />
        </>
      )}
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="insecure" defaultChecked={registry?.insecure} className="h-4 w-4 rounded border-slate-300" />
        {t("insecure")}
      </label>
      <div className="space-y-1">
        <label htmlFor="field-caCertificate" className="block text-sm font-medium text-slate-800">
          {t("caCertificate")}
        </label>
        <textarea
          id="field-caCertificate"
          name="caCertificate"
          defaultValue={registry?.caCertificate ?? ""}
          rows={4}
          spellCheck={false}
          placeholder="-----BEGIN CERTIFICATE-----"
          className="block w-full rounded-md border border-slate-300 px-3 py-2 font-mono text-xs"
        />
        <p className="text-xs text-slate-500">{t("caHint")}</p>
        {errors.caCertificate && <p className="text-sm text-red-700">{errors.caCertificate.join(". ")}</p>}
      </div>
      <Field label={t("description_")} name="description" defaultValue={registry?.description} autoComplete="off" maxLength={1024} errors={errors.description} />
      <div className="flex gap-2">
        <Button type="submit" name="intent" value="save" disabled={saving || testing}>
          {saving ? t("saving") : registry ? t("save") : t("createEndpoint")}
        </Button>
        <Button type="submit" name="intent" value="test" variant="secondary" disabled={saving || testing}>
          {testing ? t("testing") : t("testConnection")}
        </Button>
      </div>
    </form>
  );
}

/** Test connection and delete (with confirmation) of a listed endpoint. */
export function RegistryRowActions({ registry }: { registry: { id: number; name: string } }) {
  const { result: testResult, formProps: testActionProps } = useActionForm(testStoredRegistryAction, INITIAL_ACTION_RESULT);
  const t = useTranslations("registries");
  return (
    <div className="space-y-1">
      <div className="flex flex-wrap justify-end gap-2">
        <form {...testActionProps}>
          <input type="hidden" name="registryId" value={registry.id} />
          <SubmitButton variant="secondary" pendingText={t("testing")}>
            {t("testConnection")}
          </SubmitButton>
        </form>
        <ConfirmActionForm
          action={deleteRegistryAction}
          fields={{ registryId: registry.id }}
          triggerLabel={t("delete")}
          title={t("deleteTitle", { name: registry.name })}
          description={t("deleteDescription")}
          confirmLabel={t("deleteEndpoint")}
          pendingText={t("deleting")}
          success={t("deleted", { name: registry.name })}
        />
      </div>
      <FormMessage result={testResult} />
    </div>
  );
}
