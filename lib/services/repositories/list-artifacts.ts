import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { containsText } from "@/lib/services/contains-text";
import { labelsOfArtifacts } from "@/lib/services/labels/artifact-labels";
import type { LabelView } from "@/lib/services/labels/labels";
import { type Page, skipTake } from "@/lib/services/pagination";
import { resolveRepository } from "@/lib/services/repositories/repository-access";

/** Tags shown per artifact row; the row says how many there are in all. */
export const TAGS_PER_ROW = 5;
/** Platforms shown per index row (an index rarely lists more). */
export const PLATFORMS_PER_ROW = 12;

export type Platform = { os: string | null; architecture: string | null; variant: string | null };

export type ArtifactListRow = {
  id: number;
  digest: string;
  mediaType: string;
  artifactType: string | null;
  totalSize: bigint;
  pushedAt: Date;
  pulledAt: Date | null;
  tags: { id: number; name: string; pushedAt: Date; pulledAt: Date | null }[];
  /** The manifest's annotations as stored (JSON). */
  annotations: unknown;
  /** An index's children (digest, the child's artifact id when indexed, platform), in order. */
  references: { childDigest: string; childId: number | null; os: string | null; architecture: string | null; variant: string | null }[];
  tagCount: number;
  /** An index's children platforms; for an image, its own platform (one entry) when known. */
  platforms: Platform[];
  /** Has a signature among its accessories (cosign `.sig` tag or an OCI referrer). */
  signed: boolean;
  /** Has an SBOM among its accessories. */
  sbom: boolean;
  /** Its labels, by name. */
  labels: LabelView[];
};

export type ArtifactFilter = {
  tagged?: "all" | "tagged" | "untagged";
  tag?: string | undefined;
  /** Only artifacts carrying every one of these labels (Harbor's `q=labels=(1 2)`). */
  labelIds?: readonly number[] | undefined;
};

/**
 * The artifacts Harbor lists for a repository: not accessories (shown under their subject), and
 * not untagged index children (shown under their index). Sorted newest push first on the
 * (repository_id, pushed_at DESC, id DESC) index; one page at a time.
 */
export function listedArtifactsWhere(repositoryId: number, { tagged = "all", tag, labelIds = [] }: ArtifactFilter): Prisma.ArtifactWhereInput {
  const and: Prisma.ArtifactWhereInput[] = [
    { repositoryId, subjectDigest: null },
    { OR: [{ parents: { none: {} } }, { tags: { some: {} } }] },
  ];
  if (tagged === "tagged") and.push({ tags: { some: {} } });
  if (tagged === "untagged") and.push({ tags: { none: {} } });
  if (tag) and.push({ tags: { some: { name: containsText(tag) } } });
  // One EXISTS per label on the (artifact_id, label_id) key: every label must be there.
  for (const labelId of new Set(labelIds)) and.push({ labels: { some: { labelId } } });
  return { AND: and };
}

export async function listArtifacts({
  actor,
  repository,
  projectId,
  filter = {},
  page,
  pageSize,
}: {
  actor: Actor;
  repository: string;
  projectId?: number;
  filter?: ArtifactFilter;
  page: number;
  pageSize: number;
}): Promise<Page<ArtifactListRow>> {
  const { repo } = await resolveRepository(actor, repository, "artifact:list", { projectId });
  const where = listedArtifactsWhere(repo.id, filter);
  const unfiltered = (filter.tagged ?? "all") === "all" && !filter.tag && !filter.labelIds?.length;
  const [rows, total] = await Promise.all([
    db.artifact.findMany({
      where,
      orderBy: [{ pushedAt: "desc" }, { id: "desc" }],
      ...skipTake(page, pageSize),
      select: {
        id: true,
        digest: true,
        mediaType: true,
        artifactType: true,
        totalSize: true,
        pushedAt: true,
        pulledAt: true,
        os: true,
        architecture: true,
        variant: true,
        annotations: true,
        tags: { select: { id: true, name: true, pushedAt: true, pulledAt: true }, orderBy: [{ pushedAt: "desc" }, { id: "desc" }], take: TAGS_PER_ROW },
        children: { select: { childDigest: true, childId: true, os: true, architecture: true, variant: true }, orderBy: { position: "asc" }, take: PLATFORMS_PER_ROW },
      },
    }),
    // The unfiltered total is kept exact on the repository row (no COUNT over 10,000 artifacts).
    unfiltered
      ? db.repository.findUniqueOrThrow({ where: { id: repo.id }, select: { artifactCount: true } }).then((r) => r.artifactCount)
      : db.artifact.count({ where }),
  ]);
  const [{ tagCounts, signed, sbom }, labels] = await Promise.all([countsFor(rows.map((r) => r.id)), labelsOfArtifacts(rows.map((r) => r.id))]);
  return {
    rows: rows.map(({ children, os, architecture, variant, ...a }) => ({
      ...a,
      tagCount: tagCounts.get(a.id) ?? 0,
      signed: signed.has(a.id),
      sbom: sbom.has(a.id),
      labels: labels.get(a.id) ?? [],
      references: children,
      platforms: children.length > 0 ? children.map((c) => ({ os: c.os, architecture: c.architecture, variant: c.variant })) : os || architecture ? [{ os, architecture, variant }] : [],
    })),
    total,
    page,
    pageSize,
  };
}

/**
 * Tag counts, signatures and SBOMs of one page's artifacts. Not Prisma's `_count`: it joins an aggregate
 * over the whole tags (and artifacts) table to every row, and at 10,000 tags with stale planner
 * statistics that took seconds a page. These read only the page's rows, on (artifact_id) and
 * (subject_artifact_id).
 */
async function countsFor(ids: number[]): Promise<{ tagCounts: Map<number, number>; signed: Set<number>; sbom: Set<number> }> {
  if (ids.length === 0) return { tagCounts: new Map(), signed: new Set(), sbom: new Set() };
  const [tags, accessories] = await Promise.all([
    db.tag.groupBy({ by: ["artifactId"], where: { artifactId: { in: ids } }, _count: { _all: true } }),
    db.artifact.findMany({
      where: { subjectArtifactId: { in: ids }, accessoryType: { in: ["signature", "sbom"] } },
      select: { subjectArtifactId: true, accessoryType: true },
      distinct: ["subjectArtifactId", "accessoryType"],
    }),
  ]);
  const subjectsOf = (type: "signature" | "sbom") =>
    new Set(accessories.flatMap((a) => (a.accessoryType === type && a.subjectArtifactId !== null ? [a.subjectArtifactId] : [])));
  return {
    tagCounts: new Map(tags.map((t) => [t.artifactId, t._count._all])),
    signed: subjectsOf("signature"),
    sbom: subjectsOf("sbom"),
  };
}
