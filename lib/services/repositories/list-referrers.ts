import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { NotFoundError } from "@/lib/errors";
import { REGISTRY_ACTION_PERMISSIONS } from "@/lib/services/authz/project-roles";
import { resolveRepository } from "@/lib/services/repositories/repository-access";

/** The most descriptors one referrers answer lists; the rest follow through the Link header. */
export const REFERRERS_PAGE_SIZE = 1000;

/** A descriptor of the referrers index, as the distribution spec (1.1) describes it. */
export type ReferrerDescriptor = {
  mediaType: string;
  digest: string;
  size: number;
  /** The manifest's artifactType, else its config's media type (stored that way by the index). */
  artifactType?: string;
  annotations?: Record<string, string>;
};

export type ReferrersPage = { manifests: ReferrerDescriptor[]; nextLast: string | null };

/**
 * The manifests in `repository` whose `subject` is `digest` (GET /v2/<name>/referrers/<digest>),
 * from Wharf's index: Distribution 2.8 has no referrers API. Accessories known only by cosign's tag
 * convention are not listed (their manifests name no subject; isReferrer). Ordered by digest, at
 * most `n` (at most REFERRERS_PAGE_SIZE) after `last`, with `nextLast` when more remain; filtered by
 * `artifactType` when given.
 *
 * A repository the index does not know has no referrers: the spec answers an empty index, also
 * for a digest that does not exist. The pull check is the gateway's (authorizeRegistryRequest) and
 * is made again here, as every repository read makes it.
 */
export async function listReferrers({
  actor,
  repository,
  digest,
  artifactType,
  n,
  last,
}: {
  actor: Actor;
  repository: string;
  digest: string;
  artifactType: string | null;
  /** The page size asked for; null for the default (REFERRERS_PAGE_SIZE), never more than that. */
  n: number | null;
  /** The digest the previous page ended at. */
  last: string | null;
}): Promise<ReferrersPage> {
  let repositoryId: number;
  try {
    ({ repo: { id: repositoryId } } = await resolveRepository(actor, repository, REGISTRY_ACTION_PERMISSIONS.pull));
  } catch (error) {
    if (error instanceof NotFoundError) return { manifests: [], nextLast: null };
    throw error;
  }
  const size = n === null ? REFERRERS_PAGE_SIZE : Math.min(n, REFERRERS_PAGE_SIZE);
  if (size <= 0) return { manifests: [], nextLast: null };
  // (repository_id, subject_digest) is indexed; the referrers of one digest are few enough to sort.
  const rows = await db.artifact.findMany({
    where: {
      repositoryId,
      subjectDigest: digest,
      isReferrer: true,
      ...(artifactType !== null ? { artifactType } : {}),
      ...(last !== null ? { digest: { gt: last } } : {}),
    },
    orderBy: { digest: "asc" },
    take: size + 1,
    select: { digest: true, mediaType: true, manifestSize: true, artifactType: true, annotations: true },
  });
  const more = rows.length > size;
  const manifests = (more ? rows.slice(0, size) : rows).map((row): ReferrerDescriptor => {
    const annotations = stringRecord(row.annotations);
    return {
      mediaType: row.mediaType,
      digest: row.digest,
      size: row.manifestSize,
      ...(row.artifactType !== null ? { artifactType: row.artifactType } : {}),
      ...(annotations ? { annotations } : {}),
    };
  });
  return { manifests, nextLast: more ? (manifests.at(-1)?.digest ?? null) : null };
}

/** The stored annotations as the manifest had them (a string map), or undefined when there are none. */
function stringRecord(value: unknown): Record<string, string> | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string");
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
