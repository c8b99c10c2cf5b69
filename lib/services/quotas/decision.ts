import "server-only";
import { db } from "@/lib/db/client";
import { formatBytes } from "@/lib/format/bytes";
import type { BlobRef } from "@/lib/services/repositories/index-manifest";

/**
 * Quota decisions the /v2 gateway asks (lib/gateway/hooks/quota.ts), as plain values. Usage is
 * the bytes of the distinct blobs the project's artifacts reference (projects.storage_used, kept
 * by the artifact_blobs triggers); -1 is unlimited.
 *
 * The check runs before the manifest reaches the registry, with no lock held: two pushes checked
 * at the same moment may both pass and together end a little over the limit (as in Harbor, whose
 * reservation is also best effort); the next push is refused then. Usage itself stays exact.
 */
export type QuotaDecision = { allowed: true } | { allowed: false; message: string; reason: string };

const ALLOWED: QuotaDecision = { allowed: true };

type ProjectQuotaRow = { name: string; storage_limit: bigint; storage_used: bigint };

async function projectQuota(projectId: number): Promise<ProjectQuotaRow | null> {
  const rows = await db.$queryRaw<ProjectQuotaRow[]>`SELECT name, storage_limit, storage_used FROM projects WHERE id = ${projectId}`;
  return rows[0] ?? null;
}

/**
 * Whether a manifest referencing `blobs` (its own bytes, config, layers) may be pushed into the
 * project: the blobs the project does not reference yet are what the push adds.
 */
export async function manifestPushQuotaDecision({ projectId, blobs }: { projectId: number; blobs: BlobRef[] }): Promise<QuotaDecision> {
  const quota = await projectQuota(projectId);
  if (!quota || quota.storage_limit < 0n) return ALLOWED;
  const digests = blobs.map((b) => b.digest);
  const known = await db.$queryRaw<{ digest: string }[]>`
    SELECT digest FROM project_blobs WHERE project_id = ${projectId} AND digest = ANY(${digests}::text[])`;
  const have = new Set(known.map((k) => k.digest));
  const adds = blobs.filter((b) => !have.has(b.digest)).reduce((sum, b) => sum + b.size, 0n);
  if (adds === 0n || quota.storage_used + adds <= quota.storage_limit) return ALLOWED;
  const message =
    `quota exceeded: project ${quota.name} uses ${formatBytes(quota.storage_used)} of its ${formatBytes(quota.storage_limit)} storage limit; ` +
    `this push adds ${formatBytes(adds)}`;
  return {
    allowed: false,
    message,
    reason: `storage quota exceeded: usage ${quota.storage_used} + ${adds} bytes > limit ${quota.storage_limit} bytes`,
  };
}

/** Whether a blob upload may start: refused once the project is over its limit already. */
export async function blobUploadQuotaDecision({ projectId }: { projectId: number }): Promise<QuotaDecision> {
  const quota = await projectQuota(projectId);
  if (!quota || quota.storage_limit < 0n || quota.storage_used <= quota.storage_limit) return ALLOWED;
  return {
    allowed: false,
    message: `quota exceeded: project ${quota.name} uses ${formatBytes(quota.storage_used)}, over its ${formatBytes(quota.storage_limit)} storage limit`,
    reason: `storage quota exceeded: usage ${quota.storage_used} bytes > limit ${quota.storage_limit} bytes`,
  };
}
