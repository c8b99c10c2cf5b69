"use server";

import { revalidatePath } from "next/cache";
import { formAction } from "@/lib/actions/form-action";
import { getActor } from "@/lib/auth/session";
import { addProjectGroupMember, addProjectMember, removeProjectMember, updateProjectMember } from "@/lib/services/members/members";
import { searchUsers } from "@/lib/services/users/search-users";
import { ZAddGroupMember, ZAddMember, ZRemoveMember, ZUpdateMember } from "@/lib/validation/projects";

export const addMemberAction = formAction(
  ZAddMember,
  (input, actor) => addProjectMember({ actor, input }),
  (input) => {
    revalidatePath(`/projects/${input.projectId}/members`);
    return { ok: true, message: `${input.username} added.` };
  },
);

export const addGroupMemberAction = formAction(
  ZAddGroupMember,
  (input, actor) => addProjectGroupMember({ actor, input }),
  (input, member) => {
    revalidatePath(`/projects/${input.projectId}/members`);
    return { ok: true, message: `Group ${member.username} added.` };
  },
);

export const updateMemberRoleAction = formAction(
  ZUpdateMember,
  (input, actor) => updateProjectMember({ actor, input }),
  (input) => {
    revalidatePath(`/projects/${input.projectId}/members`);
    return { ok: true, message: "Role changed." };
  },
);

export const removeMemberAction = formAction(
  ZRemoveMember,
  (input, actor) => removeProjectMember({ actor, input }),
  (input) => {
    revalidatePath(`/projects/${input.projectId}/members`);
    return { ok: true, message: "Member removed." };
  },
);

/** The member picker's search (react-query, in user-suggestions.tsx, calls it as the user types). */
export async function searchUsersAction(q: string): Promise<{ username: string; fullName: string }[]> {
  if (typeof q !== "string") return [];
  try {
    const users = await searchUsers({ actor: await getActor(), q, limit: 8 });
    return users.map((u) => ({ username: u.username, fullName: u.fullName }));
  } catch {
    return [];
  }
}
