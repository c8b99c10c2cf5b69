/**
 * The OpenAPI 3.1 description of exactly what Wharf's REST API implements (served at
 * `GET /api/v2.0/openapi.json`). Paths, field names and status codes follow Harbor's v2.0 swagger
 * for the subset Wharf has. Every body schema is generated (zod's own `z.toJSONSchema`) from the
 * zod schemas the routes use: request bodies from lib/api/requests.ts with the shared lib/validation
 * fields the routes apply alongside, responses from lib/api/shapes.ts, whose types the mappers
 * return. lib/api/openapi.test.ts checks that every route has an operation and every operation a
 * route; lib/api/test-kit.ts checks every response the API tests receive against its operation.
 */
import { z } from "zod";
import { ZHarborErrors } from "@/lib/api/errors";
import { ZHarborImmutableRule, ZImmutableRuleReq } from "@/lib/api/immutable-rule-shapes";
import { ZArtifactLabelReq, ZHarborLabel, ZLabelReq } from "@/lib/api/label-shapes";
import { ZHarborUserGroup, ZHarborUserGroupSearchItem } from "@/lib/api/routes/user-groups";
import { ZConfigurationsReq, ZConfigurationsResponse } from "@/lib/api/routes/configurations";
import { ZHarborLdapUser, ZLdapConfReq, ZLdapFailedImportUser, ZLdapImportUsersReq, ZLdapPingResult } from "@/lib/api/routes/ldap";
import { ZHarborProjectSummary, ZHarborQuota, ZQuotaUpdateReq } from "@/lib/api/quota-shapes";
import { QUOTA_SORTS } from "@/lib/validation/quotas";
import { ZTagNamingPolicy, ZTagNamingPolicyReq } from "@/lib/api/routes/tag-naming-policy";
import {
  ZHarborRetentionExecution,
  ZHarborRetentionMetadata,
  ZHarborRetentionPolicy,
  ZHarborRetentionTask,
  ZRetentionExecutionPatch,
  ZRetentionExecutionReq,
} from "@/lib/api/routes/retentions";
import { ZIpAllowlistReq, ZIpAllowlistResp } from "@/lib/api/routes/ip-allowlist";
import { ZGcScheduleReq, ZRegistryPingReq, ZRegistryReq, ZRegistryUpdateReq } from "@/lib/api/requests";
import {
  ZHarborSupportedWebhookEventTypes,
  ZHarborWebhookExecution,
  ZHarborWebhookJob,
  ZHarborWebhookLastTrigger,
  ZHarborWebhookPolicy,
  ZHarborWebhookTask,
  ZWebhookPolicyReq,
  ZWebhookTestAccepted,
} from "@/lib/api/webhook-shapes";
import { ZHarborScanAllSchedule, ZHarborScanAllStats, ZScanAllScheduleReq } from "@/lib/api/scan-all-shapes";
import { ZHarborDangerousArtifact, ZHarborDangerousCve, ZHarborSecuritySummary, ZHarborVulnerabilityItem } from "@/lib/api/routes/security";
import { ZVulnDbImportAccepted, ZVulnDbImportDetailResp, ZVulnDbImportResp, ZVulnDbStatusResp } from "@/lib/api/routes/vulnerability-db";
import {
  ZHarborScannerAdapterMetadata,
  ZHarborScannerRegistration,
  ZIsDefaultReq,
  ZProjectScannerReq,
  ZScannerRegistrationReq,
  ZScannerSettingsReq,
} from "@/lib/api/routes/scanners";
import { ZScannerName } from "@/lib/validation/scanners";
import {
  ZHarborReplicationExecution,
  ZHarborReplicationFilter,
  ZHarborReplicationPolicy,
  ZHarborReplicationTask,
  ZRegistryProviderInfo,
  ZReplicationFilterReq,
  ZReplicationPolicyReq,
  ZReplicationPreviewItem,
  ZReplicationRetry,
  ZStartReplicationExecution,
} from "@/lib/api/replication-shapes";
import { ZHarborGcHistory, ZHarborGcSchedule } from "@/lib/api/shapes";
import { ZArtifactImported, ZHarborFilterStyle, ZHarborRegistry, ZHarborRegistryCredential, ZHarborRegistryInfo, ZRemoteProject } from "@/lib/api/shapes";
import { ZArtifactDownloadQuery, ZArtifactImportQuery } from "@/lib/api/requests";
import { ZRegistryName, ZRegistryType, ZRegistryUrl } from "@/lib/validation/registries";
import {
  ZProjectMemberReq,
  ZRoleRequest,
  ZProjectReq,
  ZPurgeScheduleReq,
  ZRepositoryReq,
  ZRobotCreateReq,
  ZRobotSecReq,
  ZRobotUpdateReq,
  ZSystemRoleReq,
  ZScanTypeReq,
  ZCveAllowlistReq,
  ZTagReq,
  ZUserCreationReq,
  ZUserSysAdminFlagReq,
} from "@/lib/api/requests";
import {
  ZHarborAccess,
  ZHarborAccessory,
  ZHarborAdditionLink,
  ZHarborAdditionLinks,
  ZHarborArtifact,
  ZHarborAuditLog,
  ZHarborBuildHistoryEntry,
  ZHarborHealth,
  ZHarborPermission,
  ZHarborPlatform,
  ZHarborProject,
  ZHarborProjectMember,
  ZHarborProjectMetadata,
  ZHarborPurgeSchedule,
  ZHarborCveAllowlist,
  ZHarborReference,
  ZHarborRepository,
  ZHarborRobot,
  ZHarborRobotCreated,
  ZHarborRobotPermission,
  ZHarborRobotSec,
  ZHarborSearch,
  ZHarborSearchRepository,
  ZHarborTag,
  ZHarborUser,
  ZHarborUserSearchItem,
  ZReadiness,
} from "@/lib/api/shapes";
import { API_DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ZPageNumber, ZPageSizeNumber } from "@/lib/validation/pagination";
import { ZProjectName } from "@/lib/validation/projects";
import { ZRobotDuration, ZRobotName } from "@/lib/validation/robots";
import { ZEmail, ZFullName, ZPassword, ZUsername } from "@/lib/validation/users";

export type HttpMethod = "get" | "head" | "post" | "put" | "patch" | "delete";
export const HTTP_METHODS: readonly HttpMethod[] = ["get", "head", "post", "put", "patch", "delete"];

type JsonSchema = Record<string, unknown>;
type Ref = { $ref: string };
type Parameter = { name: string; in: "query" | "path" | "header"; description?: string; required?: boolean; schema: JsonSchema };
type MediaType = { schema: JsonSchema | Ref };
export type ResponseObject = { description: string; headers?: Record<string, Ref>; content?: Record<string, MediaType> };
export type Operation = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: (Parameter | Ref)[];
  requestBody?: { required: boolean; content: Record<string, MediaType> };
  responses: Record<string, ResponseObject | Ref>;
  security?: Record<string, string[]>[];
};
export type OpenApiDocument = {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  tags: { name: string; description: string }[];
  security: Record<string, string[]>[];
  paths: Record<string, Partial<Record<HttpMethod, Operation>>>;
  components: {
    securitySchemes: Record<string, Record<string, string>>;
    parameters: Record<string, Parameter>;
    headers: Record<string, { description: string; required?: boolean; schema: JsonSchema }>;
    responses: Record<string, ResponseObject>;
    schemas: Record<string, JsonSchema>;
  };
};

// ---- Schemas: every named body, generated from zod --------------------------------------------

// ---- registry endpoints (replication) ----

const REGISTRY_REQUEST_SCHEMAS = {
  Registry: z.object({
    ...ZRegistryReq.shape,
    name: ZRegistryName,
    url: ZRegistryUrl,
    type: ZRegistryType,
    description: z.string().max(1024).optional(),
  }),
  RegistryUpdate: ZRegistryUpdateReq,
  RegistryPing: ZRegistryPingReq,
} satisfies Record<string, z.ZodType>;

const REGISTRY_RESPONSE_SCHEMAS = {
  RegistryCredential: ZHarborRegistryCredential,
  RegistryResp: ZHarborRegistry,
  FilterStyle: ZHarborFilterStyle,
  RegistryInfo: ZHarborRegistryInfo,
  RemoteProject: ZRemoteProject,
} satisfies Record<string, z.ZodType>;

// ---- replication ----

const REPLICATION_REQUEST_SCHEMAS = {
  ReplicationFilter: ZReplicationFilterReq,
  ReplicationPolicy: ZReplicationPolicyReq,
  StartReplicationExecution: ZStartReplicationExecution,
} satisfies Record<string, z.ZodType>;

const REPLICATION_RESPONSE_SCHEMAS = {
  ReplicationFilterResp: ZHarborReplicationFilter,
  ReplicationPolicyResp: ZHarborReplicationPolicy,
  ReplicationExecution: ZHarborReplicationExecution,
  ReplicationTask: ZHarborReplicationTask,
  ReplicationPreviewItem: ZReplicationPreviewItem,
  ReplicationRetry: ZReplicationRetry,
  RegistryProviderInfo: ZRegistryProviderInfo,
} satisfies Record<string, z.ZodType>;

// ---- Security Hub (Harbor's securityhub) ----

const SECURITY_RESPONSE_SCHEMAS = {
  SecuritySummary: ZHarborSecuritySummary,
  DangerousCVE: ZHarborDangerousCve,
  DangerousArtifact: ZHarborDangerousArtifact,
  VulnerabilityItem: ZHarborVulnerabilityItem,
} satisfies Record<string, z.ZodType>;

// ---- vulnerability DB (Wharf's extension) ----

const VULN_DB_RESPONSE_SCHEMAS = {
  VulnerabilityDb: ZVulnDbStatusResp,
  VulnerabilityDbImport: ZVulnDbImportResp,
  VulnerabilityDbImportDetail: ZVulnDbImportDetailResp,
  VulnerabilityDbImportAccepted: ZVulnDbImportAccepted,
} satisfies Record<string, z.ZodType>;

// ---- scanner registrations (Interrogation services) ----

const SCANNER_REQUEST_SCHEMAS = {
  ScannerRegistrationReq: z.object({ ...ZScannerRegistrationReq.shape, name: ZScannerName, url: ZRegistryUrl }),
  ScannerRegistrationUpdate: ZScannerRegistrationReq.describe("Harbor's ScannerRegistrationReq; on update every field is optional (absent: kept)."),
  ScannerRegistrationSettings: z.object({ ...ZScannerSettingsReq.shape, url: ZRegistryUrl }),
  IsDefault: ZIsDefaultReq,
  ProjectScanner: ZProjectScannerReq,
} satisfies Record<string, z.ZodType>;

const SCANNER_RESPONSE_SCHEMAS = {
  ScannerRegistration: ZHarborScannerRegistration,
  ScannerAdapterMetadata: ZHarborScannerAdapterMetadata,
} satisfies Record<string, z.ZodType>;

// ---- tag retention ----

const RETENTION_REQUEST_SCHEMAS = {
  RetentionExecutionReq: ZRetentionExecutionReq,
  RetentionExecutionPatch: ZRetentionExecutionPatch,
  TagNamingPolicyReq: ZTagNamingPolicyReq,
} satisfies Record<string, z.ZodType>;

const RETENTION_RESPONSE_SCHEMAS = {
  RetentionPolicy: ZHarborRetentionPolicy,
  RetentionExecution: ZHarborRetentionExecution,
  RetentionExecutionTask: ZHarborRetentionTask,
  RetentionMetadata: ZHarborRetentionMetadata,
} satisfies Record<string, z.ZodType>;

const LABEL_REQUEST_SCHEMAS = {
  LabelReq: ZLabelReq,
  ArtifactLabelReq: ZArtifactLabelReq,
} satisfies Record<string, z.ZodType>;

const AUTH_SETTINGS_REQUEST_SCHEMAS = {
  Configurations: ZConfigurationsReq,
  LdapConf: ZLdapConfReq,
  LdapImportUsers: ZLdapImportUsersReq,
} satisfies Record<string, z.ZodType>;

const AUTH_SETTINGS_RESPONSE_SCHEMAS = {
  ConfigurationsResponse: ZConfigurationsResponse,
  LdapPingResult: ZLdapPingResult,
  LdapUser: ZHarborLdapUser,
  LdapFailedImportUser: ZLdapFailedImportUser,
} satisfies Record<string, z.ZodType>;

const WEBHOOK_REQUEST_SCHEMAS = {
  WebhookPolicyReq: ZWebhookPolicyReq,
} satisfies Record<string, z.ZodType>;

const WEBHOOK_RESPONSE_SCHEMAS = {
  WebhookPolicy: ZHarborWebhookPolicy,
  WebhookExecution: ZHarborWebhookExecution,
  WebhookTask: ZHarborWebhookTask,
  WebhookLastTrigger: ZHarborWebhookLastTrigger,
  WebhookJob: ZHarborWebhookJob,
  SupportedWebhookEventTypes: ZHarborSupportedWebhookEventTypes,
  WebhookTestAccepted: ZWebhookTestAccepted,
} satisfies Record<string, z.ZodType>;

/**
 * Request bodies as the routes check them: Harbor's shape (lib/api/requests.ts) plus the fields
 * each route checks with the shared console schemas (names, passwords, durations).
 */
const REQUEST_SCHEMAS = {
  ProjectReq: z.object({
    ...ZProjectReq.shape,
    project_name: ZProjectName.optional().describe(
      "Required on create (not all digits: {project_name_or_id} reads digits as an id); ignored on update.",
    ),
  }),
  ProjectMember: ZProjectMemberReq,
  RoleRequest: ZRoleRequest,
  UserCreationReq: z.object({ ...ZUserCreationReq.shape, username: ZUsername, email: ZEmail, realname: ZFullName, password: ZPassword }),
  UserSysAdminFlag: ZUserSysAdminFlagReq,
  SystemRoleReq: ZSystemRoleReq,
  RobotCreate: z.object({
    ...ZRobotCreateReq.shape,
    name: ZRobotName,
    description: z.string().max(1024).optional(),
    duration: ZRobotDuration.optional().describe("Days (1-3650), or -1 for never; 30 when omitted."),
  }),
  RobotUpdate: ZRobotUpdateReq.describe("Harbor's whole Robot; description, duration, permissions and disable may change."),
  RobotSecReq: ZRobotSecReq,
  RepositoryReq: ZRepositoryReq,
  TagReq: ZTagReq,
  ScanType: ZScanTypeReq,
  PurgeScheduleReq: ZPurgeScheduleReq,
  CVEAllowlistReq: ZCveAllowlistReq,
  IpAllowlistReq: ZIpAllowlistReq,
  ImmutableRuleReq: ZImmutableRuleReq,
  QuotaUpdateReq: ZQuotaUpdateReq,
  ...RETENTION_REQUEST_SCHEMAS,
  ...WEBHOOK_REQUEST_SCHEMAS,
  ...LABEL_REQUEST_SCHEMAS,
  ...AUTH_SETTINGS_REQUEST_SCHEMAS,
  ...REGISTRY_REQUEST_SCHEMAS,
  ...REPLICATION_REQUEST_SCHEMAS,
  ...SCANNER_REQUEST_SCHEMAS,
  ScanAllScheduleReq: ZScanAllScheduleReq,
  GCScheduleReq: ZGcScheduleReq,
} satisfies Record<string, z.ZodType>;

/** Response bodies, in Harbor's names. */
const RESPONSE_SCHEMAS = {
  Errors: ZHarborErrors,
  OverallHealthStatus: ZHarborHealth,
  Readiness: ZReadiness,
  Project: ZHarborProject,
  ProjectMetadata: ZHarborProjectMetadata,
  ProjectMemberEntity: ZHarborProjectMember,
  UserResp: ZHarborUser,
  UserSearchRespItem: ZHarborUserSearchItem,
  Permission: ZHarborPermission,
  Access: ZHarborAccess,
  RobotPermission: ZHarborRobotPermission,
  Robot: ZHarborRobot,
  RobotCreated: ZHarborRobotCreated,
  RobotSec: ZHarborRobotSec,
  Repository: ZHarborRepository,
  Tag: ZHarborTag,
  Platform: ZHarborPlatform,
  AdditionLink: ZHarborAdditionLink,
  AdditionLinks: ZHarborAdditionLinks,
  Reference: ZHarborReference,
  Accessory: ZHarborAccessory,
  Artifact: ZHarborArtifact,
  Label: ZHarborLabel,
  UserGroup: ZHarborUserGroup,
  UserGroupSearchItem: ZHarborUserGroupSearchItem,
  BuildHistoryEntry: ZHarborBuildHistoryEntry,
  SearchRepository: ZHarborSearchRepository,
  Search: ZHarborSearch,
  AuditLog: ZHarborAuditLog,
  PurgeSchedule: ZHarborPurgeSchedule,
  CVEAllowlist: ZHarborCveAllowlist,
  IpAllowlist: ZIpAllowlistResp,
  ImmutableRule: ZHarborImmutableRule,
  Quota: ZHarborQuota,
  ProjectSummary: ZHarborProjectSummary,
  TagNamingPolicy: ZTagNamingPolicy,
  ...RETENTION_RESPONSE_SCHEMAS,
  ...WEBHOOK_RESPONSE_SCHEMAS,
  ...REGISTRY_RESPONSE_SCHEMAS,
  ...VULN_DB_RESPONSE_SCHEMAS,
  ...REPLICATION_RESPONSE_SCHEMAS,
  ...SCANNER_RESPONSE_SCHEMAS,
  ...SECURITY_RESPONSE_SCHEMAS,
  ...AUTH_SETTINGS_RESPONSE_SCHEMAS,
  ScanAllSchedule: ZHarborScanAllSchedule,
  Stats: ZHarborScanAllStats,
  GCHistory: ZHarborGcHistory,
  GCSchedule: ZHarborGcSchedule,
  ArtifactImported: ZArtifactImported,
} satisfies Record<string, z.ZodType>;

type SchemaName = keyof typeof REQUEST_SCHEMAS | keyof typeof RESPONSE_SCHEMAS;

/**
 * Tidies zod's output for readers: date-times keep their format without zod's long pattern, and
 * integers drop the ±2^53 bounds zod adds to every `z.int()`.
 */
function tidy({ jsonSchema }: { jsonSchema: JsonSchema }): void {
  if (jsonSchema.format === "date-time") delete jsonSchema.pattern;
  if (jsonSchema.type === "integer") {
    if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
  }
}

/** Requests are described by what they accept (zod's input side), responses by what they answer. */
function componentSchemas(schemas: Record<string, z.ZodType>, io: "input" | "output"): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: out } = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    io,
    // Refinements and transforms cannot be expressed; the schema then says what it can (or anything).
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
    override: tidy,
  });
  return Object.fromEntries(Object.entries(out).map(([id, generated]) => [id, embedded(generated as JsonSchema)]));
}

/** A schema inside the document has no dialect or base URI of its own (an `$id` would change how its `$ref`s resolve). */
function embedded(generated: JsonSchema): JsonSchema {
  const copy = { ...generated };
  delete copy.$schema;
  delete copy.$id;
  return copy;
}

/** A standalone schema (a parameter's), tidied the same way. */
function jsonSchema(schema: z.ZodType): JsonSchema {
  return embedded(z.toJSONSchema(schema, { target: "draft-2020-12", io: "output", unrepresentable: "any", override: tidy }) as JsonSchema);
}

// ---- Building blocks --------------------------------------------------------------------------

const ref = (kind: "schemas" | "parameters" | "responses" | "headers", name: string): Ref => ({ $ref: `#/components/${kind}/${name}` });
const schema = (name: SchemaName) => ref("schemas", name);
const param = (name: keyof typeof PARAMETERS) => ref("parameters", name);
const json = (s: JsonSchema | Ref) => ({ "application/json": { schema: s } });
const body = (name: SchemaName) => ({ required: true as const, content: json(schema(name)) });
const arrayOf = (name: SchemaName): JsonSchema => ({ type: "array", items: schema(name) });
const query = (name: string, s: z.ZodType, description?: string, required = false): Parameter => ({
  name,
  in: "query",
  ...(description ? { description } : {}),
  ...(required ? { required } : {}),
  schema: jsonSchema(s),
});
const pathParam = (name: string, s: z.ZodType, description?: string): Parameter => ({ name, in: "path", required: true, ...(description ? { description } : {}), schema: jsonSchema(s) });

/** The error answers an operation can give, each Harbor's envelope. */
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;
const ERROR_DESCRIPTIONS = {
  "400": "Bad request: invalid parameters or body; the message names each field.",
  "401": "Not signed in, or wrong Basic credentials (then with `WWW-Authenticate: Basic`).",
  "403": "Forbidden, a cross-site cookie request, or the client's address outside the IP allowlist (the system's, or under a project the project's own; the message says which).",
  "404": "Not found (also for private resources the caller cannot see).",
  "409": "Conflict: the name is taken, the change would leave a project without a Project Admin, or what is addressed is in use or in a state that does not allow it (the message says which).",
  "412": "Precondition failed: the project still holds repositories, a replication policy has an execution in progress, or a tag policy forbids the change (an immutable tag deleted or moved to another digest, a new tag that does not match the project's naming policy).",
  "413": "The request body is larger than 1 MiB.",
  "415": "The body is not application/json.",
  "429": "Too many failed sign-ins for this username; try again later.",
  "500": "Internal error (details in the server log, never in the answer).",
  "503": "The database or the backing registry is unavailable (with `Retry-After`).",
} as const;
const errors = (...codes: ErrorStatus[]) => Object.fromEntries(codes.map((c) => [c, ref("responses", c)]));
/** Every route wrapped by withApi can answer these: a control character in the query (400), a failed sign-in (401, 429), a bug (500), the database down (503). */
const COMMON: ErrorStatus[] = ["400", "401", "429", "500", "503"];
/** A JSON body adds: too large (413), not JSON (415). */
const BODY: ErrorStatus[] = ["413", "415"];

const requestIdHeader = { "X-Request-Id": ref("headers", "XRequestId") };
const listOk = (description: string, item: SchemaName): ResponseObject => ({
  description,
  headers: { "X-Total-Count": ref("headers", "XTotalCount"), Link: ref("headers", "Link"), ...requestIdHeader },
  content: json(arrayOf(item)),
});
const jsonOk = (description: string, s: JsonSchema | Ref): ResponseObject => ({ description, headers: requestIdHeader, content: json(s) });
const OK = { "200": ref("responses", "200") };
const CREATED = { "201": ref("responses", "201") };

const PAGING = [param("page"), param("pageSize")];
const PROJECT = [param("requestId"), param("isResourceName"), param("projectNameOrId")];
const REPO = [param("requestId"), param("projectName"), param("repositoryName")];
const ARTIFACT = [...REPO, param("reference")];
const PUBLIC_ENDPOINT: Record<string, string[]>[] = [{}];
const userId = pathParam("user_id", z.int().min(1), "The user id.");
const withTag = query("with_tag", z.boolean().default(true), "Include tags (up to 5 per artifact on lists).");
const withScanOverview = query("with_scan_overview", z.boolean().default(false), "Include `scan_overview`: the vulnerability scan's status and counts (an index: of its child images).");
const AUDIT_LOG_PARAMS: (Parameter | Ref)[] = [
  query("q", z.string(), "Filter terms (see the description)."),
  ...PAGING,
  query("cursor", z.string(), 'Keyset cursor from a `Link` header (rel="next"/"prev"); replaces `page`.'),
  query("format", z.enum(["json", "csv"]), "`csv` for the CSV export."),
  query("sort", z.enum(["-op_time"]), "Only `-op_time` (newest first, the fixed order)."),
];
const auditLogOk: ResponseObject = {
  description: "One page of audit rows (JSON), or every matching row (text/csv, Content-Disposition: attachment).",
  headers: {
    "X-Total-Count": ref("headers", "XTotalCountUpTo10000"),
    "X-Total-Count-Bound": ref("headers", "XTotalCountBound"),
    Link: ref("headers", "Link"),
    ...requestIdHeader,
  },
  content: { ...json(arrayOf("AuditLog")), "text/csv": { schema: { type: "string" } } },
};

const PARAMETERS = {
  requestId: {
    name: "X-Request-Id",
    in: "header",
    description: "Echoed in the response (1-64 characters of [A-Za-z0-9_.:-]; otherwise one is generated).",
    schema: jsonSchema(z.string()),
  },
  isResourceName: {
    name: "X-Is-Resource-Name",
    in: "header",
    description: "true: treat {project_name_or_id} as a name even when it is all digits.",
    schema: jsonSchema(z.boolean().default(false)),
  },
  resourceNameInLocation: {
    name: "X-Resource-Name-In-Location",
    in: "header",
    description: "true: the Location of the created project names it instead of giving its id.",
    schema: jsonSchema(z.boolean().default(false)),
  },
  projectNameOrId: pathParam("project_name_or_id", z.string(), "The project's name or id."),
  projectName: pathParam("project_name_or_id", z.string(), "The project's name (Harbor's {project_name})."),
  repositoryName: pathParam("repository_name", z.string(), "The repository name inside the project, URL-encoded twice as Harbor does (`a%252Fb` for `a/b`)."),
  reference: pathParam("reference", z.string(), "A tag or a digest (`sha256:...`)."),
  mid: pathParam("mid", z.int().min(1), "The member id."),
  robotId: pathParam("robot_id", z.int().min(1), "The robot id."),
  // The shared paging schema's limits (lib/validation/pagination.ts).
  page: query("page", ZPageNumber.default(1), "Page number, from 1."),
  pageSize: query("page_size", ZPageSizeNumber.default(API_DEFAULT_PAGE_SIZE), "Items per page."),
  projectQuery: query("q", z.string(), "Terms `name=<exact>`, `name=~<text>`, `public=true|false`, comma-separated."),
} satisfies Record<string, Parameter>;

// ---- Operations -------------------------------------------------------------------------------

const PATHS: OpenApiDocument["paths"] = {
  "/ping": {
    get: {
      operationId: "getPing",
      summary: "Liveness probe",
      tags: ["health"],
      security: PUBLIC_ENDPOINT,
      responses: { "200": { description: "Always `Pong`.", content: { "text/plain": { schema: { type: "string", const: "Pong" } } } } },
    },
  },
  "/health": {
    get: {
      operationId: "getHealth",
      summary: "Status of Wharf's components",
      description: "No authentication needed. Only administrators and auditors (signed in with the session cookie) see why a component is unhealthy.",
      tags: ["health"],
      security: PUBLIC_ENDPOINT,
      responses: { "200": jsonOk("Overall status and one entry per component.", schema("OverallHealthStatus")), ...errors(...COMMON) },
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
        "200": { description: "Ready.", content: json(schema("Readiness")) },
        "503": { description: "Not ready.", content: json(schema("Readiness")) },
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
      description: "Public projects, the caller's projects (members; robots: their granted projects) and, for administrators and auditors, every project. Sorted by name.",
      tags: ["project"],
      parameters: [
        param("requestId"),
        param("projectQuery"),
        ...PAGING,
        query("name", z.string(), "Project name contains this text (case-insensitive)."),
        query("public", z.boolean(), "Only public (true) or private (false) projects."),
      ],
      responses: { "200": listOk("One page of projects.", "Project"), ...errors(...COMMON) },
    },
    head: {
      operationId: "headProject",
      summary: "Check whether a project name is taken",
      description: "Signed-in callers only. Answers for private projects too (creating one would reveal the same through 409).",
      tags: ["project"],
      parameters: [param("requestId"), query("project_name", z.string(), undefined, true)],
      responses: {
        "200": { description: "A project of that name exists." },
        "404": { description: "No project of that name." },
        "400": { description: "project_name missing." },
        "401": { description: "Not signed in." },
        "429": { description: ERROR_DESCRIPTIONS["429"] },
        "500": { description: ERROR_DESCRIPTIONS["500"] },
        "503": { description: ERROR_DESCRIPTIONS["503"] },
      },
    },
    post: {
      operationId: "createProject",
      summary: "Create a project",
      description: "The caller becomes its owner and first Project Admin. Who may create projects follows the system setting (everyone or administrators only).",
      tags: ["project"],
      parameters: [param("requestId"), param("resourceNameInLocation")],
      requestBody: body("ProjectReq"),
      responses: { ...CREATED, ...errors(...COMMON, ...BODY, "403", "409") },
    },
  },
  "/projects/{project_name_or_id}": {
    get: {
      operationId: "getProject",
      summary: "Get a project",
      tags: ["project"],
      parameters: PROJECT,
      responses: { "200": jsonOk("The project.", schema("Project")), ...errors(...COMMON, "404") },
    },
    put: {
      operationId: "updateProject",
      summary: "Update a project",
      description: "Changes `metadata.public` (or the deprecated `public`) and `metadata.auto_scan` (scan on push), each only when given; the name never changes. Project Admins and administrators.",
      tags: ["project"],
      parameters: PROJECT,
      requestBody: body("ProjectReq"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404") },
    },
    delete: {
      operationId: "deleteProject",
      summary: "Delete an empty project",
      description: "Project Admins and administrators. 412 while the project still holds repositories.",
      tags: ["project"],
      parameters: PROJECT,
      responses: { ...OK, ...errors(...COMMON, "403", "404", "412") },
    },
  },
  "/projects/{project_name_or_id}/members": {
    get: {
      operationId: "listProjectMembers",
      summary: "List project members",
      tags: ["member"],
      parameters: [...PROJECT, ...PAGING, query("entityname", z.string(), "Username contains this text (case-insensitive).")],
      responses: { "200": listOk("One page of members.", "ProjectMemberEntity"), ...errors(...COMMON, "403", "404") },
    },
    post: {
      operationId: "createProjectMember",
      summary: "Add a user to the project",
      description: "Project Admins and administrators. A user (`member_user`: `username` wins over `user_id`) or an LDAP or OIDC group (`member_group`: by `id`, or `group_type` 1 with `ldap_group_dn` or 3 with `group_name`).",
      tags: ["member"],
      parameters: PROJECT,
      requestBody: body("ProjectMember"),
      responses: { ...CREATED, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
  },
  "/projects/{project_name_or_id}/members/{mid}": {
    get: {
      operationId: "getProjectMember",
      summary: "Get a project member",
      tags: ["member"],
      parameters: [...PROJECT, param("mid")],
      responses: { "200": jsonOk("The member.", schema("ProjectMemberEntity")), ...errors(...COMMON, "403", "404") },
    },
    put: {
      operationId: "updateProjectMember",
      summary: "Change a member's role",
      description: "Project Admins and administrators. Demoting the last Project Admin is refused with 409.",
      tags: ["member"],
      parameters: [...PROJECT, param("mid")],
      requestBody: body("RoleRequest"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
    delete: {
      operationId: "deleteProjectMember",
      summary: "Remove a member",
      description: "Project Admins and administrators. Removing the last Project Admin is refused with 409.",
      tags: ["member"],
      parameters: [...PROJECT, param("mid")],
      responses: { ...OK, ...errors(...COMMON, "403", "404", "409") },
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
        query("q", z.string(), "`name=~<text>`: the repository name contains the text; `name=<name>`: the whole name, with or without the project; `project_id=<id>` is accepted and, as in Harbor, the path's project decides."),
        query("sort", z.enum(["name", "-artifact_count", "-pull_count", "-update_time"]), "`name` (default), `-artifact_count`, `-pull_count` or `-update_time`."),
        ...PAGING,
      ],
      responses: { "200": listOk("One page of repositories.", "Repository"), ...errors(...COMMON, "403", "404") },
    },
  },
  "/projects/{project_name_or_id}/repositories/{repository_name}": {
    get: {
      operationId: "getRepository",
      summary: "Get a repository",
      tags: ["repository"],
      parameters: REPO,
      responses: { "200": jsonOk("The repository.", schema("Repository")), ...errors(...COMMON, "403", "404") },
    },
    put: {
      operationId: "updateRepository",
      summary: "Change a repository's description",
      description: "Only `description` is read from the Repository body.",
      tags: ["repository"],
      parameters: REPO,
      requestBody: body("RepositoryReq"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404") },
    },
    delete: {
      operationId: "deleteRepository",
      summary: "Delete a repository and all its artifacts",
      description: "412 while one of its tags is immutable.",
      tags: ["repository"],
      parameters: REPO,
      responses: { ...OK, ...errors(...COMMON, "403", "404", "412") },
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
        query("q", z.string(), "`tags=nil` (untagged), `tags=*` (tagged) or `tags=~<text>`."),
        query("sort", z.enum(["-push_time"]), "Only `-push_time` (the default)."),
        withTag,
        withScanOverview,
        ...PAGING,
      ],
      responses: { "200": listOk("One page of artifacts.", "Artifact"), ...errors(...COMMON, "403", "404") },
    },
    post: {
      operationId: "copyArtifact",
      summary: "Copy an artifact into this repository",
      description:
        "Harbor's copy: `from` is `<project>/<repository>:<tag>` or `<project>/<repository>@<digest>`. Needs pull on the source and artifact create in this project. Blobs are mounted, not re-uploaded; digests are unchanged; an index is copied with its children. By tag the copy gets the same tag (moved if it pointed elsewhere); by digest it is untagged. The Location names the copy by digest.",
      tags: ["artifact"],
      parameters: [...REPO, query("from", z.string(), "The source artifact.", true)],
      responses: { ...CREATED, ...errors(...COMMON, "403", "404", "412") },
    },
  },
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}": {
    get: {
      operationId: "getArtifact",
      summary: "Get an artifact by tag or digest",
      tags: ["artifact"],
      parameters: [...ARTIFACT, withTag, withScanOverview],
      responses: { "200": jsonOk("The artifact.", schema("Artifact")), ...errors(...COMMON, "403", "404") },
    },
    delete: {
      operationId: "deleteArtifact",
      summary: "Delete an artifact and all its tags",
      description: "412 while one of its tags is immutable.",
      tags: ["artifact"],
      parameters: ARTIFACT,
      responses: { ...OK, ...errors(...COMMON, "403", "404", "412") },
    },
  },
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/tags": {
    get: {
      operationId: "listTags",
      summary: "List an artifact's tags",
      description: "Newest push first, 20 per page (`page_size` is fixed).",
      tags: ["artifact"],
      parameters: [...ARTIFACT, param("page")],
      responses: { "200": listOk("One page of tags.", "Tag"), ...errors(...COMMON, "403", "404") },
    },
    post: {
      operationId: "createTag",
      summary: "Add a tag to an artifact",
      description: "An existing tag is refused with 409 (moving a tag is a push).",
      tags: ["artifact"],
      parameters: ARTIFACT,
      requestBody: body("TagReq"),
      responses: { ...CREATED, ...errors(...COMMON, ...BODY, "403", "404", "409", "412") },
    },
  },
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/tags/{tag_name}": {
    delete: {
      operationId: "deleteTag",
      summary: "Delete a tag (the artifact and its other tags stay)",
      description: "412 for an immutable tag.",
      tags: ["artifact"],
      parameters: [...ARTIFACT, pathParam("tag_name", z.string())],
      responses: { ...OK, ...errors(...COMMON, "403", "404", "412") },
    },
  },
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/additions/build_history": {
    get: {
      operationId: "getBuildHistory",
      summary: "An image's build history (from its config)",
      description: "404 for an index. Empty when the config cannot be read.",
      tags: ["artifact"],
      parameters: ARTIFACT,
      responses: { "200": jsonOk("History entries, oldest first.", arrayOf("BuildHistoryEntry")), ...errors(...COMMON, "403", "404") },
    },
  },
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/additions/vulnerabilities": {
    get: {
      operationId: "getVulnerabilitiesAddition",
      summary: "An artifact's vulnerability report",
      description:
        "The target of `addition_links.vulnerabilities`, in Harbor's shape: an object whose one key is the report's MIME type (`application/vnd.security.vulnerability.report; version=1.1`) and whose value is the scanner's report (Pluggable Scanner API), for the newest succeeded vulnerability report of the artifact's digest. `{}` while it has none (never scanned, scanning, failed, or an image index: its child images are scanned one by one). Needs read access to the artifact and `scan:read`.",
      tags: ["artifact"],
      parameters: ARTIFACT,
      responses: { "200": jsonOk("Report MIME type → report; `{}` when none.", { type: "object", additionalProperties: true }), ...errors(...COMMON, "403", "404") },
    },
  },
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/scan": {
    post: {
      operationId: "scanArtifact",
      summary: "Scan an artifact",
      description:
        "Project Admins, Maintainers and administrators (`scan:create`). Queues a scan by the project's scanner (its own choice if enabled, else the default); an image index is scanned child image by child image. Body optional: `{\"scan_type\":\"vulnerability\"}` (default) or `\"sbom\"`. One audit row (`artifact.scan`). 409 while a scan of it by that scanner is queued or running, or when no scanner is enabled.",
      tags: ["artifact"],
      parameters: ARTIFACT,
      requestBody: { required: false, content: json(schema("ScanType")) },
      responses: { "202": { description: "Accepted: the scan is queued.", headers: { ...requestIdHeader } }, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
  },
  "/system/CVEAllowlist": {
    get: {
      operationId: "getSystemCVEAllowlist",
      summary: "The system CVE allowlist",
      description: "Any signed-in user (a project that reuses it shows it). Vulnerabilities whose id or an alias is listed do not count for projects that prevent vulnerable images and reuse the system allowlist, until `expires_at`.",
      tags: ["SystemCVEAllowlist"],
      parameters: [param("requestId")],
      responses: { "200": jsonOk("The system allowlist.", schema("CVEAllowlist")), ...errors(...COMMON) },
    },
    put: {
      operationId: "updateSystemCVEAllowlist",
      summary: "Replace the system CVE allowlist",
      description: "Administrators only; one audit row (`cve_allowlist.update`). `items` absent is an empty list; `expires_at` in Unix seconds, null or absent for never.",
      tags: ["SystemCVEAllowlist"],
      parameters: [param("requestId")],
      requestBody: body("CVEAllowlistReq"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403") },
    },
  },
  "/system/ip-allowlist": {
    get: {
      operationId: "getSystemIpAllowlist",
      summary: "The system IP allowlist (Wharf extension)",
      description: "Administrators and auditors. The addresses and CIDR ranges from which the console, the REST API and the registry may be reached; empty lets every address in. The health probes, the ping and /metrics are never refused.",
      tags: ["SystemIpAllowlist"],
      parameters: [param("requestId")],
      responses: { "200": jsonOk("The system IP allowlist.", schema("IpAllowlist")), ...errors(...COMMON, "403") },
    },
    put: {
      operationId: "updateSystemIpAllowlist",
      summary: "Replace the system IP allowlist (Wharf extension)",
      description: "Administrators only; one audit row (`ip_allowlist.update`). A list that leaves out the caller's own address is a 400 naming `entries`, nothing saved. A refused request answers 403 and writes an `ip_allowlist.deny` row (repeats of a minute counted on one row).",
      tags: ["SystemIpAllowlist"],
      parameters: [param("requestId")],
      requestBody: body("IpAllowlistReq"),
      responses: { "200": jsonOk("The list as saved.", schema("IpAllowlist")), ...errors(...COMMON, ...BODY, "403") },
    },
  },
  "/system/purgeaudit/schedule": {
    get: {
      operationId: "getPurgeSchedule",
      summary: "The audit log purge policy",
      description: "Administrators and auditors. Harbor's ExecHistory shape; the cron has Harbor's seconds field (always `0`).",
      tags: ["purge"],
      parameters: [param("requestId")],
      responses: { "200": jsonOk("The purge policy.", schema("PurgeSchedule")), ...errors(...COMMON, "403") },
    },
    put: {
      operationId: "updatePurgeSchedule",
      summary: "Set the audit log purge policy",
      description:
        "Administrators only; one audit row (`audit_log.purge_policy.update`). `schedule.type` Hourly, Daily, Weekly, Custom (with `cron`: 5 fields, or 6 with seconds `0`) or None (no scheduled purge; the cron is kept). `parameters.audit_retention_hour`: a multiple of 24 from 24 to 876000 (omitted: unchanged); `dry_run` must be false. Rows younger than 24 hours are never purged.",
      tags: ["purge"],
      parameters: [param("requestId")],
      requestBody: body("PurgeScheduleReq"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403") },
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
      parameters: [param("requestId"), ...AUDIT_LOG_PARAMS],
      responses: { "200": auditLogOk, ...errors(...COMMON, "403") },
    },
  },
  "/projects/{project_name_or_id}/logs": {
    get: {
      operationId: "getLogs",
      summary: "A project's audit log, newest first (JSON or CSV)",
      description:
        "The project's administrators, auditors and system administrators. Same `q`, paging, cursor, count and CSV rules as `/audit-logs`; a `project`/`project_id` term cannot widen the scope.",
      tags: ["auditlog"],
      parameters: [...PROJECT, ...AUDIT_LOG_PARAMS],
      responses: { "200": auditLogOk, ...errors(...COMMON, "403", "404") },
    },
  },
  "/search": {
    get: {
      operationId: "search",
      summary: "Find projects and repositories by name",
      description: "Only projects the caller may see, and their repositories; at most 50 of each.",
      tags: ["search"],
      parameters: [param("requestId"), query("q", z.string(), "Name contains this text (case-insensitive).", true)],
      responses: { "200": jsonOk("Matches.", schema("Search")), ...errors(...COMMON) },
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
        query("q", z.string(), "One of `username=~<text>`, `email=~<text>`, `realname=~<text>`."),
        query("username", z.string(), "Filter text (same as q=username=~<text>)."),
        ...PAGING,
      ],
      responses: { "200": listOk("One page of users.", "UserResp"), ...errors(...COMMON, "403") },
    },
    post: {
      operationId: "createUser",
      summary: "Create a local user",
      description: "Administrators. Usernames follow Harbor's rules plus no `:` or whitespace; passwords need 8-128 characters with upper, lower and digit.",
      tags: ["user"],
      parameters: [param("requestId")],
      requestBody: body("UserCreationReq"),
      responses: { ...CREATED, ...errors(...COMMON, ...BODY, "403", "409") },
    },
  },
  "/users/{user_id}": {
    get: {
      operationId: "getUser",
      summary: "Get a user",
      description: "Administrators and auditors.",
      tags: ["user"],
      parameters: [param("requestId"), userId],
      responses: { "200": jsonOk("The user.", schema("UserResp")), ...errors(...COMMON, "403", "404") },
    },
  },
  "/users/{user_id}/sysadmin": {
    put: {
      operationId: "setUserSysAdmin",
      summary: "Grant or revoke the administrator role",
      description:
        "Administrators only (auditors too are refused). `false` leaves the user with no system role. Exactly one audit row per change. 409 when it would remove the last enabled administrator or the caller's own role.",
      tags: ["user"],
      parameters: [param("requestId"), userId],
      requestBody: body("UserSysAdminFlag"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
  },
  "/users/{user_id}/system-role": {
    put: {
      operationId: "setUserSystemRole",
      summary: "Set a user's system role (Wharf)",
      description:
        "Administrators only. `admin`, `auditor` (reads everything, changes nothing) or `none`. Exactly one audit row per change. 409 when it would remove the last enabled administrator or the caller's own role.",
      tags: ["user"],
      parameters: [param("requestId"), userId],
      requestBody: body("SystemRoleReq"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
  },
  "/users/current": {
    get: {
      operationId: "getCurrentUserInfo",
      summary: "The calling user",
      description: "401 when not signed in; 403 for robot accounts, which have no user profile.",
      tags: ["user"],
      parameters: [param("requestId")],
      responses: { "200": jsonOk("The caller.", schema("UserResp")), ...errors(...COMMON, "403") },
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
        query("scope", z.string().regex(/^\/project\/\d+$/), "`/project/<project id>`.", true),
        query("relative", z.boolean().default(false), "true: resources relative to the scope (`repository`); false: absolute (`/project/1/repository`)."),
      ],
      responses: { "200": jsonOk("Permissions.", arrayOf("Permission")), ...errors(...COMMON) },
    },
  },
  "/users/search": {
    get: {
      operationId: "searchUsers",
      summary: "Find usernames",
      description: "Any signed-in user (not robots). Enabled users whose username contains the text, by username.",
      tags: ["user"],
      parameters: [param("requestId"), query("username", z.string(), undefined, true), ...PAGING],
      responses: { "200": listOk("One page of matches.", "UserSearchRespItem"), ...errors(...COMMON) },
    },
  },
  "/robots": {
    get: {
      operationId: "ListRobot",
      summary: "List robot accounts",
      description:
        "Without q (or with `q=Level=system`): system robots, for administrators and auditors. `q=Level=project,ProjectID=<id>`: that project's robots, for members who may list them. Keys in any case, as Harbor's: `Level`/`level`, `ProjectID`/`project_id`, `name=<login name, with or without robot$>`, `name=~<text>`.",
      tags: ["robot"],
      parameters: [param("requestId"), query("q", z.string()), ...PAGING],
      responses: { "200": listOk("One page of robots (never their secrets).", "Robot"), ...errors(...COMMON, "403", "404") },
    },
    post: {
      operationId: "CreateRobot",
      summary: "Create a robot account",
      description:
        "Project robots: Project Admins and administrators, one permission entry for the project. System robots: administrators only. A robot never gets a permission its creator lacks. The answer is the only time the secret is shown.",
      tags: ["robot"],
      parameters: [param("requestId")],
      requestBody: body("RobotCreate"),
      responses: {
        "201": {
          description: "Created; the secret is returned this once.",
          headers: { Location: ref("headers", "Location"), ...requestIdHeader },
          content: json(schema("RobotCreated")),
        },
        ...errors(...COMMON, ...BODY, "403", "404", "409"),
      },
    },
  },
  "/robots/{robot_id}": {
    get: {
      operationId: "GetRobotByID",
      summary: "Get a robot account (never its secret)",
      tags: ["robot"],
      parameters: [param("requestId"), param("robotId")],
      responses: { "200": jsonOk("The robot.", schema("Robot")), ...errors(...COMMON, "403", "404") },
    },
    put: {
      operationId: "UpdateRobot",
      summary: "Update a robot account",
      description:
        "Takes Harbor's whole Robot: description, duration (days from creation, -1 for never), permissions and disable change; an absent or null field stays. name and level cannot change (400); a project robot's permissions stay in its project. The caller needs every permission the robot holds and is to hold (403 otherwise). One audit row: robot.disable/robot.enable when only disable changes, otherwise robot.update.",
      tags: ["robot"],
      parameters: [param("requestId"), param("robotId")],
      requestBody: body("RobotUpdate"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404") },
    },
    patch: {
      operationId: "RefreshSec",
      summary: "Generate or set a new secret",
      description:
        "Send `{}` and Wharf generates the secret, or `{\"secret\":…}` with one of your own that meets Harbor's secret policy (8-128 characters, an uppercase letter, a lowercase letter and a digit; 400 otherwise). The old secret stops working at once.",
      tags: ["robot"],
      parameters: [param("requestId"), param("robotId")],
      requestBody: body("RobotSecReq"),
      responses: { "200": jsonOk("The new secret, shown this once.", schema("RobotSec")), ...errors(...COMMON, ...BODY, "403", "404") },
    },
    delete: {
      operationId: "DeleteRobot",
      summary: "Delete a robot account",
      tags: ["robot"],
      parameters: [param("requestId"), param("robotId")],
      responses: { ...OK, ...errors(...COMMON, "403", "404") },
    },
  },
};

const registryId = pathParam("id", z.int().min(1), "The registry endpoint id.");
const REGISTRY_PATHS: OpenApiDocument["paths"] = {
  "/registries": {
    get: {
      operationId: "listRegistries",
      summary: "List registry endpoints",
      description: "Administrators and auditors. By name; `q=name=<exact>` or `q=name=~<text>`. Never a password (`access_secret` is masked).",
      tags: ["registry"],
      parameters: [param("requestId"), query("q", z.string(), "Terms `name=<exact>` or `name=~<text>`."), ...PAGING],
      responses: { "200": listOk("One page of registry endpoints.", "RegistryResp"), ...errors(...COMMON, "403") },
    },
    post: {
      operationId: "createRegistry",
      summary: "Create a registry endpoint",
      description: "Administrators. The password (`credential.access_secret`) is stored encrypted and never answered.",
      tags: ["registry"],
      parameters: [param("requestId")],
      requestBody: body("Registry"),
      responses: { ...CREATED, ...errors(...COMMON, ...BODY, "403", "409") },
    },
  },
  "/registries/ping": {
    post: {
      operationId: "pingRegistry",
      summary: "Test connection",
      description:
        "Administrators. `id` alone tests the stored endpoint and keeps the outcome as its `status`; other fields test those settings (with `id`, an absent password is the stored one). 200 when the registry answered the registry API with the credentials; 400 naming the cause otherwise (wrong username or password, not a registry, unreachable, TLS error).",
      tags: ["registry"],
      parameters: [param("requestId")],
      requestBody: body("RegistryPing"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404") },
    },
  },
  "/registries/{id}": {
    get: {
      operationId: "getRegistry",
      summary: "Get a registry endpoint",
      tags: ["registry"],
      parameters: [param("requestId"), registryId],
      responses: { "200": jsonOk("The registry endpoint.", schema("RegistryResp")), ...errors(...COMMON, "403", "404") },
    },
    put: {
      operationId: "updateRegistry",
      summary: "Update a registry endpoint",
      description: "Administrators. Absent fields keep their values; an absent, empty or masked (`*****`) `access_secret` keeps the stored password.",
      tags: ["registry"],
      parameters: [param("requestId"), registryId],
      requestBody: body("RegistryUpdate"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
    delete: {
      operationId: "deleteRegistry",
      summary: "Delete a registry endpoint",
      description: "Administrators. Refused (409, naming the policies; one failure audit row, nothing deleted) while a replication policy uses the endpoint.",
      tags: ["registry"],
      parameters: [param("requestId"), registryId],
      responses: { ...OK, ...errors(...COMMON, "403", "404", "409") },
    },
  },
  "/registries/{id}/info": {
    get: {
      operationId: "getRegistryInfo",
      summary: "What replication supports for the endpoint",
      description: "The filters and triggers a replication policy with this endpoint can use.",
      tags: ["registry"],
      parameters: [param("requestId"), registryId],
      responses: { "200": jsonOk("The registry info.", schema("RegistryInfo")), ...errors(...COMMON, "403", "404") },
    },
  },
  "/registries/{id}/projects": {
    get: {
      operationId: "listRegistryProjects",
      summary: "The projects at a Harbor or Wharf endpoint (Wharf's extension)",
      description: [
        "Administrators and auditors. Read from the endpoint's own REST API (`GET <url>/api/v2.0/projects`, every page, at most 5,000 projects)",
        "with its credentials and TLS settings. `X-Total-Count` is the remote's count; `X-Wharf-Truncated: true` when the bound was reached.",
        "409 for a Docker Registry or Docker Hub endpoint (it has no projects); 400 naming the cause when the remote refuses the credentials,",
        "cannot be reached, fails TLS or is not Harbor's API.",
      ].join(" "),
      tags: ["registry"],
      parameters: [param("requestId"), registryId],
      responses: {
        "200": {
          description: "The remote's projects.",
          headers: {
            "X-Total-Count": ref("headers", "XTotalCount"),
            ...requestIdHeader,
          },
          content: json(arrayOf("RemoteProject")),
        },
        ...errors(...COMMON, "403", "404", "409"),
      },
    },
  },
  "/replication/adapters": {
    get: {
      operationId: "listRegistryProviderTypes",
      summary: "The registry types an endpoint can have",
      tags: ["registry"],
      parameters: [param("requestId")],
      responses: { "200": jsonOk("Registry types.", { type: "array", items: { type: "string" } }), ...errors(...COMMON, "403") },
    },
  },
  "/replication/adapterinfos": {
    get: {
      operationId: "listRegistryProviderInfos",
      summary: "How an endpoint of each registry type is addressed and signed in to",
      description: "Administrators and auditors. One entry per type `/replication/adapters` lists: Docker Hub has a fixed address; the others take the registry's URL; every type takes a username and password (or none).",
      tags: ["registry"],
      parameters: [param("requestId")],
      responses: { "200": jsonOk("Provider info by registry type.", { type: "object", additionalProperties: schema("RegistryProviderInfo") }), ...errors(...COMMON, "403") },
    },
  },
};

const replicationPolicyId = pathParam("id", z.int().min(1), "The replication policy id.");
const replicationExecutionId = pathParam("id", z.int().min(1), "The execution id.");
const REPLICATION_PATHS: OpenApiDocument["paths"] = {
  "/replication/policies": {
    get: {
      operationId: "listReplicationPolicies",
      summary: "List replication policies",
      description: "Administrators and auditors. By name; `q=name=<exact>` or `q=name=~<text>` (Harbor's deprecated `name`: a substring).",
      tags: ["replication"],
      parameters: [param("requestId"), query("q", z.string(), "Terms `name=<exact>` or `name=~<text>`."), query("name", z.string(), "Deprecated: a substring of the name."), ...PAGING],
      responses: { "200": listOk("One page of policies.", "ReplicationPolicyResp"), ...errors(...COMMON, "403") },
    },
    post: {
      operationId: "createReplicationPolicy",
      summary: "Create a replication policy",
      description:
        "Administrators. Push: `dest_registry.id` is the endpoint (the source is Wharf); pull: `src_registry.id`. Filters `name` (the full repository name with its project, e.g. `library/**`), `tag` and `resource` (`image` or `artifact`), each at most once. Bad input is a 400 naming each field; nothing is saved. 409 when the name is taken. One audit row (`replication_policy.create`).",
      tags: ["replication"],
      parameters: [param("requestId")],
      requestBody: body("ReplicationPolicy"),
      responses: { ...CREATED, ...errors(...COMMON, ...BODY, "403", "409") },
    },
  },
  "/replication/policies/{id}": {
    get: {
      operationId: "getReplicationPolicy",
      summary: "Get a replication policy",
      tags: ["replication"],
      parameters: [param("requestId"), replicationPolicyId],
      responses: { "200": jsonOk("The policy.", schema("ReplicationPolicyResp")), ...errors(...COMMON, "403", "404") },
    },
    put: {
      operationId: "updateReplicationPolicy",
      summary: "Replace a replication policy",
      description: "Administrators; the whole policy, as on create (`copy_parallelism` absent: kept). One audit row (`replication_policy.update`).",
      tags: ["replication"],
      parameters: [param("requestId"), replicationPolicyId],
      requestBody: body("ReplicationPolicy"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
    delete: {
      operationId: "deleteReplicationPolicy",
      summary: "Delete a replication policy with its executions",
      description: "Administrators. 412 while one of its executions is in progress (stop it first). One audit row (`replication_policy.delete`).",
      tags: ["replication"],
      parameters: [param("requestId"), replicationPolicyId],
      responses: { ...OK, ...errors(...COMMON, "403", "404", "412") },
    },
  },
  "/replication/policies/{id}/preview": {
    get: {
      operationId: "previewReplicationPolicy",
      summary: "Dry run: what a run started now would do (Wharf's extension)",
      description:
        "Administrators (it reads the remote registry with the endpoint's stored credentials). Every artifact the filters select, with the tags it would carry, `copy` or `skip` and why (already at the destination, a destination name that cannot be built, a tag elsewhere without `override`); the run plans the same way. Changes nothing and writes no audit row. 409 naming the remote and the cause when it cannot be read (unreachable, wrong credentials, TLS).",
      tags: ["replication"],
      parameters: [param("requestId"), replicationPolicyId],
      responses: { "200": jsonOk("The planned artifacts.", arrayOf("ReplicationPreviewItem")), ...errors(...COMMON, "403", "404", "409") },
    },
  },
  "/replication/executions": {
    get: {
      operationId: "listReplicationExecutions",
      summary: "List replication executions, newest first",
      description: "Administrators and auditors.",
      tags: ["replication"],
      parameters: [
        param("requestId"),
        ...PAGING,
        query("policy_id", z.int().min(1), "Only this policy's executions."),
        query("status", z.enum(["InProgress", "Succeed", "Failed", "Stopped"]), "Only executions in this status."),
        query("trigger", z.enum(["manual", "scheduled", "event_based"]), "Only executions started this way."),
      ],
      responses: { "200": listOk("One page of executions.", "ReplicationExecution"), ...errors(...COMMON, "403") },
    },
    post: {
      operationId: "startReplication",
      summary: "Start a run of a policy",
      description: "Administrators. One execution of a policy at a time and not while it is disabled (409); 404 for a missing policy. The run plans, then copies one task per artifact in the background. One audit row (`replication_execution.start`).",
      tags: ["replication"],
      parameters: [param("requestId")],
      requestBody: body("StartReplicationExecution"),
      responses: { ...CREATED, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
  },
  "/replication/executions/{id}": {
    get: {
      operationId: "getReplicationExecution",
      summary: "Get a replication execution with its task counts",
      tags: ["replication"],
      parameters: [param("requestId"), replicationExecutionId],
      responses: { "200": jsonOk("The execution.", schema("ReplicationExecution")), ...errors(...COMMON, "403", "404") },
    },
    put: {
      operationId: "stopReplication",
      summary: "Stop an execution",
      description: "Administrators. Tasks not yet started end `Stopped`; a copy under way finishes its artifact. 409 when it is not in progress. One audit row (`replication_execution.stop`).",
      tags: ["replication"],
      parameters: [param("requestId"), replicationExecutionId],
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
  },
  "/replication/executions/{id}/retry": {
    post: {
      operationId: "retryReplicationExecution",
      summary: "Run the failed tasks of an ended execution again, and only those (Wharf's extension)",
      description:
        "Administrators. The execution is in progress again until they end; what already arrived is not copied again. 409 while it is in progress or when no task failed. One audit row (`replication_execution.retry`).",
      tags: ["replication"],
      parameters: [param("requestId"), replicationExecutionId],
      responses: { "200": jsonOk("How many tasks run again.", schema("ReplicationRetry")), ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
  },
  "/replication/executions/{id}/tasks": {
    get: {
      operationId: "listReplicationTasks",
      summary: "An execution's tasks, one per artifact",
      tags: ["replication"],
      parameters: [param("requestId"), replicationExecutionId, ...PAGING, query("status", z.enum(["Pending", "InProgress", "Succeed", "Failed", "Stopped"]), "Only tasks in this status.")],
      responses: { "200": listOk("One page of tasks.", "ReplicationTask"), ...errors(...COMMON, "403", "404") },
    },
  },
  "/replication/executions/{id}/tasks/{task_id}/log": {
    get: {
      operationId: "getReplicationLog",
      summary: "A task's log",
      description: "Administrators and auditors. Each attempt's lines: what was copied or skipped, and why an attempt failed.",
      tags: ["replication"],
      parameters: [param("requestId"), replicationExecutionId, pathParam("task_id", z.int().min(1), "The task id.")],
      responses: { "200": { description: "The log.", headers: requestIdHeader, content: { "text/plain": { schema: { type: "string" } } } }, ...errors(...COMMON, "403", "404") },
    },
  },
};

const retentionId = pathParam("id", z.int().min(1), "The retention policy id (a project's policy).");
const retentionExecutionId = pathParam("eid", z.int().min(1), "The execution id.");
const RETENTION_PATHS: OpenApiDocument["paths"] = {
  "/retentions/metadatas": {
    get: {
      operationId: "getRentenitionMetadata",
      summary: "Rule templates and selector kinds",
      description: "Harbor's five templates; selector kinds `doublestar` and Wharf's `regex` (RE2, whole string).",
      tags: ["retention"],
      parameters: [param("requestId")],
      responses: { "200": jsonOk("The metadata.", schema("RetentionMetadata")), ...errors(...COMMON) },
    },
  },
  "/retentions": {
    post: {
      operationId: "createRetention",
      summary: "Create a project's retention policy",
      description:
        "tag-retention:update in the project (`scope.ref`); 409 when it already has one (PUT replaces it). At most 15 rules, `algorithm` `or`. One audit row (`retention_policy.update`). A project without a policy of its own follows the system-wide default (Wharf's extension, set by administrators in the console).",
      tags: ["retention"],
      parameters: [param("requestId")],
      requestBody: body("RetentionPolicy"),
      responses: { ...CREATED, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
  },
  "/retentions/system-default": {
    get: {
      operationId: "getSystemRetentionDefault",
      summary: "The system-wide default retention policy (Wharf's extension)",
      description:
        "setting.read. The policy of every project without its own, including projects created later; scope `{level: system, ref: 0}`. 404 while none is set.",
      tags: ["retention"],
      parameters: [param("requestId")],
      responses: { "200": jsonOk("The system default.", schema("RetentionPolicy")), ...errors(...COMMON, "403", "404") },
    },
    put: {
      operationId: "putSystemRetentionDefault",
      summary: "Create or replace the system-wide default retention policy (Wharf's extension)",
      description: "Administrators (setting.update); `scope.level` must be `system`; bad input changes nothing. One audit row (`retention_policy.default_update`).",
      tags: ["retention"],
      parameters: [param("requestId")],
      requestBody: body("RetentionPolicy"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403") },
    },
  },
  "/retentions/{id}": {
    get: {
      operationId: "getRetention",
      summary: "A project's retention policy",
      tags: ["retention"],
      parameters: [param("requestId"), retentionId],
      responses: { "200": jsonOk("The policy.", schema("RetentionPolicy")), ...errors(...COMMON, "403", "404") },
    },
    put: {
      operationId: "updateRetention",
      summary: "Replace a project's retention policy",
      description: "tag-retention:update; bad input changes nothing. One audit row (`retention_policy.update`).",
      tags: ["retention"],
      parameters: [param("requestId"), retentionId],
      requestBody: body("RetentionPolicy"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404") },
    },
    delete: {
      operationId: "deleteRetention",
      summary: "Remove a project's retention policy",
      description: "tag-retention:delete; the system-wide default (if any) applies to the project again. One audit row (`retention_policy.delete`).",
      tags: ["retention"],
      parameters: [param("requestId"), retentionId],
      responses: { ...OK, ...errors(...COMMON, "403", "404") },
    },
  },
  "/retentions/{id}/executions": {
    get: {
      operationId: "listRetentionExecutions",
      summary: "The project's retention executions, newest first",
      tags: ["retention"],
      parameters: [param("requestId"), retentionId, ...PAGING],
      responses: { "200": listOk("Executions.", "RetentionExecution"), ...errors(...COMMON, "403", "404") },
    },
    post: {
      operationId: "triggerRetentionExecution",
      summary: "Run the policy now (`dry_run`: decide and record only)",
      description:
        "tag-retention:operate; one run per project at a time (409). A dry run lists exactly what a real run would delete on the same state. One audit row (`retention_execution.start`); every deletion of a real run writes `artifact.delete`.",
      tags: ["retention"],
      parameters: [param("requestId"), retentionId],
      requestBody: body("RetentionExecutionReq"),
      responses: { ...CREATED, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
  },
  "/retentions/{id}/executions/{eid}": {
    patch: {
      operationId: "operateRetentionExecution",
      summary: "Stop an execution",
      description: "tag-retention:operate; nothing more is deleted once it answers. One audit row (`retention_execution.stop`).",
      tags: ["retention"],
      parameters: [param("requestId"), retentionId, retentionExecutionId],
      requestBody: body("RetentionExecutionPatch"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
  },
  "/retentions/{id}/executions/{eid}/tasks": {
    get: {
      operationId: "listRetentionTasks",
      summary: "An execution's tasks, one per repository",
      tags: ["retention"],
      parameters: [param("requestId"), retentionId, retentionExecutionId, ...PAGING],
      responses: { "200": listOk("Tasks.", "RetentionExecutionTask"), ...errors(...COMMON, "403", "404") },
    },
  },
  "/retentions/{id}/executions/{eid}/tasks/{tid}": {
    get: {
      operationId: "getRetentionTaskLog",
      summary: "A task's log",
      description:
        "tag-retention:list. The task's own lines, then one line per artifact of its repository: `RETAIN`, `DELETED`, `NOT DELETED` or (dry run) `WOULD DELETE`, the digest, its tags and the reason (the rule that kept it, an immutability rule, a push after the run started).",
      tags: ["retention"],
      parameters: [param("requestId"), retentionId, retentionExecutionId, pathParam("tid", z.int().min(1), "The task id.")],
      responses: { "200": { description: "The log.", content: { "text/plain": { schema: { type: "string" } } } }, ...errors(...COMMON, "403", "404") },
    },
  },
};

const immutableRuleId = pathParam("immutable_rule_id", z.int().min(1), "The immutability rule's id.");
const IMMUTABLE_RULE_PATHS: OpenApiDocument["paths"] = {
  "/projects/{project_name_or_id}/summary": {
    get: {
      operationId: "getProjectSummary",
      summary: "A project's summary: repositories, members by role and the storage quota",
      description: "Anyone who may read the project. `quota.used.storage` is the bytes of the distinct blobs the project's artifacts reference (a layer shared by two images counts once).",
      tags: ["project"],
      parameters: PROJECT,
      responses: { "200": jsonOk("The summary.", schema("ProjectSummary")), ...errors(...COMMON, "403", "404") },
    },
  },
  "/quotas": {
    get: {
      operationId: "listQuotas",
      summary: "List project quotas",
      description: "Administrators and auditors. One quota per project; its id is the project's id.",
      tags: ["quota"],
      parameters: [
        param("requestId"),
        query("reference", z.enum(["project"]), "Only project quotas exist."),
        query("reference_id", z.string().regex(/^\d+$/), "A project id."),
        query("sort", z.enum(QUOTA_SORTS), "`hard.storage`, `used.storage`, `creation_time` or `update_time`; `-` first for descending."),
        ...PAGING,
      ],
      responses: { "200": listOk("The quotas.", "Quota"), ...errors(...COMMON, "403") },
    },
  },
  "/quotas/{id}": {
    get: {
      operationId: "getQuota",
      summary: "Get a project's quota",
      description: "Administrators and auditors.",
      tags: ["quota"],
      parameters: [param("requestId"), pathParam("id", z.int().min(1), "The quota id (= the project id).")],
      responses: { "200": jsonOk("The quota.", schema("Quota")), ...errors(...COMMON, "403", "404") },
    },
    put: {
      operationId: "updateQuota",
      summary: "Set a project's storage limit",
      description: "Administrators. `hard.storage` in bytes, -1 unlimited; below -1 or not a number is a 400 and nothing is saved. One `quota.update` audit row per change. Pushes that would take the project over the limit are refused at the registry (412 DENIED, quota exceeded).",
      tags: ["quota"],
      parameters: [param("requestId"), pathParam("id", z.int().min(1), "The quota id (= the project id).")],
      requestBody: body("QuotaUpdateReq"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404") },
    },
  },
  "/projects/{project_name_or_id}/immutabletagrules": {
    get: {
      operationId: "ListImmuRules",
      summary: "List the project's tag immutability rules",
      description: "In priority order (at most 15). Wharf's extension: a selector's `kind` may be `regex` (RE2, whole-name match) besides `doublestar`.",
      tags: ["immutable"],
      parameters: [...PROJECT, ...PAGING],
      responses: { "200": listOk("The rules.", "ImmutableRule"), ...errors(...COMMON, "403", "404") },
    },
    post: {
      operationId: "CreateImmuRule",
      summary: "Add a tag immutability rule",
      description:
        "Project Admins, Maintainers and administrators. The first tag selector and the first repository selector are used (`matches`/`excludes`, `repoMatches`/`repoExcludes`; kind `doublestar` or, Wharf's extension, `regex`). A 16th rule is refused with 400. An immutable tag is never moved to another digest or deleted (412), through the registry, the console or this API.",
      tags: ["immutable"],
      parameters: PROJECT,
      requestBody: body("ImmutableRuleReq"),
      responses: { ...CREATED, ...errors(...COMMON, ...BODY, "403", "404") },
    },
  },
  "/projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}": {
    put: {
      operationId: "UpdateImmuRule",
      summary: "Replace a tag immutability rule (also to enable or disable it)",
      tags: ["immutable"],
      parameters: [...PROJECT, immutableRuleId],
      requestBody: body("ImmutableRuleReq"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404") },
    },
    delete: {
      operationId: "DeleteImmuRule",
      summary: "Delete a tag immutability rule",
      tags: ["immutable"],
      parameters: [...PROJECT, immutableRuleId],
      responses: { ...OK, ...errors(...COMMON, "403", "404") },
    },
  },
  "/projects/{project_name_or_id}/tagnamingpolicy": {
    get: {
      operationId: "getTagNamingPolicy",
      summary: "The project's tag naming policy (Wharf's extension)",
      description: "A regular expression every tag pushed from now on must match (a push, copy or add-tag with another tag is refused, 412, showing the pattern); existing tags are not touched. `pattern` null: none.",
      tags: ["immutable"],
      parameters: PROJECT,
      responses: { "200": jsonOk("The policy.", schema("TagNamingPolicy")), ...errors(...COMMON, "403", "404") },
    },
    put: {
      operationId: "setTagNamingPolicy",
      summary: "Set the project's tag naming policy (Wharf's extension)",
      description: "Project Admins, Maintainers and administrators (immutable-tag:update). An invalid or unsafe expression is a 400 naming `pattern`; nothing is saved. One audit row (`tag_naming_policy.update`).",
      tags: ["immutable"],
      parameters: PROJECT,
      requestBody: body("TagNamingPolicyReq"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404") },
    },
    delete: {
      operationId: "deleteTagNamingPolicy",
      summary: "Remove the project's tag naming policy (Wharf's extension)",
      description: "One audit row (`tag_naming_policy.update`).",
      tags: ["immutable"],
      parameters: PROJECT,
      responses: { ...OK, ...errors(...COMMON, "403", "404") },
    },
  },
};

const vulnDbImportId = pathParam("id", z.int().min(1), "The import id.");
const zipError = (description: string): ResponseObject => ({ description, headers: requestIdHeader, content: json(schema("Errors")) });
/** Wharf's extension: an artifact as a tar, and a tar imported (lib/api/routes/artifact-archive). */
const ARCHIVE_PATHS: OpenApiDocument["paths"] = {
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/download": {
    get: {
      operationId: "downloadArtifact",
      summary: "Download an artifact as a tar (Wharf's extension)",
      description: [
        "Who may pull it. `format=docker-archive` (the default; `docker load`, skopeo's `docker-archive:`) holds one image: of an index, the child `platform` names (required then).",
        "`format=oci-layout` is an OCI image layout (skopeo's `oci-archive:`; the tag in `org.opencontainers.image.ref.name`): an index whole with its children, or with `platform` that child alone.",
        "Streamed from the registry (layers as stored, compressed); `Docker-Content-Digest` names the image's manifest. One audit row (`artifact.download`).",
        "A bad `format` or `platform`, a platform the index lacks, a docker-archive of an index without `platform` or of a non-image artifact: 400, nothing sent.",
      ].join("\n"),
      tags: ["artifact"],
      parameters: [
        ...ARTIFACT,
        query("format", ZArtifactDownloadQuery.shape.format, "`docker-archive` or `oci-layout`."),
        query("platform", z.string(), "`os/architecture[/variant]`, e.g. `linux/amd64`."),
      ],
      responses: {
        "200": { description: "The tar (Content-Disposition: attachment).", headers: requestIdHeader, content: { "application/x-tar": { schema: { type: "string", contentMediaType: "application/x-tar" } } } },
        ...errors(...COMMON, "403", "404"),
        "502": zipError("The registry refused to serve the artifact."),
      },
    },
  },
  "/projects/{project_name_or_id}/repositories/{repository_name}/import": {
    post: {
      operationId: "importArtifact",
      summary: "Import a docker-archive or OCI image layout tar under a tag (Wharf's extension)",
      description: [
        "Who may push to the repository. The body is the tar (`docker save` / skopeo `docker-archive:` output of one image, or an OCI image layout tar, skopeo's `oci-archive:`, whose index.json names one image or names the `tag` by `org.opencontainers.image.ref.name`), streamed: layers go to the registry as they arrive.",
        "",
        "`curl -u user:<password> --data-binary @image.tar -H 'Content-Type: application/x-tar' 'https://wharf.example/api/v2.0/projects/p/repositories/app/import?tag=1.0'`",
        "",
        "The tag policy decides as for a push (412). A docker-archive becomes an OCI image manifest over the same config and layers. One audit row (`artifact.import`). A tar that is not an image archive: 422, nothing indexed.",
      ].join("\n"),
      tags: ["artifact"],
      parameters: [...REPO, query("tag", ZArtifactImportQuery.shape.tag, "The tag the image gets.", true)],
      requestBody: { required: true, content: { "application/x-tar": { schema: { type: "string", contentMediaType: "application/x-tar" } } } },
      responses: {
        "201": { description: "Imported; Location names the artifact by digest.", headers: { Location: ref("headers", "Location"), ...requestIdHeader }, content: json(schema("ArtifactImported")) },
        ...errors(...COMMON, "403", "404", "412"),
        "413": zipError("The archive is larger than the limit (64 GiB)."),
        "422": zipError("The tar is not an image archive (the message says why); nothing was indexed."),
        "502": zipError("The registry failed the import."),
      },
    },
  },
};

const VULN_DB_PATHS: OpenApiDocument["paths"] = {
  "/vulnerability-db": {
    get: {
      operationId: "getVulnerabilityDb",
      summary: "The vulnerability DB in use (Wharf's extension)",
      description: "Administrators and auditors. The built-in scanner's OSV data: its version (the id of the latest succeeded import) and date, advisory and package counts, per ecosystem, and an import waiting or running now.",
      tags: ["vulnerability-db"],
      parameters: [param("requestId")],
      responses: { "200": jsonOk("The DB in use.", schema("VulnerabilityDb")), ...errors(...COMMON, "403") },
    },
  },
  "/vulnerability-db/imports": {
    get: {
      operationId: "listVulnerabilityDbImports",
      summary: "The import history, newest first (Wharf's extension)",
      description: "Administrators and auditors. Each import with its status, progress (records read), counts and message.",
      tags: ["vulnerability-db"],
      parameters: [param("requestId"), ...PAGING],
      responses: { "200": listOk("One page of imports.", "VulnerabilityDbImport"), ...errors(...COMMON, "403") },
    },
    post: {
      operationId: "startVulnerabilityDbImport",
      summary: "Import OSV data from the zip sent as the body (Wharf's extension)",
      description: [
        "Administrators. The body is the zip itself (osv.dev's `all.zip` of an ecosystem, or any zip of OSV JSON records), `Content-Type: application/zip`, streamed to disk (never held in memory), so an air-gapped install can script it:",
        "",
        "`curl -u admin:<password> --data-binary @all.zip -H 'Content-Type: application/zip' https://wharf.example/api/v2.0/vulnerability-db/imports`",
        "",
        "202 with the import's id and its Location; the import runs as a job (GET the Location for its progress). One audit row (`vulnerability_db.import`). A body that is empty, not a zip, or a zip without a `.json` record is a 400; nothing is queued then (one failure audit row).",
      ].join("\n"),
      tags: ["vulnerability-db"],
      parameters: [param("requestId"), query("file_name", z.string().max(200), "The file's name, shown in the history (default `upload.zip`).")],
      requestBody: { required: true, content: { "application/zip": { schema: { type: "string", contentMediaType: "application/zip" } } } },
      responses: {
        "202": {
          description: "Accepted: the import is queued.",
          headers: { Location: ref("headers", "Location"), ...requestIdHeader },
          content: json(schema("VulnerabilityDbImportAccepted")),
        },
        ...errors(...COMMON, "403", "409"),
        "413": zipError("The zip is larger than the limit (4 GiB)."),
        "415": zipError("The body is not `application/zip`."),
      },
    },
  },
  "/vulnerability-db/imports/{id}": {
    get: {
      operationId: "getVulnerabilityDbImport",
      summary: "One import, with its progress, malformed records and log (Wharf's extension)",
      tags: ["vulnerability-db"],
      parameters: [param("requestId"), vulnDbImportId],
      responses: { "200": jsonOk("The import.", schema("VulnerabilityDbImportDetail")), ...errors(...COMMON, "403", "404") },
    },
  },
};

const registrationId = pathParam("registration_id", z.string(), "The scanner registration's uuid.");
const SCANNER_QUERY = query("q", z.string(), "Terms `name=<exact>`, `name=~<text>`, `url=<exact>`, `url=~<text>`, comma-separated.");
const SCANNER_PATHS: OpenApiDocument["paths"] = {
  "/scanners": {
    get: {
      operationId: "listScanners",
      summary: "List scanner registrations",
      description: "Administrators and auditors. By name. Never a credential (`access_credential` is masked).",
      tags: ["scanner"],
      parameters: [param("requestId"), SCANNER_QUERY, ...PAGING],
      responses: { "200": listOk("One page of scanner registrations.", "ScannerRegistration"), ...errors(...COMMON, "403") },
    },
    post: {
      operationId: "createScanner",
      summary: "Create a scanner registration",
      description: "Administrators. The credential is stored encrypted and never answered. One audit row (`scanner.create`). The Location names the new registration's uuid.",
      tags: ["scanner"],
      parameters: [param("requestId")],
      requestBody: body("ScannerRegistrationReq"),
      responses: { ...CREATED, ...errors(...COMMON, ...BODY, "403", "409") },
    },
  },
  "/scanners/ping": {
    post: {
      operationId: "pingScanner",
      summary: "Test scanner settings",
      description:
        "Administrators. Reads the adapter's metadata (`GET <url>/api/v1/metadata`) with the settings sent, nothing stored. 200 when it answered metadata Wharf can use; 400 naming the cause otherwise (unreachable, TLS, refused credentials, not an adapter, no capability Wharf reads). One audit row (`scanner.ping`).",
      tags: ["scanner"],
      parameters: [param("requestId")],
      requestBody: body("ScannerRegistrationSettings"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403") },
    },
  },
  "/scanners/{registration_id}": {
    get: {
      operationId: "getScanner",
      summary: "Get a scanner registration",
      description: "Administrators and auditors.",
      tags: ["scanner"],
      parameters: [param("requestId"), registrationId],
      responses: { "200": jsonOk("The registration.", schema("ScannerRegistration")), ...errors(...COMMON, "403", "404") },
    },
    put: {
      operationId: "updateScanner",
      summary: "Update a scanner registration",
      description:
        "Administrators. Absent fields keep their values; an absent, empty or masked (`*****`) `access_credential` keeps the stored credential while `auth` stays the same. The default cannot be disabled (409). One audit row (`scanner.update`).",
      tags: ["scanner"],
      parameters: [param("requestId"), registrationId],
      requestBody: body("ScannerRegistrationUpdate"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
    patch: {
      operationId: "setScannerAsDefault",
      summary: "Make a scanner registration the system default",
      description: "Administrators. `{\"is_default\": true}`; a disabled registration is refused (409). Projects without a scanner of their own scan with the default. One audit row (`scanner.set_default`).",
      tags: ["scanner"],
      parameters: [param("requestId"), registrationId],
      requestBody: body("IsDefault"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
    delete: {
      operationId: "deleteScanner",
      summary: "Delete a scanner registration",
      description: "Administrators. The default is refused (409: make another the default first). Projects that chose it fall back to the default; its reports go with it. Answers the deleted registration. One audit row (`scanner.delete`).",
      tags: ["scanner"],
      parameters: [param("requestId"), registrationId],
      responses: { "200": jsonOk("The deleted registration.", schema("ScannerRegistration")), ...errors(...COMMON, "403", "404", "409") },
    },
  },
  "/scanners/{registration_id}/metadata": {
    get: {
      operationId: "getScannerMetadata",
      summary: "The adapter's metadata, read now",
      description: "Administrators and auditors. Asks the stored registration's adapter (`GET <url>/api/v1/metadata`); nothing is stored (Test connection in the console keeps the health). 400 naming the cause when the adapter does not answer usable metadata (unreachable, TLS, refused credentials, not an adapter).",
      tags: ["scanner"],
      parameters: [param("requestId"), registrationId],
      responses: {
        "200": jsonOk("The adapter's metadata.", schema("ScannerAdapterMetadata")),
        ...errors(...COMMON, "403", "404"),
      },
    },
  },
  "/projects/{project_name_or_id}/scanner": {
    get: {
      operationId: "getScannerOfProject",
      summary: "The project's scanner",
      description: "Anyone who reads the project. The project's own choice, else the system default; 404 when there is neither.",
      tags: ["project"],
      parameters: PROJECT,
      responses: { "200": jsonOk("The registration the project's scans use.", schema("ScannerRegistration")), ...errors(...COMMON, "404") },
    },
    put: {
      operationId: "setScannerOfProject",
      summary: "Choose the project's scanner",
      description: "Project Admins and administrators. `{\"uuid\": \"<registration id>\"}` of an enabled registration (400 at `uuid` otherwise). One audit row (`project_scanner.update`).",
      tags: ["project"],
      parameters: PROJECT,
      requestBody: body("ProjectScanner"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404") },
    },
  },
  "/projects/{project_name_or_id}/scanner/candidates": {
    get: {
      operationId: "listScannerCandidatesOfProject",
      summary: "The scanners the project can choose",
      description: "Project Admins, administrators and auditors. The enabled registrations, by name.",
      tags: ["project"],
      parameters: [...PROJECT, SCANNER_QUERY, ...PAGING],
      responses: { "200": listOk("One page of enabled registrations.", "ScannerRegistration"), ...errors(...COMMON, "403", "404") },
    },
  },
};

/** Harbor's Security Hub (`securityhub`); administrators and auditors. */
// ---- scan all, and stopping one artifact's scan ----

const SCAN_ALL_PATHS: OpenApiDocument["paths"] = {
  "/system/scanAll/schedule": {
    get: {
      operationId: "getScanAllSchedule",
      summary: "Scan all's schedule",
      description: "Administrators and auditors. Harbor's Schedule; the cron has Harbor's seconds field (always `0`), empty when none.",
      tags: ["scanAll"],
      parameters: [param("requestId")],
      responses: { "200": jsonOk("The schedule.", schema("ScanAllSchedule")), ...errors(...COMMON, "403") },
    },
    put: {
      operationId: "updateScanAllSchedule",
      summary: "Set scan all's schedule",
      description:
        "Administrators only; one audit row (`scan_all.schedule.update`). `schedule.type` Hourly, Daily, Weekly, Custom (with `cron`: 5 fields, or 6 with seconds `0`, UTC) or None. A bad type or cron is a 400 naming the field, with nothing saved.",
      tags: ["scanAll"],
      parameters: [param("requestId")],
      requestBody: body("ScanAllScheduleReq"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403") },
    },
    post: {
      operationId: "createScanAllSchedule",
      summary: "Scan all now (Manual), or set the schedule",
      description:
        "Administrators only. `schedule.type: Manual` queues a scan all now: one `scan.all` run that queues, in batches, a vulnerability scan by each project's scanner for every image artifact (an index's child images one by one; signatures, SBOMs and other non-image artifacts left out); one audit row (`scan_all.start`); 409 while one is going on. Any other type saves the schedule as PUT does.",
      tags: ["scanAll"],
      parameters: [param("requestId")],
      requestBody: body("ScanAllScheduleReq"),
      responses: { "201": { description: "Started (Manual), or the schedule saved.", headers: { ...requestIdHeader } }, ...errors(...COMMON, ...BODY, "403", "409") },
    },
  },
  "/system/scanAll/stop": {
    post: {
      operationId: "stopScanAll",
      summary: "Stop the scan all going on",
      description: "Administrators only; one audit row (`scan_all.stop`). No more scans are queued, queued ones end Stopped, running ones finish. 409 when none is going on.",
      tags: ["scanAll"],
      parameters: [param("requestId")],
      responses: { "202": { description: "Stopping.", headers: { ...requestIdHeader } }, ...errors(...COMMON, "403", "409") },
    },
  },
  "/scans/all/metrics": {
    get: {
      operationId: "getLatestScanAllMetrics",
      summary: "Progress of the latest scan all",
      description: "Administrators and auditors. Harbor's Stats: its scans by status (Success, Error, Running, Pending, Stopped), whether it is going on, and its trigger (absent before the first).",
      tags: ["scanAll"],
      parameters: [param("requestId")],
      responses: { "200": jsonOk("The latest scan all's Stats.", schema("Stats")), ...errors(...COMMON, "403") },
    },
  },
  "/scans/schedule/metrics": {
    get: {
      operationId: "getLatestScheduledScanAllMetrics",
      summary: "Progress of the latest scheduled scan all",
      description: "Administrators and auditors. As `/scans/all/metrics`, for the latest scan all the schedule started (deprecated in Harbor).",
      tags: ["scanAll"],
      parameters: [param("requestId")],
      responses: { "200": jsonOk("The latest scheduled scan all's Stats.", schema("Stats")), ...errors(...COMMON, "403") },
    },
  },
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/scan/stop": {
    post: {
      operationId: "stopScanArtifact",
      summary: "Stop an artifact's scan",
      description:
        "Who may start a scan (`scan:stop`: Project Admins, Maintainers, administrators). Body optional: `{\"scan_type\":\"vulnerability\"}` (default) or `\"sbom\"`. Its queued scans (an index: its child images') end Stopped at once; a running one within a second. One audit row (`artifact.scan.stop`). 404 when it was never scanned, 409 when no scan of it is queued or running.",
      tags: ["artifact"],
      parameters: ARTIFACT,
      requestBody: { required: false, content: json(schema("ScanType")) },
      responses: { "202": { description: "Stopping.", headers: { ...requestIdHeader } }, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
  },
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/scan/{report_id}/log": {
    get: {
      operationId: "getReportLog",
      summary: "The log of a scan report",
      description: "Who may read the project's scans (`scan:read`). `report_id` is the report's id (a UUID) of this artifact (an index: of its child images).",
      tags: ["artifact"],
      parameters: [...ARTIFACT, pathParam("report_id", z.string(), "The scan report's id.")],
      responses: { "200": { description: "The log.", headers: requestIdHeader, content: { "text/plain": { schema: { type: "string" } } } }, ...errors(...COMMON, "403", "404") },
    },
  },
};

const SECURITY_PATHS: OpenApiDocument["paths"] = {
  "/security/summary": {
    get: {
      operationId: "getSecuritySummary",
      summary: "Vulnerability totals over every project",
      description:
        "Administrators and auditors (`security_hub.read`). Counts findings of each image's newest succeeded vulnerability report, each image digest once (one image pushed to two repositories is scanned once); accessories and indexes are not artifacts here, an index's images are. `none_cnt` counts Negligible findings.",
      tags: ["securityhub"],
      parameters: [
        param("requestId"),
        query("with_dangerous_cve", z.boolean().default(false), "Include the 5 most severe CVEs."),
        query("with_dangerous_artifact", z.boolean().default(false), "Include the 5 artifacts with the most critical, then high, then medium findings."),
      ],
      responses: { "200": jsonOk("The summary.", schema("SecuritySummary")), ...errors(...COMMON, "403") },
    },
  },
  "/security/vul": {
    get: {
      operationId: "ListVulnerabilities",
      summary: "Findings across every artifact",
      description: [
        "Administrators and auditors (`security_hub.read`). One item per finding and artifact (each image digest's newest succeeded vulnerability report),",
        "most severe first. `q` terms, each an exact match: `cve_id`, `severity` (Critical, High, Medium, Low, Negligible, Unknown), `repository_name`",
        "(the full name), `project_id`, `package`, `tag`, `digest`; and `cvss_score_v3=[<from>~<to>]` (either end may be empty). Other keys are a 400.",
      ].join(" "),
      tags: ["securityhub"],
      parameters: [
        param("requestId"),
        query("q", z.string(), "Filter terms (see the description)."),
        ...PAGING,
        query("tune_count", z.boolean().default(false), "Accepted for Harbor's clients; the count is always exact."),
        query("with_tag", z.boolean().default(false), "Include each artifact's tags."),
      ],
      responses: { "200": listOk("One page of findings.", "VulnerabilityItem"), ...errors(...COMMON, "403") },
    },
  },
};


// ---- registry garbage collection ----

const gcId = pathParam("gc_id", z.int().min(1), "The garbage collection's id.");
const GC_PATHS: OpenApiDocument["paths"] = {
  "/system/gc": {
    get: {
      operationId: "getGCHistory",
      summary: "Garbage collections, newest first",
      description: "Administrators and auditors. Harbor's GCHistory, with Wharf's findings: blobs and bytes eligible, blobs deleted and bytes freed (real runs), young blobs kept, duration.",
      tags: ["gc"],
      parameters: [param("requestId"), ...PAGING],
      responses: { "200": listOk("One page of garbage collections.", "GCHistory"), ...errors(...COMMON, "403") },
    },
  },
  "/system/gc/{gc_id}": {
    get: {
      operationId: "getGC",
      summary: "One garbage collection",
      description: "Administrators and auditors.",
      tags: ["gc"],
      parameters: [param("requestId"), gcId],
      responses: { "200": jsonOk("The garbage collection.", schema("GCHistory")), ...errors(...COMMON, "403", "404") },
    },
    put: {
      operationId: "stopGC",
      summary: "Stop a garbage collection",
      description:
        "Administrators only; one audit row (`gc.stop`). A queued one never runs; a running one ends its garbage-collect process within a second, removes its pin and ends the read-only window (blobs already deleted stay deleted). 409 when it is not running.",
      tags: ["gc"],
      parameters: [param("requestId"), gcId],
      responses: { ...OK, ...errors(...COMMON, "403", "404", "409") },
    },
  },
  "/system/gc/{gc_id}/log": {
    get: {
      operationId: "getGCLog",
      summary: "A garbage collection's log",
      description: "Administrators and auditors. What was found (each eligible blob, up to 50), pinned, deleted, and the read-only window.",
      tags: ["gc"],
      parameters: [param("requestId"), gcId],
      responses: { "200": { description: "The log.", headers: requestIdHeader, content: { "text/plain": { schema: { type: "string" } } } }, ...errors(...COMMON, "403", "404") },
    },
  },
  "/system/gc/schedule": {
    get: {
      operationId: "getGCSchedule",
      summary: "Garbage collection's schedule",
      description: "Administrators and auditors. The cron has Harbor's seconds field (always `0`), empty when none; `available` says whether Wharf can collect this registry, `unavailable_reason` why not.",
      tags: ["gc"],
      parameters: [param("requestId")],
      responses: { "200": jsonOk("The schedule.", schema("GCSchedule")), ...errors(...COMMON, "403") },
    },
    post: {
      operationId: "createGCSchedule",
      summary: "Collect garbage now (Manual), or set the schedule",
      description: [
        "Administrators only. `schedule.type: Manual` starts a collection now (one audit row, `gc.start`; 201 with the collection in Location): with `parameters.dry_run: true` it only reports what a real run would free;",
        "a real run makes the registry read-only for pushes (the gateway answers 503 UNAVAILABLE with Retry-After; pulls work) while Distribution's garbage-collect sweeps blobs no manifest references,",
        "keeping blobs younger than WHARF_GC_KEEP_RECENT_HOURS (2 h by default). 409 while one is going on, or when Wharf is not given the registry's config and storage (an external registry without",
        "WHARF_REGISTRY_CONFIG and WHARF_REGISTRY_STORAGE_DIR). `parameters.delete_untagged: true` is a 400: Distribution's delete-untagged mode also deletes multi-arch index children and untagged",
        "signatures Wharf still holds; delete untagged artifacts in Wharf (or by retention) and the collection frees their blobs. `workers` (1-5) is recorded; garbage-collect is one process.",
        "Any other type saves the schedule as PUT does (`gc.schedule.update`).",
      ].join(" "),
      tags: ["gc"],
      parameters: [param("requestId")],
      requestBody: body("GCScheduleReq"),
      responses: { "201": { description: "Started (Manual), or the schedule saved.", headers: { Location: ref("headers", "Location"), ...requestIdHeader } }, ...errors(...COMMON, ...BODY, "403", "409") },
    },
    put: {
      operationId: "updateGCSchedule",
      summary: "Set garbage collection's schedule",
      description:
        "Administrators only; one audit row (`gc.schedule.update`). `schedule.type` Hourly, Daily, Weekly, Custom (with `cron`: 5 fields, or 6 with seconds `0`, UTC) or None; `parameters.dry_run` and `workers` apply to each scheduled run; `delete_untagged: true` is a 400. Nothing is saved on a 400.",
      tags: ["gc"],
      parameters: [param("requestId")],
      requestBody: body("GCScheduleReq"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403") },
    },
  },
};

const groupId = pathParam("group_id", z.int().min(1), "The group id.");
const USER_GROUP_PATHS: OpenApiDocument["paths"] = {
  "/usergroups": {
    get: {
      operationId: "ListUserGroups",
      summary: "List the LDAP and OIDC groups Wharf knows",
      description:
        "Administrators and auditors. Groups are created by adding one to a project (`member_group`) or when a member signs in through LDAP or OIDC; `group_name` filters by part of the name.",
      tags: ["usergroup"],
      parameters: [param("requestId"), query("group_name", z.string(), "Part of the group's name."), ...PAGING],
      responses: { "200": listOk("One page of groups.", "UserGroup"), ...errors(...COMMON, "403") },
    },
  },
  "/usergroups/search": {
    get: {
      operationId: "SearchUserGroups",
      summary: "Search groups by name",
      description: "Anyone signed in, e.g. to add a group to a project. At most `page_size` results.",
      tags: ["usergroup"],
      parameters: [param("requestId"), query("groupname", z.string(), "Part of the group's name (required)."), ...PAGING],
      responses: { "200": jsonOk("The matching groups.", { type: "array", items: schema("UserGroupSearchItem") }), ...errors(...COMMON) },
    },
  },
  "/usergroups/{group_id}": {
    get: {
      operationId: "GetUserGroup",
      summary: "Get a group",
      tags: ["usergroup"],
      parameters: [param("requestId"), groupId],
      responses: { "200": jsonOk("The group.", schema("UserGroup")), ...errors(...COMMON, "404") },
    },
    delete: {
      operationId: "DeleteUserGroup",
      summary: "Delete a group",
      description: "Administrators. Its project roles and roles across projects go with it; a member's next sign-in brings the group back without roles. One audit row (`user_group.delete`).",
      tags: ["usergroup"],
      parameters: [param("requestId"), groupId],
      responses: { ...OK, ...errors(...COMMON, "403", "404") },
    },
  },
};

const AUTH_SETTINGS_PATHS: OpenApiDocument["paths"] = {
  "/configurations": {
    get: {
      operationId: "GetConfigurations",
      summary: "The sign-in settings Wharf has, in Harbor's ConfigurationsResponse",
      description:
        "Administrators and auditors. `auth_mode`, the `ldap_*` and `oidc_*` keys Wharf has and `project_creation_restriction`, each as `{value, editable}`; a group never configured answers its defaults. Passwords and secrets (`ldap_search_password`, `oidc_client_secret`) are write-only and never answered.",
      tags: ["configure"],
      parameters: [param("requestId")],
      responses: { "200": jsonOk("The settings.", schema("ConfigurationsResponse")), ...errors(...COMMON, "403") },
    },
    put: {
      operationId: "UpdateConfigurations",
      summary: "Change sign-in settings (any subset of the keys)",
      description:
        "Administrators. All or nothing: every key and value is checked first, each LDAP and OIDC group merged over its stored settings (absent keys keep theirs; an empty or absent password or secret keeps the stored one) and checked as a whole; any fault is a 400 naming Harbor's keys (`ldap_url: ...`), a key Wharf does not have one too (`<key>: not supported by Wharf`; `self_registration`, `read_only`, `primary_auth_mode`, `email_ssl`, `email_insecure` are accepted as `false` and `quota_per_project_enable` as `true`, Wharf's behaviour). Then every group is saved in one transaction. `ldap_scope`: 0 base, 1 one level, 2 subtree; `oidc_scope` comma- or space-separated. A group not configured yet whose only keys given are its switches (`ldap_verify_cert`, `oidc_verify_cert`, `oidc_auto_onboard`) is left alone. One `setting.update` audit row per group saved (`auth_mode`: only when it changes).",
      tags: ["configure"],
      parameters: [param("requestId")],
      requestBody: body("Configurations"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403") },
    },
  },
  "/ldap/ping": {
    post: {
      operationId: "PingLdap",
      summary: "Test an LDAP configuration",
      description:
        "Administrators. The given LdapConf over the stored settings (the stored bind password when none is given); no body tests the stored settings. Binds, then searches the user base with the user filter. A directory that cannot be reached or refuses the bind is `success: false` with the reason. Changes nothing, writes no audit row (a refusal writes an `ldap.ping` failure row).",
      tags: ["ldap"],
      parameters: [param("requestId")],
      requestBody: { required: false, content: json(schema("LdapConf")) },
      responses: { "200": jsonOk("The outcome.", schema("LdapPingResult")), ...errors(...COMMON, ...BODY, "403") },
    },
  },
  "/ldap/users/search": {
    get: {
      operationId: "SearchLdapUsers",
      summary: "Search the directory's users",
      description: "Administrators (user.create). Entries under the user base matching the user filter whose username, full name or email contains `username` (every entry without it), at most 100. 409 while LDAP is not configured; 503 when the directory cannot be reached.",
      tags: ["ldap"],
      parameters: [param("requestId"), query("username", z.string().max(255), "Part of a username, full name or email.")],
      responses: { "200": jsonOk("The matching entries.", arrayOf("LdapUser")), ...errors(...COMMON, "403", "409") },
    },
  },
  "/ldap/users/import": {
    post: {
      operationId: "ImportLdapUsers",
      summary: "Create Wharf users for directory usernames",
      description:
        "Administrators (user.create). Each name in `ldap_uid_list` (1-100) is matched exactly on the username attribute; a Wharf user (LDAP, no Wharf password) is created for each entry found that has none, in one transaction with one `user.create` audit row per created user. 200 when every name was imported; otherwise 404 with the names not imported and why (not in the directory, several entries, already a Wharf user, username taken), the others being created. 409 while LDAP is not configured; 503 when the directory cannot be reached.",
      tags: ["ldap"],
      parameters: [param("requestId")],
      requestBody: body("LdapImportUsers"),
      responses: {
        ...OK,
        "404": jsonOk("The names that were not imported (the others were).", arrayOf("LdapFailedImportUser")),
        ...errors(...COMMON, ...BODY, "403", "409"),
      },
    },
  },
};

const labelId = pathParam("id", z.int().min(1), "The label id.");
const LABEL_PATHS: OpenApiDocument["paths"] = {
  "/labels": {
    get: {
      operationId: "ListLabels",
      summary: "List global or project labels",
      description:
        "`scope=g` (default): the global labels, for anyone signed in. `scope=p` with `project_id`: that project's labels (label:list: its members, administrators and auditors; 404 for a project the caller cannot read). Sorted by name.",
      tags: ["label"],
      parameters: [
        param("requestId"),
        query("scope", z.enum(["g", "p"]), "`g` global (default) or `p` a project's."),
        query("project_id", z.int().min(1), "The project, with `scope=p`."),
        query("name", z.string(), "Part of the name (as Harbor)."),
        query("q", z.string(), "Terms `name=<exact>` or `name=~<text>`."),
        ...PAGING,
      ],
      responses: { "200": listOk("One page of labels.", "Label"), ...errors(...COMMON, "403", "404") },
    },
    post: {
      operationId: "CreateLabel",
      summary: "Create a label",
      description:
        "`scope` `g` (administrators) or `p` with `project_id` (its Project Admins and Maintainers: label:create). `name` (1-128 characters, unique in its scope; a project label may not take a global label's name, nor a global label a project label's: 409 naming `name`), `color` `#RRGGBB`, `description`. Nothing is saved on a 4xx. One audit row (`label.create`).",
      tags: ["label"],
      parameters: [param("requestId")],
      requestBody: body("LabelReq"),
      responses: { ...CREATED, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
  },
  "/labels/{id}": {
    get: {
      operationId: "GetLabelByID",
      summary: "Get a label",
      tags: ["label"],
      parameters: [param("requestId"), labelId],
      responses: { "200": jsonOk("The label.", schema("Label")), ...errors(...COMMON, "403", "404") },
    },
    put: {
      operationId: "UpdateLabel",
      summary: "Update a label",
      description: "Absent fields keep theirs; the scope and project never change (a different one is a 400). The same rules and permissions as create. One audit row (`label.update`).",
      tags: ["label"],
      parameters: [param("requestId"), labelId],
      requestBody: body("LabelReq"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
    delete: {
      operationId: "DeleteLabel",
      summary: "Delete a label",
      description: "It comes off every artifact that carried it. One audit row (`label.delete`).",
      tags: ["label"],
      parameters: [param("requestId"), labelId],
      responses: { ...OK, ...errors(...COMMON, "403", "404") },
    },
  },
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/labels": {
    post: {
      operationId: "AddLabel",
      summary: "Add a label to an artifact",
      description:
        "artifact-label:create (Developers and above). `{\"id\": <label id>}`: a global label, or one of this project's (another project's: 400); already on it: 409; no such label: 404. One audit row (`artifact.label.add`).",
      tags: ["artifact", "label"],
      parameters: [...ARTIFACT],
      requestBody: body("ArtifactLabelReq"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404", "409") },
    },
  },
  "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/labels/{label_id}": {
    delete: {
      operationId: "RemoveLabel",
      summary: "Remove a label from an artifact",
      description: "artifact-label:delete (Developers and above); 404 when it is not on the artifact. One audit row (`artifact.label.remove`).",
      tags: ["artifact", "label"],
      parameters: [...ARTIFACT, pathParam("label_id", z.int().min(1), "The label id.")],
      responses: { ...OK, ...errors(...COMMON, "403", "404") },
    },
  },
};

const webhookPolicyId = pathParam("webhook_policy_id", z.int().min(1), "The webhook policy id.");
const webhookExecutionId = pathParam("execution_id", z.int().min(1), "The execution (delivery) id.");
const webhookTaskId = pathParam("task_id", z.int().min(1), "The task id (a delivery's one task has its execution's id).");
const WEBHOOK_PATHS: OpenApiDocument["paths"] = {
  "/projects/{project_name_or_id}/webhook/policies": {
    get: {
      operationId: "ListWebhookPoliciesOfProject",
      summary: "List a project's webhook policies",
      description: "notification-policy:list (Project Admins, Maintainers). The auth header is never answered: `*****` when one is set.",
      tags: ["webhook"],
      parameters: [...PROJECT, query("q", z.string(), "Terms `name=<exact>` or `name=~<text>`."), ...PAGING],
      responses: { "200": listOk("One page of policies.", "WebhookPolicy"), ...errors(...COMMON, "403", "404") },
    },
    post: {
      operationId: "CreateWebhookPolicyOfProject",
      summary: "Create a webhook policy",
      description:
        "Project Admins (notification-policy:create). Exactly one target: `type` `http` (Harbor's JSON payload, `auth_header` sent as `Authorization`, `skip_cert_verify`) or `slack` (a Slack incoming-webhook message). An address that is not http(s) or points at Wharf itself (its external URL's host and port, or its listen port on a loopback address) is a 400 naming the field; nothing is saved. One audit row (`webhook_policy.create`).",
      tags: ["webhook"],
      parameters: [...PROJECT],
      requestBody: body("WebhookPolicyReq"),
      responses: { ...CREATED, ...errors(...COMMON, ...BODY, "403", "404") },
    },
  },
  "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}": {
    get: {
      operationId: "GetWebhookPolicyOfProject",
      summary: "Get a webhook policy",
      tags: ["webhook"],
      parameters: [...PROJECT, webhookPolicyId],
      responses: { "200": jsonOk("The policy.", schema("WebhookPolicy")), ...errors(...COMMON, "403", "404") },
    },
    put: {
      operationId: "UpdateWebhookPolicyOfProject",
      summary: "Update a webhook policy",
      description: "Project Admins. Absent fields keep theirs; an absent or masked (`*****`) `auth_header` keeps the stored one, `\"\"` removes it. One audit row (`webhook_policy.update`).",
      tags: ["webhook"],
      parameters: [...PROJECT, webhookPolicyId],
      requestBody: body("WebhookPolicyReq"),
      responses: { ...OK, ...errors(...COMMON, ...BODY, "403", "404") },
    },
    delete: {
      operationId: "DeleteWebhookPolicyOfProject",
      summary: "Delete a webhook policy and its delivery log",
      description: "Project Admins. One audit row (`webhook_policy.delete`).",
      tags: ["webhook"],
      parameters: [...PROJECT, webhookPolicyId],
      responses: { ...OK, ...errors(...COMMON, "403", "404") },
    },
  },
  "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/test": {
    post: {
      operationId: "TestWebhookPolicyOfProject",
      summary: "Send a test event (Wharf's extension)",
      description:
        "Project Admins (notification-policy:update). Queues one delivery of a PUSH_ARTIFACT payload naming `<project>/wharf-webhook-test:test` to the policy's target through the delivery job (enabled or not); 202 with the delivery's id, which is an execution id. One audit row (`webhook_policy.test`).",
      tags: ["webhook"],
      parameters: [...PROJECT, webhookPolicyId],
      responses: { "202": jsonOk("Queued.", schema("WebhookTestAccepted")), ...errors(...COMMON, ...BODY, "403", "404") },
    },
  },
  "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/executions": {
    get: {
      operationId: "ListExecutionsOfWebhookPolicy",
      summary: "A policy's deliveries (newest first)",
      description:
        "notification-policy:read. Each delivery of one event is an execution with one task: `status` Pending (queued or waiting for a retry), Success or Error (retries used up), `trigger` EVENT or MANUAL (a test event); `extra_attrs` has the event type, the payload sent (JSON text), the last response code, duration, attempts and last error.",
      tags: ["webhook"],
      parameters: [...PROJECT, webhookPolicyId, ...PAGING],
      responses: { "200": listOk("One page of executions.", "WebhookExecution"), ...errors(...COMMON, "403", "404") },
    },
  },
  "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/executions/{execution_id}/tasks": {
    get: {
      operationId: "ListTasksOfWebhookExecution",
      summary: "An execution's task (one)",
      tags: ["webhook"],
      parameters: [...PROJECT, webhookPolicyId, webhookExecutionId, ...PAGING],
      responses: { "200": listOk("The task.", "WebhookTask"), ...errors(...COMMON, "403", "404") },
    },
  },
  "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/executions/{execution_id}/tasks/{task_id}/log": {
    get: {
      operationId: "GetLogsOfWebhookTask",
      summary: "A delivery's log: one line per attempt",
      tags: ["webhook"],
      parameters: [...PROJECT, webhookPolicyId, webhookExecutionId, webhookTaskId],
      responses: { "200": { description: "The log.", headers: requestIdHeader, content: { "text/plain": { schema: { type: "string" } } } }, ...errors(...COMMON, "403", "404") },
    },
  },
  "/projects/{project_name_or_id}/webhook/lasttrigger": {
    get: {
      operationId: "LastTrigger",
      summary: "Each policy's last delivery per event type",
      description: "notification-policy:list. `last_trigger_time` is Harbor's zero time when the type never fired.",
      tags: ["webhook"],
      parameters: [...PROJECT],
      responses: { "200": jsonOk("One item per policy and event type.", arrayOf("WebhookLastTrigger")), ...errors(...COMMON, "403", "404") },
    },
  },
  "/projects/{project_name_or_id}/webhook/events": {
    get: {
      operationId: "GetSupportedEventTypes",
      summary: "The event and notify types",
      tags: ["webhook"],
      parameters: [...PROJECT],
      responses: { "200": jsonOk("Event types, notify types and payload formats.", schema("SupportedWebhookEventTypes")), ...errors(...COMMON, "403", "404") },
    },
  },
  "/projects/{project_name_or_id}/webhook/jobs": {
    get: {
      operationId: "ListWebhookJobs",
      summary: "A policy's deliveries as Harbor's deprecated webhook jobs",
      tags: ["webhook"],
      parameters: [...PROJECT, query("policy_id", z.int().min(1), "The policy id.", true), ...PAGING],
      responses: { "200": listOk("One page of jobs.", "WebhookJob"), ...errors(...COMMON, "403", "404") },
    },
  },
};

/**
 * A project's IP allowlist refuses its members, robots and anonymous callers from elsewhere with
 * a 403 on every operation under the project (lib/services/ip-allowlist/project-address-rule.ts):
 * each such operation documents it, whatever else it lists.
 */
function withProjectAddressRefusals(paths: OpenApiDocument["paths"]): OpenApiDocument["paths"] {
  for (const [path, operations] of Object.entries(paths)) {
    if (!path.startsWith("/projects/{project_name_or_id}")) continue;
    for (const operation of Object.values(operations)) {
      if (operation && !("403" in operation.responses)) operation.responses["403"] = ref("responses", "403");
    }
  }
  return paths;
}

export const openApiDocument: OpenApiDocument = {
  openapi: "3.1.0",
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
      `Lists take \`page\` (from 1) and \`page_size\` (1-${MAX_PAGE_SIZE}, default ${API_DEFAULT_PAGE_SIZE}) and answer with \`X-Total-Count\` and an`,
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
    { name: "immutable", description: "Tag immutability rules." },
    { name: "quota", description: "Project storage quotas." },
    { name: "search", description: "Projects and repositories by name." },
    { name: "auditlog", description: "The audit log: every change, sign-in, push, pull and refusal." },
    { name: "purge", description: "The audit log's retention (purge policy)." },
    { name: "registry", description: "Registry endpoints: the remote registries replication reads from and writes to." },
    { name: "replication", description: "Replication policies, their executions and tasks, the dry-run preview and retry of failed tasks." },
    { name: "vulnerability-db", description: "The built-in scanner's vulnerability DB (OSV data) and its imports (Wharf's extension)." },
    { name: "scanner", description: "Scanner registrations (Interrogation services): adapters of the Pluggable Scanner API, the default, Test connection." },
    { name: "securityhub", description: "Vulnerability totals over every project, the most dangerous CVEs and artifacts, and one CVE or package across every artifact." },
    { name: "gc", description: "Registry garbage collection: dry run, real run in a read-only window, schedule, history and logs." },
    { name: "webhook", description: "Project webhook policies, their deliveries (executions and tasks) and test events." },
    { name: "label", description: "Global and project labels, and labels on artifacts." },
    { name: "usergroup", description: "The LDAP and OIDC groups Wharf knows; groups are made project members with `member_group`." },
    { name: "configure", description: "System settings Wharf has: the auth mode, LDAP and OIDC sign-in, who may create projects." },
    { name: "ldap", description: "LDAP: test a configuration, search the directory's users, import them." },
    { name: "meta", description: "This document." },
  ],
  security: [{ basic: [] }, { cookie: [] }, {}],
  paths: withProjectAddressRefusals({
    ...PATHS,
    ...ARCHIVE_PATHS,
    ...VULN_DB_PATHS,
    ...IMMUTABLE_RULE_PATHS,
    ...REGISTRY_PATHS,
    ...REPLICATION_PATHS,
    ...RETENTION_PATHS,
    ...SCANNER_PATHS,
    ...SECURITY_PATHS,
    ...SCAN_ALL_PATHS,
    ...GC_PATHS,
    ...WEBHOOK_PATHS,
    ...LABEL_PATHS,
    ...USER_GROUP_PATHS,
    ...AUTH_SETTINGS_PATHS,
  }),
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
    parameters: PARAMETERS,
    headers: {
      XRequestId: { description: "The request's id.", required: true, schema: jsonSchema(z.string()) },
      XTotalCount: { description: "Total number of items matching the filters.", required: true, schema: jsonSchema(z.int().min(0)) },
      XTotalCountUpTo10000: {
        description: "Total number of matching rows, when there are at most 10,000 and they could be counted in time (JSON only).",
        schema: jsonSchema(z.int().min(0)),
      },
      XTotalCountBound: { description: "`10000+` when X-Total-Count is left out because more rows match.", schema: jsonSchema(z.string()) },
      Link: { description: 'RFC 5988 links to the previous and next page: `<...>; rel="prev" , <...>; rel="next"`.', schema: jsonSchema(z.string()) },
      Location: { description: "Path of the created resource.", required: true, schema: jsonSchema(z.string()) },
    },
    responses: {
      "200": { description: "Success (no body).", headers: requestIdHeader },
      "201": { description: "Created (no body).", headers: { Location: ref("headers", "Location"), ...requestIdHeader } },
      ...Object.fromEntries(
        Object.entries(ERROR_DESCRIPTIONS).map(([code, description]): [string, ResponseObject] => [code, { description, headers: requestIdHeader, content: json(schema("Errors")) }]),
      ),
    },
    schemas: { ...componentSchemas(REQUEST_SCHEMAS, "input"), ...componentSchemas(RESPONSE_SCHEMAS, "output") },
  },
};
