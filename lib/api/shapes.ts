/**
 * Wharf's service results in Harbor v2.0's JSON shapes (swagger definitions of the same names).
 * Only fields Wharf actually has are included; nothing secret is ever mapped here.
 */
import type { RobotGrant } from "@/lib/auth/actor";
import { PROJECT_ROLES } from "@/lib/services/authz/project-roles";
import { ROBOT_NAME_PREFIX } from "@/lib/services/robots/robot-secret";
import type { ProjectMemberRow } from "@/lib/services/members/members";
import type { ProjectSummary } from "@/lib/services/projects/project-dto";
import type { RobotSummary } from "@/lib/services/robots/robots";
import type { UserSummary } from "@/lib/services/users/user-dto";
import { isIndexMediaType } from "@/lib/oci/media-types";
import type { ArtifactDetail } from "@/lib/services/repositories/get-artifact";
import type { RepositoryDetail } from "@/lib/services/repositories/get-repository";
import type { ArtifactListRow } from "@/lib/services/repositories/list-artifacts";
import type { RepositoryListRow } from "@/lib/services/repositories/list-repositories";
import type { SearchResult } from "@/lib/services/search/search";

const DAY_MS = 86_400_000;

export type HarborProject = {
  project_id: number;
  name: string;
  owner_id: number;
  owner_name: string;
  creation_time: string;
  update_time: string;
  deleted: boolean;
  repo_count: number;
  /** The caller's member role id, 0 if not a member (Harbor's deprecated single role). */
  current_user_role_id: number;
  current_user_role_ids: number[];
  metadata: { public: "true" | "false" };
};

export function toHarborProject(p: ProjectSummary): HarborProject {
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
    metadata: { public: p.isPublic ? "true" : "false" },
  };
}

/** Harbor's role names (its `role.name` column), e.g. projectAdmin. */
export function harborRoleName(roleId: number): string {
  return PROJECT_ROLES.find((r) => r.id === roleId)?.key ?? "unknown";
}

export type HarborProjectMember = {
  id: number;
  project_id: number;
  entity_name: string;
  role_name: string;
  role_id: number;
  entity_id: number;
  entity_type: "u";
};

export function toHarborMember(m: ProjectMemberRow, projectId: number): HarborProjectMember {
  return {
    id: m.id,
    project_id: projectId,
    entity_name: m.username,
    role_name: harborRoleName(m.roleId),
    role_id: m.roleId,
    entity_id: m.userId,
    // Wharf has local users only, no groups.
    entity_type: "u",
  };
}

export type HarborUser = {
  user_id: number;
  username: string;
  email: string;
  realname: string;
  comment: string;
  sysadmin_flag: boolean;
  admin_role_in_auth: boolean;
  creation_time: string;
  update_time: string;
};

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

export type HarborAccess = { resource: string; action: string; effect: "allow" };
export type HarborRobotPermission = { kind: "project"; namespace: string; access: HarborAccess[] };

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

export type HarborRobot = {
  id: number;
  name: string;
  description: string;
  level: "system" | "project";
  duration: number;
  editable: boolean;
  disable: boolean;
  expires_at: number;
  permissions: HarborRobotPermission[];
  creator_type: "local" | "robot" | "system";
  creation_time: string;
};

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
    creation_time: r.createdAt.toISOString(),
  };
}

export type HarborRepository = {
  id: number;
  project_id: number;
  name: string;
  description?: string;
  artifact_count: number;
  pull_count: number;
  creation_time?: string;
  update_time: string;
};

export function toHarborRepositoryRow(r: RepositoryListRow, projectId: number): HarborRepository {
  return { id: r.id, project_id: projectId, name: r.name, artifact_count: r.artifactCount, pull_count: Number(r.pullCount), update_time: r.lastPush.toISOString() };
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

export type HarborTag = { repository_id: number; name: string; push_time: string; pull_time: string | null; immutable: false };

export function toHarborTag(t: { name: string; pushedAt: Date; pulledAt: Date | null }, repositoryId: number): HarborTag {
  return { repository_id: repositoryId, name: t.name, push_time: t.pushedAt.toISOString(), pull_time: t.pulledAt?.toISOString() ?? null, immutable: false };
}

export type HarborPlatform = { os?: string; architecture?: string; variant?: string };

export type HarborArtifact = {
  type: "IMAGE" | "INDEX";
  media_type: string;
  manifest_media_type: string;
  artifact_type: string | null;
  project_id: number;
  repository_id: number;
  repository_name: string;
  digest: string;
  size: number;
  push_time: string;
  pull_time: string | null;
  extra_attrs: HarborPlatform & { author?: string; created?: string };
  annotations?: Record<string, string>;
  references?: { child_digest: string; platform: HarborPlatform }[];
  tags: HarborTag[] | null;
};

function platformOf(p: { os: string | null; architecture: string | null; variant: string | null }): HarborPlatform {
  return { ...(p.os ? { os: p.os } : {}), ...(p.architecture ? { architecture: p.architecture } : {}), ...(p.variant ? { variant: p.variant } : {}) };
}

/** A listed artifact; `withTag` false leaves `tags` null (Harbor's with_tag=false). */
export function toHarborArtifactRow(a: ArtifactListRow, repo: { id: number; name: string; projectId: number }, withTag: boolean): HarborArtifact {
  const isIndex = isIndexMediaType(a.mediaType);
  return {
    type: isIndex ? "INDEX" : "IMAGE",
    media_type: a.mediaType,
    manifest_media_type: a.mediaType,
    artifact_type: a.artifactType,
    project_id: repo.projectId,
    repository_id: repo.id,
    repository_name: repo.name,
    digest: a.digest,
    size: Number(a.totalSize),
    push_time: a.pushedAt.toISOString(),
    pull_time: a.pulledAt?.toISOString() ?? null,
    extra_attrs: !isIndex && a.platforms[0] ? platformOf(a.platforms[0]) : {},
    tags: withTag ? a.tags.map((t) => toHarborTag(t, repo.id)) : null,
  };
}

export function toHarborArtifact(a: ArtifactDetail, repositoryId: number, withTag: boolean): HarborArtifact {
  return {
    type: a.isIndex ? "INDEX" : "IMAGE",
    media_type: a.mediaType,
    manifest_media_type: a.mediaType,
    artifact_type: a.artifactType,
    project_id: a.projectId,
    repository_id: repositoryId,
    repository_name: a.repository,
    digest: a.digest,
    size: Number(a.totalSize),
    push_time: a.pushedAt.toISOString(),
    pull_time: a.pulledAt?.toISOString() ?? null,
    extra_attrs: {
      ...platformOf(a),
      ...(a.author ? { author: a.author } : {}),
      ...(a.created ? { created: a.created.toISOString() } : {}),
    },
    annotations: a.annotations,
    references: a.children.map((c) => ({ child_digest: c.digest, platform: platformOf(c) })),
    tags: withTag ? a.tags.rows.map((t) => toHarborTag(t, repositoryId)) : null,
  };
}

export type HarborBuildHistoryEntry = { created: string; created_by: string; empty_layer?: boolean; comment?: string };

export function toHarborBuildHistory(history: ArtifactDetail["history"]): HarborBuildHistoryEntry[] {
  return history.map((h) => ({
    created: h.created ?? "",
    created_by: h.createdBy ?? "",
    ...(h.emptyLayer ? { empty_layer: true } : {}),
    ...(h.comment ? { comment: h.comment } : {}),
  }));
}

export type HarborSearch = {
  project: HarborProject[];
  repository: { project_id: number; project_name: string; project_public: boolean; repository_name: string; pull_count: number; artifact_count: number }[];
};

export function toHarborSearch(r: SearchResult): HarborSearch {
  return {
    project: r.projects.map(toHarborProject),
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
