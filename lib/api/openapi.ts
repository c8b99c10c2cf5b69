/**
 * The OpenAPI 3 description of exactly what Wharf's REST API implements (served at
 * `GET /api/v2.0/openapi.json`). Paths, field names and status codes follow Harbor's v2.0 swagger
 * (api/v2.0/swagger.yaml in goharbor/harbor) for the subset Wharf has; lib/api/openapi.test.ts
 * checks that every route file and method is described here and nothing else is.
 */

type Ref = { $ref: string };
type Schema =
  | Ref
  | {
      type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
      format?: string;
      description?: string;
      properties?: Record<string, Schema>;
      additionalProperties?: boolean | Schema;
      items?: Schema;
      required?: string[];
      enum?: (string | number | boolean)[];
      oneOf?: Schema[];
      nullable?: boolean;
      minimum?: number;
      maximum?: number;
      minLength?: number;
      maxLength?: number;
      pattern?: string;
      default?: unknown;
      example?: unknown;
    };
type Header = { description: string; schema: Schema };
type Parameter = {
  name: string;
  in: "query" | "path" | "header";
  description?: string;
  required?: boolean;
  schema: Schema;
};
type MediaType = { schema: Schema };
type ResponseObject = { description: string; headers?: Record<string, Header | Ref>; content?: Record<string, MediaType> };
type Operation = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: (Parameter | Ref)[];
  requestBody?: { required: boolean; content: Record<string, MediaType> };
  responses: Record<string, ResponseObject | Ref>;
  security?: Record<string, string[]>[];
};
export type HttpMethod = "get" | "head" | "post" | "put" | "patch" | "delete";
type PathItem = Partial<Record<HttpMethod, Operation>>;
export type OpenApiDocument = {
  openapi: "3.0.3";
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, PathItem>;
  components: {
    securitySchemes: Record<string, { type: "http"; scheme: "basic"; description: string } | { type: "apiKey"; in: "cookie"; name: string; description: string }>;
    parameters: Record<string, Parameter>;
    headers: Record<string, Header>;
    responses: Record<string, ResponseObject>;
    schemas: Record<string, Schema>;
  };
  security: Record<string, string[]>[];
};

const ref = (kind: "schemas" | "parameters" | "responses" | "headers", name: string): Ref => ({ $ref: `#/components/${kind}/${name}` });
const schema = (name: string) => ref("schemas", name);
const param = (name: string) => ref("parameters", name);
const json = (s: Schema) => ({ "application/json": { schema: s } });
const body = (s: Schema) => ({ required: true, content: json(s) });
const errors = (...codes: string[]) => Object.fromEntries(codes.map((c) => [c, ref("responses", c)]));
const string = (description?: string): Schema => ({ type: "string", ...(description ? { description } : {}) });
const integer = (description?: string): Schema => ({ type: "integer", ...(description ? { description } : {}) });
const boolean = (description?: string): Schema => ({ type: "boolean", ...(description ? { description } : {}) });
const dateTime = (description: string): Schema => ({ type: "string", format: "date-time", description });

const listOk = (description: string, item: Schema): ResponseObject => ({
  description,
  headers: { "X-Total-Count": ref("headers", "XTotalCount"), Link: ref("headers", "Link"), "X-Request-Id": ref("headers", "XRequestId") },
  content: json({ type: "array", items: item }),
});
const jsonOk = (description: string, s: Schema): ResponseObject => ({
  description,
  headers: { "X-Request-Id": ref("headers", "XRequestId") },
  content: json(s),
});
const PAGING = [param("page"), param("pageSize")];
const PROJECT = [param("requestId"), param("isResourceName"), param("projectNameOrId")];
const REPO = [param("requestId"), param("projectName"), param("repositoryName")];
const ARTIFACT = [...REPO, param("reference")];
const PUBLIC_ENDPOINT: Record<string, string[]>[] = [{}];
const AUDIT_LOG_PARAMS: (Parameter | Ref)[] = [
  param("requestId"),
  { name: "q", in: "query", description: "Filter terms (see the description).", schema: string() },
  ...PAGING,
  { name: "cursor", in: "query", description: 'Keyset cursor from a `Link` header (rel="next"/"prev"); replaces `page`.', schema: string() },
  { name: "format", in: "query", description: "`csv` for the CSV export.", schema: { type: "string", enum: ["json", "csv"] } },
  { name: "sort", in: "query", description: "Only `-op_time` (newest first, the fixed order).", schema: { type: "string", enum: ["-op_time"] } },
];
const auditLogOk: ResponseObject = {
  description: "One page of audit rows (JSON), or every matching row (text/csv, Content-Disposition: attachment).",
  headers: { "X-Total-Count": ref("headers", "XTotalCount"), Link: ref("headers", "Link"), "X-Request-Id": ref("headers", "XRequestId") },
  content: { ...json({ type: "array", items: schema("AuditLog") }), "text/csv": { schema: { type: "string" } } },
};

export const openApiDocument: OpenApiDocument = {
  openapi: "3.0.3",
  info: {
    title: "Wharf API",
    version: "2.0",
    description: [
      "Wharf's REST API, shaped like Harbor's v2.0 API for the resources Wharf implements.",
      "",
      "Authentication: HTTP Basic with a user's password or a robot's secret (`robot$...`), or the console's",
      "session cookie. Cookie-authenticated POST/PUT/PATCH/DELETE must come from Wharf's own origin",
      "(`Origin`, or `Sec-Fetch-Site: same-origin`); otherwise 403 `cross-site request refused`.",
      "",
      "Lists take `page` (from 1) and `page_size` (1-100, default 10) and answer with `X-Total-Count` and an",
      'RFC 5988 `Link` header (`<...>; rel="prev" , <...>; rel="next"`). `q` supports the terms `key=value`',
      "(exact) and `key=~value` (substring) for the keys each endpoint lists; other keys, ranges and lists",
      "are refused with 400. Errors are `{\"errors\":[{\"code\",\"message\"}]}`; 400 messages name each",
      "field as `<field>: <message>; ...`. Every response echoes `X-Request-Id`.",
    ].join("\n"),
  },
  servers: [{ url: "/api/v2.0" }],
  tags: [
    { name: "health", description: "Liveness and component health." },
    { name: "project", description: "Projects." },
    { name: "member", description: "Project members and their roles." },
    { name: "user", description: "Local users." },
    { name: "robot", description: "Robot accounts." },
    { name: "repository", description: "Repositories in a project." },
    { name: "artifact", description: "Artifacts, their tags and build history." },
    { name: "search", description: "Projects and repositories by name." },
    { name: "auditlog", description: "The audit log: every change, sign-in, push, pull and refusal." },
    { name: "purge", description: "The audit log's retention (purge policy)." },
    { name: "meta", description: "This document." },
  ],
  security: [{ basic: [] }, { cookie: [] }, {}],
  paths: {
    "/ping": {
      get: {
        operationId: "getPing",
        summary: "Liveness probe",
        tags: ["health"],
        security: PUBLIC_ENDPOINT,
        responses: { "200": { description: "Always `Pong`.", content: { "text/plain": { schema: { type: "string", example: "Pong" } } } } },
      },
    },
    "/health": {
      get: {
        operationId: "getHealth",
        summary: "Status of Wharf's components",
        description: "No authentication needed. Only administrators and auditors (signed in with the session cookie) see why a component is unhealthy.",
        tags: ["health"],
        security: PUBLIC_ENDPOINT,
        responses: { "200": { description: "Overall status and one entry per component.", content: json(schema("OverallHealthStatus")) } },
      },
    },
    "/health/ready": {
      get: {
        operationId: "getReadiness",
        summary: "Readiness probe for load balancers",
        description: "No authentication needed. 200 while the database and the backing registry answer; 503 (with `Retry-After`) otherwise. The body names no component.",
        tags: ["health"],
        security: PUBLIC_ENDPOINT,
        responses: {
          "200": { description: "Ready.", content: json({ type: "object", properties: { status: { type: "string", enum: ["ready"] } } }) },
          "503": { description: "Not ready.", content: json({ type: "object", properties: { status: { type: "string", enum: ["not ready"] } } }) },
        },
      },
    },
    "/openapi.json": {
      get: {
        operationId: "getOpenApi",
        summary: "This OpenAPI document",
        tags: ["meta"],
        security: PUBLIC_ENDPOINT,
        responses: { "200": { description: "The document.", content: json({ type: "object" }) } },
      },
    },
    "/projects": {
      get: {
        operationId: "listProjects",
        summary: "List projects",
        description:
          "Public projects, the caller's projects (members; robots: their granted projects) and, for administrators and auditors, every project. Sorted by name.",
        tags: ["project"],
        parameters: [
          param("requestId"),
          param("projectQuery"),
          ...PAGING,
          { name: "name", in: "query", description: "Project name contains this text (case-insensitive).", schema: string() },
          { name: "public", in: "query", description: "Only public (true) or private (false) projects.", schema: boolean() },
        ],
        responses: { "200": listOk("One page of projects.", schema("Project")), ...errors("400", "401", "429", "500") },
      },
      head: {
        operationId: "headProject",
        summary: "Check whether a project name is taken",
        description: "Signed-in callers only. Answers for private projects too (creating one would reveal the same through 409).",
        tags: ["project"],
        parameters: [param("requestId"), { name: "project_name", in: "query", required: true, schema: string() }],
        responses: {
          "200": { description: "A project of that name exists." },
          "404": { description: "No project of that name." },
          "400": { description: "project_name missing." },
          "401": { description: "Not signed in." },
        },
      },
      post: {
        operationId: "createProject",
        summary: "Create a project",
        description:
          "The caller becomes its owner and first Project Admin. Who may create projects follows the system setting (everyone or administrators only).",
        tags: ["project"],
        parameters: [param("requestId"), param("resourceNameInLocation")],
        requestBody: body(schema("ProjectReq")),
        responses: { "201": ref("responses", "201"), ...errors("400", "401", "403", "409", "415", "429", "500") },
      },
    },
    "/projects/{project_name_or_id}": {
      get: {
        operationId: "getProject",
        summary: "Get a project",
        tags: ["project"],
        parameters: PROJECT,
        responses: { "200": jsonOk("The project.", schema("Project")), ...errors("401", "404", "429", "500") },
      },
      put: {
        operationId: "updateProject",
        summary: "Update a project",
        description: "Changes `metadata.public` (or the deprecated `public`); the name never changes. Project Admins and administrators.",
        tags: ["project"],
        parameters: PROJECT,
        requestBody: body(schema("ProjectReq")),
        responses: { "200": ref("responses", "200"), ...errors("400", "401", "403", "404", "415", "429", "500") },
      },
      delete: {
        operationId: "deleteProject",
        summary: "Delete an empty project",
        description: "Project Admins and administrators. 412 while the project still holds repositories.",
        tags: ["project"],
        parameters: PROJECT,
        responses: { "200": ref("responses", "200"), ...errors("400", "401", "403", "404", "412", "429", "500") },
      },
    },
    "/projects/{project_name_or_id}/members": {
      get: {
        operationId: "listProjectMembers",
        summary: "List project members",
        tags: ["member"],
        parameters: [
          ...PROJECT,
          ...PAGING,
          { name: "entityname", in: "query", description: "Username contains this text (case-insensitive).", schema: string() },
        ],
        responses: { "200": listOk("One page of members.", schema("ProjectMemberEntity")), ...errors("400", "401", "403", "404", "429", "500") },
      },
      post: {
        operationId: "createProjectMember",
        summary: "Add a user to the project",
        description: "Project Admins and administrators. `member_user.username` wins over `member_user.user_id`. Groups are not supported.",
        tags: ["member"],
        parameters: PROJECT,
        requestBody: body(schema("ProjectMember")),
        responses: { "201": ref("responses", "201"), ...errors("400", "401", "403", "404", "409", "415", "429", "500") },
      },
    },
    "/projects/{project_name_or_id}/members/{mid}": {
      get: {
        operationId: "getProjectMember",
        summary: "Get a project member",
        tags: ["member"],
        parameters: [...PROJECT, param("mid")],
        responses: { "200": jsonOk("The member.", schema("ProjectMemberEntity")), ...errors("400", "401", "403", "404", "429", "500") },
      },
      put: {
        operationId: "updateProjectMember",
        summary: "Change a member's role",
        description: "Project Admins and administrators. Demoting the last Project Admin is refused with 409.",
        tags: ["member"],
        parameters: [...PROJECT, param("mid")],
        requestBody: body(schema("RoleRequest")),
        responses: { "200": ref("responses", "200"), ...errors("400", "401", "403", "404", "409", "415", "429", "500") },
      },
      delete: {
        operationId: "deleteProjectMember",
        summary: "Remove a member",
        description: "Project Admins and administrators. Removing the last Project Admin is refused with 409.",
        tags: ["member"],
        parameters: [...PROJECT, param("mid")],
        responses: { "200": ref("responses", "200"), ...errors("400", "401", "403", "404", "409", "429", "500") },
      },
    },
    "/projects/{project_name_or_id}/repositories": {
      get: {
        operationId: "listRepositories",
        summary: "List a project's repositories",
        tags: ["repository"],
        parameters: [
          param("requestId"),
          param("projectName"),
          { name: "q", in: "query", description: "`name=~<text>`: the repository name contains the text.", schema: string() },
          { name: "sort", in: "query", description: "`name` (default), `-artifact_count`, `-pull_count` or `-update_time`.", schema: string() },
          ...PAGING,
        ],
        responses: { "200": listOk("One page of repositories.", schema("Repository")), ...errors("400", "401", "403", "404", "429", "500") },
      },
    },
    "/projects/{project_name_or_id}/repositories/{repository_name}": {
      get: {
        operationId: "getRepository",
        summary: "Get a repository",
        tags: ["repository"],
        parameters: REPO,
        responses: { "200": jsonOk("The repository.", schema("Repository")), ...errors("400", "401", "403", "404", "429", "500") },
      },
      put: {
        operationId: "updateRepository",
        summary: "Change a repository's description",
        description: "Only `description` is read from the Repository body.",
        tags: ["repository"],
        parameters: REPO,
        requestBody: body(schema("Repository")),
        responses: { "200": ref("responses", "200"), ...errors("400", "401", "403", "404", "415", "429", "500") },
      },
      delete: {
        operationId: "deleteRepository",
        summary: "Delete a repository and all its artifacts",
        tags: ["repository"],
        parameters: REPO,
        responses: { "200": ref("responses", "200"), ...errors("400", "401", "403", "404", "429", "500") },
      },
    },
    "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts": {
      get: {
        operationId: "listArtifacts",
        summary: "List a repository's artifacts",
        description: "Newest push first. Accessories and untagged index children are not listed.",
        tags: ["artifact"],
        parameters: [
          ...REPO,
          { name: "q", in: "query", description: "`tags=nil` (untagged), `tags=*` (tagged) or `tags=~<text>`.", schema: string() },
          { name: "sort", in: "query", description: "Only `-push_time` (the default).", schema: string() },
          { name: "with_tag", in: "query", description: "Include tags (up to 5 per artifact).", schema: { type: "boolean", default: true } },
          ...PAGING,
        ],
        responses: { "200": listOk("One page of artifacts.", schema("Artifact")), ...errors("400", "401", "403", "404", "429", "500") },
      },
      post: {
        operationId: "copyArtifact",
        summary: "Copy an artifact into this repository",
        description:
          "Harbor's copy: `from` is `<project>/<repository>:<tag>` or `<project>/<repository>@<digest>`. Needs pull on the source and artifact create in this project. Blobs are mounted, not re-uploaded; digests are unchanged; an index is copied with its children. By tag the copy gets the same tag (moved if it pointed elsewhere); by digest it is untagged. The Location names the copy by digest.",
        tags: ["artifact"],
        parameters: [...REPO, { name: "from", in: "query", required: true, description: "The source artifact.", schema: string() }],
        responses: { "201": ref("responses", "201"), ...errors("400", "401", "403", "404", "429", "500") },
      },
    },
    "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}": {
      get: {
        operationId: "getArtifact",
        summary: "Get an artifact by tag or digest",
        tags: ["artifact"],
        parameters: [...ARTIFACT, { name: "with_tag", in: "query", schema: { type: "boolean", default: true } }],
        responses: { "200": jsonOk("The artifact.", schema("Artifact")), ...errors("400", "401", "403", "404", "429", "500") },
      },
      delete: {
        operationId: "deleteArtifact",
        summary: "Delete an artifact and all its tags",
        tags: ["artifact"],
        parameters: ARTIFACT,
        responses: { "200": ref("responses", "200"), ...errors("400", "401", "403", "404", "429", "500") },
      },
    },
    "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/tags": {
      get: {
        operationId: "listTags",
        summary: "List an artifact's tags",
        description: "Newest push first, 20 per page (`page_size` is fixed).",
        tags: ["artifact"],
        parameters: [...ARTIFACT, param("page")],
        responses: { "200": listOk("One page of tags.", schema("Tag")), ...errors("400", "401", "403", "404", "429", "500") },
      },
      post: {
        operationId: "createTag",
        summary: "Add a tag to an artifact",
        description: "An existing tag is refused with 409 (moving a tag is a push).",
        tags: ["artifact"],
        parameters: ARTIFACT,
        requestBody: body(schema("Tag")),
        responses: { "201": ref("responses", "201"), ...errors("400", "401", "403", "404", "409", "415", "429", "500") },
      },
    },
    "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/tags/{tag_name}": {
      delete: {
        operationId: "deleteTag",
        summary: "Delete a tag (the artifact and its other tags stay)",
        tags: ["artifact"],
        parameters: [...ARTIFACT, { name: "tag_name", in: "path", required: true, schema: string() }],
        responses: { "200": ref("responses", "200"), ...errors("400", "401", "403", "404", "429", "500") },
      },
    },
    "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/additions/build_history": {
      get: {
        operationId: "getBuildHistory",
        summary: "An image's build history (from its config)",
        description: "404 for an index. Empty when the config cannot be read.",
        tags: ["artifact"],
        parameters: ARTIFACT,
        responses: { "200": jsonOk("History entries, oldest first.", { type: "array", items: schema("BuildHistoryEntry") }), ...errors("400", "401", "403", "404", "429", "500") },
      },
    },
    "/system/purgeaudit/schedule": {
      get: {
        operationId: "getPurgeSchedule",
        summary: "The audit log purge policy",
        description: "Administrators and auditors. Harbor's ExecHistory shape; the cron has Harbor's seconds field (always `0`).",
        tags: ["purge"],
        parameters: [param("requestId")],
        responses: { "200": jsonOk("The purge policy.", schema("PurgeSchedule")), ...errors("401", "403", "500") },
      },
      put: {
        operationId: "updatePurgeSchedule",
        summary: "Set the audit log purge policy",
        description:
          "Administrators only; one audit row (`audit_log.purge_policy.update`). `schedule.type` Hourly, Daily, Weekly, Custom (with `cron`: 5 fields, or 6 with seconds `0`) or None (no scheduled purge; the cron is kept). `parameters.audit_retention_hour`: a multiple of 24 from 24 to 876000 (omitted: unchanged); `dry_run` must be false. Rows younger than 24 hours are never purged.",
        tags: ["purge"],
        parameters: [param("requestId")],
        requestBody: body(schema("PurgeScheduleReq")),
        responses: { "200": ref("responses", "200"), ...errors("400", "401", "403", "415", "500") },
      },
    },
    "/audit-logs": {
      get: {
        operationId: "listAuditLogs",
        summary: "The audit log, newest first (JSON or CSV)",
        description: [
          "Administrators and auditors. `q` terms: `username=<name>` or `username=~<prefix>`, `operation=<verb or resource.verb>`,",
          "`resource_type=<type>`, `resource=<name>` or `resource=~<prefix>`, `project_id=<id>` or `project=<name>`,",
          "`result=success|failure`, `op_time=[<from>~<to>]` (UTC, `2026-01-01 00:00:00` or ISO 8601; either end may be empty).",
          "Fuzzy terms match a prefix (an index range on millions of rows). `page`/`page_size` may skip at most 10,000 rows;",
          'the `Link` header\'s rel="next" carries a `cursor` that pages at the same cost to the end. `X-Total-Count` is exact up to',
          "10,000 matching rows and otherwise omitted (`X-Total-Count-Bound: 10000+`): no count over millions per request.",
          "`format=csv` (or `Accept: text/csv`) streams every matching row as CSV (spreadsheet formulas neutralised) and records",
          "one `audit_log.export` audit row.",
        ].join(" "),
        tags: ["auditlog"],
        parameters: AUDIT_LOG_PARAMS,
        responses: { "200": auditLogOk, ...errors("400", "401", "403", "429", "500") },
      },
    },
    "/projects/{project_name_or_id}/logs": {
      get: {
        operationId: "getLogs",
        summary: "A project's audit log, newest first (JSON or CSV)",
        description:
          "The project's administrators, auditors and system administrators. Same `q`, paging, cursor, count and CSV rules as `/audit-logs`; a `project`/`project_id` term cannot widen the scope.",
        tags: ["auditlog"],
        parameters: [...PROJECT, ...AUDIT_LOG_PARAMS.slice(1)],
        responses: { "200": auditLogOk, ...errors("400", "401", "403", "404", "429", "500") },
      },
    },
    "/search": {
      get: {
        operationId: "search",
        summary: "Find projects and repositories by name",
        description: "Only projects the caller may see, and their repositories; at most 50 of each.",
        tags: ["search"],
        parameters: [param("requestId"), { name: "q", in: "query", required: true, description: "Name contains this text (case-insensitive).", schema: string() }],
        responses: { "200": jsonOk("Matches.", schema("Search")), ...errors("401", "429", "500") },
      },
    },
    "/users": {
      get: {
        operationId: "listUsers",
        summary: "List users",
        description: "Administrators and auditors. The filter text matches username, email or full name.",
        tags: ["user"],
        parameters: [
          param("requestId"),
          { name: "q", in: "query", description: "One of `username=~<text>`, `email=~<text>`, `realname=~<text>`.", schema: string() },
          { name: "username", in: "query", description: "Filter text (same as q=username=~<text>).", schema: string() },
          ...PAGING,
        ],
        responses: { "200": listOk("One page of users.", schema("UserResp")), ...errors("400", "401", "403", "429", "500") },
      },
      post: {
        operationId: "createUser",
        summary: "Create a local user",
        description: "Administrators. Usernames follow Harbor's rules plus no `:` or whitespace; passwords need 8-128 characters with upper, lower and digit.",
        tags: ["user"],
        parameters: [param("requestId")],
        requestBody: body(schema("UserCreationReq")),
        responses: { "201": ref("responses", "201"), ...errors("400", "401", "403", "409", "415", "429", "500") },
      },
    },
    "/users/{user_id}": {
      get: {
        operationId: "getUser",
        summary: "Get a user",
        description: "Administrators and auditors.",
        tags: ["user"],
        parameters: [param("requestId"), { name: "user_id", in: "path", required: true, schema: integer() }],
        responses: { "200": jsonOk("The user.", schema("UserResp")), ...errors("400", "401", "403", "404", "429", "500") },
      },
    },
    "/users/{user_id}/sysadmin": {
      put: {
        operationId: "setUserSysAdmin",
        summary: "Grant or revoke the administrator role",
        description:
          "Administrators only (auditors too are refused). `false` leaves the user with no system role. Exactly one audit row per change. 409 when it would remove the last enabled administrator or the caller's own role.",
        tags: ["user"],
        parameters: [param("requestId"), { name: "user_id", in: "path", required: true, schema: integer() }],
        requestBody: body(schema("UserSysAdminFlag")),
        responses: { "200": ref("responses", "200"), ...errors("400", "401", "403", "404", "409", "415", "429", "500") },
      },
    },
    "/users/{user_id}/system-role": {
      put: {
        operationId: "setUserSystemRole",
        summary: "Set a user's system role (Wharf)",
        description:
          "Administrators only. `admin`, `auditor` (reads everything, changes nothing) or `none`. Exactly one audit row per change. 409 when it would remove the last enabled administrator or the caller's own role.",
        tags: ["user"],
        parameters: [param("requestId"), { name: "user_id", in: "path", required: true, schema: integer() }],
        requestBody: body(schema("SystemRoleReq")),
        responses: { "200": ref("responses", "200"), ...errors("400", "401", "403", "404", "409", "415", "429", "500") },
      },
    },
    "/users/current": {
      get: {
        operationId: "getCurrentUserInfo",
        summary: "The calling user",
        description: "401 when not signed in; 403 for robot accounts, which have no user profile.",
        tags: ["user"],
        parameters: [param("requestId")],
        responses: { "200": jsonOk("The caller.", schema("UserResp")), ...errors("401", "403", "429", "500") },
      },
    },
    "/users/current/permissions": {
      get: {
        operationId: "getCurrentUserPermissions",
        summary: "The caller's permissions in a project",
        description: "Empty when the caller has no rights in the project or it does not exist. Only project scopes are supported.",
        tags: ["user"],
        parameters: [
          param("requestId"),
          { name: "scope", in: "query", required: true, description: "`/project/<project id>`.", schema: { type: "string", pattern: "^/project/\\d+$" } },
          {
            name: "relative",
            in: "query",
            description: "true: resources relative to the scope (`repository`); false: absolute (`/project/1/repository`).",
            schema: { type: "boolean", default: false },
          },
        ],
        responses: { "200": jsonOk("Permissions.", { type: "array", items: schema("Permission") }), ...errors("400", "401", "429", "500") },
      },
    },
    "/users/search": {
      get: {
        operationId: "searchUsers",
        summary: "Find usernames",
        description: "Any signed-in user (not robots). Enabled users whose username contains the text, by username.",
        tags: ["user"],
        parameters: [param("requestId"), { name: "username", in: "query", required: true, schema: string() }, ...PAGING],
        responses: { "200": listOk("One page of matches.", schema("UserSearchRespItem")), ...errors("400", "401", "429", "500") },
      },
    },
    "/robots": {
      get: {
        operationId: "ListRobot",
        summary: "List robot accounts",
        description:
          "Without q (or with `q=Level=system`): system robots, for administrators and auditors. `q=Level=project,ProjectID=<id>`: that project's robots, for members who may list them.",
        tags: ["robot"],
        parameters: [param("requestId"), { name: "q", in: "query", schema: string() }, ...PAGING],
        responses: { "200": listOk("One page of robots (never their secrets).", schema("Robot")), ...errors("400", "401", "403", "404", "429", "500") },
      },
      post: {
        operationId: "CreateRobot",
        summary: "Create a robot account",
        description:
          "Project robots: Project Admins and administrators, one permission entry for the project. System robots: administrators only. A robot never gets a permission its creator lacks. The answer is the only time the secret is shown.",
        tags: ["robot"],
        parameters: [param("requestId")],
        requestBody: body(schema("RobotCreate")),
        responses: {
          "201": {
            description: "Created; the secret is returned this once.",
            headers: { Location: ref("headers", "Location"), "X-Request-Id": ref("headers", "XRequestId") },
            content: json(schema("RobotCreated")),
          },
          ...errors("400", "401", "403", "404", "409", "415", "429", "500"),
        },
      },
    },
    "/robots/{robot_id}": {
      get: {
        operationId: "GetRobotByID",
        summary: "Get a robot account (never its secret)",
        tags: ["robot"],
        parameters: [param("requestId"), param("robotId")],
        responses: { "200": jsonOk("The robot.", schema("Robot")), ...errors("400", "401", "403", "404", "429", "500") },
      },
      put: {
        operationId: "UpdateRobot",
        summary: "Enable or disable a robot account",
        description: "Takes Harbor's whole Robot; only `disable` may change. A body that changes description, duration or permissions is refused with 400.",
        tags: ["robot"],
        parameters: [param("requestId"), param("robotId")],
        requestBody: body(schema("Robot")),
        responses: { "200": ref("responses", "200"), ...errors("400", "401", "403", "404", "415", "429", "500") },
      },
      patch: {
        operationId: "RefreshSec",
        summary: "Generate a new secret",
        description: "Send `{}`; Wharf generates the secret (caller-chosen secrets are refused). The old secret stops working at once.",
        tags: ["robot"],
        parameters: [param("requestId"), param("robotId")],
        requestBody: body(schema("RobotSec")),
        responses: { "200": jsonOk("The new secret, shown this once.", schema("RobotSec")), ...errors("400", "401", "403", "404", "415", "429", "500") },
      },
      delete: {
        operationId: "DeleteRobot",
        summary: "Delete a robot account",
        tags: ["robot"],
        parameters: [param("requestId"), param("robotId")],
        responses: { "200": ref("responses", "200"), ...errors("400", "401", "403", "404", "429", "500") },
      },
    },
  },
  components: {
    securitySchemes: {
      basic: { type: "http", scheme: "basic", description: "A user's username and password, or a robot's name (`robot$...`) and secret." },
      cookie: {
        type: "apiKey",
        in: "cookie",
        name: "next-auth.session-token",
        description: "The console's session cookie (`__Secure-next-auth.session-token` behind https). Mutations need a same-origin request.",
      },
    },
    parameters: {
      requestId: { name: "X-Request-Id", in: "header", description: "Echoed in the response (1-64 characters of [A-Za-z0-9_.:-]; otherwise one is generated).", schema: string() },
      isResourceName: {
        name: "X-Is-Resource-Name",
        in: "header",
        description: "true: treat {project_name_or_id} as a name even when it is all digits.",
        schema: { type: "boolean", default: false },
      },
      resourceNameInLocation: {
        name: "X-Resource-Name-In-Location",
        in: "header",
        description: "true: the Location of the created project names it instead of giving its id.",
        schema: { type: "boolean", default: false },
      },
      projectNameOrId: { name: "project_name_or_id", in: "path", required: true, description: "The project's name or id.", schema: string() },
      projectName: { name: "project_name_or_id", in: "path", required: true, description: "The project's name (Harbor's {project_name}).", schema: string() },
      repositoryName: {
        name: "repository_name",
        in: "path",
        required: true,
        description: "The repository name inside the project, URL-encoded twice as Harbor does (`a%252Fb` for `a/b`).",
        schema: string(),
      },
      reference: { name: "reference", in: "path", required: true, description: "A tag or a digest (`sha256:...`).", schema: string() },
      mid: { name: "mid", in: "path", required: true, description: "The member id.", schema: integer() },
      robotId: { name: "robot_id", in: "path", required: true, description: "The robot id.", schema: integer() },
      page: { name: "page", in: "query", description: "Page number, from 1.", schema: { type: "integer", minimum: 1, default: 1 } },
      pageSize: { name: "page_size", in: "query", description: "Items per page.", schema: { type: "integer", minimum: 1, maximum: 100, default: 10 } },
      projectQuery: {
        name: "q",
        in: "query",
        description: "Terms `name=<exact>`, `name=~<text>`, `public=true|false`, comma-separated.",
        schema: string(),
      },
    },
    headers: {
      XRequestId: { description: "The request's id.", schema: string() },
      XTotalCount: { description: "Total number of items matching the filters.", schema: integer() },
      Link: { description: 'RFC 5988 links to the previous and next page: `<...>; rel="prev" , <...>; rel="next"`.', schema: string() },
      Location: { description: "Path of the created resource.", schema: string() },
    },
    responses: {
      "200": { description: "Success (no body).", headers: { "X-Request-Id": ref("headers", "XRequestId") } },
      "201": { description: "Created (no body).", headers: { Location: ref("headers", "Location"), "X-Request-Id": ref("headers", "XRequestId") } },
      ...Object.fromEntries(
        (
          [
            ["400", "Bad request: invalid parameters or body; the message names each field."],
            ["401", "Not signed in, or wrong Basic credentials (then with `WWW-Authenticate: Basic`)."],
            ["403", "Forbidden, or a cross-site cookie request."],
            ["404", "Not found (also for private resources the caller cannot see)."],
            ["409", "Conflict: the name is taken, or the change would leave a project without a Project Admin."],
            ["412", "Precondition failed: the project still holds repositories."],
            ["415", "The body is not application/json."],
            ["429", "Too many failed sign-ins for this username; try again later."],
            ["500", "Internal error (details in the server log, never in the answer)."],
          ] as const
        ).map(([code, description]) => [code, { description, headers: { "X-Request-Id": ref("headers", "XRequestId") }, content: json(schema("Errors")) }]),
      ),
    },
    schemas: {
      PurgeSchedule: {
        type: "object",
        properties: {
          job_name: string("`PURGE_AUDIT_LOG`"),
          job_kind: string("`SCHEDULE`"),
          job_parameters: string('JSON text, e.g. `{"audit_retention_hour":8760,"dry_run":false}`.'),
          schedule: { type: "object", properties: { type: { type: "string", enum: ["Hourly", "Daily", "Weekly", "Custom", "None"] }, cron: string("6 fields (seconds first), empty when none.") } },
          enabled: boolean("Wharf: whether the schedule runs."),
          audit_retention_days: integer("Wharf: the retention in days."),
        },
      },
      PurgeScheduleReq: {
        type: "object",
        required: ["schedule"],
        properties: {
          schedule: {
            type: "object",
            required: ["type"],
            properties: { type: { type: "string", enum: ["Hourly", "Daily", "Weekly", "Custom", "Schedule", "None"] }, cron: string("For Custom: 5 fields, or 6 with seconds `0` (UTC).") },
          },
          parameters: {
            type: "object",
            properties: { audit_retention_hour: { type: "integer", minimum: 24, maximum: 876000 }, dry_run: { type: "boolean", enum: [false] } },
          },
        },
      },
      Errors: { type: "object", properties: { errors: { type: "array", items: schema("Error") } }, required: ["errors"] },
      Error: {
        type: "object",
        properties: {
          code: string("BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, PRECONDITION, UNSUPPORTED_MEDIA_TYPE, TOO_MANY_REQUESTS, UNKNOWN"),
          message: string(),
        },
        required: ["code", "message"],
      },
      OverallHealthStatus: {
        type: "object",
        properties: {
          status: { type: "string", enum: ["healthy", "unhealthy"] },
          components: { type: "array", items: schema("ComponentHealthStatus") },
        },
      },
      ComponentHealthStatus: {
        type: "object",
        properties: {
          name: { type: "string", enum: ["core", "database", "registry"] },
          status: { type: "string", enum: ["healthy", "unhealthy"] },
          error: string("Why it is unhealthy (\"unavailable\" unless the caller is an administrator or auditor)."),
        },
      },
      AuditLog: {
        type: "object",
        properties: {
          id: integer("The audit row's id."),
          username: string("Who acted: a username, robot name, `anonymous` or `system:<component>`."),
          resource: string("The resource's name."),
          resource_type: string("e.g. artifact, repository, project, user, session."),
          operation: string("Harbor's verb: the last part of `action` (create, delete, pull, push, ...)."),
          op_time: dateTime("When it happened (UTC)."),
          result: { type: "string", enum: ["success", "failure"] },
          reason: { type: "string", nullable: true, description: "Why a failure failed." },
          project_id: { type: "integer", nullable: true },
          client_ip: { type: "string", nullable: true },
          action: string("Wharf's full `<resource>.<verb>`, e.g. artifact.delete."),
          detail: { type: "object", description: "Structured detail; secrets are redacted before a row is written." },
        },
      },
      ProjectMetadata: {
        type: "object",
        properties: { public: { type: "string", enum: ["true", "false"], description: 'Booleans are accepted too. Other Harbor keys are refused unless "false".' } },
      },
      ProjectReq: {
        type: "object",
        properties: {
          project_name: { type: "string", minLength: 2, maxLength: 255, pattern: "^[a-z0-9]+(?:[._-][a-z0-9]+)*$", description: "Required on create (not all digits: {project_name_or_id} reads digits as an id); ignored on update." },
          public: { type: "boolean", nullable: true, description: "Deprecated; used only when metadata.public is absent." },
          metadata: schema("ProjectMetadata"),
          storage_limit: { type: "integer", nullable: true, description: "Only -1 (no quota) is accepted." },
          registry_id: { type: "integer", nullable: true, description: "Must be null: proxy-cache projects are not supported." },
        },
      },
      Project: {
        type: "object",
        properties: {
          project_id: integer(),
          name: string(),
          owner_id: integer("The creator's user id (0 if that user was deleted)."),
          owner_name: string("The creator's username (empty if that user was deleted)."),
          creation_time: dateTime("When the project was created."),
          update_time: dateTime("When the project was last changed."),
          deleted: boolean("Always false."),
          repo_count: integer("Repositories in the project."),
          current_user_role_id: integer("The caller's member role (1 ProjectAdmin, 2 Developer, 3 Guest, 4 Maintainer, 5 LimitedGuest), 0 if none."),
          current_user_role_ids: { type: "array", items: integer() },
          metadata: schema("ProjectMetadata"),
        },
      },
      Repository: {
        type: "object",
        properties: {
          id: integer(),
          project_id: integer(),
          name: string("Full name, <project>/<path>."),
          description: string("Markdown; on PUT the only field read."),
          artifact_count: integer(),
          pull_count: integer(),
          creation_time: dateTime("When the repository was first pushed (detail only)."),
          update_time: dateTime("Last push, tag or delete."),
        },
      },
      Tag: {
        type: "object",
        properties: {
          repository_id: integer(),
          name: string(),
          push_time: dateTime("When the tag was pushed."),
          pull_time: { type: "string", format: "date-time", nullable: true },
          immutable: boolean("Always false."),
        },
      },
      Platform: { type: "object", properties: { os: string(), architecture: string(), variant: string() } },
      Artifact: {
        type: "object",
        properties: {
          type: { type: "string", enum: ["IMAGE", "INDEX"] },
          media_type: string(),
          manifest_media_type: string(),
          artifact_type: { type: "string", nullable: true },
          project_id: integer(),
          repository_id: integer(),
          repository_name: string(),
          digest: string(),
          size: integer("Bytes, manifest and layers (an index: its children)."),
          push_time: dateTime("When the artifact was pushed."),
          pull_time: { type: "string", format: "date-time", nullable: true },
          extra_attrs: { type: "object", description: "os, architecture, variant; on GET of one artifact also author and created." },
          annotations: { type: "object", additionalProperties: string() },
          references: {
            type: "array",
            description: "An index's children (GET of one artifact only).",
            items: { type: "object", properties: { child_digest: string(), platform: schema("Platform") } },
          },
          tags: { type: "array", nullable: true, items: schema("Tag") },
        },
      },
      BuildHistoryEntry: {
        type: "object",
        properties: { created: string(), created_by: string(), empty_layer: boolean(), comment: string() },
      },
      SearchRepository: {
        type: "object",
        properties: {
          project_id: integer(),
          project_name: string(),
          project_public: boolean(),
          repository_name: string(),
          pull_count: integer(),
          artifact_count: integer(),
        },
      },
      Search: {
        type: "object",
        properties: { project: { type: "array", items: schema("Project") }, repository: { type: "array", items: schema("SearchRepository") } },
      },
      ProjectMemberEntity: {
        type: "object",
        properties: {
          id: integer("The member id."),
          project_id: integer(),
          entity_name: string("The username."),
          role_name: { type: "string", enum: ["projectAdmin", "maintainer", "developer", "guest", "limitedGuest"] },
          role_id: { type: "integer", enum: [1, 2, 3, 4, 5] },
          entity_id: integer("The user id."),
          entity_type: { type: "string", enum: ["u"] },
        },
      },
      UserEntity: { type: "object", properties: { user_id: integer(), username: string() } },
      ProjectMember: {
        type: "object",
        properties: { role_id: { type: "integer", enum: [1, 2, 3, 4, 5] }, member_user: schema("UserEntity") },
        required: ["role_id", "member_user"],
      },
      RoleRequest: { type: "object", properties: { role_id: { type: "integer", enum: [1, 2, 3, 4, 5] } }, required: ["role_id"] },
      UserResp: {
        type: "object",
        properties: {
          user_id: integer(),
          username: string(),
          email: string(),
          realname: string("The full name."),
          comment: string("Always empty: Wharf keeps no comment."),
          sysadmin_flag: boolean(),
          admin_role_in_auth: boolean("Always false."),
          creation_time: dateTime("When the user was created."),
          update_time: dateTime("When the user was last changed."),
        },
      },
      UserCreationReq: {
        type: "object",
        properties: {
          username: { type: "string", maxLength: 255 },
          email: { type: "string", maxLength: 255 },
          realname: { type: "string", maxLength: 255 },
          password: { type: "string", minLength: 8, maxLength: 128 },
          comment: string("Accepted and not kept."),
        },
        required: ["username", "email", "realname", "password"],
      },
      UserSysAdminFlag: { type: "object", properties: { sysadmin_flag: boolean("true: administrator; false: no system role.") }, required: ["sysadmin_flag"] },
      SystemRoleReq: { type: "object", properties: { role: { type: "string", enum: ["admin", "auditor", "none"] } }, required: ["role"] },
      UserSearchRespItem: { type: "object", properties: { user_id: integer(), username: string() } },
      Permission: { type: "object", properties: { resource: string(), action: string() } },
      Access: {
        type: "object",
        properties: { resource: string(), action: string(), effect: { type: "string", enum: ["allow"] } },
        required: ["resource", "action"],
      },
      RobotPermission: {
        type: "object",
        properties: {
          kind: { type: "string", enum: ["project"] },
          namespace: string('A project name, or "*" for every project (system robots only).'),
          access: { type: "array", items: schema("Access") },
        },
        required: ["kind", "namespace", "access"],
      },
      Robot: {
        type: "object",
        properties: {
          id: integer(),
          name: string("Login name: robot$<project>+<name> or robot$<name>."),
          description: string(),
          level: { type: "string", enum: ["system", "project"] },
          duration: integer("Days from creation to expiry, -1 for never."),
          editable: boolean(),
          disable: boolean(),
          expires_at: integer("Unix seconds, -1 for never."),
          permissions: { type: "array", items: schema("RobotPermission") },
          creator_type: { type: "string", enum: ["local", "robot", "system"] },
          creation_time: dateTime("When the robot was created."),
        },
      },
      RobotCreate: {
        type: "object",
        properties: {
          name: { type: "string", maxLength: 128, pattern: "^[a-z0-9]+(?:[._-][a-z0-9]+)*$" },
          description: { type: "string", maxLength: 1024 },
          level: { type: "string", enum: ["system", "project"] },
          duration: integer("Days (1-3650), or -1 for never; 30 when omitted."),
          permissions: { type: "array", items: schema("RobotPermission") },
        },
        required: ["name", "level", "permissions"],
      },
      RobotCreated: {
        type: "object",
        properties: {
          id: integer(),
          name: string(),
          secret: string("Shown only in this answer."),
          creation_time: dateTime("When the robot was created."),
          expires_at: integer("Unix seconds, -1 for never."),
        },
      },
      RobotSec: { type: "object", properties: { secret: string("Answer only; requests must leave it empty.") } },
    },
  },
};
