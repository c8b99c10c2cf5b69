"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import {
  addMemberAction,
  removeMemberAction,
  searchUsersAction,
  updateMemberRoleAction,
} from "@/app/(console)/projects/[projectId]/members/actions";
import { ConfirmActionForm } from "@/components/ui/confirm-dialog";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-result";
import { useActionForm } from "@/lib/actions/use-action-form";
import { PROJECT_ROLES, projectRoleLabel } from "@/lib/services/authz/project-roles";

function RoleSelect({ id, defaultValue, label }: { id: string; defaultValue: number; label: string }) {
  return (
    <>
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <select id={id} name="roleId" defaultValue={defaultValue} className="rounded-md border border-slate-300 px-2 py-1.5 text-sm">
        {PROJECT_ROLES.map((r) => (
          <option key={r.id} value={r.id}>
            {r.label}
          </option>
        ))}
      </select>
    </>
  );
}

/** Adds a user with a role; the username field suggests matching users as you type. */
export function AddMemberForm({ projectId }: { projectId: number }) {
  const [term, setTerm] = useState("");
  const { result, errors, formProps } = useActionForm(addMemberAction, INITIAL_ACTION_RESULT, {
    resetOnSuccess: true,
    onSuccess: () => setTerm(""),
  });
  const suggestions = useQuery({
    queryKey: ["user-search", term],
    queryFn: () => searchUsersAction(term),
    enabled: term.trim().length >= 1,
    staleTime: 10_000,
  });
  return (
    <form {...formProps} className="rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="add-member-heading">
      <h2 id="add-member-heading" className="mb-3 font-semibold">Add a member</h2>
      <div className="flex flex-wrap items-end gap-3">
        <input type="hidden" name="projectId" value={projectId} />
        <div>
          <label htmlFor="member-username" className="block text-sm font-medium">
            Username
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
          <datalist id="member-suggestions">
            {(suggestions.data ?? []).map((u) => (
              <option key={u.username} value={u.username}>
                {u.fullName}
              </option>
            ))}
          </datalist>
        </div>
        <div>
          <span className="block text-sm font-medium">Role</span>
          <div className="mt-1">
            <RoleSelect id="member-role" defaultValue={2} label="Role of the new member" />
          </div>
        </div>
        <SubmitButton pendingText="Adding…">Add member</SubmitButton>
      </div>
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

export function MemberRow({
  projectId,
  member,
  canManage,
}: {
  projectId: number;
  member: { id: number; username: string; fullName: string; roleId: number };
  canManage: boolean;
}) {
  const { result: roleResult, formProps: roleFormProps } = useActionForm(updateMemberRoleAction, INITIAL_ACTION_RESULT);
  return (
    <tr data-testid={`member-${member.username}`}>
      <td className="px-4 py-2.5">
        <span className="font-medium">{member.username}</span> <span className="text-slate-500">{member.fullName}</span>
      </td>
      <td className="px-4 py-2.5">
        {canManage ? (
          <form {...roleFormProps} className="flex items-center gap-2">
            <input type="hidden" name="projectId" value={projectId} />
            <input type="hidden" name="memberId" value={member.id} />
            <RoleSelect id={`role-${member.id}`} defaultValue={member.roleId} label={`Role of ${member.username}`} />
            <SubmitButton variant="secondary" pendingText="Saving…">
              Change role
            </SubmitButton>
            <FormMessage result={roleResult} />
          </form>
        ) : (
          projectRoleLabel(member.roleId)
        )}
      </td>
      {canManage && (
        <td className="px-4 py-2.5 text-right">
          <ConfirmActionForm
            action={removeMemberAction}
            fields={{ projectId, memberId: member.id }}
            triggerLabel="Remove"
            title={`Remove ${member.username} from this project?`}
            description="They lose the access this membership gave them at once."
            confirmLabel="Remove member"
            pendingText="Removing…"
            success={`${member.username} removed from the project.`}
          />
        </td>
      )}
    </tr>
  );
}
