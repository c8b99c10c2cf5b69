"use server";

import { revalidatePath } from "next/cache";
import type { ActionResult } from "@/lib/actions/action-result";
import { formAction } from "@/lib/actions/form-action";
import { getServerEnv } from "@/lib/env";
import { registryHostOf } from "@/lib/robots/kubernetes-pull-secret";
import { createProjectRobot, deleteRobot, refreshRobotSecret, setRobotDisabled } from "@/lib/services/robots/robots";
import { ZCreateProjectRobot, ZRobotRef, ZSetRobotDisabled } from "@/lib/validation/robots";
import { ZId } from "@/lib/validation/common";

/** Create and refresh answer with the secret: the only time it ever leaves the server. */
export type RobotSecretResult = ActionResult & { secret?: string; robotName?: string; registry?: string };

const ZRobotInProject = ZRobotRef.extend({ projectId: ZId });

export const createProjectRobotAction = formAction<typeof ZCreateProjectRobot, Awaited<ReturnType<typeof createProjectRobot>>, RobotSecretResult>(
  ZCreateProjectRobot,
  (input, actor) => createProjectRobot({ actor, input }),
  (input, { robot, secret }) => {
    revalidatePath(`/projects/${input.projectId}/robots`);
    return { ok: true, message: `Robot ${robot.name} created.`, secret, robotName: robot.name, registry: registryHostOf(getServerEnv().externalUrl) };
  },
  {
    // Permissions are a repeated field.
    read: (formData) => ({
      projectId: formData.get("projectId"),
      name: formData.get("name"),
      description: formData.get("description") ?? "",
      durationDays: formData.get("durationDays"),
      permissions: formData.getAll("permissions"),
    }),
  },
);

export const refreshRobotSecretAction = formAction<typeof ZRobotInProject, Awaited<ReturnType<typeof refreshRobotSecret>>, RobotSecretResult>(
  ZRobotInProject,
  (input, actor) => refreshRobotSecret({ actor, robotId: input.robotId }),
  (input, { robot, secret }) => {
    revalidatePath(`/projects/${input.projectId}/robots`);
    return { ok: true, message: `New secret for ${robot.name}.`, secret, robotName: robot.name, registry: registryHostOf(getServerEnv().externalUrl) };
  },
  { hiddenFieldsOnly: true },
);

export const setRobotDisabledAction = formAction(
  ZSetRobotDisabled.extend({ projectId: ZId }),
  (input, actor) => setRobotDisabled({ actor, robotId: input.robotId, disabled: input.disabled }),
  (input) => {
    revalidatePath(`/projects/${input.projectId}/robots`);
    return { ok: true, message: input.disabled ? "Robot disabled." : "Robot enabled." };
  },
  { hiddenFieldsOnly: true },
);

export const deleteRobotAction = formAction(
  ZRobotInProject,
  (input, actor) => deleteRobot({ actor, robotId: input.robotId }),
  (input) => {
    revalidatePath(`/projects/${input.projectId}/robots`);
    return { ok: true, message: "Robot deleted." };
  },
  { hiddenFieldsOnly: true },
);
