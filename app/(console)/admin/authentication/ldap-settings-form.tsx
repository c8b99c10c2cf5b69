"use client";

import { useTranslations } from "next-intl";
import { saveLdapSettingsAction, testLdapConnectionAction, type LdapTestResult } from "@/app/(console)/admin/authentication/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useSaveOrTestForm } from "@/lib/actions/use-save-or-test-form";

/** What the form shows: the stored settings without the password (only whether one is stored). */
export type LdapFormValues = {
  url: string;
  startTls: boolean;
  verifyCertificate: boolean;
  bindDn: string;
  hasBindPassword: boolean;
  userBaseDn: string;
  userFilter: string;
  uidAttribute: string;
  emailAttribute: string;
  fullNameAttribute: string;
  scope: "base" | "one" | "sub";
  groupBaseDn: string;
  groupFilter: string;
  groupNameAttribute: string;
  groupMembershipAttribute: string;
  groupMemberAttribute: string;
  adminGroupDn: string;
  onboard: boolean;
};

const INITIAL_TEST: LdapTestResult = { ok: false };

/**
 * The LDAP settings with Save and Test connection (of what is typed; an empty password field uses
 * the stored one). Submitted from onSubmit, so a field error or a test keeps what was typed.
 */
export function LdapSettingsForm({ values, canEdit }: { values: LdapFormValues | null; canEdit: boolean }) {
  const t = useTranslations("authentication");
  const { onSubmit, result, saveResult, testResult, last, saving, testing } = useSaveOrTestForm(saveLdapSettingsAction, testLdapConnectionAction, {
    save: INITIAL_ACTION_RESULT,
    test: INITIAL_TEST,
  });
  const errors = result.fieldErrors ?? {};
  const v = values;
  const check = (name: string, label: string, checked: boolean, hint?: string) => (
    <div>
      <label className="flex items-center gap-2 text-sm">
        {/* An unchecked box sends nothing, and the schema reads nothing as its default (verify
            certificate: on); this "off", overridden by the box's "on" when checked, says unchecked. */}
        <input type="hidden" name={name} value="off" />
        <input type="checkbox" name={name} defaultChecked={checked} />
        {label}
      </label>
      {hint && <p className="text-xs text-slate-500">{hint}</p>}
      {errors[name] && <p className="text-sm text-red-700" data-testid={`error-${name}`}>{errors[name].join(". ")}</p>}
    </div>
  );
  return (
    <form
      onSubmit={onSubmit}
      className="space-y-4"
      data-testid="ldap-settings-form"
      noValidate
    >
      <fieldset disabled={!canEdit} className="space-y-4">
        <Field label={t("ldapUrl")} name="url" defaultValue={v?.url} autoComplete="off" errors={errors.url} hint={t("ldapUrlHint")} />
        {check("startTls", t("startTls"), v?.startTls ?? false)}
        {check("verifyCertificate", t("verifyCertificate"), v?.verifyCertificate ?? true)}
        <Field label={t("bindDn")} name="bindDn" defaultValue={v?.bindDn} autoComplete="off" errors={errors.bindDn} hint={t("bindDnHint")} />
        <Field
          label={t("bindPassword")}
          name="bindPassword"
          type="password"
          autoComplete="new-password"
          errors={errors.bindPassword}
          hint={v?.hasBindPassword ? t("bindPasswordKept") : t("bindPasswordSealed")}
        />
        {v?.hasBindPassword && check("clearBindPassword", t("clearBindPassword"), false)}
        <Field label={t("userBaseDn")} name="userBaseDn" defaultValue={v?.userBaseDn} autoComplete="off" errors={errors.userBaseDn} hint={t("userBaseDnHint")} />
        <Field label={t("userFilter")} name="userFilter" defaultValue={v?.userFilter} autoComplete="off" errors={errors.userFilter} hint={t("userFilterHint")} />
        <Field label={t("uidAttribute")} name="uidAttribute" defaultValue={v?.uidAttribute ?? "uid"} autoComplete="off" errors={errors.uidAttribute} hint={t("uidAttributeHint")} />
        <Field label={t("emailAttribute")} name="emailAttribute" defaultValue={v?.emailAttribute ?? "mail"} autoComplete="off" errors={errors.emailAttribute} />
        <Field label={t("fullNameAttribute")} name="fullNameAttribute" defaultValue={v?.fullNameAttribute ?? "cn"} autoComplete="off" errors={errors.fullNameAttribute} />
        <div className="space-y-1">
          <label htmlFor="field-scope" className="block text-sm font-medium text-slate-800">
            {t("scope")}
          </label>
          <select id="field-scope" name="scope" defaultValue={v?.scope ?? "sub"} className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm">
            <option value="base">{t("scopeBase")}</option>
            <option value="one">{t("scopeOne")}</option>
            <option value="sub">{t("scopeSub")}</option>
          </select>
          {errors.scope && <p className="text-sm text-red-700">{errors.scope.join(". ")}</p>}
        </div>
        <h3 className="pt-2 text-sm font-semibold">{t("groupsHeading")}</h3>
        <Field label={t("groupBaseDn")} name="groupBaseDn" defaultValue={v?.groupBaseDn} autoComplete="off" errors={errors.groupBaseDn} hint={t("groupBaseDnHint")} />
        <Field label={t("groupFilter")} name="groupFilter" defaultValue={v?.groupFilter} autoComplete="off" errors={errors.groupFilter} hint={t("groupFilterHint")} />
        <Field label={t("groupNameAttribute")} name="groupNameAttribute" defaultValue={v?.groupNameAttribute ?? "cn"} autoComplete="off" errors={errors.groupNameAttribute} />
        <Field
          label={t("groupMemberAttribute")}
          name="groupMemberAttribute"
          defaultValue={v?.groupMemberAttribute ?? "member"}
          autoComplete="off"
          errors={errors.groupMemberAttribute}
          hint={t("groupMemberAttributeHint")}
        />
        <Field
          label={t("groupMembershipAttribute")}
          name="groupMembershipAttribute"
          defaultValue={v?.groupMembershipAttribute}
          autoComplete="off"
          errors={errors.groupMembershipAttribute}
          hint={t("groupMembershipAttributeHint")}
        />
        <Field label={t("adminGroupDn")} name="adminGroupDn" defaultValue={v?.adminGroupDn} autoComplete="off" errors={errors.adminGroupDn} hint={t("adminGroupDnHint")} />
        {check("onboard", t("onboard"), v?.onboard ?? true, t("onboardHint"))}
      </fieldset>
      {canEdit && (
        <div className="flex gap-2">
          <Button type="submit" name="intent" value="save" disabled={saving || testing}>
            {saving ? t("saving") : t("saveLdap")}
          </Button>
          <Button type="submit" name="intent" value="test" variant="secondary" disabled={saving || testing} data-testid="ldap-test">
            {testing ? t("testing") : t("testConnection")}
          </Button>
        </div>
      )}
      {last === "save" ? <FormMessage result={saveResult} /> : <TestOutcome result={testResult} />}
    </form>
  );
}

function TestOutcome({ result }: { result: LdapTestResult }) {
  const t = useTranslations("authentication");
  if (!result.ok || !result.test) return <FormMessage result={result} />;
  const { userCount, truncated, sample } = result.test;
  return (
    <div role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800" data-testid="ldap-test-result">
      <p>{truncated ? t("testFoundMore", { count: userCount }) : t("testFound", { count: userCount })}</p>
      {sample.length > 0 && (
        <ul className="mt-1 list-inside list-disc">
          {sample.map((u) => (
            <li key={u.dn}>
              <span className="font-medium">{u.username}</span> <span className="text-xs text-emerald-700">{u.dn}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
