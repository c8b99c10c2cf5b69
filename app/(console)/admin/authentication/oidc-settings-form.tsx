"use client";

import { useTranslations } from "next-intl";
import { type OidcTestResult, saveOidcSettingsAction, testOidcConnectionAction } from "@/app/(console)/admin/authentication/oidc-actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { type ActionResult, INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useSaveOrTestForm } from "@/lib/actions/use-save-or-test-form";
import type { OidcSettings } from "@/lib/services/identity/oidc/settings";
import { OIDC_DEFAULT_GROUPS_CLAIM, OIDC_DEFAULT_SCOPES, OIDC_DEFAULT_USERNAME_CLAIM } from "@/lib/validation/oidc-types";

/**
 * The OIDC settings form with Test connection of what is typed. Submitted from onSubmit (as the
 * registry endpoint form is) so that a field error or a test keeps what was typed.
 */
export function OidcSettingsForm({ settings, canEdit }: { settings: OidcSettings | null; canEdit: boolean }) {
  const t = useTranslations("oidc");
  const { onSubmit, result, testResult, last, saving, testing } = useSaveOrTestForm<ActionResult, OidcTestResult>(saveOidcSettingsAction, testOidcConnectionAction, {
    save: INITIAL_ACTION_RESULT,
    test: INITIAL_ACTION_RESULT,
  });
  const errors = result.fieldErrors ?? {};
  const discovery = last === "test" && testResult.ok ? testResult.discovery : undefined;
  return (
    <form
      onSubmit={onSubmit}
      className="space-y-4"
      data-testid="oidc-form"
      noValidate
    >
      <fieldset disabled={!canEdit} className="space-y-4">
        <Field label={t("providerName")} name="providerName" defaultValue={settings?.providerName} autoComplete="off" maxLength={64} errors={errors.providerName} hint={t("providerNameHint")} />
        <Field label={t("issuer")} name="issuer" defaultValue={settings?.issuer} autoComplete="off" maxLength={1024} errors={errors.issuer} hint={t("issuerHint")} />
        <Field label={t("clientId")} name="clientId" defaultValue={settings?.clientId} autoComplete="off" maxLength={255} errors={errors.clientId} />
        {canEdit && (
          <Field
            label={t("clientSecret")}
            name="clientSecret"
            type="password"
            autoComplete="new-password"
            maxLength={1024}
            errors={errors.clientSecret}
            hint={settings?.hasClientSecret ? t("keepSecret") : t("secretEncrypted")}
          />
        )}
        {!canEdit && (
          <p className="text-sm text-slate-600" data-testid="oidc-secret-state">
            {settings?.hasClientSecret ? t("secretStored") : t("secretNone")}
          </p>
        )}
        <Field label={t("scopes")} name="scopes" defaultValue={settings?.scopes ?? OIDC_DEFAULT_SCOPES} autoComplete="off" maxLength={512} errors={errors.scopes} hint={t("scopesHint")} />
        <Field
          label={t("usernameClaim")}
          name="usernameClaim"
          defaultValue={settings?.usernameClaim ?? OIDC_DEFAULT_USERNAME_CLAIM}
          autoComplete="off"
          maxLength={255}
          errors={errors.usernameClaim}
          hint={t("usernameClaimHint")}
        />
        <Field
          label={t("groupsClaim")}
          name="groupsClaim"
          defaultValue={settings ? settings.groupsClaim : OIDC_DEFAULT_GROUPS_CLAIM}
          autoComplete="off"
          maxLength={255}
          errors={errors.groupsClaim}
          hint={t("groupsClaimHint")}
        />
        <Field label={t("adminGroup")} name="adminGroup" defaultValue={settings?.adminGroup ?? ""} autoComplete="off" maxLength={1024} errors={errors.adminGroup} hint={t("adminGroupHint")} />
        <label className="flex items-start gap-2 text-sm">
          <input type="checkbox" name="autoOnboard" defaultChecked={settings?.autoOnboard ?? true} className="mt-0.5 h-4 w-4 rounded border-slate-300" />
          <span>
            {t("autoOnboard")}
            <span className="block text-xs text-slate-500">{t("autoOnboardHint")}</span>
          </span>
        </label>
        <label className="flex items-start gap-2 text-sm">
          <input type="checkbox" name="verifyCertificate" defaultChecked={settings?.verifyCertificate ?? true} className="mt-0.5 h-4 w-4 rounded border-slate-300" />
          <span>
            {t("verifyCertificate")}
            <span className="block text-xs text-slate-500">{t("verifyCertificateHint")}</span>
          </span>
        </label>
      </fieldset>
      <FormMessage result={result} />
      {discovery && (
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 rounded-md border border-slate-200 p-3 text-xs" data-testid="oidc-discovery">
          <dt className="font-medium">{t("discoveredIssuer")}</dt>
          <dd className="font-mono break-all">{discovery.issuer}</dd>
          <dt className="font-medium">{t("authorizationEndpoint")}</dt>
          <dd className="font-mono break-all">{discovery.authorizationEndpoint}</dd>
          <dt className="font-medium">{t("tokenEndpoint")}</dt>
          <dd className="font-mono break-all">{discovery.tokenEndpoint}</dd>
          <dt className="font-medium">{t("userinfoEndpoint")}</dt>
          <dd className="font-mono break-all">{discovery.userinfoEndpoint ?? t("none")}</dd>
          <dt className="font-medium">{t("scopesSupported")}</dt>
          <dd className="font-mono break-all">{discovery.scopesSupported.join(" ") || t("none")}</dd>
        </dl>
      )}
      {canEdit && (
        <div className="flex gap-2">
          <Button type="submit" name="intent" value="save" disabled={saving || testing}>
            {saving ? t("saving") : t("save")}
          </Button>
          <Button type="submit" name="intent" value="test" variant="secondary" disabled={saving || testing}>
            {testing ? t("testing") : t("testConnection")}
          </Button>
        </div>
      )}
    </form>
  );
}
