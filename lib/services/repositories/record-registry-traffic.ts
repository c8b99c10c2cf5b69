import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { isDigest } from "@/lib/registry/client";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";

/**
 * What the /v2 gateway records about traffic it let through, after the backing registry accepted
 * it (harbor.md §2.5: Harbor records in-band too). The gateway has already authorized the request;
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
 * A manifest PUT succeeded: the repository joins Wharf's index (created on its first push) and
 * one `artifact.push` row is written, in one transaction.
 */
export async function recordManifestPush(event: ArtifactEvent): Promise<void> {
  const write = () =>
    db.$transaction(async (tx) => {
      await tx.repository.upsert({
        where: { name: event.repository },
        create: { projectId: event.projectId, name: event.repository },
        update: { updatedAt: new Date() },
        select: { id: true },
      });
      await recordAuditEvent(tx, artifactAudit("artifact.push", event));
    });
  try {
    await write();
  } catch (error) {
    // Two first pushes to one repository at once: the loser's insert hits the unique name. Once
    // more finds the row.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") await write();
    else throw error;
  }
}

/** A manifest GET succeeded (HEADs are existence checks and are not recorded, as in Harbor). */
export async function recordManifestPull(event: ArtifactEvent): Promise<void> {
  await recordAuditEvent(db, artifactAudit("artifact.pull", event));
}

/** A manifest DELETE succeeded (Distribution removes every tag on that digest). */
export async function recordManifestDelete(event: ArtifactEvent): Promise<void> {
  await recordAuditEvent(db, artifactAudit("artifact.delete", event));
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

function artifactAudit(action: string, event: ArtifactEvent) {
  return {
    actor: event.actor,
    action,
    resource: { type: "artifact", name: artifactName(event.repository, event.reference) },
    projectId: event.projectId,
    detail: { digest: event.digest, mediaType: event.mediaType },
  };
}
