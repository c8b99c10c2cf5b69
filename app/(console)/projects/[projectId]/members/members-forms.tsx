"use client";

import { useTranslations } from "next-intl";
import { lazy, Suspense, useState } from "react";
import { addGroupMemberAction, addMemberAction, removeMemberAction, updateMemberRoleAction } from "@/app/(console)/projects/[projectId]/members/actions";
import { useHydrated } from "@/components/live/use-hydrated";
import { ConfirmActionForm } from "@/components/ui/confirm-dialog";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";
import { PROJECT_ROLES } from "@/lib/services/authz/project-roles";

function RoleSelect({
  id,
  defaultValue,
  label,
  onChange,
  describedBy,
}: {
  id: string;
  defaultValue: number;
  label: string;
  onChange?: (roleId: number) => void;
  describedBy?: string;
}) {
  const t = useTranslations("project");
  return (
    <>
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <select
        id={id}
        name="roleId"
        defaultValue={defaultValue}
        onChange={onChange ? (e) => onChange(Number(e.target.value)) : undefined}
        aria-describedby={describedBy}
        className="rounded-md border border-slate-300 px-2 py-1.5 text-sm"
      >
        {PROJECT_ROLES.map((r) => (
          <option key={r.id} value={r.id}>
            {t(`roles.r${r.id}`)}
          </option>
        ))}
      </select>
    </>
  );
}

/** The suggestions (react-query) arrive after the page is interactive; until then an empty list. */
const UserSuggestions = lazy(() => import("@/app/(console)/projects/[projectId]/members/user-suggestions"));

/** Developer: what most new members need (push and pull), as Harbor preselects too. */
const DEFAULT_ROLE = 2;

/** Adds a user with a role; the username field suggests matching users as you type. */
export function AddMemberForm({ projectId }: { projectId: number }) {
  const t = useTranslations("members");
  const tp = useTranslations("project");
  const [term, setTerm] = useState("");
  const hydrated = useHydrated();
  const [roleId, setRoleId] = useState<number>(DEFAULT_ROLE);
  const { result, errors, formProps } = useActionForm(addMemberAction, INITIAL_ACTION_RESULT, {
    resetOnSuccess: true,
    onSuccess: () => {
      setTerm("");
      setRoleId(DEFAULT_ROLE);
    },
  });
  return (
    <form {...formProps} className="rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="add-member-heading">
      <h2 id="add-member-heading" className="mb-3 font-semibold">{t("add")}</h2>
      <div className="flex flex-wrap items-end gap-3">
        <input type="hidden" name="projectId" value={projectId} />
        <div>
          <label htmlFor="member-username" className="block text-sm font-medium">
            {t("username")}
          </label>
          <input
            id="member-username"
            name="username"
            list="member-suggestions"
            autoComplete="off"
            value={term}
            onChange={(e) => setTerm(e.target.value)}
            aria-invalid={errors.username ? true : undefined}
            className="mt-1 block w-64 rounded-md border border-slate-300 px-3 py-1.5 text-sm"
          />
          {hydrated ? (
            <Suspense fallback={<datalist id="member-suggestions" />}>
              <UserSuggestions id="member-suggestions" term={term} />
            </Suspense>
          ) : (
            <datalist id="member-suggestions" />
          )}
        </div>
        <div>
          <span className="block text-sm font-medium">{t("role")}</span>
          <div className="mt-1">
            <RoleSelect id="member-role" defaultValue={DEFAULT_ROLE} label={t("newMemberRole")} onChange={setRoleId} describedBy="member-role-description" />
          </div>
        </div>
        <SubmitButton pendingText={t("adding")}>{t("addButton")}</SubmitButton>
        {/* Beside the picker: what the chosen role may do, so no one has to guess what "Maintainer" means. */}
        <p id="member-role-description" className="max-w-xs self-center text-sm text-slate-600" data-testid="role-description" aria-live="polite">
          <span className="font-medium">{tp(`roles.r${roleId}`)}:</span> {tp(`roleDescriptions.r${roleId}`)}
        </p>
      </div>
      <details className="mt-3 text-sm text-slate-600">
        <summary className="cursor-pointer text-sky-800">{t("legend")}</summary>
        <dl className="mt-2 grid gap-x-4 gap-y-1 sm:grid-cols-[auto_1fr]" data-testid="role-legend">
          {PROJECT_ROLES.map((r) => (
            <div key={r.id} className="contents">
              <dt className="font-medium text-slate-800">{tp(`roles.r${r.id}`)}</dt>
              <dd>{tp(`roleDescriptions.r${r.id}`)}</dd>
            </div>
          ))}
        </dl>
      </details>
      {errors.username && (
        <p className="mt-2 text-sm text-red-700" data-testid="error-username">
          {errors.username.join(". ")}
        </p>
      )}
      <div className="mt-2">
        <FormMessage result={result} />
      </div>
    </form>
  );
}

/**
 * Adds an LDAP group (by DN) or an OIDC group (by the groups claim's value) with a role: every
 * member of the group holds it, as the identity provider reports them at each sign-in.
 */
export function AddGroupMemberForm({ projectId, defaultGroupType }: { projectId: number; defaultGroupType: "ldap" | "oidc" }) {
  const t = useTranslations("members");
  const [groupType, setGroupType] = useState<"ldap" | "oidc">(defaultGroupType);
  const { result, errors, formProps } = useActionForm(addGroupMemberAction, INITIAL_ACTION_RESULT, { resetOnSuccess: true });
  const fieldError = (name: string) =>
    errors[name] ? (
      <p className="mt-1 text-sm text-red-700" data-testid={`error-${name}`}>
        {errors[name].join(". ")}
      </p>
    ) : null;
  return (
    <form {...formProps} className="rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="add-group-heading" data-testid="add-group-form">
      <h2 id="add-group-heading" className="mb-1 font-semibold">{t("addGroup")}</h2>
      <p className="mb-3 text-sm text-slate-600">{t("addGroupHint")}</p>
      <input type="hidden" name="projectId" value={projectId} />
      <div className="flex flex-wrap items-start gap-3">
        <div>
          <label htmlFor="group-type" className="block text-sm font-medium">{t("groupType")}</label>
          <select
            id="group-type"
            name="groupType"
            value={groupType}
            onChange={(e) => setGroupType(e.target.value === "ldap" ? "ldap" : "oidc")}
            className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          >
            <option value="ldap">{t("groupTypes.ldap")}</option>
            <option value="oidc">{t("groupTypes.oidc")}</option>
          </select>
        </div>
        {groupType === "ldap" && (
          <div>
            <label htmlFor="group-dn" className="block text-sm font-medium">{t("groupDn")}</label>
            <input
              id="group-dn"
              name="ldapGroupDn"
              autoComplete="off"
              aria-invalid={errors.ldapGroupDn ? true : undefined}
              className="mt-1 block w-80 rounded-md border border-slate-300 px-3 py-1.5 font-mono text-sm"
            />
            {fieldError("ldapGroupDn")}
          </div>
        )}
        <div>
          <label htmlFor="group-name" className="block text-sm font-medium">{groupType === "ldap" ? t("groupNameOptional") : t("groupName")}</label>
          <input
            id="group-name"
            name="groupName"
            autoComplete="off"
            aria-invalid={errors.groupName ? true : undefined}
            className="mt-1 block w-56 rounded-md border border-slate-300 px-3 py-1.5 text-sm"
          />
          {fieldError("groupName")}
        </div>
        <div>
          <span className="block text-sm font-medium">{t("role")}</span>
          <div className="mt-1">
            <RoleSelect id="group-role" defaultValue={DEFAULT_ROLE} label={t("newGroupRole")} />
          </div>
        </div>
        <div className="self-end">
          <SubmitButton pendingText={t("adding")}>{t("addGroupButton")}</SubmitButton>
        </div>
      </div>
      <div className="mt-2">
        <FormMessage result={result} />
      </div>
    </form>
  );
}

export function MemberRow({
  projectId,
  member,
  canManage,
}: {
  projectId: number;
  member: { id: number; entityType: "u" | "g"; username: string; fullName: string; roleId: number; group: { groupType: string; externalKey: string } | null };
  canManage: boolean;
}) {
  const t = useTranslations("members");
  const tp = useTranslations("project");
  const { result: roleResult, formProps: roleFormProps } = useActionForm(updateMemberRoleAction, INITIAL_ACTION_RESULT);
  return (
    <tr data-testid={member.group ? `group-member-${member.username}` : `member-${member.username}`}>
      <td className="px-4 py-2.5">
        <span className="font-medium">{member.username}</span>{" "}
        {member.group ? (
          <>
            <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">{t(`groupBadge.${member.group.groupType === "ldap" ? "ldap" : "oidc"}`)}</span>
            {member.group.groupType === "ldap" && <span className="ml-2 font-mono text-xs text-slate-500">{member.group.externalKey}</span>}
          </>
        ) : (
          <span className="text-slate-500">{member.fullName}</span>
        )}
      </td>
      <td className="px-4 py-2.5">
        {canManage ? (
          <form {...roleFormProps} className="flex items-center gap-2">
            <input type="hidden" name="projectId" value={projectId} />
            <input type="hidden" name="memberId" value={member.id} />
            <RoleSelect id={`role-${member.id}`} defaultValue={member.roleId} label={t("roleOf", { username: member.username })} />
            <SubmitButton variant="secondary" pendingText={t("saving")}>
              {t("changeRole")}
            </SubmitButton>
            <FormMessage result={roleResult} />
          </form>
        ) : (
          tp(`roles.r${member.roleId}`)
        )}
      </td>
      {canManage && (
        <td className="px-4 py-2.5 text-right">
          <ConfirmActionForm
            action={removeMemberAction}
            fields={{ projectId, memberId: member.id }}
            triggerLabel={t("remove")}
            title={t("removeTitle", { username: member.username })}
            description={t("removeDescription")}
            confirmLabel={t("removeConfirm")}
            pendingText={t("removing")}
            success={t("removed", { username: member.username })}
          />
        </td>
      )}
    </tr>
  );
}
