import "server-only";
import { hotPathQuery } from "@/lib/db/hot-path";
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

/**
 * Both reads run before every push goes on (an upload's start, a manifest PUT), so through the
 * hot-path pool (lib/db/hot-path.ts says why). The manifest's read also answers, in the same round
 * trip, which of its blobs the project references already (only when it has a limit to check).
 */
const READ_QUOTA = {
  name: "wharf_read_project_quota",
  text: "SELECT name, storage_limit::text, storage_used::text FROM projects WHERE id = $1",
};
const READ_QUOTA_AND_KNOWN_BLOBS = {
  name: "wharf_read_project_quota_known_blobs",
  text: `SELECT p.name, p.storage_limit::text, p.storage_used::text,
                CASE WHEN p.storage_limit < 0 THEN '{}'::text[]
                     ELSE ARRAY(SELECT b.digest FROM project_blobs b WHERE b.project_id = p.id AND b.digest = ANY($2::text[])) END AS known
         FROM projects p WHERE p.id = $1`,
};

type QuotaRowText = { name: string; storage_limit: string; storage_used: string };

function quotaOf(row: QuotaRowText): ProjectQuotaRow {
  return { name: row.name, storage_limit: BigInt(row.storage_limit), storage_used: BigInt(row.storage_used) };
}

async function projectQuota(projectId: number): Promise<ProjectQuotaRow | null> {
  const [row] = await hotPathQuery<QuotaRowText>(READ_QUOTA, [projectId]);
  return row ? quotaOf(row) : null;
}

/**
 * Whether a manifest referencing `blobs` (its own bytes, config, layers) may be pushed into the
 * project: the blobs the project does not reference yet are what the push adds.
 */
export async function manifestPushQuotaDecision({ projectId, blobs }: { projectId: number; blobs: BlobRef[] }): Promise<QuotaDecision> {
  const [row] = await hotPathQuery<QuotaRowText & { known: string[] }>(READ_QUOTA_AND_KNOWN_BLOBS, [projectId, blobs.map((b) => b.digest)]);
  if (!row) return ALLOWED;
  const quota = quotaOf(row);
  if (quota.storage_limit < 0n) return ALLOWED;
  const have = new Set(row.known);
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
