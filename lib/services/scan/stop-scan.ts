import "server-only";
import { z } from "zod";
import { type Actor, actorName } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ConflictError, NotFoundError, ValidationError } from "@/lib/errors";
import { isDigest } from "@/lib/oci/digest";
import { isIndexMediaType } from "@/lib/oci/media-types";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { artifactName } from "@/lib/services/repositories/record-registry-traffic";
import { resolveRepository } from "@/lib/services/repositories/repository-access";
import { REPORT_MIME_OF, stopScanReports } from "@/lib/services/scan/artifact-scans";

/**
 * Harbor's POST …/artifacts/{reference}/scan/stop and GET …/scan/{report_id}/log.
 *
 * Stop: whoever may start a scan may stop it (`scan:stop`: Project Admins, Maintainers,
 * administrators). The artifact's scans of that type still queued or running are stopped (an index:
 * its children's), whichever scanner runs them: a queued one ends at once, a running one within a
 * second (artifact-scans.ts stopScanReports). One `artifact.scan.stop` row in the same transaction;
 * 404 when the artifact or any scan of it is unknown, 409 when none is queued or running.
 */
export const ZStopArtifactScan = z.object({ scanType: z.enum(["vulnerability", "sbom"]).default("vulnerability") });

const MAX_INDEX_CHILDREN = 256;

async function resolveDigests(repoId: number, reference: string): Promise<{ digest: string; digests: string[] } | null> {
  const artifact = isDigest(reference)
    ? await db.artifact.findUnique({ where: { repositoryId_digest: { repositoryId: repoId, digest: reference } }, select: { id: true, digest: true, mediaType: true } })
    : (await db.tag.findUnique({ where: { repositoryId_name: { repositoryId: repoId, name: reference } }, select: { artifact: { select: { id: true, digest: true, mediaType: true } } } }))?.artifact;
  if (!artifact) return null;
  if (!isIndexMediaType(artifact.mediaType)) return { digest: artifact.digest, digests: [artifact.digest] };
  // An index is scanned child by child (manual-scan.ts): its children's scans are its own.
  const refs = await db.artifactReference.findMany({ where: { parentId: artifact.id }, select: { childDigest: true }, orderBy: { position: "asc" }, take: MAX_INDEX_CHILDREN });
  return { digest: artifact.digest, digests: [artifact.digest, ...refs.map((r) => r.childDigest)] };
}

export async function stopArtifactScan({
  actor,
  projectId,
  repository,
  reference,
  input,
}: {
  actor: Actor;
  projectId?: number;
  repository: string;
  reference: string;
  input?: unknown;
}): Promise<{ digest: string; stopped: number; running: number }> {
  const parsed = ZStopArtifactScan.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError("scanType: must be vulnerability or sbom", { scanType: ["Must be vulnerability or sbom."] });
  const { scanType } = parsed.data;
  const name = artifactName(repository, reference);
  const { project, repo } = await resolveRepository(actor, repository, "scan:stop", { projectId, resource: { type: "artifact", name }, operation: "artifact.scan.stop" });
  const resolved = await resolveDigests(repo.id, reference);
  if (!resolved) throw new NotFoundError(`Artifact ${name} not found.`);
  const mimeType = REPORT_MIME_OF[scanType];
  const reports = await db.scanReport.findMany({ where: { artifactDigest: { in: resolved.digests }, repository: repo.name, mimeType }, select: { id: true } });
  if (reports.length === 0) throw new NotFoundError(`${name} has no ${scanType} scan to stop.`);
  return db.$transaction(async (tx) => {
    const { queued, running } = await stopScanReports(
      tx,
      reports.map((r) => r.id),
      actorName(actor).slice(0, 200),
    );
    if (queued + running === 0) throw new ConflictError(`No ${scanType} scan of ${name} is queued or running.`);
    await recordAuditEvent(tx, {
      actor,
      action: "artifact.scan.stop",
      resource: { type: "artifact", name },
      projectId: project.id,
      detail: { digest: resolved.digest, scanType, queued, running },
    });
    return { digest: resolved.digest, stopped: queued, running };
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The log of one of the artifact's scan reports (Harbor's report_id is the report's uuid), for
 * those who may read its scans (`scan:read`). A report of another artifact or repository is a 404.
 */
export async function artifactScanLog({
  actor,
  projectId,
  repository,
  reference,
  reportId,
}: {
  actor: Actor;
  projectId?: number;
  repository: string;
  reference: string;
  reportId: string;
}): Promise<string> {
  const name = artifactName(repository, reference);
  const { repo } = await resolveRepository(actor, repository, "scan:read", { projectId, resource: { type: "artifact", name } });
  const resolved = await resolveDigests(repo.id, reference);
  if (!resolved) throw new NotFoundError(`Artifact ${name} not found.`);
  if (!UUID.test(reportId)) throw new NotFoundError(`Scan report ${reportId.slice(0, 64)} of ${name} not found.`);
  const report = await db.scanReport.findFirst({ where: { uuid: reportId.toLowerCase(), artifactDigest: { in: resolved.digests }, repository: repo.name }, select: { log: true } });
  if (!report) throw new NotFoundError(`Scan report ${reportId} of ${name} not found.`);
  return report.log;
}

/**
 * Which scan types of the artifact (an index: of its child images) are queued or running now, for
 * the artifact page's Stop buttons (`scan:read`; the stop itself checks `scan:stop`).
 */
export async function artifactScansInProgress({ actor, projectId, repository, digest }: { actor: Actor; projectId?: number; repository: string; digest: string }): Promise<("vulnerability" | "sbom")[]> {
  const { repo } = await resolveRepository(actor, repository, "scan:read", { projectId, resource: { type: "artifact", name: artifactName(repository, digest) } });
  const resolved = await resolveDigests(repo.id, digest);
  if (!resolved) return [];
  const rows = await db.scanReport.findMany({ where: { artifactDigest: { in: resolved.digests }, repository: repo.name, status: { in: ["queued", "running"] } }, select: { mimeType: true } });
  return (["vulnerability", "sbom"] as const).filter((type) => rows.some((r) => r.mimeType === REPORT_MIME_OF[type]));
}
