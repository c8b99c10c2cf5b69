/**
 * Wharf's service results in Harbor v2.0's JSON shapes (swagger definitions of the same names).
 * Only fields Wharf actually has are included; nothing secret is ever mapped here.
 *
 * Each shape is a zod schema, its TypeScript type is inferred from it, and the OpenAPI document
 * (lib/api/openapi.ts) is generated from the same schemas, so the mappers, the document and the
 * API tests' check of every response body (lib/api/test-kit.ts) cannot drift apart.
 */
import { z } from "zod";
import { toHarborLabel, ZHarborLabel } from "@/lib/api/label-shapes";
import type { Actor, RobotGrant } from "@/lib/auth/actor";
import { PROJECT_ROLES } from "@/lib/services/authz/project-roles";
import { ROBOT_NAME_PREFIX } from "@/lib/services/robots/robot-secret";
import type { ProjectMemberRow } from "@/lib/services/members/members";
import type { ProjectSummary } from "@/lib/services/projects/project-dto";
import type { RobotSummary } from "@/lib/services/robots/robots";
import type { RegistrySummary } from "@/lib/services/registries/registries";
import type { RemoteProject } from "@/lib/services/registries/remote-projects";
import type { UserSummary } from "@/lib/services/users/user-dto";
import { DOCKER_CONTAINER_CONFIG, isImageManifestMediaType, isIndexMediaType, OCI_IMAGE_CONFIG } from "@/lib/oci/media-types";
import type { ArtifactDetail } from "@/lib/services/repositories/get-artifact";
import type { RepositoryDetail } from "@/lib/services/repositories/get-repository";
import type { ArtifactListRow } from "@/lib/services/repositories/list-artifacts";
import type { RepositoryListRow } from "@/lib/services/repositories/list-repositories";
import type { SearchResult } from "@/lib/services/search/search";
import { HARBOR_SCAN_STATUS, overallSeverity, type ScanOverview } from "@/lib/scan/security-summary";
import { SEVERITIES } from "@/lib/scan/adapter/spec-schemas";
import type { SystemHealth } from "@/lib/services/system/health-types";

const DAY_MS = 86_400_000;

/** A timestamp as Wharf writes it (Date.toISOString: UTC, milliseconds). */
const dateTime = (description: string) => z.iso.datetime().describe(description);
const int = () => z.int();
/**
 * Harbor's zero time (Go's zero `time.Time`), which Harbor answers for a time it never recorded (a
 * pull that never happened, an allowlist never stored); clients parse the field as a date, so
 * Wharf answers the same instead of null.
 */
export const HARBOR_ZERO_TIME = "0001-01-01T00:00:00.000Z";
const ROLE_NAMES: string[] = PROJECT_ROLES.map((r) => r.key);
const ROLE_IDS: number[] = PROJECT_ROLES.map((r) => r.id);
/** A project role id (the services type it as a number; the enum is checked and documented). */
const PROJECT_ADMIN_ROLE_ID = 1;
const ZRoleIdValue = z.int().refine((v) => ROLE_IDS.includes(v)).meta({ enum: ROLE_IDS });

const ZTrueFalse = z.enum(["true", "false"]);

export const ZHarborProjectMetadata = z.object({
  public: ZTrueFalse.describe('Booleans are accepted too in requests. enable_content_trust and auto_sbom_generation are refused unless "false".'),
  auto_scan: ZTrueFalse.describe("Whether images pushed are scanned automatically by the project's scanner (scan on push)."),
  prevent_vul: ZTrueFalse.describe("Whether pulls of images with vulnerabilities of `severity` or higher are refused (412 DENIED)."),
  severity: z.enum(["low", "medium", "high", "critical"]).describe("The lowest severity prevent_vul refuses."),
  refuse_unscanned: ZTrueFalse.describe("Wharf's extension: whether pulls of images with no finished vulnerability scan are refused."),
  enable_content_trust_cosign: ZTrueFalse.describe("Whether only signed images can be pulled."),
  reuse_sys_cve_allowlist: ZTrueFalse.describe("Whether the system CVE allowlist applies (else the project's own)."),
  ip_allowlist: z
    .string()
    .optional()
    .describe("Wharf's extension: the project's IP allowlist, comma-separated addresses and CIDR ranges; absent when the project has none (every address the system list admits)."),
  retention_id: z.string().optional().describe("In answers: the id of the project's own retention policy (/retentions/{id}); absent when it follows the system default or has none."),
  proxy_cache_days: z.string().optional().describe("Wharf's extension, proxy-cache projects only: days an unpulled cached artifact is kept."),
});

export const ZHarborProject = z.object({
  project_id: int(),
  name: z.string(),
  owner_id: int().describe("The creator's user id (0 if that user was deleted)."),
  owner_name: z.string().describe("The creator's username (empty if that user was deleted)."),
  creation_time: dateTime("When the project was created."),
  update_time: dateTime("When the project was last changed."),
  deleted: z.literal(false).describe("Always false."),
  repo_count: int().describe("Repositories in the project."),
  current_user_role_id: z
    .int()
    .refine((v) => v === 0 || ROLE_IDS.includes(v))
    .meta({ enum: [0, ...ROLE_IDS] })
    .describe("The caller's member role (1 ProjectAdmin, 2 Developer, 3 Guest, 4 Maintainer, 5 LimitedGuest), 0 if none (Harbor's deprecated single role)."),
  current_user_role_ids: z.array(ZRoleIdValue),
  metadata: ZHarborProjectMetadata,
  registry_id: int().describe("A proxy-cache project's upstream registry endpoint (/registries/{id}); 0, Harbor's own \"no registry\", for an ordinary project."),
  togglable: z.boolean().describe("Whether the caller may change the project's publicity (a project admin or system administrator)."),
  cve_allowlist: z.lazy(() => ZHarborCveAllowlist).describe("The project's own CVE allowlist (id 0 and Harbor's zero times when none was ever stored)."),
});

export const ZHarborCveAllowlist = z.object({
  id: int().describe("0 when none was ever stored."),
  project_id: int().describe("0 for the system allowlist."),
  expires_at: z.int().nullable().describe("Unix seconds after which the list no longer applies; null: never."),
  items: z.array(z.object({ cve_id: z.string() })),
  creation_time: dateTime("When the list was stored (Harbor's zero time if never)."),
  update_time: dateTime("When the list last changed (Harbor's zero time if never)."),
});
export type HarborCveAllowlist = z.infer<typeof ZHarborCveAllowlist>;

/** An allowlist in Harbor's shape; none stored is Harbor's empty one. */
export function toHarborCveAllowlist(projectId: number, list: { id?: number; cveIds: string[]; expiresAt: Date | null; updatedAt: Date | null } | null): HarborCveAllowlist {
  const time = list?.updatedAt ? list.updatedAt.toISOString() : HARBOR_ZERO_TIME;
  return {
    id: list?.id ?? 0,
    project_id: projectId,
    expires_at: list?.expiresAt ? Math.floor(list.expiresAt.getTime() / 1000) : null,
    items: (list?.cveIds ?? []).map((cve_id) => ({ cve_id })),
    creation_time: time,
    update_time: time,
  };
}
export type HarborProject = z.infer<typeof ZHarborProject>;

/** Whether the caller is a system administrator (only for answer fields such as `togglable`). */
export function viewerIsAdmin(actor: Actor): boolean {
  return actor.kind === "user" && actor.isAdmin;
}

/** `viewerIsAdmin`: the caller is a system administrator (for `togglable`, a hint for UIs). */
export function toHarborProject(p: ProjectSummary, viewerIsAdmin: boolean, retentionId?: number): HarborProject {
  return {
    project_id: p.id,
    name: p.name,
    owner_id: p.ownerId ?? 0,
    owner_name: p.ownerName ?? "",
    creation_time: p.createdAt.toISOString(),
    update_time: p.updatedAt.toISOString(),
    deleted: false,
    repo_count: p.repositoryCount,
    current_user_role_id: p.viewerRoleId ?? 0,
    current_user_role_ids: p.viewerRoleId === null ? [] : [p.viewerRoleId],
    metadata: {
      public: String(p.isPublic) as "true" | "false",
      auto_scan: String(p.autoScan) as "true" | "false",
      prevent_vul: String(p.pullPolicy.preventVulnerable) as "true" | "false",
      severity: p.pullPolicy.vulnerabilitySeverity as "low" | "medium" | "high" | "critical",
      refuse_unscanned: String(p.pullPolicy.refuseUnscanned) as "true" | "false",
      enable_content_trust_cosign: String(p.pullPolicy.requireSignature) as "true" | "false",
      reuse_sys_cve_allowlist: String(p.pullPolicy.reuseSystemCveAllowlist) as "true" | "false",
      ...(p.ipAllowlist.length === 0 ? {} : { ip_allowlist: p.ipAllowlist.join(",") }),
      ...(retentionId === undefined ? {} : { retention_id: String(retentionId) }),
      ...(p.proxy ? { proxy_cache_days: String(p.proxy.cacheDays) } : {}),
    },
    registry_id: p.proxy?.registryId ?? 0,
    togglable: viewerIsAdmin || p.viewerRoleId === PROJECT_ADMIN_ROLE_ID,
    cve_allowlist: toHarborCveAllowlist(p.id, p.pullPolicy.cveAllowlist),
  };
}

/** Harbor's role names (its `role.name` column), e.g. projectAdmin. */
export function harborRoleName(roleId: number): string {
  return PROJECT_ROLES.find((r) => r.id === roleId)?.key ?? "unknown";
}

export const ZHarborProjectMember = z.object({
  id: int().describe("The member id."),
  project_id: int(),
  entity_name: z.string().describe("The username."),
  role_name: z
    .string()
    .refine((v) => ROLE_NAMES.includes(v))
    .meta({ enum: ROLE_NAMES }),
  role_id: ZRoleIdValue,
  entity_id: int().describe("The user id."),
  entity_type: z.enum(["u", "g"]).describe("u for a user, g for a group (an LDAP or OIDC group: its members hold the role)."),
});
export type HarborProjectMember = z.infer<typeof ZHarborProjectMember>;

export function toHarborMember(m: ProjectMemberRow, projectId: number): HarborProjectMember {
  return {
    id: m.id,
    project_id: projectId,
    entity_name: m.username,
    role_name: harborRoleName(m.roleId),
    role_id: m.roleId,
    entity_id: m.entityId,
    entity_type: m.entityType,
  };
}

export const ZHarborUser = z.object({
  user_id: int(),
  username: z.string(),
  email: z.string(),
  realname: z.string().describe("The full name."),
  comment: z.literal("").describe("Always empty: Wharf keeps no comment."),
  sysadmin_flag: z.boolean(),
  admin_role_in_auth: z.literal(false).describe("Always false."),
  creation_time: dateTime("When the user was created."),
  update_time: dateTime("When the user was last changed."),
});
export type HarborUser = z.infer<typeof ZHarborUser>;

export function toHarborUser(u: UserSummary): HarborUser {
  return {
    user_id: u.id,
    username: u.username,
    email: u.email,
    realname: u.fullName,
    // Wharf keeps no comment on users; the field is there for clients that read it.
    comment: "",
    sysadmin_flag: u.isAdmin,
    admin_role_in_auth: false,
    creation_time: u.createdAt.toISOString(),
    update_time: u.updatedAt.toISOString(),
  };
}

export const ZHarborAccess = z.object({ resource: z.string(), action: z.string(), effect: z.literal("allow") });
export type HarborAccess = z.infer<typeof ZHarborAccess>;

export const ZHarborRobotPermission = z.object({
  kind: z.literal("project"),
  namespace: z.string().describe('A project name, or "*" for every project (system robots only).'),
  access: z.array(ZHarborAccess),
});
export type HarborRobotPermission = z.infer<typeof ZHarborRobotPermission>;

/** Grants grouped per namespace, as Harbor's RobotPermission list. */
export function toHarborPermissions(grants: readonly RobotGrant[]): HarborRobotPermission[] {
  const byNamespace = new Map<string, HarborAccess[]>();
  for (const g of grants) {
    const access = byNamespace.get(g.namespace) ?? [];
    access.push({ resource: g.resource, action: g.action, effect: "allow" });
    byNamespace.set(g.namespace, access);
  }
  return [...byNamespace].map(([namespace, access]) => ({ kind: "project", namespace, access }));
}

/** Harbor's `expires_at`: unix seconds, -1 for never. */
export function expiresAtSeconds(expiresAt: Date | null): number {
  return expiresAt === null ? -1 : Math.floor(expiresAt.getTime() / 1000);
}

/** Harbor stores `duration` in days; Wharf stores the expiry, so the days are derived from it. */
export function robotDurationDays(r: Pick<RobotSummary, "createdAt" | "expiresAt">): number {
  return r.expiresAt === null ? -1 : Math.round((r.expiresAt.getTime() - r.createdAt.getTime()) / DAY_MS);
}

export const ZHarborRobot = z.object({
  id: int(),
  name: z.string().describe("Login name: robot$<project>+<name> or robot$<name>."),
  description: z.string(),
  level: z.enum(["system", "project"]),
  duration: int().describe("Days from creation to expiry, -1 for never."),
  editable: z.boolean(),
  disable: z.boolean(),
  expires_at: int().describe("Unix seconds, -1 for never."),
  permissions: z.array(ZHarborRobotPermission),
  creator_type: z.enum(["local", "robot", "system"]),
  creator_ref: int().describe("The creating user's id for creator_type local; 0 otherwise (Wharf keeps no id for robot or system creators)."),
  creation_time: dateTime("When the robot was created."),
  update_time: dateTime("When the robot was last changed."),
});
export type HarborRobot = z.infer<typeof ZHarborRobot>;

/** The answer to creating a robot: the only time its secret is shown. */
export const ZHarborRobotCreated = z.object({
  id: int(),
  name: z.string(),
  secret: z.string().describe("Shown only in this answer."),
  creation_time: dateTime("When the robot was created."),
  expires_at: int().describe("Unix seconds, -1 for never."),
});
export type HarborRobotCreated = z.infer<typeof ZHarborRobotCreated>;

/** The answer to refreshing a robot's secret. */
export const ZHarborRobotSec = z.object({ secret: z.string().describe("The new secret, shown this once.") });
export type HarborRobotSec = z.infer<typeof ZHarborRobotSec>;

/** Never carries the secret: Harbor's Robot has a `secret` field, Wharf leaves it out. */
export function toHarborRobot(r: RobotSummary): HarborRobot {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    level: r.level,
    duration: robotDurationDays(r),
    editable: true,
    disable: r.disabled,
    expires_at: expiresAtSeconds(r.expiresAt),
    permissions: toHarborPermissions(r.permissions),
    creator_type: r.creatorName.startsWith(ROBOT_NAME_PREFIX) ? "robot" : r.creatorName.startsWith("system:") ? "system" : "local",
    creator_ref: r.creatorId ?? 0,
    creation_time: r.createdAt.toISOString(),
    update_time: r.updatedAt.toISOString(),
  };
}

export const ZHarborRepository = z.object({
  id: int(),
  project_id: int(),
  name: z.string().describe("Full name, <project>/<path>."),
  description: z.string().describe("Markdown; on PUT the only field read."),
  artifact_count: int(),
  pull_count: int(),
  creation_time: dateTime("When the repository was first pushed."),
  update_time: dateTime("Last push, tag or delete."),
});
export type HarborRepository = z.infer<typeof ZHarborRepository>;

export function toHarborRepositoryRow(r: RepositoryListRow, projectId: number): HarborRepository {
  return {
    id: r.id,
    project_id: projectId,
    name: r.name,
    description: r.description,
    artifact_count: r.artifactCount,
    pull_count: Number(r.pullCount),
    creation_time: r.createdAt.toISOString(),
    update_time: r.lastPush.toISOString(),
  };
}

export function toHarborRepository(r: RepositoryDetail): HarborRepository {
  return {
    id: r.id,
    project_id: r.projectId,
    name: r.name,
    description: r.description,
    artifact_count: r.artifactCount,
    pull_count: Number(r.pullCount),
    creation_time: r.createdAt.toISOString(),
    update_time: r.updatedAt.toISOString(),
  };
}


const pullTime = (what: string) => dateTime(`When the ${what} was last pulled; ${HARBOR_ZERO_TIME} (Harbor's zero time) if never.`);

export const ZHarborTag = z.object({
  id: int().describe("The tag's id."),
  repository_id: int(),
  artifact_id: int().describe("The id of the artifact the tag is on."),
  name: z.string(),
  push_time: dateTime("When the tag was pushed."),
  pull_time: pullTime("tag"),
  immutable: z.literal(false).describe("Always false."),
});
export type HarborTag = z.infer<typeof ZHarborTag>;

export function toHarborTag(t: { id: number; name: string; pushedAt: Date; pulledAt: Date | null }, repositoryId: number, artifactId: number): HarborTag {
  return {
    id: t.id,
    repository_id: repositoryId,
    artifact_id: artifactId,
    name: t.name,
    push_time: t.pushedAt.toISOString(),
    pull_time: t.pulledAt?.toISOString() ?? HARBOR_ZERO_TIME,
    immutable: false,
  };
}

export const ZHarborPlatform = z.object({ os: z.string().optional(), architecture: z.string().optional(), variant: z.string().optional() });
export type HarborPlatform = z.infer<typeof ZHarborPlatform>;

export const ZHarborAdditionLink = z.object({
  href: z.string().describe("The addition's path under this API (relative: `absolute` is false)."),
  absolute: z.literal(false),
});

/** The additions Harbor links from an artifact, each at `.../artifacts/<digest>/additions/<name>`. */
export const ZHarborAdditionLinks = z
  .object({
    build_history: ZHarborAdditionLink.describe("An image's build history.").optional(),
    vulnerabilities: ZHarborAdditionLink.describe("A scannable artifact's vulnerability report (404 until Wharf scans).").optional(),
  })
  .describe("build_history for images; vulnerabilities for scannable artifacts (images, and indexes with children).");

export const ZHarborReference = z.object({
  parent_id: int().describe("The index's artifact id."),
  child_id: int().describe("The child's artifact id (0 while the child is not indexed).").optional(),
  child_digest: z.string(),
  platform: ZHarborPlatform,
});

/** Notation's signature artifactType, and the one Harbor gives the SBOMs it generates. */
const NOTATION_SIGNATURE = "application/vnd.cncf.notary.signature";
const HARBOR_SBOM = "application/vnd.goharbor.harbor.sbom.v1";

/**
 * Harbor's accessory types (its pkg/accessory/model), which its UI and clients test to show an
 * artifact as signed: Wharf's signature kind split by signer, everything else Harbor's generic
 * "subject.accessory" (Harbor has no attestation type; "harbor.sbom" is only its own SBOM).
 */
function harborAccessoryType(kind: ArtifactDetail["accessoryType"], artifactType: string | null): z.infer<typeof ZHarborAccessory>["type"] {
  if (kind === "signature") return artifactType === NOTATION_SIGNATURE ? "signature.notation" : "signature.cosign";
  if (kind === "sbom" && artifactType === HARBOR_SBOM) return "harbor.sbom";
  return "subject.accessory";
}

export const ZHarborAccessory = z.object({
  id: int(),
  artifact_id: int().describe("The accessory's own artifact id."),
  subject_artifact_id: int(),
  subject_artifact_digest: z.string(),
  subject_artifact_repo: z.string(),
  size: int(),
  digest: z.string(),
  type: z
    .enum(["signature.cosign", "signature.notation", "harbor.sbom", "subject.accessory"])
    .describe("Harbor's accessory type: a cosign or notation signature, Harbor's own SBOM, or any other artifact whose subject this is."),
  icon: z.literal(""),
  creation_time: dateTime("When the accessory was pushed."),
});

/** Harbor's scan_status values (its job states) for a report's scan. */
const ZHarborScanStatus = z.enum(["Pending", "Running", "Success", "Error", "Stopped"]);

export const ZHarborNativeReportSummary = z
  .object({
    report_id: z.string().optional().describe("The report's id (absent for an image index: summarised from its child images' reports)."),
    scan_status: ZHarborScanStatus,
    severity: z.string().optional().describe("The highest severity found (`None` when nothing was); only once the scan succeeded."),
    duration: int().optional().describe("Seconds from start to end."),
    summary: z
      .object({
        total: int(),
        fixable: int().describe("Findings with a fixed version."),
        summary: z.record(z.string(), int()).describe("Counts by severity (Critical, High, Medium, Low, Negligible, Unknown); severities without findings are left out."),
      })
      .optional(),
    start_time: dateTime("When the scan started.").optional(),
    end_time: dateTime("When it ended.").optional(),
    complete_percent: int().describe("100 once ended (an index: the share of its child images whose scan ended)."),
    scanner: z.object({ name: z.string(), vendor: z.string(), version: z.string() }).optional(),
  })
  .describe("NativeReportSummary");

export const ZHarborScanOverview = z
  .record(z.string(), ZHarborNativeReportSummary)
  .describe("With `with_scan_overview=true`: report MIME type -> the summary of the artifact's vulnerability scan (an index: of its child images); `{}` when never scanned or not asked for.");
type HarborScanOverview = z.infer<typeof ZHarborScanOverview>;

export const ZHarborArtifact = z.object({
  id: int().describe("The artifact's id."),
  type: z.enum(["IMAGE", "INDEX"]),
  media_type: z.string(),
  manifest_media_type: z.string(),
  artifact_type: z.string().describe("The manifest's artifactType, else its config media type; \"\" when it has neither (an index), a string as in Harbor."),
  project_id: int(),
  repository_id: int(),
  repository_name: z.string(),
  digest: z.string(),
  size: int().describe("Bytes, manifest and layers (an index: its children)."),
  icon: z.literal("").describe("Always empty: Wharf has no artifact icons."),
  push_time: dateTime("When the artifact was pushed."),
  pull_time: pullTime("artifact"),
  extra_attrs: ZHarborPlatform.extend({
    author: z.string().optional(),
    created: dateTime("When the image was built (from its config).").optional(),
  }).describe("os, architecture, variant; on GET of one artifact also author and created."),
  annotations: z.record(z.string(), z.string()).describe("The manifest's annotations."),
  references: z.array(ZHarborReference).describe("An index's children (in lists at most the first 12); empty for an image."),
  tags: z.array(ZHarborTag).nullable().describe("Null with with_tag=false."),
  addition_links: ZHarborAdditionLinks,
  labels: z.array(ZHarborLabel).describe("The artifact's labels (global and its project's), by name."),
  accessories: z.array(ZHarborAccessory).describe("Signatures, SBOMs and other artifacts whose subject this is (GET of one artifact; empty in lists, as Harbor's with_accessory=false)."),
  scan_overview: ZHarborScanOverview,
});
export type HarborArtifact = z.infer<typeof ZHarborArtifact>;

/** Harbor's NativeReportSummary from Wharf's overview (lib/services/scan/security.ts). */
export function toHarborScanOverview(o: ScanOverview | undefined): HarborScanOverview {
  if (!o) return {};
  const duration = o.startedAt && o.endedAt ? Math.max(0, Math.round((o.endedAt.getTime() - o.startedAt.getTime()) / 1000)) : undefined;
  const summary = o.summary
    ? {
        total: o.summary.total,
        fixable: o.summary.fixable,
        summary: Object.fromEntries(SEVERITIES.filter((s) => o.summary![s] > 0).map((s) => [s, o.summary![s]])),
      }
    : undefined;
  return {
    [o.mimeType]: {
      ...(o.reportId ? { report_id: o.reportId } : {}),
      scan_status: HARBOR_SCAN_STATUS[o.status],
      ...(o.summary ? { severity: overallSeverity(o.summary) } : {}),
      ...(duration !== undefined ? { duration } : {}),
      ...(summary ? { summary } : {}),
      ...(o.startedAt ? { start_time: o.startedAt.toISOString() } : {}),
      ...(o.endedAt ? { end_time: o.endedAt.toISOString() } : {}),
      complete_percent: o.completePercent,
      ...(o.scanner ? { scanner: o.scanner } : {}),
    },
  };
}

function platformOf(p: { os: string | null; architecture: string | null; variant: string | null }): HarborPlatform {
  return { ...(p.os ? { os: p.os } : {}), ...(p.architecture ? { architecture: p.architecture } : {}), ...(p.variant ? { variant: p.variant } : {}) };
}

const ZStringRecord = z.record(z.string(), z.string());

/** Annotations as stored (JSON); anything but a string map reads as none. */
function annotationsOf(value: unknown): Record<string, string> {
  const parsed = ZStringRecord.safeParse(value);
  return parsed.success ? parsed.data : {};
}

/** Images whose config is an image config: what Harbor's image processor and scanners handle. */
function isImage(a: { mediaType: string; artifactType: string | null }): boolean {
  return isImageManifestMediaType(a.mediaType) && (a.artifactType === OCI_IMAGE_CONFIG || a.artifactType === DOCKER_CONTAINER_CONFIG);
}

/**
 * Harbor's addition links: build_history for an image (Harbor's image processor offers no other
 * addition and none for an index), vulnerabilities for what a scanner can scan (an image, or an
 * index through its children).
 */
function additionLinksOf(a: { mediaType: string; artifactType: string | null; digest: string; hasChildren: boolean }, repositoryName: string) {
  const slash = repositoryName.indexOf("/");
  // Harbor's own encoding of the repository path segment: `/` as %252F (decoded twice).
  const base = `/api/v2.0/projects/${repositoryName.slice(0, slash)}/repositories/${repositoryName.slice(slash + 1).replaceAll("/", "%252F")}/artifacts/${a.digest}/additions`;
  const link = (name: string) => ({ href: `${base}/${name}`, absolute: false as const });
  const image = isImage(a);
  const scannable = image || (isIndexMediaType(a.mediaType) && a.hasChildren);
  return { ...(image ? { build_history: link("build_history") } : {}), ...(scannable ? { vulnerabilities: link("vulnerabilities") } : {}) };
}

/** A listed artifact; `withTag` false leaves `tags` null (Harbor's with_tag=false). */
export function toHarborArtifactRow(a: ArtifactListRow, repo: { id: number; name: string; projectId: number }, withTag: boolean, overview?: ScanOverview): HarborArtifact {
  const isIndex = isIndexMediaType(a.mediaType);
  return {
    id: a.id,
    type: isIndex ? "INDEX" : "IMAGE",
    media_type: a.mediaType,
    manifest_media_type: a.mediaType,
    artifact_type: a.artifactType ?? "",
    project_id: repo.projectId,
    repository_id: repo.id,
    repository_name: repo.name,
    digest: a.digest,
    size: Number(a.totalSize),
    icon: "",
    push_time: a.pushedAt.toISOString(),
    pull_time: a.pulledAt?.toISOString() ?? HARBOR_ZERO_TIME,
    extra_attrs: !isIndex && a.platforms[0] ? platformOf(a.platforms[0]) : {},
    annotations: annotationsOf(a.annotations),
    references: a.references.map((c) => ({ parent_id: a.id, ...(c.childId === null ? {} : { child_id: c.childId }), child_digest: c.childDigest, platform: platformOf(c) })),
    tags: withTag ? a.tags.map((t) => toHarborTag(t, repo.id, a.id)) : null,
    addition_links: additionLinksOf({ ...a, hasChildren: a.references.length > 0 }, repo.name),
    labels: a.labels.map(toHarborLabel),
    accessories: [],
    scan_overview: toHarborScanOverview(overview),
  };
}

export function toHarborArtifact(a: ArtifactDetail, repositoryId: number, withTag: boolean, overview?: ScanOverview): HarborArtifact {
  return {
    id: a.id,
    type: a.isIndex ? "INDEX" : "IMAGE",
    media_type: a.mediaType,
    manifest_media_type: a.mediaType,
    artifact_type: a.artifactType ?? "",
    project_id: a.projectId,
    repository_id: repositoryId,
    repository_name: a.repository,
    digest: a.digest,
    size: Number(a.totalSize),
    icon: "",
    push_time: a.pushedAt.toISOString(),
    pull_time: a.pulledAt?.toISOString() ?? HARBOR_ZERO_TIME,
    extra_attrs: {
      ...platformOf(a),
      ...(a.author ? { author: a.author } : {}),
      ...(a.created ? { created: a.created.toISOString() } : {}),
    },
    annotations: a.annotations,
    references: a.children.map((c) => ({ parent_id: a.id, ...(c.childId === null ? {} : { child_id: c.childId }), child_digest: c.digest, platform: platformOf(c) })),
    tags: withTag ? a.tags.rows.map((t) => toHarborTag(t, repositoryId, a.id)) : null,
    addition_links: additionLinksOf({ ...a, hasChildren: a.children.length > 0 }, a.repository),
    labels: a.labels.map(toHarborLabel),
    accessories: a.accessories.map((x) => ({
      id: x.id,
      artifact_id: x.id,
      subject_artifact_id: a.id,
      subject_artifact_digest: a.digest,
      subject_artifact_repo: a.repository,
      size: Number(x.totalSize),
      digest: x.digest,
      type: harborAccessoryType(x.accessoryType, x.artifactType),
      icon: "",
      creation_time: x.pushedAt.toISOString(),
    })),
    scan_overview: toHarborScanOverview(overview),
  };
}

export const ZHarborBuildHistoryEntry = z.object({
  created: z.string(),
  created_by: z.string(),
  empty_layer: z.literal(true).optional(),
  comment: z.string().optional(),
});
export type HarborBuildHistoryEntry = z.infer<typeof ZHarborBuildHistoryEntry>;

export function toHarborBuildHistory(history: ArtifactDetail["history"]): HarborBuildHistoryEntry[] {
  return history.map((h) => ({
    created: h.created ?? "",
    created_by: h.createdBy ?? "",
    ...(h.emptyLayer ? { empty_layer: true } : {}),
    ...(h.comment ? { comment: h.comment } : {}),
  }));
}

export const ZHarborSearchRepository = z.object({
  project_id: int(),
  project_name: z.string(),
  project_public: z.boolean(),
  repository_name: z.string(),
  pull_count: int(),
  artifact_count: int(),
});

export const ZHarborSearch = z.object({ project: z.array(ZHarborProject), repository: z.array(ZHarborSearchRepository) });
export type HarborSearch = z.infer<typeof ZHarborSearch>;

export function toHarborSearch(r: SearchResult, viewerIsAdmin: boolean): HarborSearch {
  return {
    project: r.projects.map((p) => toHarborProject(p, viewerIsAdmin)),
    repository: r.repositories.map((x) => ({
      project_id: x.projectId,
      project_name: x.projectName,
      project_public: x.projectPublic,
      repository_name: x.name,
      pull_count: Number(x.pullCount),
      artifact_count: x.artifactCount,
    })),
  };
}

export const ZHarborUserSearchItem = z.object({ user_id: int(), username: z.string() });
export type HarborUserSearchItem = z.infer<typeof ZHarborUserSearchItem>;

export const ZHarborPermission = z.object({ resource: z.string(), action: z.string() });
export type HarborPermission = z.infer<typeof ZHarborPermission>;

/** Harbor's AuditLog plus Wharf's fields (`result`, `reason`, `project_id`, `client_ip`, `action`, `detail`). */
export const ZHarborAuditLog = z.object({
  id: int().describe("The audit row's id."),
  username: z
    .string()
    .describe(
      "Who acted: a username, robot name, `anonymous` or `system:<component>`; for a failed sign-in, the name the caller claimed followed by ` (unverified)` (see `actor_verified`).",
    ),
  resource: z.string().describe("The resource's name."),
  resource_type: z.string().describe("e.g. artifact, repository, project, user, session."),
  operation: z.string().describe("Harbor's verb: the last part of `action` (create, delete, pull, push, ...)."),
  op_time: dateTime("When it happened (UTC)."),
  result: z.enum(["success", "failure"]),
  reason: z.string().nullable().describe("Why a failure failed."),
  project_id: int().nullable(),
  client_ip: z.string().nullable(),
  action: z.string().describe("Wharf's full `<resource>.<verb>`, e.g. artifact.delete."),
  detail: z.unknown().meta({ type: "object", description: "Structured detail; secrets are redacted before a row is written." }),
  actor_verified: z.boolean().describe("Wharf: false when `username` is only the name a failed sign-in claimed, never a proven actor."),
  count: int().describe("Wharf: how many identical refusals (same caller, client and operation) within one minute this row stands for; 1 otherwise."),
});
export type HarborAuditLog = z.infer<typeof ZHarborAuditLog>;

/** Harbor's ExecHistory for the audit log purge schedule, plus Wharf's `enabled` and `audit_retention_days`. */
export const ZHarborPurgeSchedule = z.object({
  job_name: z.literal("PURGE_AUDIT_LOG"),
  job_kind: z.literal("SCHEDULE"),
  job_parameters: z.string().describe('JSON text, e.g. `{"audit_retention_hour":8760,"dry_run":false}`.'),
  schedule: z.object({
    type: z.enum(["Hourly", "Daily", "Weekly", "Custom", "None"]),
    cron: z.string().describe("6 fields (seconds first), empty when none."),
  }),
  enabled: z.boolean().describe("Wharf: whether the schedule runs."),
  audit_retention_days: int().describe("Wharf: the retention in days."),
});
export type HarborPurgeSchedule = z.infer<typeof ZHarborPurgeSchedule>;

/** Harbor's GCHistory (one garbage collection), with Wharf's findings as extra fields. */
export const ZHarborGcHistory = z.object({
  id: int(),
  job_name: z.literal("GARBAGE_COLLECTION"),
  job_kind: z.enum(["MANUAL", "SCHEDULE"]),
  job_parameters: z.string().describe('JSON text: `{"delete_untagged":false,"dry_run":true,"workers":1,"freed_space":0,"purged_number":0}`.'),
  schedule: z.object({ type: z.enum(["Manual", "Schedule"]) }),
  job_status: z.enum(["Pending", "Running", "Success", "Error", "Stopped"]),
  deleted: z.boolean(),
  creation_time: z.string(),
  update_time: z.string(),
  dry_run: z.boolean().describe("Wharf: a dry run deletes nothing."),
  triggered_by: z.string().describe("Wharf: who started it (`schedule` for the cron)."),
  blobs_eligible: int().nullable().describe("Wharf: unreferenced blobs older than the keep-recent window (null until known)."),
  bytes_eligible: int().nullable().describe("Wharf: their bytes on disk."),
  blobs_deleted: int().nullable().describe("Wharf: a real run's blobs gone from disk."),
  freed_bytes: int().nullable().describe("Wharf: the bytes they took."),
  pinned_blobs: int().nullable().describe("Wharf: young unreferenced blobs kept for manifests still to come."),
  duration_seconds: z.number().nullable().describe("Wharf: from start to end (null while running)."),
  error: z.string().nullable().describe("Wharf: why it failed."),
});
export type HarborGcHistory = z.infer<typeof ZHarborGcHistory>;

/** GET /system/gc/schedule: Harbor's GCHistory as its schedule reads. */
export const ZHarborGcSchedule = z.object({
  schedule: z.object({
    type: z.enum(["Hourly", "Daily", "Weekly", "Custom", "None"]),
    cron: z.string().describe("6 fields (seconds first), empty when none."),
    next_scheduled_time: z.string().optional().describe("UTC, when scheduled."),
  }),
  job_name: z.literal("GARBAGE_COLLECTION"),
  job_kind: z.literal("SCHEDULE"),
  job_parameters: z.string().describe('JSON text: `{"delete_untagged":false,"dry_run":false,"workers":1}`.'),
  update_time: z.string().optional(),
  available: z.boolean().describe("Wharf: whether garbage collection is possible here."),
  unavailable_reason: z.string().optional().describe("Wharf: why not (e.g. an external registry whose config and storage Wharf is not given)."),
});
export type HarborGcSchedule = z.infer<typeof ZHarborGcSchedule>;

const ZHealthStatus = z.enum(["healthy", "unhealthy"]);

/** Harbor's OverallHealthStatus (the service's SystemHealth, answered as it is). */
export const ZHarborHealth = z.object({
  status: ZHealthStatus,
  components: z.array(
    z.object({
      name: z.enum(["core", "database", "registry"]),
      status: ZHealthStatus,
      error: z.string().describe('Why it is unhealthy ("unavailable" unless the caller is an administrator or auditor).').optional(),
    }),
  ),
}) satisfies z.ZodType<SystemHealth>;

/** `GET /health/ready`: the verdict only. */
export const ZReadiness = z.object({ status: z.enum(["ready", "not ready"]) });

// ---- registry endpoints ----

/** What Harbor puts in `access_secret` of a stored credential: never the secret itself. */
export const SECRET_MASK = "*****";

export const ZHarborRegistryCredential = z.object({
  type: z.enum(["basic", "none"]),
  access_key: z.string().describe("The username (Basic)."),
  access_secret: z.string().describe(`"${SECRET_MASK}" when a password is stored, "" otherwise; never the password.`),
});

export const ZHarborRegistry = z.object({
  id: int(),
  name: z.string(),
  url: z.string(),
  type: z.enum(["docker-hub", "docker-registry", "harbor", "wharf"]),
  credential: ZHarborRegistryCredential,
  insecure: z.boolean().describe("Skip TLS verification of the registry's certificate (every request Wharf makes to it)."),
  ca_certificate: z
    .string()
    .optional()
    .describe("PEM certificates of the CAs trusted for the registry's TLS instead of the system's; \"\" when none (absent for the local side of a replication policy)."),
  description: z.string(),
  status: z.enum(["healthy", "unhealthy", "unknown"]).describe("The outcome of the last Test connection of the stored endpoint."),
  creation_time: dateTime("When the endpoint was created."),
  update_time: dateTime("When the endpoint last changed."),
});
export type HarborRegistry = z.infer<typeof ZHarborRegistry>;

export function toHarborRegistry(r: RegistrySummary): HarborRegistry {
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    type: r.type,
    credential: { type: r.credentialType, access_key: r.username, access_secret: r.hasSecret ? SECRET_MASK : "" },
    insecure: r.insecure,
    ca_certificate: r.caCertificate ?? "",
    description: r.description,
    status: r.status,
    creation_time: r.createdAt.toISOString(),
    update_time: r.updatedAt.toISOString(),
  };
}

/** `GET /registries/{id}/projects` (Wharf's extension): one project of a Harbor or Wharf endpoint. */
export const ZRemoteProject = z.object({
  project_id: int().nullable().describe("The project's id at the remote (null when it did not say)."),
  name: z.string(),
  public: z.boolean().nullable().describe("Whether the project is public at the remote (null when it did not say)."),
});
export type RemoteProjectResp = z.infer<typeof ZRemoteProject>;

export function toRemoteProject(p: RemoteProject): RemoteProjectResp {
  return { project_id: p.projectId, name: p.name, public: p.public };
}

export const ZHarborFilterStyle = z.object({
  type: z.string().describe("The filter: name, tag or resource."),
  style: z.enum(["input", "radio", "list"]),
  values: z.array(z.string()).optional(),
});

export const ZHarborRegistryInfo = z.object({
  type: z.string(),
  description: z.string(),
  supported_resource_filters: z.array(ZHarborFilterStyle),
  supported_triggers: z.array(z.string()),
});
export type HarborRegistryInfo = z.infer<typeof ZHarborRegistryInfo>;

/** Wharf's extension: what an image import wrote (POST …/repositories/{r}/import). */
export const ZArtifactImported = z.object({
  digest: z.string().describe("The imported manifest's digest (a docker-archive: of the OCI manifest Wharf wrote for it)."),
  media_type: z.string(),
  tag: z.string(),
  format: z.enum(["docker-archive", "oci-layout"]),
  blobs: z.int().describe("Configs and layers taken from the archive."),
  bytes: z.int().describe("Their total size."),
});
