"use server";

import { revalidatePath } from "next/cache";
import { type ActionResult, toActionError } from "@/lib/actions/action-result";
import { getActor } from "@/lib/auth/session";
import { createProjectRobot, deleteRobot, refreshRobotSecret, setRobotDisabled } from "@/lib/services/robots/robots";
import { fieldErrorsOf } from "@/lib/validation/common";
import { ZCreateProjectRobot, ZRobotRef, ZSetRobotDisabled } from "@/lib/validation/robots";
import { ZId } from "@/lib/validation/common";

/** Create and refresh answer with the secret: the only time it ever leaves the server. */
export type RobotSecretResult = ActionResult & { secret?: string; robotName?: string };

export async function createProjectRobotAction(_prev: RobotSecretResult, formData: FormData): Promise<RobotSecretResult> {
  const parsed = ZCreateProjectRobot.safeParse({
    projectId: formData.get("projectId"),
    name: formData.get("name"),
    description: formData.get("description") ?? "",
    durationDays: formData.get("durationDays"),
    permissions: formData.getAll("permissions"),
  });
  if (!parsed.success) return { ok: false, message: "Check the highlighted fields.", fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    const { robot, secret } = await createProjectRobot({ actor: await getActor(), input: parsed.data });
    revalidatePath(`/projects/${parsed.data.projectId}/robots`);
    return { ok: true, message: `Robot ${robot.name} created.`, secret, robotName: robot.name };
  } catch (err) {
    return toActionError(err);
  }
}

export async function refreshRobotSecretAction(_prev: RobotSecretResult, formData: FormData): Promise<RobotSecretResult> {
  const parsed = ZRobotRef.extend({ projectId: ZId }).safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: "Invalid request." };
  try {
    const { robot, secret } = await refreshRobotSecret({ actor: await getActor(), robotId: parsed.data.robotId });
    revalidatePath(`/projects/${parsed.data.projectId}/robots`);
    return { ok: true, message: `New secret for ${robot.name}.`, secret, robotName: robot.name };
  } catch (err) {
    return toActionError(err);
  }
}

export async function setRobotDisabledAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZSetRobotDisabled.extend({ projectId: ZId }).safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: "Invalid request." };
  try {
    await setRobotDisabled({ actor: await getActor(), robotId: parsed.data.robotId, disabled: parsed.data.disabled });
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath(`/projects/${parsed.data.projectId}/robots`);
  return { ok: true, message: parsed.data.disabled ? "Robot disabled." : "Robot enabled." };
}

export async function deleteRobotAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZRobotRef.extend({ projectId: ZId }).safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: "Invalid request." };
  try {
    await deleteRobot({ actor: await getActor(), robotId: parsed.data.robotId });
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath(`/projects/${parsed.data.projectId}/robots`);
  return { ok: true, message: "Robot deleted." };
}
