/**
 * Every REST list route pages through the one paging schema: the same limits, the same 400 naming
 * the fields at fault, Harbor's default page size, and the limits themselves accepted.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as auditLogsRoute from "@/app/api/v2.0/audit-logs/route";
import * as projectLogsRoute from "@/app/api/v2.0/projects/[project_name_or_id]/logs/route";
import * as membersRoute from "@/app/api/v2.0/projects/[project_name_or_id]/members/route";
import * as artifactsRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/route";
import * as repositoriesRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/route";
import * as projectsRoute from "@/app/api/v2.0/projects/route";
import * as robotsRoute from "@/app/api/v2.0/robots/route";
import * as usersRoute from "@/app/api/v2.0/users/route";
import * as userSearchRoute from "@/app/api/v2.0/users/search/route";
import { apiRequest, basic, call, createTestUser, errorOf } from "@/lib/api/test-kit";
import { createProject } from "@/lib/services/registry-auth/test-fixtures";

type Handler = (typeof projectsRoute)["GET"];
type ListRoute = { path: string; query?: string; handler: Handler; params: Record<string, string> };

let auth: string;
let routes: ListRoute[];

beforeAll(async () => {
  auth = basic((await createTestUser({ isAdmin: true })).username);
  const project = await createProject();
  const p = { project_name_or_id: project.name };
  routes = [
    { path: "/projects", handler: projectsRoute.GET, params: {} },
    { path: "/users", handler: usersRoute.GET, params: {} },
    { path: "/users/search", query: "username=a", handler: userSearchRoute.GET, params: {} },
    { path: "/robots", handler: robotsRoute.GET, params: {} },
    { path: "/audit-logs", handler: auditLogsRoute.GET, params: {} },
    { path: `/projects/${project.name}/members`, handler: membersRoute.GET as Handler, params: p },
    { path: `/projects/${project.name}/repositories`, handler: repositoriesRoute.GET as Handler, params: p },
    { path: `/projects/${project.name}/logs`, handler: projectLogsRoute.GET as Handler, params: p },
    {
      path: `/projects/${project.name}/repositories/app/artifacts`,
      handler: artifactsRoute.GET as Handler,
      params: { ...p, repository_name: "app" },
    },
  ];
});

const get = (route: ListRoute, paging: string) =>
  call(route.handler, apiRequest(`${route.path}?${[route.query, paging].filter(Boolean).join("&")}`, { auth }), route.params);

describe("REST list routes share one paging schema", () => {
  it.each([
    ["page=0", "page: Must be a positive integer"],
    ["page=1.5", "page: Must be a positive integer"],
    ["page_size=0", "page_size: Must be an integer from 1 to 100"],
    ["page_size=101", "page_size: Must be an integer from 1 to 100"],
    ["page=-1&page_size=1e3", "page: Must be a positive integer; page_size: Must be an integer from 1 to 100"],
  ])("%s is a 400 naming the field on every list route", async (paging, message) => {
    for (const route of routes) {
      const res = await get(route, paging);
      expect(res.status, route.path).toBe(400);
      expect(await errorOf(res), route.path).toEqual({ code: "BAD_REQUEST", message });
    }
  });

  it("accepts the limits (page 1, page_size 1 and 100) wherever the list exists", async () => {
    for (const route of routes.filter((r) => !r.path.endsWith("/artifacts"))) {
      for (const paging of ["page=1&page_size=1", "page_size=100", ""]) {
        const res = await get(route, paging);
        expect(res.status, `${route.path}?${paging}`).toBe(200);
      }
    }
  });
});
