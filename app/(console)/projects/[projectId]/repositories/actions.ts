"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { artifactHref, repositoryHref } from "@/app/(console)/projects/[projectId]/repositories/format";
import type { ActionResult } from "@/lib/actions/action-result";
import { formAction } from "@/lib/actions/form-action";
import { addTag } from "@/lib/services/repositories/add-tag";
import { copyArtifact } from "@/lib/services/repositories/copy-artifact";
import { deleteArtifact } from "@/lib/services/repositories/delete-artifact";
import { deleteRepository } from "@/lib/services/repositories/delete-repository";
import { deleteTag } from "@/lib/services/repositories/delete-tag";
import { updateRepositoryDescription } from "@/lib/services/repositories/update-repository-description";
import { startArtifactScan } from "@/lib/services/scan/manual-scan";
import { ZAddTag, ZCopyArtifact, ZDeleteArtifact, ZDeleteRepository, ZDeleteTag, ZStartArtifactScanForm, ZUpdateDescription } from "@/lib/validation/repositories";

/*
 * Thin: parse the form, call the service (which checks the permission again, whatever the page
 * showed), revalidate. deleteTag takes no project id, so the project check is done by the name.
 */

export const updateDescriptionAction = formAction(
  ZUpdateDescription,
  (input, actor) => updateRepositoryDescription({ actor, ...input }),
  (input) => {
    revalidatePath(repositoryHref(input.projectId, input.repository));
    return { ok: true, message: "Description saved." };
  },
);

export const addTagAction = formAction(
  ZAddTag,
  (input, actor) => addTag({ actor, ...input }),
  (input) => {
    revalidatePath(repositoryHref(input.projectId, input.repository), "layout");
    return { ok: true, message: `Tag ${input.tag} added.` };
  },
);

export const deleteTagAction = formAction(
  ZDeleteTag,
  (input, actor) => deleteTag({ actor, repository: input.repository, tag: input.tag }),
  (input) => {
    revalidatePath(repositoryHref(input.projectId, input.repository), "layout");
    return { ok: true, message: `Tag ${input.tag} deleted.` };
  },
);

export const deleteArtifactAction = formAction(
  ZDeleteArtifact,
  (input, actor) => deleteArtifact({ actor, ...input }),
  (input, _result, formData) => {
    const href = repositoryHref(input.projectId, input.repository);
    revalidatePath(href, "layout");
    // The artifact's own page no longer exists; its repository's list is where the user goes.
    if (formData.get("from") === "detail") redirect(href);
    return { ok: true, message: "Artifact deleted." };
  },
);

export const deleteRepositoryAction = formAction(
  ZDeleteRepository,
  (input, actor) => deleteRepository({ actor, ...input }),
  (input) => {
    revalidatePath(`/projects/${input.projectId}/repositories`, "layout");
    redirect(`/projects/${input.projectId}/repositories`);
  },
);

/** The Copy form's outcome: on success, where the copy is (for the link in the message). */
export type CopyArtifactResult = ActionResult & { href?: string; linkText?: string };

export const copyArtifactAction = formAction<typeof ZCopyArtifact, Awaited<ReturnType<typeof copyArtifact>>, CopyArtifactResult>(
  ZCopyArtifact,
  ({ from, project, repository, tag }, actor) => copyArtifact({ actor, from, to: `${project}/${repository}`, tag: tag ?? null }),
  (_input, copied) => {
    revalidatePath(`/projects/${copied.projectId}/repositories`, "layout");
    const name = copied.tag ? `${copied.repository}:${copied.tag}` : `${copied.repository}@${copied.digest}`;
    return { ok: true, message: "Copied to", linkText: name, href: artifactHref(copied.projectId, copied.repository, copied.tag ?? copied.digest) };
  },
);

export const startArtifactScanAction = formAction(
  ZStartArtifactScanForm,
  ({ projectId, repository, digest, scanType }, actor) => startArtifactScan({ actor, projectId, repository, reference: digest, input: { scanType } }),
  (input) => {
    revalidatePath(artifactHref(input.projectId, input.repository, input.digest));
    return { ok: true, message: input.scanType === "sbom" ? "SBOM generation queued." : "Scan queued." };
  },
  { hiddenFieldsOnly: true },
);
