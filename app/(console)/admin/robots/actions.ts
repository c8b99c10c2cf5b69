"use server";

import { revalidatePath } from "next/cache";
import type { ActionResult } from "@/lib/actions/action-result";
import { formAction } from "@/lib/actions/form-action";
import { getServerEnv } from "@/lib/env";
import { registryHostOf } from "@/lib/robots/kubernetes-pull-secret";
import { createSystemRobot, deleteRobot, refreshRobotSecret, setRobotDisabled } from "@/lib/services/robots/robots";
import { ZCreateSystemRobot, ZRobotRef, ZSetRobotDisabled } from "@/lib/validation/robots";

/** Create and refresh answer with the secret: the only time it ever leaves the server. */
export type SystemRobotSecretResult = ActionResult & { secret?: string; robotName?: string; registry?: string };

const PATH = "/admin/robots";
/** The form's scopes are numbered fields; more than this is no form of ours. */
const MAX_SCOPES = 50;

/**
 * The form posts `scopes` (how many), and per scope i `namespace-i` (a project name or * for all
 * projects) and `permissions-i` (repeated). The grants are every (namespace, permission) pair.
 */
function readSystemRobot(formData: FormData) {
  const scopes = Math.min(Number(formData.get("scopes")) || 0, MAX_SCOPES);
  const grants: { namespace: FormDataEntryValue | null; permission: FormDataEntryValue }[] = [];
  for (let i = 0; i < scopes; i++) {
    const namespace = formData.get(`namespace-${i}`);
    for (const permission of formData.getAll(`permissions-${i}`)) grants.push({ namespace, permission });
  }
  return {
    name: formData.get("name"),
    description: formData.get("description") ?? "",
    durationDays: formData.get("durationDays"),
    grants,
  };
}

export const createSystemRobotAction = formAction<typeof ZCreateSystemRobot, Awaited<ReturnType<typeof createSystemRobot>>, SystemRobotSecretResult>(
  ZCreateSystemRobot,
  (input, actor) => createSystemRobot({ actor, input }),
  (_input, { robot, secret }) => {
    revalidatePath(PATH);
    return { ok: true, message: `Robot ${robot.name} created.`, secret, robotName: robot.name, registry: registryHostOf(getServerEnv().externalUrl) };
  },
  { read: readSystemRobot },
);

export const refreshSystemRobotSecretAction = formAction<typeof ZRobotRef, Awaited<ReturnType<typeof refreshRobotSecret>>, SystemRobotSecretResult>(
  ZRobotRef,
  (input, actor) => refreshRobotSecret({ actor, robotId: input.robotId }),
  (_input, { robot, secret }) => {
    revalidatePath(PATH);
    return { ok: true, message: `New secret for ${robot.name}.`, secret, robotName: robot.name, registry: registryHostOf(getServerEnv().externalUrl) };
  },
  { hiddenFieldsOnly: true },
);

export const setSystemRobotDisabledAction = formAction(
  ZSetRobotDisabled,
  (input, actor) => setRobotDisabled({ actor, robotId: input.robotId, disabled: input.disabled }),
  (input) => {
    revalidatePath(PATH);
    return { ok: true, message: input.disabled ? "Robot disabled." : "Robot enabled." };
  },
  { hiddenFieldsOnly: true },
);

export const deleteSystemRobotAction = formAction(
  ZRobotRef,
  (input, actor) => deleteRobot({ actor, robotId: input.robotId }),
  () => {
    revalidatePath(PATH);
    return { ok: true, message: "Robot deleted." };
  },
  { hiddenFieldsOnly: true },
);
