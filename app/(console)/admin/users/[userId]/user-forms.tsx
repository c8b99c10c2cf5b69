"use client";

import { useTranslations } from "next-intl";
import {
  createRoleRuleAction,
  deleteRoleRuleAction,
  resetTwoFactorAction,
  resetUserPasswordAction,
  setUserDisabledAction,
  setUserSystemRoleAction,
  updateUserAction,
} from "@/app/(console)/admin/users/actions";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";
import { PROJECT_ROLES } from "@/lib/services/authz/project-roles";

export function UserProfileForm({ user }: { user: { id: number; email: string; fullName: string } }) {
  const t = useTranslations("users");
  const { result, formProps: formActionProps } = useActionForm(updateUserAction, INITIAL_ACTION_RESULT);
  const errors = result.fieldErrors ?? {};
  return (
    <form {...formActionProps} className="space-y-4" noValidate>
      <input type="hidden" name="userId" value={user.id} />
      <FormMessage result={result} />
      <Field label={t("columns.email")} name="email" type="email" defaultValue={user.email} maxLength={255} errors={errors.email} />
      <Field label={t("columns.fullName")} name="fullName" defaultValue={user.fullName} maxLength={255} errors={errors.fullName} />
      <SubmitButton>{t("saveProfile")}</SubmitButton>
    </form>
  );
}

/**
 * Roles across projects: a role in every project whose name matches a pattern, present and
 * future. The list, a Remove per rule, and the form to add one (administrators; auditors see the list).
 */
export function UserRoleRules({
  userId,
  rules,
  canEdit,
  holder = { field: "userId", create: createRoleRuleAction, remove: deleteRoleRuleAction },
}: {
  /** The user's id, or the group's (with `holder`). */
  userId: number;
  rules: { id: number; pattern: string; roleId: number; createdBy: string; createdAt: string }[];
  canEdit: boolean;
  /** A group's page passes its own field name and actions. */
  holder?: { field: "userId" | "groupId"; create: typeof createRoleRuleAction; remove: typeof deleteRoleRuleAction };
}) {
  const t = useTranslations("users");
  const tp = useTranslations("project");
  const { result, formProps } = useActionForm(holder.create, INITIAL_ACTION_RESULT, { resetOnSuccess: true });
  return (
    <div className="space-y-4" data-testid="role-rules">
      {rules.length === 0 ? (
        <p className="text-sm text-slate-600">{t("roleRulesNone")}</p>
      ) : (
        <ul className="divide-y divide-slate-200 rounded-md border border-slate-200 text-sm">
          {rules.map((rule) => (
            <li key={rule.id} className="flex flex-wrap items-center justify-between gap-2 px-3 py-2" data-testid="role-rule">
              <span>
                <code className="font-mono">{rule.pattern}</code> → <span className="font-medium">{tp(`roles.r${rule.roleId}`)}</span>
                <span className="block text-xs text-slate-500">{t("roleRuleBy", { user: rule.createdBy, date: rule.createdAt })}</span>
              </span>
              {canEdit && <RemoveRoleRule holder={holder} holderId={userId} ruleId={rule.id} pattern={rule.pattern} />}
            </li>
          ))}
        </ul>
      )}
      {canEdit && (
        <form {...formProps} className="flex flex-wrap items-end gap-3" data-testid="add-role-rule">
          <input type="hidden" name={holder.field} value={userId} />
          <div className="min-w-48 flex-1">
            <Field label={t("roleRulePattern")} name="pattern" maxLength={256} errors={result.fieldErrors?.pattern}
              aria-describedby={[result.fieldErrors?.pattern?.length ? "field-pattern-error" : null, "role-rule-pattern-hint"].filter(Boolean).join(" ")}
            />
          </div>
          <div className="space-y-1">
            <label htmlFor="role-rule-role" className="block text-sm font-medium text-slate-800">
              {t("roleRuleRole")}
            </label>
            <select id="role-rule-role" name="roleId" defaultValue={4} className="rounded-md border border-slate-300 px-2 py-1.5 text-sm">
              {PROJECT_ROLES.map((r) => (
                <option key={r.id} value={r.id}>
                  {tp(`roles.r${r.id}`)}
                </option>
              ))}
            </select>
          </div>
          <SubmitButton>{t("roleRuleAdd")}</SubmitButton>
          <p id="role-rule-pattern-hint" className="w-full text-xs text-slate-500">
            {t("roleRulePatternHint")}
          </p>
          <div className="w-full">
            <FormMessage result={result} />
          </div>
        </form>
      )}
    </div>
  );
}

function RemoveRoleRule({
  holder,
  holderId,
  ruleId,
  pattern,
}: {
  holder: { field: "userId" | "groupId"; remove: typeof deleteRoleRuleAction };
  holderId: number;
  ruleId: number;
  pattern: string;
}) {
  const t = useTranslations("users");
  const { result, formProps } = useActionForm(holder.remove, INITIAL_ACTION_RESULT);
  return (
    <form {...formProps}>
      <input type="hidden" name={holder.field} value={holderId} />
      <input type="hidden" name="ruleId" value={ruleId} />
      <SubmitButton variant="secondary">
        {t("roleRuleRemove")}
        <span className="sr-only"> {pattern}</span>
      </SubmitButton>
      <FormMessage result={result} />
    </form>
  );
}

/** Whether the user has two-factor sign-in, and the administrator's reset when they do. */
export function UserTwoFactorForm({ userId, enabledAt }: { userId: number; enabledAt: string | null }) {
  const t = useTranslations("users");
  const { result, formProps } = useActionForm(resetTwoFactorAction, INITIAL_ACTION_RESULT);
  return (
    <form {...formProps} className="space-y-3" data-testid="user-two-factor">
      <input type="hidden" name="userId" value={userId} />
      <p className="text-sm">{enabledAt ? t("twoFactorOn", { date: enabledAt }) : t("twoFactorOff")}</p>
      {enabledAt && <SubmitButton variant="danger">{t("twoFactorReset")}</SubmitButton>}
      <FormMessage result={result} />
    </form>
  );
}

export function UserPasswordForm({ userId }: { userId: number }) {
  const t = useTranslations("users");
  const { result, formProps } = useActionForm(resetUserPasswordAction, INITIAL_ACTION_RESULT, { resetOnSuccess: true });
  const errors = result.fieldErrors ?? {};
  return (
    <form {...formProps} className="space-y-4" noValidate>
      <input type="hidden" name="userId" value={userId} />
      <FormMessage result={result} />
      <Field
        label={t("newPassword")}
        name="password"
        type="password"
        autoComplete="new-password"
        maxLength={128}
        hint={t("passwordRule")}
        errors={errors.password}
      />
      <SubmitButton pendingText={t("resetting")}>{t("resetPassword")}</SubmitButton>
    </form>
  );
}

export function UserAccessForms({
  user,
  isSelf,
}: {
  user: { id: number; systemRole: "none" | "admin" | "auditor"; disabled: boolean };
  isSelf: boolean;
}) {
  const t = useTranslations("users");
  const { result: roleResult, formProps: roleActionProps } = useActionForm(setUserSystemRoleAction, INITIAL_ACTION_RESULT);
  const { result: disabledResult, formProps: disabledActionProps } = useActionForm(setUserDisabledAction, INITIAL_ACTION_RESULT);
  return (
    <div className="flex flex-wrap gap-8">
      <form {...roleActionProps} className="min-w-0 max-w-full space-y-2">
        <input type="hidden" name="userId" value={user.id} />
        <label htmlFor="system-role" className="block text-sm font-medium text-slate-800">
          {t("systemRole")}
        </label>
        <select
          id="system-role"
          name="role"
          defaultValue={user.systemRole}
          className="block max-w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
        >
          <option value="none">{t("roleNone")}</option>
          <option value="admin">{t("roleAdmin")}</option>
          <option value="auditor">{t("roleAuditor")}</option>
        </select>
        <SubmitButton variant="secondary" pendingText={t("saving")}>
          {t("saveSystemRole")}
        </SubmitButton>
        {isSelf && user.systemRole === "admin" && <p className="text-xs text-slate-500">{t("ownRole")}</p>}
        <FormMessage result={roleResult} />
      </form>
      <form {...disabledActionProps} className="space-y-2">
        <input type="hidden" name="userId" value={user.id} />
        <input type="hidden" name="disabled" value={user.disabled ? "false" : "true"} />
        <p className="text-sm text-slate-600">
          {user.disabled ? t("cannotSignIn") : t("disablingExplained")}
        </p>
        <SubmitButton variant={user.disabled ? "secondary" : "danger"} pendingText={t("saving")}>
          {user.disabled ? t("enable") : t("disable")}
        </SubmitButton>
        <FormMessage result={disabledResult} />
      </form>
    </div>
  );
}
