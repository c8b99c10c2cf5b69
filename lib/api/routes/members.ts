/**
 * `/projects/{project_name_or_id}/members[/{mid}]` in Harbor's shapes (ProjectMemberEntity,
 * ProjectMember, RoleRequest). Members are users (entity_type "u") or LDAP / OIDC groups ("g").
 */
import { parseInput, readJsonObject } from "@/lib/api/body";
import { locationUnder, pathId, projectFromPath } from "@/lib/api/params";
import { listResponse, parsePaging } from "@/lib/api/pagination";
import { HARBOR_GROUP_TYPES, numeric, ZProjectMemberReq } from "@/lib/api/requests";
import { toHarborMember } from "@/lib/api/shapes";
import { created, ok, withApi } from "@/lib/api/with-api";
import { groupById } from "@/lib/services/identity/user-groups";
import {
  addProjectGroupMember,
  addProjectMember,
  getProjectMember,
  listProjectMembers,
  removeProjectMember,
  updateProjectMember,
} from "@/lib/services/members/members";
import { usernameOfUserId } from "@/lib/services/users/current-user";
import { ZAddGroupMember, ZAddMember, ZRemoveMember, ZUpdateMember } from "@/lib/validation/projects";

type ProjectParams = { project_name_or_id: string };
type MemberParams = ProjectParams & { mid: string };

const MEMBER_FIELDS = { roleId: "role_id", memberId: "mid", username: "member_user.username" } as const;
const GROUP_MEMBER_FIELDS = { roleId: "role_id", groupType: "member_group.group_type", groupName: "member_group.group_name", ldapGroupDn: "member_group.ldap_group_dn" } as const;

/** `entityname` filters by username (substring, case-insensitive). */
export const list = withApi<ProjectParams>(async ({ req, url, actor, params }) => {
  const paging = parsePaging(url.searchParams);
  const ref = await projectFromPath(req, params.project_name_or_id);
  const q = url.searchParams.get("entityname")?.trim() || undefined;
  const page = await listProjectMembers({ actor, projectId: ref.id, query: { q, page: paging.page, pageSize: paging.pageSize } });
  return listResponse(url, page.rows.map((m) => toHarborMember(m, ref.id)), page.total, paging);
});

/**
 * `member_user.username` wins over `member_user.user_id` when both are given; a `member_group` is
 * a group by id, or an LDAP group by DN (group_type 1) or an OIDC group by name (group_type 3).
 */
export const add = withApi<ProjectParams>(async ({ req, url, actor, params }) => {
  const body = parseInput(ZProjectMemberReq, await readJsonObject(req));
  const ref = await projectFromPath(req, params.project_name_or_id);
  if (body.member_group) {
    const group = body.member_group.id ? await groupById({ actor, groupId: body.member_group.id }) : null;
    const groupType = group ? group.groupType : HARBOR_GROUP_TYPES[body.member_group.group_type!];
    const input = parseInput(
      ZAddGroupMember,
      {
        projectId: ref.id,
        groupType,
        groupName: group ? group.name : (body.member_group.group_name ?? ""),
        ldapGroupDn: group ? (groupType === "ldap" ? group.externalKey : undefined) : (body.member_group.ldap_group_dn ?? undefined),
        roleId: body.role_id,
      },
      GROUP_MEMBER_FIELDS,
    );
    const member = await addProjectGroupMember({ actor, input });
    return created(locationUnder(url, member.id));
  }
  const username =
    body.member_user?.username || (await usernameOfUserId({ actor, userId: body.member_user?.user_id ?? 0 }));
  const input = parseInput(ZAddMember, { projectId: ref.id, username, roleId: body.role_id }, MEMBER_FIELDS);
  const member = await addProjectMember({ actor, input });
  return created(locationUnder(url, member.id));
});

export const get = withApi<MemberParams>(async ({ req, actor, params }) => {
  const memberId = pathId(params.mid, "mid");
  const ref = await projectFromPath(req, params.project_name_or_id);
  const member = await getProjectMember({ actor, projectId: ref.id, memberId });
  return Response.json(toHarborMember(member, ref.id));
});

export const update = withApi<MemberParams>(async ({ req, actor, params }) => {
  const memberId = pathId(params.mid, "mid");
  // RoleRequest: role_id is checked by the shared schema (before the project lookup, by pick).
  const role_id = numeric((await readJsonObject(req)).role_id);
  parseInput(ZUpdateMember.pick({ roleId: true }), { roleId: role_id }, MEMBER_FIELDS);
  const ref = await projectFromPath(req, params.project_name_or_id);
  const input = parseInput(ZUpdateMember, { projectId: ref.id, memberId, roleId: role_id }, MEMBER_FIELDS);
  await updateProjectMember({ actor, input });
  return ok();
});

/** Removing (or demoting) the last Project Admin is refused with 409 CONFLICT by the service. */
export const remove = withApi<MemberParams>(async ({ req, actor, params }) => {
  const memberId = pathId(params.mid, "mid");
  const ref = await projectFromPath(req, params.project_name_or_id);
  const input = parseInput(ZRemoveMember, { projectId: ref.id, memberId }, MEMBER_FIELDS);
  await removeProjectMember({ actor, input });
  return ok();
});
