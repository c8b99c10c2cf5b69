"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { formAction } from "@/lib/actions/form-action";
import { deleteProject } from "@/lib/services/projects/delete-project";
import { updateProject } from "@/lib/services/projects/update-project";
import { ZDeleteProject, ZUpdateProject, ZUpdateProjectIpAllowlist } from "@/lib/validation/projects";
import { ZUpdatePullPolicy } from "@/lib/validation/pull-policy";
import { updateQuota } from "@/lib/services/quotas/quotas";
import { ZUpdateProjectQuota } from "@/lib/validation/quotas";

export const updateProjectAction = formAction(
  ZUpdateProject,
  (input, actor) => updateProject({ actor, input }),
  (input) => {
    revalidatePath(`/projects/${input.projectId}`, "layout");
    return { ok: true, message: "Configuration saved." };
  },
);

export const updatePullPolicyAction = formAction(
  ZUpdatePullPolicy,
  ({ projectId, cveIds, cveExpiresAt, ...settings }, actor) => updateProject({ actor, input: { projectId, ...settings, cveAllowlist: { cveIds, expiresAt: cveExpiresAt } } }),
  (input) => {
    revalidatePath(`/projects/${input.projectId}`, "layout");
    return { ok: true, message: "Pull policy saved." };
  },
);

/** The project's IP allowlist (Project Admins; never one that leaves out the saver's own address). */
export const updateProjectIpAllowlistAction = formAction(
  ZUpdateProjectIpAllowlist,
  (input, actor) => updateProject({ actor, input: { projectId: input.projectId, ipAllowlist: input.ipAllowlist } }),
  (input) => {
    revalidatePath(`/projects/${input.projectId}`, "layout");
    return { ok: true, message: "IP allowlist saved." };
  },
);

/** The project's storage limit (administrators; the form is shown only to them). */
export const updateProjectQuotaAction = formAction(
  ZUpdateProjectQuota,
  (input, actor) => updateQuota({ actor, id: input.projectId, storageLimit: input.storageLimit }),
  (input) => {
    revalidatePath(`/projects/${input.projectId}`, "layout");
    revalidatePath("/projects");
    return { ok: true, message: "Storage limit saved." };
  },
);

export const deleteProjectAction = formAction(
  ZDeleteProject,
  (input, actor) => deleteProject({ actor, projectId: input.projectId }),
  () => {
    revalidatePath("/projects");
    redirect("/projects");
  },
  { hiddenFieldsOnly: true },
);
