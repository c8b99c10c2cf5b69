/**
 * `/users`, `/users/{user_id}`, `/users/{user_id}/sysadmin`, `/users/{user_id}/system-role`,
 * `/users/current`, `/users/current/permissions`, `/users/search` in Harbor's shapes (UserResp,
 * UserCreationReq, UserSysAdminFlag, UserSearchRespItem, Permission).
 */
import { parseInput, parseInputs, readJsonObject } from "@/lib/api/body";
import { locationUnder, pathId } from "@/lib/api/params";
import { listResponse, parsePaging } from "@/lib/api/pagination";
import { harborQ, parseBooleanParam, parseQuery } from "@/lib/api/query";
import { ZSystemRoleReq, ZUserCreationReq, ZUserSysAdminFlagReq } from "@/lib/api/requests";
import { type HarborPermission, type HarborUserSearchItem, toHarborUser } from "@/lib/api/shapes";
import { created, ok, withApi } from "@/lib/api/with-api";
import { ValidationError } from "@/lib/errors";
import { listOwnProjectPermissions } from "@/lib/services/authz/current-permissions";
import { createUser } from "@/lib/services/users/create-user";
import { getCurrentUser } from "@/lib/services/users/current-user";
import { getUser } from "@/lib/services/users/get-user";
import { listUsers } from "@/lib/services/users/list-users";
import { searchUsersPage } from "@/lib/services/users/search-users";
import { setUserAdmin } from "@/lib/services/users/set-user-admin";
import { setUserSystemRole } from "@/lib/services/users/set-user-system-role";
import { ZCreateUser } from "@/lib/validation/users";

/**
 * Admins and auditors. `username=<text>` or `q=username=~<text>` (also `email=~`, `realname=~`)
 * filter; Wharf's user search matches the text in username, email or full name alike.
 */
export const list = withApi(async ({ url, actor }) => {
  const params = url.searchParams;
  const paging = parsePaging(params);
  const terms = parseQuery(harborQ(params), { username: ["fuzzy"], email: ["fuzzy"], realname: ["fuzzy"] });
  if (terms.size > 1) throw new ValidationError("q: give one of username, email or realname");
  const given = [params.get("username")?.trim(), [...terms.values()][0]?.value.trim()].filter(Boolean);
  if (given.length > 1) throw new ValidationError("username: give the filter either as username= or inside q, not both");
  const page = await listUsers({ actor, query: { q: given[0] || undefined, page: paging.page, pageSize: paging.pageSize } });
  return listResponse(url, page.rows.map(toHarborUser), page.total, paging);
});

/**
 * Admins only. `realname` is the full name; `comment` is accepted and not kept. Administrator
 * rights are never granted here (as Harbor: its PUT /users/{id}/sysadmin does that).
 */
export const create = withApi(async ({ req, url, actor }) => {
  const raw = await readJsonObject(req);
  const [, input] = parseInputs(
    [ZUserCreationReq, raw],
    [ZCreateUser, { username: raw.username, email: raw.email, fullName: raw.realname, password: raw.password, isAdmin: false }, { fullName: "realname" }],
  );
  const user = await createUser({ actor, input });
  return created(locationUnder(url, user.id));
});

export const get = withApi<{ user_id: string }>(async ({ actor, params }) => {
  const user = await getUser({ actor, userId: pathId(params.user_id, "user_id") });
  return Response.json(toHarborUser(user));
});

/** 401 for anonymous callers; 403 for robots (authenticated, but not a user with a profile). */
export const current = withApi(async ({ actor }) => {
  return Response.json(toHarborUser(await getCurrentUser({ actor })));
});

const MAX_PROJECT_ID = 2_147_483_647;

/**
 * `scope=/project/<id>` (required; Wharf has no system-scope permission list yet): the caller's
 * permissions there as `{resource, action}`, resource `/project/<id>/<resource>`, or just
 * `<resource>` with `relative=true`. A project the caller has no rights in (or that does not
 * exist) gives `[]`.
 */
export const currentPermissions = withApi(async ({ url, actor }) => {
  const scope = url.searchParams.get("scope")?.trim().replace(/\/+$/, "") ?? "";
  const match = /^\/project\/(\d{1,10})$/.exec(scope);
  if (!match?.[1]) throw new ValidationError("scope: must be /project/<project id>");
  const relative = parseBooleanParam("relative", url.searchParams.get("relative")) ?? false;
  // Beyond Postgres' int range no project can exist (and the lookup would try it as a name).
  const projectId = Number(match[1]);
  const permissions = projectId <= MAX_PROJECT_ID ? await listOwnProjectPermissions({ actor, projectId }) : [];
  return Response.json(
    permissions.map((p): HarborPermission => {
      const [resource = "", action = ""] = p.split(":");
      return { resource: relative ? resource : `${scope}/${resource}`, action };
    }),
  );
});

/**
 * Any signed-in user (robots get 401, as the service decides): enabled users whose username
 * contains `username`, as Harbor's `[{user_id, username}]`, paged with `page`/`page_size` and
 * answered with `X-Total-Count` and `Link`.
 */
export const search = withApi(async ({ url, actor }) => {
  const username = url.searchParams.get("username")?.trim();
  if (!username) throw new ValidationError("username: is required");
  const paging = parsePaging(url.searchParams);
  const page = await searchUsersPage({ actor, q: username, page: paging.page, pageSize: paging.pageSize });
  return listResponse(url, page.rows.map((u): HarborUserSearchItem => ({ user_id: u.id, username: u.username })), page.total, paging);
});

/**
 * Harbor's `PUT /users/{user_id}/sysadmin`: grants or revokes the administrator role (revoking
 * leaves the user with no system role). Administrators only; the last enabled administrator and
 * the caller's own role cannot be given up (409).
 */
export const setSysadmin = withApi<{ user_id: string }>(async ({ req, actor, params }) => {
  const userId = pathId(params.user_id, "user_id");
  const body = parseInput(ZUserSysAdminFlagReq, await readJsonObject(req));
  await setUserAdmin({ actor, input: { userId, isAdmin: body.sysadmin_flag } });
  return ok();
});

/**
 * Wharf's `PUT /users/{user_id}/system-role` with `{"role": "admin" | "auditor" | "none"}`, the
 * only way over REST to make someone an auditor. Same rules as the sysadmin flag.
 */
export const setSystemRole = withApi<{ user_id: string }>(async ({ req, actor, params }) => {
  const userId = pathId(params.user_id, "user_id");
  const body = parseInput(ZSystemRoleReq, await readJsonObject(req));
  await setUserSystemRole({ actor, input: { userId, role: body.role } });
  return ok();
});
