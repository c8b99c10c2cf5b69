import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { DOCKER_CONTAINER_CONFIG, isImageManifestMediaType, isIndexMediaType, OCI_IMAGE_CONFIG } from "@/lib/oci/media-types";
import { isDigest } from "@/lib/oci/digest";
import { VULNERABILITY_REPORT_MIMES } from "@/lib/scan/adapter/mime";
import { pullPolicyActive, pullPolicyFor, type ProjectPullPolicy } from "@/lib/services/pull-policy/settings";
import { SCANNER_SUBJECT_PREFIX } from "@/lib/services/registry-auth/scanner-grant";
import type { PullPolicySeverity } from "@/lib/validation/pull-policy";

/**
 * Whether a manifest GET may be served under the project's pull policy (Harbor's deployment
 * security). Decided from Wharf's index and the stored scan reports, never from the registry:
 *
 * - only signed: the artifact, or the index it belongs to, has a signature accessory (a cosign
 *   `.sig` tag or an OCI referrer classified as a signature, notation's included);
 * - refuse unscanned: an image (or every image of an index) has a succeeded vulnerability report;
 * - prevent vulnerable: no image's newest succeeded report lists a vulnerability at the project's
 *   severity or higher, leaving out those whose id or an alias is on the allowlist in force.
 *
 * Accessories themselves (signatures, SBOMs) and what the index does not know are served: the
 * policy is about what runs. A scanner's own pulls are exempt, or nothing could ever be scanned.
 */
export type PullDecision = { allowed: true } | { allowed: false; message: string; reason: string };

const ALLOWED: PullDecision = { allowed: true };

/** Harbor's severity words, lowest first, as reports spell them. */
const REPORT_SEVERITIES = ["Unknown", "Negligible", "Low", "Medium", "High", "Critical"] as const;
const THRESHOLD_RANK: Record<PullPolicySeverity, number> = { low: 2, medium: 3, high: 4, critical: 5 };
const LABEL: Record<PullPolicySeverity, string> = { low: "Low", medium: "Medium", high: "High", critical: "Critical" };

export function isScannerActor(actor: Actor): boolean {
  return actor.kind === "system" && actor.name.startsWith(SCANNER_SUBJECT_PREFIX);
}

export async function pullPolicyDecision({
  actor,
  projectId,
  repository,
  reference,
  now = new Date(),
}: {
  actor: Actor;
  projectId: number;
  repository: string;
  reference: string;
  now?: Date;
}): Promise<PullDecision> {
  const policy = await pullPolicyFor(projectId, now);
  if (!pullPolicyActive(policy) || isScannerActor(actor)) return ALLOWED;
  return decide(policy, repository, reference);
}

async function decide(policy: ProjectPullPolicy, repository: string, reference: string): Promise<PullDecision> {
  const artifact = await findArtifact(repository, reference);
  // Unknown to the index (not pushed through Wharf yet, or not there): the registry answers.
  if (!artifact || artifact.subjectDigest !== null) return ALLOWED;
  const name = `${repository}${isDigest(reference) ? "@" : ":"}${reference}`;

  if (policy.requireSignature && !(await isSigned(artifact))) {
    return {
      allowed: false,
      message: `The image ${name} is not signed and cannot be pulled: project policy allows signed images only (sign it with cosign or notation, or ask a project administrator).`,
      reason: "not signed (project policy: only signed images)",
    };
  }

  const images = imageDigests(artifact);
  if (images.length === 0) return ALLOWED;
  const reports = await newestReports(images);
  if (policy.refuseUnscanned) {
    const unscanned = images.filter((digest) => !reports.has(digest));
    if (unscanned.length > 0) {
      return {
        allowed: false,
        message: `The image ${name} has not been scanned for vulnerabilities and cannot be pulled: project policy refuses unscanned images (scan it first).`,
        reason: `not scanned: ${unscanned.join(", ")} (project policy: refuse unscanned images)`,
      };
    }
  }
  if (!policy.preventVulnerable || reports.size === 0) return ALLOWED;

  const threshold = THRESHOLD_RANK[policy.severity];
  const counted = await vulnerabilitiesAtOrAbove([...reports.values()], threshold, policy.allowlist);
  if (counted.total === 0) return ALLOWED;
  const highest = REPORT_SEVERITIES[counted.highestRank];
  const rule = `Prevent images with vulnerability severity of "${LABEL[policy.severity]}" or higher from running`;
  return {
    allowed: false,
    message: `The image ${name} has ${counted.total} vulnerabilit${counted.total === 1 ? "y" : "ies"} of severity ${LABEL[policy.severity]} or higher (highest: ${highest}) and cannot be pulled under the project policy '${rule}'. To pull it, a project administrator can allowlist these vulnerabilities: ${counted.sample.join(", ")}${counted.total > counted.sample.length ? ", …" : ""}.`,
    reason: `${counted.total} vulnerabilities of severity ${LABEL[policy.severity]} or higher, highest ${highest} (project policy: ${rule})`,
  };
}

type IndexedArtifact = {
  id: number;
  digest: string;
  mediaType: string;
  artifactType: string | null;
  subjectDigest: string | null;
  repositoryId: number;
  children: { childDigest: string; child: { mediaType: string; artifactType: string | null } | null }[];
  parents: { parent: { id: number; digest: string } }[];
};

const ARTIFACT_SELECT = {
  id: true,
  digest: true,
  mediaType: true,
  artifactType: true,
  subjectDigest: true,
  repositoryId: true,
  children: { select: { childDigest: true, child: { select: { mediaType: true, artifactType: true } } } },
  parents: { select: { parent: { select: { id: true, digest: true } } } },
} as const;

async function findArtifact(repository: string, reference: string): Promise<IndexedArtifact | null> {
  if (isDigest(reference)) return db.artifact.findFirst({ where: { digest: reference, repository: { name: repository } }, select: ARTIFACT_SELECT });
  const tag = await db.tag.findFirst({ where: { name: reference, repository: { name: repository } }, select: { artifact: { select: ARTIFACT_SELECT } } });
  return tag?.artifact ?? null;
}

function isImageType(mediaType: string, artifactType: string | null): boolean {
  const imageConfig = artifactType === null || artifactType === OCI_IMAGE_CONFIG || artifactType === DOCKER_CONTAINER_CONFIG;
  return imageConfig && isImageManifestMediaType(mediaType);
}

/** The images a pull of `artifact` runs: itself, or an index's image children. */
function imageDigests(artifact: IndexedArtifact): string[] {
  if (isIndexMediaType(artifact.mediaType)) {
    return artifact.children.filter((c) => c.child === null || isImageType(c.child.mediaType, c.child.artifactType)).map((c) => c.childDigest);
  }
  return isImageType(artifact.mediaType, artifact.artifactType) ? [artifact.digest] : [];
}

/** A signature on the artifact itself or on an index that holds it (cosign signs the index). */
async function isSigned(artifact: IndexedArtifact): Promise<boolean> {
  const subjects = [artifact.digest, ...artifact.parents.map((p) => p.parent.digest)];
  const signature = await db.artifact.findFirst({
    where: { repositoryId: artifact.repositoryId, subjectDigest: { in: subjects }, accessoryType: "signature" },
    select: { id: true },
  });
  return signature !== null;
}

/** The newest succeeded vulnerability report per image digest, by any scanner. */
async function newestReports(digests: string[]): Promise<Map<string, number>> {
  const rows = await db.$queryRaw<{ artifact_digest: string; id: number }[]>(Prisma.sql`
    SELECT DISTINCT ON (artifact_digest) artifact_digest, id
    FROM scan_reports
    WHERE artifact_digest = ANY(${digests}::text[]) AND status = 'succeeded' AND mime_type = ANY(${[...VULNERABILITY_REPORT_MIMES]}::text[])
    ORDER BY artifact_digest, ended_at DESC NULLS LAST, id DESC`);
  return new Map(rows.map((r) => [r.artifact_digest, r.id]));
}

/**
 * The vulnerabilities of those reports at `threshold` or higher that the allowlist leaves in, by
 * id (one CVE in two images counts once): how many, the highest rank, and a few ids to name.
 */
async function vulnerabilitiesAtOrAbove(reportIds: number[], threshold: number, allowlist: ReadonlySet<string>): Promise<{ total: number; highestRank: number; sample: string[] }> {
  const severities = REPORT_SEVERITIES.slice(threshold);
  const rows = await db.$queryRaw<{ id: string | null; severity: string; aliases: unknown }[]>(Prisma.sql`
    SELECT v->>'id' AS id, v->>'severity' AS severity, v->'vendor_attributes'->'aliases' AS aliases
    FROM scan_reports r, jsonb_array_elements(CASE WHEN jsonb_typeof(r.report->'vulnerabilities') = 'array' THEN r.report->'vulnerabilities' ELSE '[]'::jsonb END) v
    WHERE r.id = ANY(${reportIds}::int[]) AND v->>'severity' = ANY(${[...severities]}::text[])`);
  const counted = new Map<string, number>();
  for (const row of rows) {
    const id = row.id ?? "(no id)";
    const aliases = Array.isArray(row.aliases) ? row.aliases.filter((a): a is string => typeof a === "string") : [];
    if ([id, ...aliases].some((x) => allowlist.has(x.toUpperCase()))) continue;
    const rank = REPORT_SEVERITIES.indexOf(row.severity as (typeof REPORT_SEVERITIES)[number]);
    counted.set(id, Math.max(counted.get(id) ?? 0, rank));
  }
  const ranked = [...counted.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { total: ranked.length, highestRank: ranked[0]?.[1] ?? 0, sample: ranked.slice(0, 5).map(([id]) => id) };
}
