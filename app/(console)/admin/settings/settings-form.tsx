"use client";

import { useTranslations } from "next-intl";
import { updateIpAllowlistAction, updateSystemCveAllowlistAction, updateSystemSettingsAction } from "@/app/(console)/admin/settings/actions";
import { CveAllowlistFields } from "@/components/cve-allowlist-fields";
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
  const errors = result.fieldErrors?.entries;
  return (
    <form {...formProps} className="space-y-4" data-testid="ip-allowlist-form">
      <div className="space-y-1">
        <label htmlFor="field-ipAllowlist" className="block text-sm font-medium text-slate-800">
          {t("ipAllowlistEntries")}
        </label>
        <textarea
          id="field-ipAllowlist"
          name="entries"
          rows={4}
          disabled={!canEdit}
          defaultValue={entries.join("\n")}
          placeholder={canEdit ? "10.0.0.0/8" : undefined}
          aria-invalid={errors?.length ? true : undefined}
          aria-describedby={errors?.length ? "field-ipAllowlist-error field-ipAllowlist-hint" : "field-ipAllowlist-hint"}
          className={`block w-full rounded-md border px-3 py-2 font-mono text-sm ${errors?.length ? "border-red-500" : "border-slate-300"}`}
        />
        <p id="field-ipAllowlist-hint" className="text-xs text-slate-600">
          {entries.length === 0 ? `${t("ipAllowlistEmpty")} ` : ""}
          {t("ipAllowlistEntriesHint", { address: ownAddress ?? t("ipAllowlistUnknownAddress") })}
        </p>
        {errors?.length ? (
          <p id="field-ipAllowlist-error" className="text-sm text-red-700" data-testid="error-entries">
            {errors.join(". ")}
          </p>
        ) : null}
      </div>
      {canEdit && <SubmitButton>{t("saveIpAllowlist")}</SubmitButton>}
      <FormMessage result={result} />
    </form>
  );
}
