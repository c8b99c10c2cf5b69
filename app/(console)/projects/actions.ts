"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { formAction } from "@/lib/actions/form-action";
import { createProject } from "@/lib/services/projects/create-project";
import { ZCreateProject } from "@/lib/validation/projects";

export const createProjectAction = formAction(
  ZCreateProject,
  (input, actor) => createProject({ actor, input }),
  (_input, project) => {
    revalidatePath("/projects");
    redirect(`/projects/${project.id}`);
  },
);
