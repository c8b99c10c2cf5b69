"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { artifactHref, repositoryHref } from "@/app/(console)/projects/[projectId]/repositories/format";
import { type ActionResult, toActionError } from "@/lib/actions/action-result";
import { getActor } from "@/lib/auth/session";
import { addTag } from "@/lib/services/repositories/add-tag";
import { copyArtifact } from "@/lib/services/repositories/copy-artifact";
import { deleteArtifact } from "@/lib/services/repositories/delete-artifact";
import { deleteRepository } from "@/lib/services/repositories/delete-repository";
import { deleteTag } from "@/lib/services/repositories/delete-tag";
import { updateRepositoryDescription } from "@/lib/services/repositories/update-repository-description";
import { fieldErrorsOf } from "@/lib/validation/common";
import { ZAddTag, ZCopyArtifact, ZDeleteArtifact, ZDeleteRepository, ZDeleteTag, ZUpdateDescription } from "@/lib/validation/repositories";

/*
 * Thin: parse the form, call the service (which checks the permission again, whatever the page
 * showed), revalidate. deleteTag takes no project id, so the project check is done by the name.
 */

const INVALID = "Check the highlighted fields.";

export async function updateDescriptionAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZUpdateDescription.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: INVALID, fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await updateRepositoryDescription({ actor: await getActor(), ...parsed.data });
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath(repositoryHref(parsed.data.projectId, parsed.data.repository));
  return { ok: true, message: "Description saved." };
}

export async function addTagAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZAddTag.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: INVALID, fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await addTag({ actor: await getActor(), ...parsed.data });
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath(repositoryHref(parsed.data.projectId, parsed.data.repository), "layout");
  return { ok: true, message: `Tag ${parsed.data.tag} added.` };
}

export async function deleteTagAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZDeleteTag.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: INVALID, fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await deleteTag({ actor: await getActor(), repository: parsed.data.repository, tag: parsed.data.tag });
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath(repositoryHref(parsed.data.projectId, parsed.data.repository), "layout");
  return { ok: true, message: `Tag ${parsed.data.tag} deleted.` };
}

export async function deleteArtifactAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZDeleteArtifact.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: INVALID, fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await deleteArtifact({ actor: await getActor(), ...parsed.data });
  } catch (err) {
    return toActionError(err);
  }
  const href = repositoryHref(parsed.data.projectId, parsed.data.repository);
  revalidatePath(href, "layout");
  // The artifact's own page no longer exists; its repository's list is where the user goes.
  if (formData.get("from") === "detail") redirect(href);
  return { ok: true, message: "Artifact deleted." };
}

export async function deleteRepositoryAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZDeleteRepository.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: INVALID, fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await deleteRepository({ actor: await getActor(), ...parsed.data });
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath(`/projects/${parsed.data.projectId}/repositories`, "layout");
  redirect(`/projects/${parsed.data.projectId}/repositories`);
}


/** The Copy form's outcome: on success, where the copy is (for the link in the message). */
export type CopyArtifactResult = ActionResult & { href?: string; linkText?: string };

export async function copyArtifactAction(_prev: CopyArtifactResult, formData: FormData): Promise<CopyArtifactResult> {
  const parsed = ZCopyArtifact.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: INVALID, fieldErrors: fieldErrorsOf(parsed.error) };
  const { from, project, repository, tag } = parsed.data;
  let copied;
  try {
    copied = await copyArtifact({ actor: await getActor(), from, to: `${project}/${repository}`, tag: tag ?? null });
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath(`/projects/${copied.projectId}/repositories`, "layout");
  const name = copied.tag ? `${copied.repository}:${copied.tag}` : `${copied.repository}@${copied.digest}`;
  return { ok: true, message: "Copied to", linkText: name, href: artifactHref(copied.projectId, copied.repository, copied.tag ?? copied.digest) };
}
