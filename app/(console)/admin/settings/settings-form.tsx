"use client";

import { useTranslations } from "next-intl";
import {
  updateAdminTwoFactorAction,
  updateIpAllowlistAction,
  updateSystemCveAllowlistAction,
  updateSystemSettingsAction,
} from "@/app/(console)/admin/settings/actions";
import { CveAllowlistFields } from "@/components/cve-allowlist-fields";
import { IpAllowlistFields } from "@/components/ip-allowlist-fields";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

export function SettingsForm({
  settings,
  canEdit,
}: {
  settings: { projectCreationRestriction: "everyone" | "adminonly" };
  canEdit: boolean;
}) {
  const t = useTranslations("settings");
  const { result, formProps: formActionProps } = useActionForm(updateSystemSettingsAction, INITIAL_ACTION_RESULT);
  return (
    <form {...formActionProps} className="space-y-4">
      <fieldset disabled={!canEdit}>
        <legend className="text-sm font-medium">{t("whoCreates")}</legend>
        <label className="mt-2 flex items-center gap-2 text-sm">
          <input type="radio" name="projectCreationRestriction" value="everyone" defaultChecked={settings.projectCreationRestriction === "everyone"} />
          {t("everyone")}
        </label>
        <label className="mt-1 flex items-center gap-2 text-sm">
          <input type="radio" name="projectCreationRestriction" value="adminonly" defaultChecked={settings.projectCreationRestriction === "adminonly"} />
          {t("adminOnly")}
        </label>
      </fieldset>
      {canEdit && <SubmitButton>{t("save")}</SubmitButton>}
      <FormMessage result={result} />
    </form>
  );
}

/** The system CVE allowlist: applies to every project that uses it (the default). */
export function SystemCveAllowlistForm({ list, canEdit }: { list: { cveIds: string[]; expiresAt: Date | null }; canEdit: boolean }) {
  const t = useTranslations("settings");
  const { result, formProps } = useActionForm(updateSystemCveAllowlistAction, INITIAL_ACTION_RESULT);
  return (
    <form {...formProps} className="space-y-4">
      <CveAllowlistFields cveIds={list.cveIds} expiresAt={list.expiresAt} errors={result.fieldErrors} disabled={!canEdit} />
      {canEdit && <SubmitButton>{t("saveAllowlist")}</SubmitButton>}
      <FormMessage result={result} />
    </form>
  );
}

/**
 * The system IP allowlist, one entry per line. The administrator's own address is shown beside
 * it: the service refuses a list without it (the lockout guard), and the field says why.
 */
export function IpAllowlistForm({ entries, ownAddress, canEdit }: { entries: string[]; ownAddress: string | null; canEdit: boolean }) {
  const t = useTranslations("settings");
  const { result, formProps } = useActionForm(updateIpAllowlistAction, INITIAL_ACTION_RESULT);
  return (
    <form {...formProps} className="space-y-4" data-testid="ip-allowlist-form">
      <IpAllowlistFields name="entries" entries={entries} ownAddress={ownAddress} emptyText={t("ipAllowlistEmpty")} errors={result.fieldErrors?.entries} disabled={!canEdit} />
      {canEdit && <SubmitButton>{t("saveIpAllowlist")}</SubmitButton>}
      <FormMessage result={result} />
    </form>
  );
}

/** Require two-factor sign-in for administrators (their rights pause until they turn it on). */
export function AdminTwoFactorForm({ required, canEdit }: { required: boolean; canEdit: boolean }) {
  const t = useTranslations("settings");
  const { result, formProps } = useActionForm(updateAdminTwoFactorAction, INITIAL_ACTION_RESULT);
  const errors = result.fieldErrors?.requireAdminTwoFactor;
  return (
    <form {...formProps} className="space-y-4" data-testid="admin-two-factor-form">
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="requireAdminTwoFactor" defaultChecked={required} disabled={!canEdit} className="mt-0.5 h-4 w-4" aria-describedby="admin-two-factor-hint" />
        <span>
          {t("requireAdminTwoFactor")}
          <span id="admin-two-factor-hint" className="block text-slate-500">
            {t("requireAdminTwoFactorHint")}
          </span>
        </span>
      </label>
      {errors?.length ? (
        <p className="text-sm text-red-700" data-testid="error-requireAdminTwoFactor">
          {errors.join(". ")}
        </p>
      ) : null}
      {canEdit && <SubmitButton>{t("save")}</SubmitButton>}
      <FormMessage result={result} />
    </form>
  );
}
