"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { formAction } from "@/lib/actions/form-action";
import { deleteUserGroup } from "@/lib/services/identity/user-groups";
import { createGroupRoleRule, deleteGroupRoleRule } from "@/lib/services/members/role-rules";
import { ZCreateGroupRoleRule, ZDeleteGroupRoleRule, ZDeleteUserGroup } from "@/lib/validation/users";

/** A role in every project whose name matches a pattern, for every member of the group. */
export const createGroupRoleRuleAction = formAction(
  ZCreateGroupRoleRule,
  (input, actor) => createGroupRoleRule({ actor, input }),
  (input, rule) => {
    revalidatePath(`/admin/groups/${input.groupId}`);
    return { ok: true, message: `Role added for projects matching ${rule.pattern}.` };
  },
);

export const deleteGroupRoleRuleAction = formAction(
  ZDeleteGroupRoleRule,
  (input, actor) => deleteGroupRoleRule({ actor, groupId: input.groupId, ruleId: input.ruleId }),
  (input) => {
    revalidatePath(`/admin/groups/${input.groupId}`);
    return { ok: true, message: "Role across projects removed." };
  },
  { hiddenFieldsOnly: true },
);

export const deleteUserGroupAction = formAction(
  ZDeleteUserGroup,
  (input, actor) => deleteUserGroup({ actor, groupId: input.groupId }),
  () => {
    revalidatePath("/admin/groups");
    redirect("/admin/groups");
  },
  { hiddenFieldsOnly: true },
);
