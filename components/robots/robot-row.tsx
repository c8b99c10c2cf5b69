"use client";

import { useTranslations } from "next-intl";
import { SecretOnce } from "@/components/robots/secret-once";
import { formatTime } from "@/app/(console)/projects/[projectId]/repositories/format";
import { Badge } from "@/components/ui/badge";
import { ConfirmActionForm } from "@/components/ui/confirm-dialog";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { type ActionResult, INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";
import { expiryState } from "@/lib/robots/picker-model";
import { ROBOT_COLUMN_COUNT, type RobotRowData } from "@/components/robots/robot-list";

export type RobotSecretAnswer = ActionResult & { secret?: string; robotName?: string };
type Action<R extends ActionResult> = (prev: R, formData: FormData) => Promise<R>;

const INITIAL: RobotSecretAnswer = { ok: false };

function PermissionSummary({ permissions, showNamespace }: { permissions: RobotRowData["permissions"]; showNamespace: boolean }) {
  const count = permissions.reduce((n, g) => n + g.permissions.length, 0);
  const t = useTranslations("robots");
  return (
    <details className="text-xs" data-testid="robot-permissions">
      <summary className="cursor-pointer whitespace-nowrap text-sky-800">
        {t("permissionCount", { count })}
      </summary>
      <ul className="mt-1 space-y-1">
        {permissions.map((g) => (
          <li key={g.namespace}>
            {showNamespace && <span className="font-semibold">{g.namespace === "*" ? t("allProjects") : g.namespace}: </span>}
            <span className="font-mono break-words">{g.permissions.join(", ")}</span>
          </li>
        ))}
      </ul>
    </details>
  );
}

/**
 * One robot: name and description, its permissions, when and by whom it was created, how long it
 * has left, and (for who may) refresh, disable/enable and delete. The server actions authorize.
 */
export function RobotRow({
  robot,
  fields,
  canManage,
  showNamespace = false,
  actions,
}: {
  robot: RobotRowData;
  /** Hidden fields every action posts besides robotId (a project robot's projectId). */
  fields: Record<string, string | number>;
  canManage: boolean;
  showNamespace?: boolean;
  actions: { refresh: Action<RobotSecretAnswer>; toggle: Action<ActionResult>; remove: Action<ActionResult> };
}) {
  const { result: toggleResult, formProps: toggleActionProps } = useActionForm(actions.toggle, INITIAL_ACTION_RESULT);
  const expired = robot.expiresAt !== null && new Date(robot.expiresAt) <= new Date();
  const t = useTranslations("robots");
  const status = robot.disabled ? <Badge tone="bad">{t("disabled")}</Badge> : expired ? <Badge tone="bad">{t("expired")}</Badge> : <Badge tone="good">{t("active")}</Badge>;
  const expiry = expiryState(robot.expiresAt);
  const created = formatTime(robot.createdAt);
  return (
    <>
      <tr data-testid={`robot-${robot.name}`} className="align-top">
        <td className="px-4 py-2.5">
          <span className="font-mono text-xs break-all">{robot.name}</span>
          {robot.description && <span className="block text-xs break-words text-slate-500">{robot.description}</span>}
          {/* What the collapsed columns would say. */}
          <span className="mt-1 block text-xs text-slate-500 @3xl:hidden">
            {t("by", { creator: robot.creatorName, created })}
          </span>
          <span className="mt-1 block @2xl:hidden">{status}</span>
        </td>
        <td className="px-4 py-2.5">
          <PermissionSummary permissions={robot.permissions} showNamespace={showNamespace} />
        </td>
        <td className="hidden px-4 py-2.5 text-xs whitespace-nowrap text-slate-600 @4xl:table-cell" data-testid="robot-created">
          {created}
        </td>
        <td className="hidden px-4 py-2.5 text-xs break-all @3xl:table-cell" data-testid="robot-creator">
          {robot.creatorName}
        </td>
        <td className="px-4 py-2.5 text-xs" data-testid="robot-expiry" title={robot.expiresAt ?? t("never")}>
          {t(`expiry.${expiry.kind}`, { days: expiry.days })}
        </td>
        <td className="hidden px-4 py-2.5 @2xl:table-cell">{status}</td>
        <td className="px-4 py-2.5">
          {canManage && (
            <div className="flex flex-wrap justify-end gap-2">
              <ConfirmActionForm
                action={actions.refresh}
                initial={INITIAL}
                fields={{ ...fields, robotId: robot.id }}
                triggerLabel={t("refreshSecret")}
                title={t("refreshTitle", { name: robot.name })}
                description={t("refreshDescription")}
                confirmLabel={t("refreshSecret")}
                pendingText={t("refreshing")}
                variant="secondary"
                testId={`refresh-${robot.name}`}
              >
                {(result) => <SecretOnce result={result} />}
              </ConfirmActionForm>
              <form {...toggleActionProps}>
                {Object.entries(fields).map(([k, v]) => (
                  <input key={k} type="hidden" name={k} value={v} />
                ))}
                <input type="hidden" name="robotId" value={robot.id} />
                <input type="hidden" name="disabled" value={robot.disabled ? "false" : "true"} />
                <SubmitButton variant="secondary" pendingText="…">
                  {robot.disabled ? t("enable") : t("disable")}
                </SubmitButton>
              </form>
              <ConfirmActionForm
                action={actions.remove}
                fields={{ ...fields, robotId: robot.id }}
                triggerLabel={t("delete")}
                title={t("deleteTitle", { name: robot.name })}
                description={t("deleteDescription")}
                confirmLabel={t("deleteRobot")}
                pendingText={t("deleting")}
                testId={`delete-${robot.name}`}
              />
            </div>
          )}
        </td>
      </tr>
      {toggleResult.message && (
        <tr>
          <td colSpan={ROBOT_COLUMN_COUNT} className="px-4 pb-3">
            <FormMessage result={toggleResult} />
          </td>
        </tr>
      )}
    </>
  );
}
