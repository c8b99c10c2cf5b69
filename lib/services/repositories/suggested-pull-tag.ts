import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { resolveRepository } from "@/lib/services/repositories/repository-access";

export type TagCandidate = { name: string; pushedAt: Date };

/**
 * The tag a repository page suggests pulling: `latest` when the repository has it (what `docker
 * pull <repo>` takes anyway), else the most recently pushed tag (ties: the higher id, i.e. the one
 * written last, comes first in `candidates`). null when nothing is tagged.
 */
export function chooseSuggestedTag(candidates: readonly TagCandidate[]): string | null {
  if (candidates.some((c) => c.name === "latest")) return "latest";
  let best: TagCandidate | null = null;
  for (const c of candidates) if (!best || c.pushedAt.getTime() > best.pushedAt.getTime()) best = c;
  return best?.name ?? null;
}

/**
 * The suggested pull tag of a repository (see chooseSuggestedTag). Signature and SBOM tags
 * (`sha256-….sig`, tags on an accessory) are never suggested: pulling one gets no image. Two
 * indexed reads: (repository_id, name) for `latest`, and the newest tag. Gated on repository:list.
 */
export async function suggestedPullTag({ actor, repository, projectId }: { actor: Actor; repository: string; projectId?: number }): Promise<string | null> {
  // The gate of the page it is shown on (getRepository): the tag names are in its list anyway, and
  // an auditor (who reads but never pulls) would otherwise leave a refusal row on every visit.
  const { repo } = await resolveRepository(actor, repository, "repository:list", { projectId });
  const onImages = { repositoryId: repo.id, artifact: { subjectDigest: null, accessoryType: null } };
  const [latest, newest] = await Promise.all([
    db.tag.findFirst({ where: { ...onImages, name: "latest" }, select: { name: true, pushedAt: true } }),
    db.tag.findFirst({ where: onImages, orderBy: [{ pushedAt: "desc" }, { id: "desc" }], select: { name: true, pushedAt: true } }),
  ]);
  return chooseSuggestedTag([latest, newest].filter((t): t is TagCandidate => t !== null));
}
