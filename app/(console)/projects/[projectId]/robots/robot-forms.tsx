"use client";

import { useState } from "react";
import {
  createProjectRobotAction,
  deleteRobotAction,
  refreshRobotSecretAction,
  type RobotSecretResult,
  setRobotDisabledAction,
} from "@/app/(console)/projects/[projectId]/robots/actions";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmActionForm } from "@/components/ui/confirm-dialog";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-result";
import { useActionForm } from "@/lib/actions/use-action-form";

const INITIAL: RobotSecretResult = { ok: false };
const DEFAULT_PERMISSIONS = new Set(["repository:pull", "repository:push"]);

/** Shows a new secret once, with a copy button; it is not stored anywhere Wharf can show it again. */
function SecretOnce({ result }: { result: RobotSecretResult }) {
  const [copied, setCopied] = useState(false);
  if (!result.ok || !result.secret) return null;
  return (
    <div role="status" className="rounded-md border border-amber-300 bg-amber-50 p-4 text-sm" data-testid="robot-secret">
      <p className="font-medium text-amber-900">Copy this secret now: it will not be shown again.</p>
      <p className="mt-2">
        Name: <code className="font-mono">{result.robotName}</code>
      </p>
      <p className="mt-1 flex items-center gap-2">
        Secret: <code className="rounded bg-white px-2 py-1 font-mono break-all" data-testid="robot-secret-value">{result.secret}</code>
        <Button
          type="button"
          variant="secondary"
          onClick={async () => {
            await navigator.clipboard?.writeText(result.secret!);
            setCopied(true);
          }}
        >
          {copied ? "Copied" : "Copy"}
        </Button>
      </p>
    </div>
  );
}

export function CreateRobotForm({
  projectId,
  projectName,
  grid,
}: {
  projectId: number;
  projectName: string;
  grid: { resource: string; actions: string[] }[];
}) {
  const { result, formProps: formActionProps } = useActionForm(createProjectRobotAction, INITIAL, { resetOnSuccess: true });
  const errors = result.fieldErrors ?? {};
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="new-robot-heading">
      <h2 id="new-robot-heading" className="mb-3 font-semibold">New robot account</h2>
      <SecretOnce result={result} />
      <form {...formActionProps} className="mt-3 space-y-4" noValidate>
        <input type="hidden" name="projectId" value={projectId} />
        <div className="grid gap-4 md:grid-cols-3">
          <Field label="Name" name="name" maxLength={128} hint={`Login: robot$${projectName}+<name>`} errors={errors.name} />
          <Field label="Description" name="description" maxLength={1024} errors={errors.description} />
          <Field
            label="Expires after (days)"
            name="durationDays"
            type="number"
            defaultValue={30}
            hint="-1 for never"
            errors={errors.durationDays}
          />
        </div>
        <fieldset>
          <legend className="text-sm font-medium">Permissions</legend>
          {errors.permissions && <p className="text-sm text-red-700" data-testid="error-permissions">{errors.permissions.join(". ")}</p>}
          <div className="mt-2 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-3">
            {grid.map((row) => (
              <div key={row.resource}>
                <span className="font-mono text-xs text-slate-600">{row.resource}</span>
                <div className="flex flex-wrap gap-x-3">
                  {row.actions.map((action) => {
                    const value = `${row.resource}:${action}`;
                    return (
                      <label key={value} className="flex items-center gap-1">
                        <input type="checkbox" name="permissions" value={value} defaultChecked={DEFAULT_PERMISSIONS.has(value)} />
                        {action}
                      </label>
                    );
                  })}
                </div>
              </div>
            ))}
          </div>
        </fieldset>
        {!result.ok && <FormMessage result={result} />}
        <SubmitButton pendingText="Creating…">Create robot</SubmitButton>
      </form>
    </section>
  );
}

export function RobotRow({
  projectId,
  robot,
  canManage,
}: {
  projectId: number;
  robot: { id: number; name: string; description: string; disabled: boolean; expiresAt: string | null; permissions: string[] };
  canManage: boolean;
}) {
  const { result: toggleResult, formProps: toggleActionProps } = useActionForm(setRobotDisabledAction, INITIAL_ACTION_RESULT);
  const expired = robot.expiresAt !== null && new Date(robot.expiresAt) <= new Date();
  return (
    <>
      <tr data-testid={`robot-${robot.name}`}>
        <td className="px-4 py-2.5">
          <span className="font-mono text-xs">{robot.name}</span>
          {robot.description && <span className="block text-xs text-slate-500">{robot.description}</span>}
        </td>
        <td className="px-4 py-2.5 text-xs">{robot.permissions.join(", ")}</td>
        <td className="px-4 py-2.5 whitespace-nowrap">{robot.expiresAt ? robot.expiresAt.slice(0, 10) : "Never"}</td>
        <td className="px-4 py-2.5">
          {robot.disabled ? <Badge tone="bad">Disabled</Badge> : expired ? <Badge tone="bad">Expired</Badge> : <Badge tone="good">Active</Badge>}
        </td>
        <td className="px-4 py-2.5">
          {canManage && (
            <div className="flex flex-wrap justify-end gap-2">
              <ConfirmActionForm
                action={refreshRobotSecretAction}
                initial={INITIAL}
                fields={{ projectId, robotId: robot.id }}
                triggerLabel="Refresh secret"
                title={`Refresh the secret of ${robot.name}?`}
                description="The current secret stops working at once; clients using it must be given the new one."
                confirmLabel="Refresh secret"
                pendingText="Refreshing…"
                variant="secondary"
                testId={`refresh-${robot.name}`}
              >
                {(result) => <SecretOnce result={result} />}
              </ConfirmActionForm>
              <form {...toggleActionProps}>
                <input type="hidden" name="projectId" value={projectId} />
                <input type="hidden" name="robotId" value={robot.id} />
                <input type="hidden" name="disabled" value={robot.disabled ? "false" : "true"} />
                <SubmitButton variant="secondary" pendingText="…">{robot.disabled ? "Enable" : "Disable"}</SubmitButton>
              </form>
              <ConfirmActionForm
                action={deleteRobotAction}
                fields={{ projectId, robotId: robot.id }}
                triggerLabel="Delete"
                title={`Delete robot ${robot.name}?`}
                description="Clients using it stop working at once."
                confirmLabel="Delete robot"
                pendingText="Deleting…"
                testId={`delete-${robot.name}`}
              />
            </div>
          )}
        </td>
      </tr>
      {toggleResult.message && (
        <tr>
          <td colSpan={5} className="px-4 pb-3">
            <FormMessage result={toggleResult} />
          </td>
        </tr>
      )}
    </>
  );
}
