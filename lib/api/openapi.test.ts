import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import * as fallbackRoute from "@/app/api/v2.0/[...path]/route";
import * as openApiRoute from "@/app/api/v2.0/openapi.json/route";
import * as membersRoute from "@/app/api/v2.0/projects/[project_name_or_id]/members/route";
import * as memberRoute from "@/app/api/v2.0/projects/[project_name_or_id]/members/[mid]/route";
import * as projectRoute from "@/app/api/v2.0/projects/[project_name_or_id]/route";
import * as projectsRoute from "@/app/api/v2.0/projects/route";
import * as robotRoute from "@/app/api/v2.0/robots/[robot_id]/route";
import * as robotsRoute from "@/app/api/v2.0/robots/route";
import * as userRoute from "@/app/api/v2.0/users/[user_id]/route";
import * as permissionsRoute from "@/app/api/v2.0/users/current/permissions/route";
import * as currentRoute from "@/app/api/v2.0/users/current/route";
import * as usersRoute from "@/app/api/v2.0/users/route";
import * as searchRoute from "@/app/api/v2.0/users/search/route";
import { type HttpMethod, openApiDocument } from "@/lib/api/openapi";

// Compile-time: every route module matches what Next.js's generated route validator demands.
type NextHandler<P> = (request: NextRequest, context: { params: Promise<P> }) => Promise<Response | void> | Response | void;
type RouteModule<P> = Partial<Record<"GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE", NextHandler<P>>>;
type Project = { project_name_or_id: string };
const routeTypeChecks: [
  RouteModule<Record<string, never>>,
  RouteModule<Project>,
  RouteModule<Project>,
  RouteModule<Project & { mid: string }>,
  RouteModule<Record<string, never>>,
  RouteModule<{ robot_id: string }>,
  RouteModule<Record<string, never>>,
  RouteModule<{ user_id: string }>,
  RouteModule<Record<string, never>>,
  RouteModule<Record<string, never>>,
  RouteModule<Record<string, never>>,
] = [projectsRoute, projectRoute, membersRoute, memberRoute, robotsRoute, robotRoute, usersRoute, userRoute, currentRoute, permissionsRoute, searchRoute];

const API_DIR = path.resolve(__dirname, "../../app/api/v2.0");
const METHODS: HttpMethod[] = ["get", "head", "post", "put", "patch", "delete"];

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return routeFiles(full);
    return entry === "route.ts" ? [full] : [];
  });
}

/** app/api/v2.0/projects/[project_name_or_id]/route.ts -> /projects/{project_name_or_id} */
function apiPathOf(file: string): string {
  const rel = path.relative(API_DIR, path.dirname(file)).split(path.sep).join("/");
  return `/${rel}`.replace(/\[([^\]]+)\]/g, "{$1}");
}

function collectRefs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => collectRefs(v, out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else collectRefs(v, out);
    }
  }
  return out;
}

describe("OpenAPI document", () => {
  it("describes exactly the routes and methods that exist", async () => {
    expect(routeTypeChecks).toHaveLength(11);
    const implemented: Record<string, string[]> = {};
    for (const file of routeFiles(API_DIR)) {
      // The catch-all answers Harbor's 404 for what Wharf does not implement; it is no endpoint.
      if (file.includes("[...path]")) continue;
      const mod = (await import(file)) as Record<string, unknown>;
      implemented[apiPathOf(file)] = METHODS.filter((m) => typeof mod[m.toUpperCase()] === "function");
    }
    const documented = Object.fromEntries(
      Object.entries(openApiDocument.paths).map(([p, item]) => [p, METHODS.filter((m) => item[m] !== undefined)]),
    );
    expect(documented).toEqual(implemented);
  });

  it("resolves every $ref and uses unique operation ids", () => {
    for (const target of collectRefs(openApiDocument)) {
      const [, kind, name] = /^#\/components\/(\w+)\/(.+)$/.exec(target) ?? [];
      const section = (openApiDocument.components as Record<string, Record<string, unknown>>)[kind ?? ""];
      expect(section?.[name ?? ""], target).toBeDefined();
    }
    const ids = Object.values(openApiDocument.paths).flatMap((item) => METHODS.flatMap((m) => (item[m] ? [item[m].operationId] : [])));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("answers unimplemented Harbor paths with Harbor's JSON 404", async () => {
    const res = await fallbackRoute.GET(new Request("http://localhost/api/v2.0/replication/policies"));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      errors: [{ code: "NOT_FOUND", message: "Wharf does not implement GET /api/v2.0/replication/policies. See /api/v2.0/openapi.json." }],
    });
  });

  it("is served at /api/v2.0/openapi.json", async () => {
    const res = openApiRoute.GET();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
  });
});
