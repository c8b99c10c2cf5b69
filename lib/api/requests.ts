/**
 * Harbor's request bodies (swagger: ProjectReq, ProjectMember, RoleRequest, UserCreationReq,
 * RobotCreate, RobotSec, Robot) as zod schemas. They check the JSON's shape with Harbor's field
 * names; the business rules (name patterns, password policy, roles) stay in the shared schemas of
 * lib/validation, which the routes apply alongside. Checks are per field (not object refinements,
 * which zod skips once a field fails) so one 400 names every field at fault.
 *
 * Fields Wharf cannot honour are refused with a 400 rather than dropped: ignoring a robot's chosen
 * `secret` would hand back credentials the caller did not expect.
 */
import { z } from "zod";
import { PROJECT_ROLE_IDS } from "@/lib/services/authz/project-roles";
import { RETENTION_DAYS_MAX } from "@/lib/validation/audit-retention";
import { ZProxyCacheDays, ZRoleId } from "@/lib/validation/projects";
import { MAX_DATABASE_ID } from "@/lib/validation/common";
import { ZStorageLimitBytes } from "@/lib/validation/quotas";
import { ZProjectPermission } from "@/lib/validation/robots";
import { ZSystemRole } from "@/lib/validation/users";
import { caCertificateProblem, MAX_CA_CERTIFICATE_CHARS } from "@/lib/validation/registries";
import { ipAllowlistFromText, ZIpAllowlist } from "@/lib/validation/ip-allowlist";
import { ALLOWLIST_ID, MAX_ALLOWLIST_IDS, PULL_POLICY_SEVERITIES, type TPullPolicySettings } from "@/lib/validation/pull-policy";

/** Harbor's booleans: real booleans, or the strings "true"/"false" its metadata uses. */
export const ZHarborBool = z
  .union([z.boolean(), z.enum(["true", "false"])], { error: 'Must be true or false (or "true"/"false")' })
  .transform((v) => v === true || v === "true");

/**
 * For values handed to the shared schemas' `z.coerce.number()`: numbers and strings pass, anything
 * else becomes a string that fails to coerce. Unchecked, coercion would turn `true` into 1 (a
 * `role_id` of Project Admin) and `[]` into 0.
 */
export function numeric(value: unknown): unknown {
  return typeof value === "number" || typeof value === "string" || value === undefined || value === null ? value : `invalid ${typeof value}`;
}

/** A Harbor field Wharf does not implement: accepted only absent, null or with its "off" value. */
function onlyOff(off: z.ZodType, message: string) {
  return z
    .unknown()
    .refine((v) => v === null || v === undefined || off.safeParse(v).success, { message })
    .optional()
    .describe(`Only absent, null or its "off" value: ${message}.`);
}

const NOT_SUPPORTED = "is not supported by Wharf";
const FALSE_ONLY = onlyOff(z.union([z.literal("false"), z.literal(false)]), `${NOT_SUPPORTED} (only "false" is accepted)`);

/** Harbor's CVEAllowlist as sent: the ids and an expiry in Unix seconds (null or absent: never). */
export const ZCveAllowlistReq = z
  .object({
    items: z
      .array(
        z.object({ cve_id: z.string().regex(ALLOWLIST_ID, "must be a vulnerability id such as CVE-2024-1234 or GHSA-xxxx-xxxx-xxxx") }).catchall(z.unknown()),
      )
      .max(MAX_ALLOWLIST_IDS, `at most ${MAX_ALLOWLIST_IDS} ids`)
      .nullish(),
    expires_at: z.int().min(0).max(253_402_300_799, "must be Unix seconds").nullish(),
  })
  .catchall(z.unknown());

export const ZProjectReq = z.object({
  // project_name is checked by the shared ZProjectName (required on create, ignored on update).
  /** Deprecated in Harbor; used only when metadata.public is absent. */
  public: ZHarborBool.nullish(),
  metadata: z
    .object({
      public: ZHarborBool.optional(),
      enable_content_trust: FALSE_ONLY,
      enable_content_trust_cosign: ZHarborBool.optional().describe("Only signed images (a cosign or notation signature on the image or its index) can be pulled."),
      prevent_vul: ZHarborBool.optional().describe("Refuse pulls of images with vulnerabilities of `severity` or higher (allowlisted CVEs aside)."),
      severity: z
        .enum(PULL_POLICY_SEVERITIES, { error: "Must be low, medium, high or critical" })
        .optional()
        .describe("The lowest severity prevent_vul refuses."),
      refuse_unscanned: ZHarborBool.optional().describe("Wharf's extension: refuse pulls of images with no finished vulnerability scan."),
      auto_scan: ZHarborBool.optional().describe("Scan images on push with the project's scanner."),
      auto_sbom_generation: FALSE_ONLY,
      reuse_sys_cve_allowlist: ZHarborBool.optional().describe("Whether the system CVE allowlist applies (else the project's own `cve_allowlist`)."),
      ip_allowlist: z
        .string({ error: "Must be a string of comma-separated addresses and CIDR ranges" })
        .max(10_000, "At most 10,000 characters")
        .transform(ipAllowlistFromText)
        .pipe(ZIpAllowlist)
        .optional()
        .describe("Wharf's extension: the project's IP allowlist, comma-separated addresses and CIDR ranges (\"\" clears it). Its members, robots and anonymous pullers reach the project only from there; administrators are bound by the system list alone."),
      proxy_cache_days: ZProxyCacheDays.optional()
        .describe("Wharf's extension, for proxy-cache projects: days an unpulled cached artifact is kept (1-3650, default 7)."),
      // Answered in GET; a client sending the project back unchanged must not be refused for it.
      retention_id: z.unknown().optional().describe("Ignored: a project's retention policy is set through /retentions."),
    })
    .catchall(z.never({ error: NOT_SUPPORTED }))
    .nullish(),
  storage_limit: ZStorageLimitBytes.nullish().describe(
    "The project's storage limit in bytes, -1 unlimited. On create honoured for administrators (others get the Settings default, as Harbor); on update administrators only (403 otherwise).",
  ),
  registry_id: z
    .number({ error: "Must be a registry endpoint id" })
    .int("Must be a registry endpoint id")
    .min(0, "Must be a registry endpoint id")
    .max(MAX_DATABASE_ID, "No such registry endpoint")
    .nullish()
    .describe("On create: the registry endpoint a proxy-cache project pulls from (administrators; 0 or null for an ordinary project). Never changed afterwards."),
  cve_allowlist: ZCveAllowlistReq.nullish()
    .describe("The project's own CVE allowlist: replaced when `items` is given (applies when reuse_sys_cve_allowlist is false)."),
});

/** An allowlist request as the services take it (ids deduplicated, in order); null when `items` is absent. */
export function requestedAllowlist(req: z.output<typeof ZCveAllowlistReq> | null | undefined): TPullPolicySettings["cveAllowlist"] {
  if (!req || req.items === null || req.items === undefined) return undefined;
  return { cveIds: [...new Set(req.items.map((i) => i.cve_id))], expiresAt: req.expires_at ? new Date(req.expires_at * 1000) : null };
}

/** The pull policy metadata and the project's allowlist; each absent one stays as it is. */
export function requestedPullPolicy(req: z.output<typeof ZProjectReq>): TPullPolicySettings {
  const m = req.metadata;
  return {
    preventVulnerable: m?.prevent_vul,
    vulnerabilitySeverity: m?.severity,
    refuseUnscanned: m?.refuse_unscanned,
    requireSignature: m?.enable_content_trust_cosign,
    reuseSystemCveAllowlist: m?.reuse_sys_cve_allowlist,
    cveAllowlist: requestedAllowlist(req.cve_allowlist),
  };
}

/** `metadata.ip_allowlist` as the service takes it; undefined when absent (left as it is). */
export function requestedIpAllowlist(req: z.output<typeof ZProjectReq>): string[] | undefined {
  return req.metadata?.ip_allowlist;
}

/** A proxy-cache project's upstream (`registry_id` above 0) and its cache days; undefined for an ordinary project. */
export function requestedProxy(req: z.output<typeof ZProjectReq>): { registryId: number; cacheDays: number } | undefined {
  if (!req.registry_id) return undefined;
  return { registryId: req.registry_id, cacheDays: req.metadata?.proxy_cache_days ?? 7 };
}

/** `metadata.auto_scan`, undefined when absent (an update leaves the setting as it is). */
export function requestedAutoScan(req: z.output<typeof ZProjectReq>): boolean | undefined {
  return req.metadata?.auto_scan ?? undefined;
}

/** `metadata.public` wins; the deprecated top-level `public` counts only without it (as Harbor). */
export function requestedPublic(req: z.output<typeof ZProjectReq>): boolean | undefined {
  return req.metadata?.public ?? req.public ?? undefined;
}

/** Harbor's group types: 1 LDAP, 2 HTTP (not in Wharf), 3 OIDC. */
export const HARBOR_GROUP_TYPES = { 1: "ldap", 3: "oidc" } as const;

const ZProjectMemberReqFields = z
  .object({
    // Documented as what it accepts: one of the role ids (numeric strings pass too).
    role_id: z.unknown().transform(numeric).pipe(ZRoleId).meta({ type: "integer", enum: PROJECT_ROLE_IDS }),
    member_user: z
      .object(
        {
          user_id: z.number({ error: "Must be a user id" }).int("Must be a user id").positive("Must be a user id").nullish(),
          username: z.string({ error: "Must be a username" }).nullish(),
        },
        { error: "Give member_user.username or member_user.user_id" },
      )
      .refine((u) => Boolean(u.username || u.user_id), "Give member_user.username or member_user.user_id")
      .nullish(),
    // Harbor's UserGroup: an existing group by id, or an LDAP group by DN (group_type 1), or an
    // OIDC group by name (group_type 3).
    member_group: z
      .object(
        {
          id: z.number({ error: "Must be a group id" }).int("Must be a group id").positive("Must be a group id").nullish(),
          group_name: z.string({ error: "Must be a group name" }).nullish(),
          group_type: z
            .union([z.literal(1), z.literal(3)], { error: "Must be 1 (LDAP) or 3 (OIDC); Wharf has no HTTP groups" })
            .nullish(),
          ldap_group_dn: z.string({ error: "Must be a DN" }).nullish(),
        },
        { error: "Give member_group.id, or member_group.group_type with ldap_group_dn or group_name" },
      )
      .refine((g) => Boolean(g.id || g.group_type), "Give member_group.id, or member_group.group_type with ldap_group_dn or group_name")
      .nullish(),
  });

/** Harbor's RoleRequest: the role alone. */
export const ZRoleRequest = ZProjectMemberReqFields.pick({ role_id: true });

export const ZProjectMemberReq = ZProjectMemberReqFields.superRefine((req, ctx) => {
    if (Boolean(req.member_user) === Boolean(req.member_group)) {
      ctx.addIssue({ code: "custom", path: ["member_user"], message: "Give member_user or member_group (one of them)" });
    }
  });

/** username, email, realname and password are checked by the shared ZCreateUser. */
export const ZUserCreationReq = z.object({
  /** Accepted for compatibility; Wharf keeps no comment on users. */
  comment: z.string({ error: "Must be a string" }).max(255, "Must be at most 255 characters").nullish(),
});

const ZAccess = z
  .object({
    resource: z.string({ error: "Must be a resource name" }),
    action: z.string({ error: "Must be an action" }),
    effect: z.enum(["allow"], { error: 'Only "allow" is supported' }).nullish(),
  })
  .superRefine((a, ctx) => {
    // Any known permission here (PUT sends an existing robot back as it is); which ones a new robot
    // may get is checked by the shared robot schemas the create route applies next.
    if (!ZProjectPermission.safeParse(`${a.resource}:${a.action}`).success) {
      ctx.addIssue({ code: "custom", message: `unknown permission ${a.resource}:${a.action}` });
    }
  });

export const ZRobotPermissionReq = z.object({
  kind: z.literal("project", { error: 'Only "project" is supported (system-level robot permissions are not; use namespace "*")' }),
  namespace: z.string({ error: 'Must be a project name or "*"' }).min(1, 'Must be a project name or "*"'),
  access: z.array(ZAccess, { error: "Must be a list of access entries" }).min(1, "Give at least one access entry"),
});

export type RobotPermissionReq = z.output<typeof ZRobotPermissionReq>;

export const ZRobotCreateReq = z
  .object({
    // name, description and duration are checked by the shared robot schemas.
    secret: onlyOff(z.literal(""), "Wharf generates robot secrets; leave it out"),
    level: z.enum(["system", "project"], { error: 'Must be "system" or "project"' }),
    disable: onlyOff(z.literal(false), "create the robot, then disable it with PUT /robots/{robot_id}"),
    permissions: z.array(ZRobotPermissionReq, { error: "Must be a list of permissions" }).min(1, "Give at least one permission"),
  })
  .superRefine((req, ctx) => {
    if (req.level !== "project") return;
    if (req.permissions.length !== 1) {
      ctx.addIssue({ code: "custom", path: ["permissions"], message: "A project robot has exactly one permission entry, for its project" });
    } else if (req.permissions[0]?.namespace === "*") {
      ctx.addIssue({ code: "custom", path: ["permissions", 0, "namespace"], message: "A project robot's namespace is its project's name" });
    }
  });

/** `{resource:action}` pairs of a RobotPermission, deduplicated, in request order. */
export function accessPermissions(perm: RobotPermissionReq): string[] {
  return [...new Set(perm.access.map((a) => `${a.resource}:${a.action}`))];
}

export const ZRobotSecReq = z.object({
  secret: z
    .string({ error: "Must be a string" })
    .nullish()
    .describe("Absent or empty: Wharf generates one. Otherwise Harbor's secret policy: 8-128 characters with an uppercase letter, a lowercase letter and a digit."),
});

/**
 * PUT /robots/{id}: Harbor's whole Robot. description, duration, permissions and disable change
 * (an absent or null field stays as it is); name and level, sent back as GET answered them, cannot.
 */
export const ZRobotUpdateReq = z.object({
  name: z.string({ error: "Must be a string" }).nullish(),
  level: z.enum(["system", "project"], { error: 'Must be "system" or "project"' }).nullish(),
  disable: z.boolean({ error: "Must be true or false" }),
  description: z.string({ error: "Must be a string" }).nullish(),
  duration: z.number({ error: "Must be a number of days" }).nullish(),
  permissions: z.array(ZRobotPermissionReq, { error: "Must be a list of permissions" }).nullish(),
});

/** PUT /users/{user_id}/sysadmin: Harbor's UserSysAdminFlag. Other fields are ignored, as Harbor's server does. */
export const ZUserSysAdminFlagReq = z.object({
  sysadmin_flag: z.boolean({ error: "Must be true or false" }).describe("true: administrator; false: no system role."),
});

/** PUT /users/{user_id}/system-role: Wharf's system role body, one of the three roles by name. */
export const ZSystemRoleReq = z.object({ role: ZSystemRole });

/** PUT .../repositories/{repository_name}: Harbor's Repository, of which only `description` is read. */
export const ZRepositoryReq = z.object({ description: z.string({ error: "must be a string" }).describe("Markdown.") });

/** POST .../artifacts/{reference}/tags: Harbor's Tag, of which only `name` is read. */
export const ZTagReq = z.object({ name: z.string({ error: "is required" }) });

/** PUT /system/purgeaudit/schedule: Harbor's Schedule (`Manual` is named so it can be refused by name). */
export const ZPurgeScheduleReq = z.object({
  schedule: z.object({
    type: z.enum(["Hourly", "Daily", "Weekly", "Custom", "Schedule", "None", "Manual"], { error: "must be Hourly, Daily, Weekly, Custom or None" }),
    cron: z.string().max(120).optional(),
  }),
  parameters: z
    .object({
      audit_retention_hour: z
        .number({ error: "must be a whole number of hours" })
        .int("must be a whole number of hours")
        .min(24, "must be at least 24")
        .max(RETENTION_DAYS_MAX * 24, `must be at most ${RETENTION_DAYS_MAX * 24}`)
        .refine((h) => h % 24 === 0, "must be a multiple of 24 (Wharf keeps whole days)")
        .optional(),
      dry_run: z.literal(false, { error: "must be false: a scheduled purge deletes (the console's Dry run counts without deleting)" }).optional(),
    })
    .loose()
    .optional(),
});

/**
 * /system/gc/schedule (POST, PUT): Harbor's Schedule with GC's parameters. `delete_untagged: true`
 * is refused (lib/validation/gc.ts says why); `workers` 1-5 is recorded (Distribution's
 * garbage-collect is one process).
 */
export const ZGcScheduleReq = z.object({
  schedule: z.object({
    type: z.enum(["Hourly", "Daily", "Weekly", "Custom", "Schedule", "None", "Manual"], { error: "must be Hourly, Daily, Weekly, Custom, Manual or None" }),
    cron: z.string().max(120).optional().describe("Custom: 6 fields with seconds 0 (Harbor's form) or 5 fields, UTC."),
  }),
  parameters: z
    .object({
      delete_untagged: z.boolean({ error: "must be true or false" }).optional().describe("Must be false: see the operation's description."),
      dry_run: z.boolean({ error: "must be true or false" }).optional(),
      workers: z.number({ error: "must be a number" }).optional().describe("1-5; recorded (Distribution's garbage-collect is one process)."),
    })
    .loose()
    .optional(),
});

// ---- registry endpoints (Harbor's Registry, RegistryUpdate, RegistryPing) ----

/**
 * Harbor's `ca_certificate`: PEM certificates of the CAs to trust for the registry's TLS; "" is
 * none. Each certificate is parsed (a 400 naming the field, before the service is asked).
 */
const ZCaCertificateReq = z
  .string({ error: "Must be a string of PEM certificates" })
  .max(MAX_CA_CERTIFICATE_CHARS, `Must be at most ${MAX_CA_CERTIFICATE_CHARS} characters`)
  .refine((v) => caCertificateProblem(v) === null, { error: (issue) => caCertificateProblem(issue.input as string) ?? "Not PEM certificates" })
  .nullish().describe("PEM certificates of the CAs to trust for the registry's TLS (instead of the system's); \"\" for none.");

/** `basic` (a username and password; a token realm the registry names gets them too) or none. */
const ZRegistryCredentialTypeReq = z.enum(["basic", "none"], { error: 'Must be "basic" or "none" (oauth and secret are not supported)' });

/** POST /registries: Harbor's Registry; `credential` absent means no credentials. */
export const ZRegistryReq = z.object({
  credential: z
    .object({
      type: ZRegistryCredentialTypeReq,
      access_key: z.string({ error: "Must be a string" }).nullish(),
      access_secret: z.string({ error: "Must be a string" }).nullish(),
    })
    .nullish(),
  insecure: z.boolean({ error: "Must be true or false" }).nullish(),
  ca_certificate: ZCaCertificateReq,
});

/** PUT /registries/{id}: Harbor's RegistryUpdate, every field optional; an absent or masked `access_secret` keeps the stored one. */
export const ZRegistryUpdateReq = z.object({
  name: z.string({ error: "Must be a string" }).nullish(),
  description: z.string({ error: "Must be a string" }).nullish(),
  url: z.string({ error: "Must be a string" }).nullish(),
  credential_type: ZRegistryCredentialTypeReq.nullish(),
  access_key: z.string({ error: "Must be a string" }).nullish(),
  access_secret: z.string({ error: "Must be a string" }).nullish(),
  insecure: z.boolean({ error: "Must be true or false" }).nullish(),
  ca_certificate: ZCaCertificateReq,
});

/** POST /registries/ping: Harbor's RegistryPing; with `id`, absent fields are the stored endpoint's. */
export const ZRegistryPingReq = ZRegistryUpdateReq.omit({ name: true, description: true }).extend({
  id: z.int({ error: "Must be a registry id" }).min(1, "Must be a registry id").nullish(),
  type: z.string({ error: "Must be a string" }).nullish(),
});

/** Harbor's ScanType body of POST …/artifacts/{reference}/scan; no body is a vulnerability scan. */
export const ZScanTypeReq = z.object({ scan_type: z.enum(["vulnerability", "sbom"]).optional().describe("What to produce: a vulnerability report (the default) or an SBOM.") }).strict();

/** Wharf's extension: an artifact download's and an image import's query (lib/validation/artifact-archive). */
export { ZArtifactDownload as ZArtifactDownloadQuery, ZArtifactImport as ZArtifactImportQuery } from "@/lib/validation/artifact-archive";
