"use server";

import { revalidatePath } from "next/cache";
import { type ActionResult, toActionError } from "@/lib/actions/action-result";
import { getActor } from "@/lib/auth/session";
import { addProjectMember, removeProjectMember, updateProjectMember } from "@/lib/services/members/members";
import { searchUsers } from "@/lib/services/users/search-users";
import { fieldErrorsOf } from "@/lib/validation/common";
import { ZAddMember, ZRemoveMember, ZUpdateMember } from "@/lib/validation/projects";

const INVALID = "Check the highlighted fields.";

export async function addMemberAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZAddMember.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: INVALID, fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await addProjectMember({ actor: await getActor(), input: parsed.data });
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath(`/projects/${parsed.data.projectId}/members`);
  return { ok: true, message: `${parsed.data.username} added.` };
}

export async function updateMemberRoleAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZUpdateMember.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: INVALID, fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await updateProjectMember({ actor: await getActor(), input: parsed.data });
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath(`/projects/${parsed.data.projectId}/members`);
  return { ok: true, message: "Role changed." };
}

export async function removeMemberAction(_prev: ActionResult, formData: FormData): Promise<ActionResult> {
  const parsed = ZRemoveMember.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: INVALID, fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await removeProjectMember({ actor: await getActor(), input: parsed.data });
  } catch (err) {
    return toActionError(err);
  }
  revalidatePath(`/projects/${parsed.data.projectId}/members`);
  return { ok: true, message: "Member removed." };
}

/** The member picker's search (react-query calls it as the user types). */
export async function searchUsersAction(q: string): Promise<{ username: string; fullName: string }[]> {
  if (typeof q !== "string") return [];
  try {
    const users = await searchUsers({ actor: await getActor(), q, limit: 8 });
    return users.map((u) => ({ username: u.username, fullName: u.fullName }));
  } catch {
    return [];
  }
}
