"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import {
  createScannerAction,
  deleteScannerAction,
  setDefaultScannerAction,
  setScannerDisabledAction,
  testScannerSettingsAction,
  testStoredScannerAction,
  updateScannerAction,
} from "@/app/(console)/admin/scanners/actions";
import { Button } from "@/components/ui/button";
import { ConfirmActionForm } from "@/components/ui/confirm-dialog";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useSaveOrTestForm } from "@/lib/actions/use-save-or-test-form";
import { useActionForm } from "@/lib/actions/use-action-form";
import { SCANNER_AUTH_KEYS, SCANNER_AUTH_TYPES, type ScannerAuthType } from "@/lib/validation/scanner-types";

export type ScannerFormValues = {
  id: number;
  name: string;
  description: string;
  url: string;
  auth: ScannerAuthType;
  hasCredential: boolean;
  skipCertVerify: boolean;
  disabled: boolean;
};

const CREDENTIAL_HINTS = { Basic: "basic", Bearer: "bearer", "X-ScannerAdapter-API-Key": "apiKey" } as const;

/**
 * New scanner and edit form, with Test connection of what is typed. Submitted from onSubmit (not
 * the form's `action`) because React resets a form after its action runs, which would throw away
 * what was typed after a field error or a test (as the registry endpoint form does).
 */
export function ScannerForm({ scanner }: { scanner?: ScannerFormValues }) {
  const { onSubmit, result, saving, testing } = useSaveOrTestForm(scanner ? updateScannerAction : createScannerAction, testScannerSettingsAction, {
    save: INITIAL_ACTION_RESULT,
    test: INITIAL_ACTION_RESULT,
  });
  const [auth, setAuth] = useState<string>(scanner?.auth ?? "");
  const errors = result.fieldErrors ?? {};
  const t = useTranslations("scanners");
  const keepHint = scanner?.hasCredential && scanner.auth === auth ? t("keepCredential") : "";
  const hintKey = CREDENTIAL_HINTS[auth as keyof typeof CREDENTIAL_HINTS];
  return (
    <form
      onSubmit={onSubmit}
      className="space-y-4"
      data-testid="scanner-form"
      noValidate
    >
      <FormMessage result={result} />
      {scanner && <input type="hidden" name="scannerId" value={scanner.id} />}
      <Field label={t("name")} name="name" defaultValue={scanner?.name} autoComplete="off" maxLength={255} errors={errors.name} />
      <Field label={t("descriptionLabel")} name="description" defaultValue={scanner?.description} autoComplete="off" maxLength={1024} errors={errors.description} />
      <Field
        label={t("endpointUrl")}
        name="url"
        defaultValue={scanner?.url}
        placeholder="http://harbor-scanner-trivy:8080"
        autoComplete="off"
        maxLength={1024}
        errors={errors.url}
        hint={t("endpointHint")}
      />
      <div className="space-y-1">
        <label htmlFor="field-auth" className="block text-sm font-medium text-slate-800">
          {t("authorization")}
        </label>
        <select id="field-auth" name="auth" value={auth} onChange={(e) => setAuth(e.target.value)} className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm">
          {SCANNER_AUTH_TYPES.map((type) => (
            <option key={type || "none"} value={type}>
              {t(`auth.${SCANNER_AUTH_KEYS[type]}`)}
            </option>
          ))}
        </select>
        {errors.auth && (
          <p className="text-sm text-red-700" data-testid="error-auth">
            {errors.auth.join(". ")}
          </p>
        )}
      </div>
      {auth !== "" && (
        <Field
          label={t("credential")}
          name="accessCredential"
          type="password"
          autoComplete="new-password"
          errors={errors.accessCredential}
          hint={keepHint + (hintKey ? t(`credentialHint.${hintKey}`) : "") + t("storedEncrypted")}
        />
      )}
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="skipCertVerify" defaultChecked={scanner?.skipCertVerify} className="h-4 w-4 rounded border-slate-300" />
        {t("skipCert")}
      </label>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="disabled" defaultChecked={scanner?.disabled} className="h-4 w-4 rounded border-slate-300" />
        {t("disabledCheckbox")}
      </label>
      <div className="flex gap-2">
        <Button type="submit" name="intent" value="save" disabled={saving || testing}>
          {saving ? t("saving") : scanner ? t("save") : t("create")}
        </Button>
        <Button type="submit" name="intent" value="test" variant="secondary" disabled={saving || testing}>
          {testing ? t("testing") : t("testConnection")}
        </Button>
      </div>
    </form>
  );
}

/**
 * A listed registration's actions: Test connection (its outcome becomes the health), Set default,
 * Enable / Disable, Delete (with confirmation; its outcome goes to the flash region, as the row
 * goes). What the service would refuse is not offered: the default is neither disabled nor
 * deleted, a disabled one is not made the default.
 */
export function ScannerRowActions({ scanner }: { scanner: { id: number; name: string; isDefault: boolean; disabled: boolean } }) {
  const test = useActionForm(testStoredScannerAction, INITIAL_ACTION_RESULT);
  const makeDefault = useActionForm(setDefaultScannerAction, INITIAL_ACTION_RESULT);
  const toggle = useActionForm(setScannerDisabledAction, INITIAL_ACTION_RESULT);
  const t = useTranslations("scanners");
  return (
    <div className="space-y-1">
      <div className="flex flex-wrap justify-end gap-2">
        <form {...test.formProps}>
          <input type="hidden" name="scannerId" value={scanner.id} />
          <SubmitButton variant="secondary" pendingText={t("testing")}>
            {t("testConnection")}
          </SubmitButton>
        </form>
        {!scanner.isDefault && !scanner.disabled && (
          <form {...makeDefault.formProps}>
            <input type="hidden" name="scannerId" value={scanner.id} />
            <SubmitButton variant="secondary" pendingText={t("setting")}>
              {t("setDefault")}
            </SubmitButton>
          </form>
        )}
        {!scanner.isDefault && (
          <form {...toggle.formProps}>
            <input type="hidden" name="scannerId" value={scanner.id} />
            <input type="hidden" name="disabled" value={String(!scanner.disabled)} />
            <SubmitButton variant="secondary" pendingText={scanner.disabled ? t("enabling") : t("disabling")}>
              {scanner.disabled ? t("enable") : t("disable")}
            </SubmitButton>
          </form>
        )}
        {!scanner.isDefault && (
          <ConfirmActionForm
            action={deleteScannerAction}
            fields={{ scannerId: scanner.id }}
            triggerLabel={t("delete")}
            title={t("deleteTitle", { name: scanner.name })}
            description={t("deleteDescription")}
            confirmLabel={t("deleteScanner")}
            pendingText={t("deleting")}
            success={t("deleted", { name: scanner.name })}
          />
        )}
      </div>
      <FormMessage result={test.result} />
      <FormMessage result={makeDefault.result} />
      <FormMessage result={toggle.result} />
    </div>
  );
}
