"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { formAction } from "@/lib/actions/form-action";
import { createProject } from "@/lib/services/projects/create-project";
import { ZCreateProjectForm } from "@/lib/validation/projects";

export const createProjectAction = formAction(
  ZCreateProjectForm,
  ({ registryId, cacheDays, ...input }, actor) =>
    createProject({ actor, input: { ...input, ...(typeof registryId === "number" ? { proxy: { registryId, cacheDays: typeof cacheDays === "number" ? cacheDays : 7 } } : {}) } }),
  (_input, project) => {
    revalidatePath("/projects");
    redirect(`/projects/${project.id}`);
  },
);
