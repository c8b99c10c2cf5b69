import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { getServerEnv } from "@/lib/env";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { isDigest } from "@/lib/oci/digest";
import { queueReadAuditEvent, recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import type { AuditOperation } from "@/lib/services/audit/audit-actions";
import { prepareManifest, removeManifest, writeArtifact, type PreparedManifest, type PushedManifest } from "@/lib/services/repositories/index-manifest";
import { notePull } from "@/lib/services/repositories/pull-times";
import { noteWebhookPull } from "@/lib/services/webhooks/pulls";

/**
 * What the /v2 gateway records about traffic it let through, after the backing registry accepted
 * it (in-band, as Harbor does: Distribution's own notifications are lost when it restarts). The gateway has already authorized the request;
 * these only write Postgres.
 */
export type ArtifactEvent = {
  actor: Actor;
  projectId: number;
  /** Full repository name, e.g. library/nginx. */
  repository: string;
  /** The tag or digest the client used. */
  reference: string;
  /** The manifest's digest as the registry reported it (null when it did not say). */
  digest: string | null;
  mediaType: string | null;
};

/** `library/nginx:1.25` for a tag, `library/nginx@sha256:…` for a digest. */
export function artifactName(repository: string, reference: string): string {
  return isDigest(reference) ? `${repository}@${reference}` : `${repository}:${reference}`;
}

/**
 * What the index needs about a manifest being pushed (its config, or its children), read from the
 * registry: they are there before the manifest PUT (the registry refuses a manifest whose blobs or
 * children are missing), so the gateway starts this while the registry stores the manifest rather
 * than after. Never rejects: what cannot be read is indexed without it (prepareManifest).
 */
export function prepareManifestPush(repository: string, reference: string, manifest: PushedManifest): Promise<PreparedManifest> {
  const tag = isDigest(reference) ? null : reference;
  return prepareManifest({ registry: getBackingRegistry(), repository, manifest, tag, localStorageDir: getServerEnv().WHARF_REGISTRY_STORAGE_DIR });
}

/**
 * A manifest PUT succeeded: the repository joins Wharf's index (created on its first push), the
 * artifact, its children, accessory link and tag are indexed, with one `artifact_pushed` event and
 * one `artifact.push` row, all in one transaction (writeArtifact). The registry reads the index
 * needs (config blob, child manifests) happen first, with no transaction open, or were started
 * while the registry stored it (`prepared`, from prepareManifestPush).
 */
export async function recordManifestPush(event: ArtifactEvent & { manifest: PushedManifest; prepared?: Promise<PreparedManifest> }): Promise<void> {
  const tag = isDigest(event.reference) ? null : event.reference;
  const prepared = await (event.prepared ?? prepareManifestPush(event.repository, event.reference, event.manifest));
  await writeArtifact({
    actor: event.actor,
    projectId: event.projectId,
    repository: event.repository,
    prepared,
    tag,
    audit: artifactAudit("artifact.push", event),
  });
}

/**
 * A manifest GET succeeded (HEADs are existence checks and are not recorded, as in Harbor). Its
 * audit row is queued (written within a second, after the answer), pull time and count batched
 * (pull-times.ts): a pull changes nothing, so no transaction is waited for.
 */
export async function recordManifestPull(event: ArtifactEvent): Promise<void> {
  // A read: its row is queued and written after the answer (queueReadAuditEvent says why).
  queueReadAuditEvent(artifactAudit("artifact.pull", event));
  noteWebhookPull(event);
  if (event.digest) {
    notePull({ repository: event.repository, digest: event.digest, tag: isDigest(event.reference) ? null : event.reference });
  }
}

/**
 * A manifest DELETE succeeded (Distribution removes every tag on that digest): the artifact and
 * its tags leave the index, with an `artifact_deleted` event, in the transaction of the
 * `artifact.delete` row.
 */
export async function recordManifestDelete(event: ArtifactEvent): Promise<void> {
  await db.$transaction(async (tx) => {
    if (event.digest && isDigest(event.digest)) await removeManifest(tx, { repository: event.repository, digest: event.digest, actor: event.actor });
    await recordAuditEvent(tx, artifactAudit("artifact.delete", event));
  });
}

/** A blob DELETE succeeded: the repository's link to the blob is gone. */
export async function recordBlobDelete(event: Omit<ArtifactEvent, "mediaType" | "reference"> & { digest: string }): Promise<void> {
  await recordAuditEvent(db, {
    actor: event.actor,
    action: "blob.delete",
    resource: { type: "blob", name: `${event.repository}@${event.digest}` },
    projectId: event.projectId,
    detail: { digest: event.digest },
  });
}

function artifactAudit(action: AuditOperation, event: ArtifactEvent) {
  return {
    actor: event.actor,
    action,
    resource: { type: "artifact", name: artifactName(event.repository, event.reference) },
    projectId: event.projectId,
    detail: { digest: event.digest, mediaType: event.mediaType },
  };
}
