import "server-only";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { ProjectPermission } from "@/lib/services/authz/project-roles";
import { PULL_POLICY_SELECT, type PullPolicyRow } from "@/lib/services/pull-policy/settings";

/** A project as lists and pages show it. `permissions` are the viewer's, for hiding controls. */
export type ProjectSummary = {
  id: number;
  name: string;
  isPublic: boolean;
  /** Harbor's `auto_scan`: images pushed are scanned by the project's scanner. */
  autoScan: boolean;
  /** The pull policy (lib/services/pull-policy) and the project's own CVE allowlist, for Harbor's metadata. */
  pullPolicy: PullPolicyRow;
  ownerId: number | null;
  ownerName: string | null;
  createdAt: Date;
  updatedAt: Date;
  repositoryCount: number;
  memberCount: number;
  /** The project's own IP allowlist (lib/services/ip-allowlist/project-address-rule.ts); empty: none. */
  ipAllowlist: string[];
  /** Bytes; -1 unlimited. */
  storageLimit: bigint;
  /** Bytes of the distinct blobs the project's artifacts reference. */
  storageUsed: bigint;
  /** The viewer's member role (Harbor role id), if they are a member. */
  viewerRoleId: number | null;
  /** A proxy-cache project's upstream registry endpoint (lib/services/proxy-cache); null for an ordinary project. */
  proxy: { registryId: number; registryName: string; registryUrl: string; registryType: string; cacheDays: number } | null;
};

export type ProjectDetail = ProjectSummary & { viewerPermissions: ProjectPermission[] };

export const PROJECT_SELECT = {
  id: true,
  name: true,
  isPublic: true,
  autoScan: true,
  ...PULL_POLICY_SELECT,
  createdAt: true,
  updatedAt: true,
  storageLimit: true,
  storageUsed: true,
  ipAllowlist: true,
  proxyCacheDays: true,
  proxyRegistry: { select: { id: true, name: true, url: true, type: true } },
  owner: { select: { id: true, username: true } },
  _count: { select: { repositories: true, members: true } },
} as const;

type ProjectRow = Prisma.ProjectGetPayload<{ select: typeof PROJECT_SELECT }>;

export function toProjectSummary(row: ProjectRow, viewerRoleId: number | null): ProjectSummary {
  return {
    id: row.id,
    name: row.name,
    isPublic: row.isPublic,
    autoScan: row.autoScan,
    pullPolicy: {
      preventVulnerable: row.preventVulnerable,
      vulnerabilitySeverity: row.vulnerabilitySeverity,
      refuseUnscanned: row.refuseUnscanned,
      requireSignature: row.requireSignature,
      reuseSystemCveAllowlist: row.reuseSystemCveAllowlist,
      cveAllowlist: row.cveAllowlist,
    } satisfies PullPolicyRow,
    ownerId: row.owner?.id ?? null,
    ownerName: row.owner?.username ?? null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    repositoryCount: row._count.repositories,
    memberCount: row._count.members,
    storageLimit: row.storageLimit,
    storageUsed: row.storageUsed,
    ipAllowlist: row.ipAllowlist,
    viewerRoleId,
    proxy: row.proxyRegistry
      ? { registryId: row.proxyRegistry.id, registryName: row.proxyRegistry.name, registryUrl: row.proxyRegistry.url, registryType: row.proxyRegistry.type, cacheDays: row.proxyCacheDays }
      : null,
  };
}
