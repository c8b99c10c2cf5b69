import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ConflictError, NotFoundError, ValidationError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { isDigest } from "@/lib/oci/digest";
import { formatReference } from "@/lib/oci/reference";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { labelSelect, labelView, type LabelView } from "@/lib/services/labels/labels";
import { resolveRepository } from "@/lib/services/repositories/repository-access";

/**
 * Labels on artifacts (Harbor's `artifact-label:create|delete`: Developers and above, robots
 * granted it). A global label goes on any artifact, a project's only on that project's artifacts.
 * Each add or remove writes one audit row (`artifact.label.add|remove`) in its transaction.
 */

/** Labels shown per artifact (Harbor has no bound; a picker offers at most 500 anyway). */
const LABELS_PER_ARTIFACT = 100;

/**
 * The labels of each of `artifactIds`, by name. No authorization: for services that already
 * checked `artifact:read` or `artifact:list` on these artifacts (the list and detail reads).
 */
export async function labelsOfArtifacts(artifactIds: readonly number[]): Promise<Map<number, LabelView[]>> {
  const out = new Map<number, LabelView[]>();
  if (artifactIds.length === 0) return out;
  const rows = await db.artifactLabel.findMany({
    where: { artifactId: { in: [...artifactIds] } },
    select: { artifactId: true, label: { select: labelSelect } },
    orderBy: [{ label: { name: "asc" } }, { labelId: "asc" }],
  });
  for (const row of rows) {
    const list = out.get(row.artifactId) ?? [];
    if (list.length < LABELS_PER_ARTIFACT) list.push(labelView(row.label));
    out.set(row.artifactId, list);
  }
  return out;
}

type Target = { actor: Actor; repository: string; reference: string; labelId: number; projectId?: number };

async function artifactFor(repositoryId: number, repository: string, reference: string): Promise<{ id: number; digest: string }> {
  const select = { id: true, digest: true } as const;
  const artifact = isDigest(reference)
    ? await db.artifact.findUnique({ where: { repositoryId_digest: { repositoryId, digest: reference } }, select })
    : (await db.tag.findUnique({ where: { repositoryId_name: { repositoryId, name: reference } }, select: { artifact: { select } } }))?.artifact;
  if (!artifact) throw new NotFoundError(`Artifact ${formatReference(repository, reference)} not found.`);
  return artifact;
}

/**
 * Puts a label on an artifact. A label that does not exist is a 404; a project label of another
 * project a 400 (without its name: the other project may be private); a label already on it a
 * 409 (Harbor's answers).
 */
export async function addArtifactLabel({ actor, repository, reference, labelId, projectId }: Target): Promise<LabelView> {
  const { project, repo } = await resolveRepository(actor, repository, "artifact-label:create", {
    projectId,
    resource: { type: "artifact", name: repository },
    operation: "artifact.label.add",
  });
  const artifact = await artifactFor(repo.id, repository, reference);
  const label = await db.label.findUnique({ where: { id: labelId }, select: labelSelect });
  if (!label) throw new NotFoundError(`No label ${labelId}.`);
  if (label.projectId !== null && label.projectId !== project.id) {
    throw new ValidationError(`Label ${labelId} belongs to another project; only global labels and this project's go on its artifacts.`, {
      id: ["Only global labels and this project's labels can be added here"],
    });
  }
  try {
    return await db.$transaction(async (tx) => {
      await tx.artifactLabel.create({ data: { artifactId: artifact.id, labelId: label.id }, select: { labelId: true } });
      await recordAuditEvent(tx, {
        actor,
        action: "artifact.label.add",
        resource: { type: "artifact", id: artifact.id, name: `${repository}@${artifact.digest}` },
        projectId: project.id,
        detail: { labelId: label.id, label: label.name, scope: label.projectId === null ? "g" : "p" },
      });
      return labelView(label);
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new ConflictError(`Label ${label.name} is already on this artifact.`, { id: [`${label.name} is already on this artifact`] });
    }
    throw error;
  }
}

/** Takes a label off an artifact; 404 when it is not on it. */
export async function removeArtifactLabel({ actor, repository, reference, labelId, projectId }: Target): Promise<void> {
  const { project, repo } = await resolveRepository(actor, repository, "artifact-label:delete", {
    projectId,
    resource: { type: "artifact", name: repository },
    operation: "artifact.label.remove",
  });
  const artifact = await artifactFor(repo.id, repository, reference);
  await db.$transaction(async (tx) => {
    const attached = await tx.artifactLabel.findUnique({ where: { artifactId_labelId: { artifactId: artifact.id, labelId } }, select: { label: { select: { name: true, projectId: true } } } });
    if (!attached) throw new NotFoundError(`Label ${labelId} is not on this artifact.`);
    await tx.artifactLabel.delete({ where: { artifactId_labelId: { artifactId: artifact.id, labelId } } });
    await recordAuditEvent(tx, {
      actor,
      action: "artifact.label.remove",
      resource: { type: "artifact", id: artifact.id, name: `${repository}@${artifact.digest}` },
      projectId: project.id,
      detail: { labelId, label: attached.label.name, scope: attached.label.projectId === null ? "g" : "p" },
    });
  });
}
