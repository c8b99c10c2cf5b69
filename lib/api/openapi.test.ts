import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import * as fallbackRoute from "@/app/api/v2.0/[...path]/route";
import * as openApiRoute from "@/app/api/v2.0/openapi.json/route";
import { type HttpMethod, openApiDocument } from "@/lib/api/openapi";

/** What Next.js's generated route validator demands of a route module, for the params of its path. */
type NextHandler<P> = (request: NextRequest, context: { params: Promise<P> }) => Promise<Response | void> | Response | void;
type RouteModule<P> = Partial<Record<"GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE", NextHandler<P>>>;
/** The params Next.js passes the route at an OpenAPI-style path: one string per `{name}` segment. */
type ParamsOf<Path extends string> = Path extends `${string}{${infer Name}}${infer Rest}` ? { [K in Name]: string } & ParamsOf<Rest> : Record<never, never>;

/** Compiles only when each module's handlers accept the params of the path it is listed under. */
function typeCheckedRoutes<const T extends Record<string, Promise<object>>>(modules: T & { [Path in keyof T & string]: Promise<RouteModule<ParamsOf<Path>>> }): T {
  return modules;
}

/** Every route module but the catch-all, by its path: `tsc` checks them as `next build` would. */
const ROUTE_MODULES = typeCheckedRoutes({
  "/audit-logs": import("@/app/api/v2.0/audit-logs/route"),
  "/health/ready": import("@/app/api/v2.0/health/ready/route"),
  "/health": import("@/app/api/v2.0/health/route"),
  "/openapi.json": import("@/app/api/v2.0/openapi.json/route"),
  "/ping": import("@/app/api/v2.0/ping/route"),
  "/projects/{project_name_or_id}/logs": import("@/app/api/v2.0/projects/[project_name_or_id]/logs/route"),
  "/projects/{project_name_or_id}/members/{mid}": import("@/app/api/v2.0/projects/[project_name_or_id]/members/[mid]/route"),
  "/projects/{project_name_or_id}/members": import("@/app/api/v2.0/projects/[project_name_or_id]/members/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/additions/build_history": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/additions/build_history/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/tags/{tag_name}": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/tags/[tag_name]/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/tags": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/tags/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/route"),
  "/projects/{project_name_or_id}/repositories": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/route"),
  "/projects/{project_name_or_id}": import("@/app/api/v2.0/projects/[project_name_or_id]/route"),
  "/projects": import("@/app/api/v2.0/projects/route"),
  "/robots/{robot_id}": import("@/app/api/v2.0/robots/[robot_id]/route"),
  "/robots": import("@/app/api/v2.0/robots/route"),
  "/search": import("@/app/api/v2.0/search/route"),
  "/system/purgeaudit/schedule": import("@/app/api/v2.0/system/purgeaudit/schedule/route"),
  "/users/{user_id}": import("@/app/api/v2.0/users/[user_id]/route"),
  "/users/{user_id}/sysadmin": import("@/app/api/v2.0/users/[user_id]/sysadmin/route"),
  "/users/{user_id}/system-role": import("@/app/api/v2.0/users/[user_id]/system-role/route"),
  "/users/current/permissions": import("@/app/api/v2.0/users/current/permissions/route"),
  "/users/current": import("@/app/api/v2.0/users/current/route"),
  "/users": import("@/app/api/v2.0/users/route"),
  "/users/search": import("@/app/api/v2.0/users/search/route"),
});

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
  it("type-checks every route module, each under its own path (a new route needs an entry in ROUTE_MODULES)", async () => {
    const onDisk = routeFiles(API_DIR).filter((file) => !file.includes("[..."));
    expect(Object.keys(ROUTE_MODULES).sort()).toEqual(onDisk.map(apiPathOf).sort());
    for (const file of onDisk) expect(await ROUTE_MODULES[apiPathOf(file) as keyof typeof ROUTE_MODULES], file).toBe(await import(file));
  });

  it("describes exactly the routes and methods that exist", async () => {
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
