/**
 * `/usergroups` in Harbor's shapes (UserGroup, UserGroupSearchItem): the LDAP and OIDC groups
 * Wharf knows. List (administrators and auditors; `group_name` part of the name, paging), get
 * (anyone signed in, to add a group to a project by id), delete (administrators; its project roles
 * go with it) and search by name (anyone signed in). Groups are created by adding one to a project
 * (`member_group`) or by a member's sign-in, so there is no POST here.
 */
import { z } from "zod";
import { listResponse, parsePaging } from "@/lib/api/pagination";
import { pathId } from "@/lib/api/params";
import { ok, withApi } from "@/lib/api/with-api";
import { ValidationError } from "@/lib/errors";
import { deleteUserGroup, groupById, listUserGroups, searchUserGroups, type UserGroupRow } from "@/lib/services/identity/user-groups";

type GroupParams = { group_id: string };

/** Harbor's group_type: 1 LDAP, 3 OIDC. */
const HARBOR_GROUP_TYPE = { ldap: 1, oidc: 3 } as const;

export const ZHarborUserGroup = z
  .object({
    id: z.int(),
    group_name: z.string(),
    group_type: z.union([z.literal(1), z.literal(3)]).describe("1 LDAP, 3 OIDC."),
    ldap_group_dn: z.string().describe("The LDAP group's DN (lower case); empty for an OIDC group."),
  })
  .describe("UserGroup");

export const ZHarborUserGroupSearchItem = z
  .object({ id: z.int(), group_name: z.string(), group_type: z.union([z.literal(1), z.literal(3)]) })
  .describe("UserGroupSearchItem");

function groupTypeOf(groupType: string): 1 | 3 {
  return groupType === "ldap" ? HARBOR_GROUP_TYPE.ldap : HARBOR_GROUP_TYPE.oidc;
}

function toHarborUserGroup(group: Pick<UserGroupRow, "id" | "name" | "groupType" | "externalKey">): z.infer<typeof ZHarborUserGroup> {
  return { id: group.id, group_name: group.name, group_type: groupTypeOf(group.groupType), ldap_group_dn: group.groupType === "ldap" ? group.externalKey : "" };
}

export const list = withApi(async ({ url, actor }) => {
  const paging = parsePaging(url.searchParams);
  const q = url.searchParams.get("group_name")?.trim() || undefined;
  const page = await listUserGroups({ actor, query: { q, page: paging.page, pageSize: paging.pageSize } });
  return listResponse(url, page.rows.map(toHarborUserGroup), page.total, paging);
});

export const search = withApi(async ({ url, actor }) => {
  const paging = parsePaging(url.searchParams);
  const groupName = url.searchParams.get("groupname")?.trim();
  if (!groupName) throw new ValidationError("groupname: required");
  const rows = await searchUserGroups({ actor, q: groupName, limit: paging.pageSize });
  return Response.json(rows.map((g) => ({ id: g.id, group_name: g.name, group_type: groupTypeOf(g.groupType) })));
});

export const get = withApi<GroupParams>(async ({ actor, params }) => {
  const group = await groupById({ actor, groupId: pathId(params.group_id, "group_id") });
  return Response.json(toHarborUserGroup(group));
});

export const remove = withApi<GroupParams>(async ({ actor, params }) => {
  await deleteUserGroup({ actor, groupId: pathId(params.group_id, "group_id") });
  return ok();
});
