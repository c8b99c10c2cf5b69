"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { type ActionResult, toActionError } from "@/lib/actions/action-result";
import { getActor } from "@/lib/auth/session";
import { createProject } from "@/lib/services/projects/create-project";
import { fieldErrorsOf } from "@/lib/validation/common";
import { ZCreateProject } from "@/lib/validation/projects";

export async function createProjectAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZCreateProject.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: "Check the highlighted fields.", fieldErrors: fieldErrorsOf(parsed.error) };
  let projectId: number;
  try {
    projectId = (await createProject({ actor: await getActor(), input: parsed.data })).id;
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath("/projects");
  redirect(`/projects/${projectId}`);
}
