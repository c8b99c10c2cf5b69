import "server-only";
import { systemActor } from "@/lib/auth/actor";
import type { DbTransaction } from "@/lib/db/client";
import { ConflictError } from "@/lib/errors";
import { DOCKER_CONTAINER_CONFIG, isImageManifestMediaType, isIndexMediaType, OCI_IMAGE_CONFIG } from "@/lib/oci/media-types";
import { VULN_REPORT_MIME } from "@/lib/scan/adapter/mime";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import type { ArtifactEventConsumer, ArtifactEventRecord } from "@/lib/services/events/artifact-events";
import { registerArtifactEventConsumer } from "@/lib/services/events/consumers";
import { artifactName } from "@/lib/services/repositories/record-registry-traffic";
import { queueArtifactScan } from "@/lib/services/scan/artifact-scans";
import { scannerIdForProject } from "@/lib/services/scan/scanners";

/**
 * Scan on push (Harbor's project metadata `auto_scan`): a consumer of the artifact events outbox
 * (lib/services/events), so it runs off the push's request path and sees every push exactly once,
 * in the transaction that moves its cursor. For each `artifact_pushed` event in a project with
 * auto scan on, a vulnerability scan by the project's scanner (none enabled: nothing) is queued
 * with queueArtifactScan, trigger "push", and one `artifact.scan` row by `system:scan-on-push`
 * names the scans. An image is scanned itself; an image index child by child (as the manual scan).
 *
 * Nothing is queued twice: a digest whose scan by that scanner is still queued or running is left
 * to it (queueArtifactScan's 409), and one already scanned successfully from the same repository is
 * not scanned again for a new tag or a re-push of the same manifest (nor when an index arrives
 * after its children, each already scanned on its own push). Signatures, SBOMs and other
 * non-image artifacts are not scanned; nor are artifacts deleted again before the event is read.
 */

const ACTOR = systemActor("scan-on-push");
const MAX_INDEX_CHILDREN = 256;

type Manifest = { digest: string; mediaType: string; artifactType: string | null; accessoryType: string | null };

function isImage(m: Manifest): boolean {
  const imageConfig = m.artifactType === null || m.artifactType === OCI_IMAGE_CONFIG || m.artifactType === DOCKER_CONTAINER_CONFIG;
  return imageConfig && m.accessoryType === null && isImageManifestMediaType(m.mediaType);
}

export async function handleScanOnPushEvents(events: ArtifactEventRecord[], tx: DbTransaction): Promise<void> {
  const pushed = events.filter((e) => e.kind === "artifact_pushed");
  if (pushed.length === 0) return;
  const projects = await tx.project.findMany({
    where: { id: { in: [...new Set(pushed.map((e) => e.projectId))] }, autoScan: true },
    select: { id: true },
  });
  if (projects.length === 0) return;
  const scannerOf = new Map<number, number | null>();
  for (const { id } of projects) scannerOf.set(id, await scannerIdForProject(id));

  for (const event of pushed) {
    const scannerId = scannerOf.get(event.projectId);
    if (scannerId === undefined || scannerId === null) continue;
    const artifact = await tx.artifact.findFirst({
      where: { digest: event.digest, repository: { name: event.repository, projectId: event.projectId } },
      select: { id: true, digest: true, mediaType: true, artifactType: true, accessoryType: true },
    });
    if (!artifact) continue;
    const targets: Manifest[] = isIndexMediaType(artifact.mediaType)
      ? (
          await tx.artifactReference.findMany({
            where: { parentId: artifact.id, child: { isNot: null } },
            select: { child: { select: { digest: true, mediaType: true, artifactType: true, accessoryType: true } } },
            orderBy: { position: "asc" },
            take: MAX_INDEX_CHILDREN,
          })
        ).flatMap(({ child }) => (child && isImage(child) ? [child] : []))
      : isImage(artifact)
        ? [artifact]
        : [];
    if (targets.length === 0) continue;
    const scanned = await tx.scanReport.findMany({
      where: { artifactDigest: { in: targets.map((t) => t.digest) }, scannerId, mimeType: VULN_REPORT_MIME, repository: event.repository, status: "succeeded" },
      select: { artifactDigest: true },
    });
    const done = new Set(scanned.map((r) => r.artifactDigest));
    const scans: { digest: string; reportId: number; runId: number }[] = [];
    for (const target of targets) {
      if (done.has(target.digest)) continue;
      try {
        const tag = target.digest === event.digest ? (event.tag ?? undefined) : undefined;
        const queued = await queueArtifactScan(tx, { repository: event.repository, digest: target.digest, scannerId, tag, artifactMimeType: target.mediaType }, "push");
        scans.push({ digest: target.digest, ...queued });
      } catch (error) {
        // Still being scanned (an earlier push, a manual scan): that scan stands.
        if (!(error instanceof ConflictError)) throw error;
      }
    }
    if (scans.length === 0) continue;
    const scanner = await tx.scanner.findUniqueOrThrow({ where: { id: scannerId }, select: { name: true } });
    await recordAuditEvent(tx, {
      actor: ACTOR,
      action: "artifact.scan",
      resource: { type: "artifact", name: artifactName(event.repository, event.tag ?? event.digest) },
      projectId: event.projectId,
      detail: { digest: event.digest, scanner: scanner.name, scanType: "vulnerability", trigger: "push", pushedBy: event.actorName, scans },
    });
  }
}

export const SCAN_ON_PUSH_CONSUMER: ArtifactEventConsumer = { name: "scan-on-push", handle: handleScanOnPushEvents };

// Registered when this module loads (the drain job's handler imports it), once per process.
registerArtifactEventConsumer(SCAN_ON_PUSH_CONSUMER);
