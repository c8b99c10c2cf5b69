import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import type { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import * as fallbackRoute from "@/app/api/v2.0/[...path]/route";
import * as openApiRoute from "@/app/api/v2.0/openapi.json/route";
import { HTTP_METHODS, openApiDocument } from "@/lib/api/openapi";
import { apiRequest, checkAgainstDocument } from "@/lib/api/test-kit";

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
  "/projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}": import("@/app/api/v2.0/projects/[project_name_or_id]/immutabletagrules/[immutable_rule_id]/route"),
  "/projects/{project_name_or_id}/immutabletagrules": import("@/app/api/v2.0/projects/[project_name_or_id]/immutabletagrules/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/additions/build_history": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/additions/build_history/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/additions/vulnerabilities": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/additions/vulnerabilities/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/scan": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/scan/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/tags/{tag_name}": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/tags/[tag_name]/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/tags": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/tags/route"),
  "/labels": import("@/app/api/v2.0/labels/route"),
  "/labels/{id}": import("@/app/api/v2.0/labels/[id]/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/labels": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/labels/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/labels/{label_id}": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/labels/[label_id]/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/route"),
  "/projects/{project_name_or_id}/repositories": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/route"),
  "/projects/{project_name_or_id}": import("@/app/api/v2.0/projects/[project_name_or_id]/route"),
  "/projects": import("@/app/api/v2.0/projects/route"),
  "/projects/{project_name_or_id}/summary": import("@/app/api/v2.0/projects/[project_name_or_id]/summary/route"),
  "/quotas": import("@/app/api/v2.0/quotas/route"),
  "/quotas/{id}": import("@/app/api/v2.0/quotas/[id]/route"),
  "/registries/{id}/info": import("@/app/api/v2.0/registries/[id]/info/route"),
  "/registries/{id}/projects": import("@/app/api/v2.0/registries/[id]/projects/route"),
  "/registries/{id}": import("@/app/api/v2.0/registries/[id]/route"),
  "/registries/ping": import("@/app/api/v2.0/registries/ping/route"),
  "/registries": import("@/app/api/v2.0/registries/route"),
  "/security/summary": import("@/app/api/v2.0/security/summary/route"),
  "/security/vul": import("@/app/api/v2.0/security/vul/route"),
  "/replication/adapters": import("@/app/api/v2.0/replication/adapters/route"),
  "/replication/adapterinfos": import("@/app/api/v2.0/replication/adapterinfos/route"),
  "/replication/policies": import("@/app/api/v2.0/replication/policies/route"),
  "/replication/policies/{id}": import("@/app/api/v2.0/replication/policies/[id]/route"),
  "/replication/policies/{id}/preview": import("@/app/api/v2.0/replication/policies/[id]/preview/route"),
  "/replication/executions": import("@/app/api/v2.0/replication/executions/route"),
  "/replication/executions/{id}": import("@/app/api/v2.0/replication/executions/[id]/route"),
  "/replication/executions/{id}/retry": import("@/app/api/v2.0/replication/executions/[id]/retry/route"),
  "/replication/executions/{id}/tasks": import("@/app/api/v2.0/replication/executions/[id]/tasks/route"),
  "/replication/executions/{id}/tasks/{task_id}/log": import("@/app/api/v2.0/replication/executions/[id]/tasks/[task_id]/log/route"),
  "/retentions": import("@/app/api/v2.0/retentions/route"),
  "/retentions/metadatas": import("@/app/api/v2.0/retentions/metadatas/route"),
  "/retentions/system-default": import("@/app/api/v2.0/retentions/system-default/route"),
  "/retentions/{id}": import("@/app/api/v2.0/retentions/[id]/route"),
  "/retentions/{id}/executions": import("@/app/api/v2.0/retentions/[id]/executions/route"),
  "/retentions/{id}/executions/{eid}": import("@/app/api/v2.0/retentions/[id]/executions/[eid]/route"),
  "/retentions/{id}/executions/{eid}/tasks": import("@/app/api/v2.0/retentions/[id]/executions/[eid]/tasks/route"),
  "/projects/{project_name_or_id}/webhook/policies": import("@/app/api/v2.0/projects/[project_name_or_id]/webhook/policies/route"),
  "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}": import("@/app/api/v2.0/projects/[project_name_or_id]/webhook/policies/[webhook_policy_id]/route"),
  "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/test": import("@/app/api/v2.0/projects/[project_name_or_id]/webhook/policies/[webhook_policy_id]/test/route"),
  "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/executions": import("@/app/api/v2.0/projects/[project_name_or_id]/webhook/policies/[webhook_policy_id]/executions/route"),
  "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/executions/{execution_id}/tasks": import("@/app/api/v2.0/projects/[project_name_or_id]/webhook/policies/[webhook_policy_id]/executions/[execution_id]/tasks/route"),
  "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/executions/{execution_id}/tasks/{task_id}/log": import("@/app/api/v2.0/projects/[project_name_or_id]/webhook/policies/[webhook_policy_id]/executions/[execution_id]/tasks/[task_id]/log/route"),
  "/projects/{project_name_or_id}/webhook/lasttrigger": import("@/app/api/v2.0/projects/[project_name_or_id]/webhook/lasttrigger/route"),
  "/projects/{project_name_or_id}/webhook/events": import("@/app/api/v2.0/projects/[project_name_or_id]/webhook/events/route"),
  "/projects/{project_name_or_id}/webhook/jobs": import("@/app/api/v2.0/projects/[project_name_or_id]/webhook/jobs/route"),
  "/projects/{project_name_or_id}/tagnamingpolicy": import("@/app/api/v2.0/projects/[project_name_or_id]/tagnamingpolicy/route"),
  "/projects/{project_name_or_id}/scanner": import("@/app/api/v2.0/projects/[project_name_or_id]/scanner/route"),
  "/projects/{project_name_or_id}/scanner/candidates": import("@/app/api/v2.0/projects/[project_name_or_id]/scanner/candidates/route"),
  "/scanners": import("@/app/api/v2.0/scanners/route"),
  "/scanners/ping": import("@/app/api/v2.0/scanners/ping/route"),
  "/scanners/{registration_id}": import("@/app/api/v2.0/scanners/[registration_id]/route"),
  "/scanners/{registration_id}/metadata": import("@/app/api/v2.0/scanners/[registration_id]/metadata/route"),
  "/retentions/{id}/executions/{eid}/tasks/{tid}": import("@/app/api/v2.0/retentions/[id]/executions/[eid]/tasks/[tid]/route"),
  "/robots/{robot_id}": import("@/app/api/v2.0/robots/[robot_id]/route"),
  "/robots": import("@/app/api/v2.0/robots/route"),
  "/search": import("@/app/api/v2.0/search/route"),
  "/system/purgeaudit/schedule": import("@/app/api/v2.0/system/purgeaudit/schedule/route"),
  "/system/gc": import("@/app/api/v2.0/system/gc/route"),
  "/system/gc/{gc_id}": import("@/app/api/v2.0/system/gc/[gc_id]/route"),
  "/system/gc/{gc_id}/log": import("@/app/api/v2.0/system/gc/[gc_id]/log/route"),
  "/system/gc/schedule": import("@/app/api/v2.0/system/gc/schedule/route"),
  "/system/scanAll/schedule": import("@/app/api/v2.0/system/scanAll/schedule/route"),
  "/system/scanAll/stop": import("@/app/api/v2.0/system/scanAll/stop/route"),
  "/scans/all/metrics": import("@/app/api/v2.0/scans/all/metrics/route"),
  "/scans/schedule/metrics": import("@/app/api/v2.0/scans/schedule/metrics/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/download": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/download/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/import": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/import/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/scan/stop": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/scan/stop/route"),
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/scan/{report_id}/log": import("@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/scan/[report_id]/log/route"),
  "/system/CVEAllowlist": import("@/app/api/v2.0/system/CVEAllowlist/route"),
  "/system/ip-allowlist": import("@/app/api/v2.0/system/ip-allowlist/route"),
  "/users/{user_id}": import("@/app/api/v2.0/users/[user_id]/route"),
  "/users/{user_id}/sysadmin": import("@/app/api/v2.0/users/[user_id]/sysadmin/route"),
  "/users/{user_id}/system-role": import("@/app/api/v2.0/users/[user_id]/system-role/route"),
  "/users/current/permissions": import("@/app/api/v2.0/users/current/permissions/route"),
  "/users/current": import("@/app/api/v2.0/users/current/route"),
  "/users": import("@/app/api/v2.0/users/route"),
  "/users/search": import("@/app/api/v2.0/users/search/route"),
  "/usergroups": import("@/app/api/v2.0/usergroups/route"),
  "/configurations": import("@/app/api/v2.0/configurations/route"),
  "/ldap/ping": import("@/app/api/v2.0/ldap/ping/route"),
  "/ldap/users/search": import("@/app/api/v2.0/ldap/users/search/route"),
  "/ldap/users/import": import("@/app/api/v2.0/ldap/users/import/route"),
  "/usergroups/search": import("@/app/api/v2.0/usergroups/search/route"),
  "/usergroups/{group_id}": import("@/app/api/v2.0/usergroups/[group_id]/route"),
  "/vulnerability-db": import("@/app/api/v2.0/vulnerability-db/route"),
  "/vulnerability-db/imports": import("@/app/api/v2.0/vulnerability-db/imports/route"),
  "/vulnerability-db/imports/{id}": import("@/app/api/v2.0/vulnerability-db/imports/[id]/route"),
});

const API_DIR = path.resolve(__dirname, "../../app/api/v2.0");
const METHODS = HTTP_METHODS;

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

  it("is valid OpenAPI 3.1 (the specification's own schema, and every body schema as JSON Schema 2020-12)", async () => {
    const result = await new Validator().validate(JSON.parse(JSON.stringify(openApiDocument)) as Parameters<Validator["validate"]>[0]);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(openApiDocument.openapi).toBe("3.1.0");
  });

  it("describes exactly the routes and methods that exist: every route has an operation, every operation a route", async () => {
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

  it("keeps Harbor's operation ids, the two security schemes and the error envelope", () => {
    const ids = Object.fromEntries(
      Object.entries(openApiDocument.paths).flatMap(([p, item]) => METHODS.flatMap((m) => (item[m] ? [[`${m} ${p}`, item[m].operationId]] : []))),
    );
    expect(ids).toMatchObject({
      "get /projects": "listProjects",
      "head /projects": "headProject",
      "get /projects/{project_name_or_id}/repositories/{repository_name}/artifacts": "listArtifacts",
      "get /robots": "ListRobot",
      "patch /robots/{robot_id}": "RefreshSec",
      "get /projects/{project_name_or_id}/logs": "getLogs",
      "get /replication/policies": "listReplicationPolicies",
      "post /replication/executions": "startReplication",
      "put /replication/executions/{id}": "stopReplication",
      "get /replication/executions/{id}/tasks/{task_id}/log": "getReplicationLog",
      "get /replication/adapterinfos": "listRegistryProviderInfos",
      "get /scanners": "listScanners",
      "patch /scanners/{registration_id}": "setScannerAsDefault",
      "get /projects/{project_name_or_id}/scanner/candidates": "listScannerCandidatesOfProject",
      "post /system/scanAll/schedule": "createScanAllSchedule",
      "post /system/scanAll/stop": "stopScanAll",
      "get /system/gc": "getGCHistory",
      "put /system/gc/{gc_id}": "stopGC",
      "get /system/gc/{gc_id}/log": "getGCLog",
      "post /system/gc/schedule": "createGCSchedule",
      "get /scans/all/metrics": "getLatestScanAllMetrics",
      "post /projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/scan/stop": "stopScanArtifact",
      "get /projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/scan/{report_id}/log": "getReportLog",
    });
    expect(Object.keys(openApiDocument.components.securitySchemes)).toEqual(["basic", "cookie"]);
    expect(openApiDocument.components.schemas.Errors).toMatchObject({
      type: "object",
      required: ["errors"],
      properties: { errors: { type: "array", items: { type: "object", required: ["code", "message"] } } },
    });
    // Lists document the shared paging schema's limits.
    expect(openApiDocument.components.parameters.pageSize?.schema).toEqual({ default: 10, type: "integer", minimum: 1, maximum: 100 });
  });

  it("describes request bodies with the rules the routes apply (Harbor's shape plus the shared console fields)", () => {
    const { ProjectReq, UserCreationReq, RobotCreate, ProjectMember } = openApiDocument.components.schemas;
    expect(ProjectReq).toMatchObject({ properties: { project_name: { type: "string", minLength: 2, maxLength: 255 } } });
    expect(UserCreationReq).toMatchObject({ required: ["username", "email", "realname", "password"], properties: { password: { minLength: 8, maxLength: 128 } } });
    expect(RobotCreate).toMatchObject({ properties: { level: { enum: ["system", "project"] }, name: { maxLength: 128 } } });
    expect(ProjectMember).toMatchObject({ properties: { role_id: { type: "integer", enum: [1, 4, 2, 3, 5] } } });
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
    const res = await fallbackRoute.GET(new Request("http://localhost/api/v2.0/labels"));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      errors: [{ code: "NOT_FOUND", message: "Wharf does not implement GET /api/v2.0/labels. See /api/v2.0/openapi.json." }],
    });
  });

  it("is served at /api/v2.0/openapi.json", async () => {
    const res = openApiRoute.GET();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
  });
});

describe("the response check every API test goes through (test-kit call)", () => {
  const projectJson = {
    project_id: 1,
    name: "p",
    owner_id: 1,
    owner_name: "admin",
    creation_time: "2026-01-01T00:00:00.000Z",
    update_time: "2026-01-01T00:00:00.000Z",
    deleted: false,
    repo_count: 0,
    current_user_role_id: 1,
    current_user_role_ids: [1],
    metadata: { public: "false", auto_scan: "false", prevent_vul: "false", severity: "low", refuse_unscanned: "false", enable_content_trust_cosign: "false", reuse_sys_cve_allowlist: "true" },
    registry_id: 0,
    togglable: true,
    cve_allowlist: { id: 0, project_id: 1, expires_at: null, items: [], creation_time: "0001-01-01T00:00:00.000Z", update_time: "0001-01-01T00:00:00.000Z" },
  };
  const get = (p: string, method = "GET") => apiRequest(p, { method });
  const id = { "X-Request-Id": "r1" };
  const listHeaders = { ...id, "X-Total-Count": "1" };

  it("accepts a documented answer", async () => {
    await checkAgainstDocument(get("/projects/p"), Response.json(projectJson, { headers: id }));
    await checkAgainstDocument(get("/projects"), Response.json([projectJson], { headers: listHeaders }));
    await checkAgainstDocument(get("/projects/p", "DELETE"), new Response(null, { status: 200, headers: id }));
    await checkAgainstDocument(get("/users/current"), Response.json({ errors: [{ code: "FORBIDDEN", message: "no" }] }, { status: 403, headers: id }));
    await checkAgainstDocument(get("/ping"), new Response("Pong", { headers: { "content-type": "text/plain; charset=utf-8" } }));
  });

  it.each([
    ["a missing field", get("/projects/p"), () => Response.json({ ...projectJson, name: undefined }, { headers: id }), /must have required property 'name'/],
    ["a field of the wrong type", get("/projects"), () => Response.json([{ ...projectJson, repo_count: "0" }], { headers: listHeaders }), /must be integer/],
    ["a field the document does not have", get("/projects/p"), () => Response.json({ ...projectJson, secret: "x" }, { headers: id }), /must NOT have additional properties/],
    ["a timestamp that is no date-time", get("/projects/p"), () => Response.json({ ...projectJson, update_time: "yesterday" }, { headers: id }), /must match format "date-time"/],
    ["a list without X-Total-Count", get("/projects"), () => Response.json([], { headers: id }), /lacks the required header X-Total-Count/],
    ["a non-integer X-Total-Count", get("/projects"), () => Response.json([], { headers: { ...id, "X-Total-Count": "many" } }), /X-Total-Count is not an integer/],
    ["an answer without X-Request-Id", get("/projects/p"), () => Response.json(projectJson), /lacks the required header X-Request-Id/],
    ["an undocumented status", get("/projects/p", "DELETE"), () => new Response(null, { status: 202, headers: id }), /is not documented/],
    ["a body where the document has none", get("/projects/p", "DELETE"), () => Response.json({}, { headers: id }), /documented without a body/],
    ["a wrong error envelope", get("/projects/p"), () => Response.json({ error: "x" }, { status: 404, headers: id }), /must have required property 'errors'/],
    ["another media type", get("/projects/p"), () => new Response("x", { headers: { ...id, "content-type": "text/plain" } }), /answered text\/plain/],
    ["an undocumented method", get("/search", "DELETE"), () => new Response(null), /is not documented/],
    ["a path with no operation", get("/p2p/preheat/providers"), () => new Response(null), /no operation path matches/],
  ])("fails on %s", async (_name, req, res, message) => {
    await expect(checkAgainstDocument(req, res())).rejects.toThrow(message);
  });
});
