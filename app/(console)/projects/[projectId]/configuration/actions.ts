"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { type ActionResult, toActionError } from "@/lib/actions/action-result";
import { getActor } from "@/lib/auth/session";
import { deleteProject } from "@/lib/services/projects/delete-project";
import { updateProject } from "@/lib/services/projects/update-project";
import { fieldErrorsOf } from "@/lib/validation/common";
import { ZDeleteProject, ZUpdateProject } from "@/lib/validation/projects";

export async function updateProjectAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZUpdateProject.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: "Check the highlighted fields.", fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await updateProject({ actor: await getActor(), input: parsed.data });
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath(`/projects/${parsed.data.projectId}`, "layout");
  return { ok: true, message: "Configuration saved." };
}

export async function deleteProjectAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZDeleteProject.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: "Invalid request." };
  try {
    await deleteProject({ actor: await getActor(), projectId: parsed.data.projectId });
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath("/projects");
  redirect("/projects");
}
