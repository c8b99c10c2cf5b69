/**
 * `/projects/{project_name_or_id}/members[/{mid}]` in Harbor's shapes (ProjectMemberEntity,
 * ProjectMember, RoleRequest). Members are users only (entity_type "u"); Wharf has no groups.
 */
import { parseInput, readJsonObject } from "@/lib/api/body";
import { locationUnder, pathId, projectFromPath } from "@/lib/api/params";
import { listResponse, parsePaging } from "@/lib/api/pagination";
import { numeric, ZProjectMemberReq } from "@/lib/api/requests";
import { toHarborMember } from "@/lib/api/shapes";
import { created, ok, withApi } from "@/lib/api/with-api";
import {
  addProjectMember,
  getProjectMember,
  listProjectMembers,
  removeProjectMember,
  updateProjectMember,
} from "@/lib/services/members/members";
import { usernameOfUserId } from "@/lib/services/users/current-user";
import { ZAddMember, ZRemoveMember, ZUpdateMember } from "@/lib/validation/projects";

type ProjectParams = { project_name_or_id: string };
type MemberParams = ProjectParams & { mid: string };

const MEMBER_FIELDS = { roleId: "role_id", memberId: "mid", username: "member_user.username" } as const;

/** `entityname` filters by username (substring, case-insensitive). */
export const list = withApi<ProjectParams>(async ({ req, url, actor, params }) => {
  const paging = parsePaging(url.searchParams);
  const ref = await projectFromPath(req, params.project_name_or_id);
  const q = url.searchParams.get("entityname")?.trim() || undefined;
  const page = await listProjectMembers({ actor, projectId: ref.id, query: { q, page: paging.page, pageSize: paging.pageSize } });
  return listResponse(url, page.rows.map((m) => toHarborMember(m, ref.id)), page.total, paging);
});

/** `member_user.username` wins over `member_user.user_id` when both are given. */
export const add = withApi<ProjectParams>(async ({ req, url, actor, params }) => {
  const body = parseInput(ZProjectMemberReq, await readJsonObject(req));
  const ref = await projectFromPath(req, params.project_name_or_id);
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
