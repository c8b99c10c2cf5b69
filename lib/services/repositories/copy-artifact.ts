import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { AppError, NotFoundError, ValidationError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { isDigest } from "@/lib/oci/digest";
import { isValidRepositoryName } from "@/lib/oci/reference";
import { copy, CopyRefusedError } from "@/lib/registry/copy";
import { RegistryError, RegistryUnavailableError } from "@/lib/registry/errors";
import { assertProjectPermission, findProjectRef, projectPermissionsFor } from "@/lib/services/authz/project-access";
import { projectIdsReachedByRules, roleRulesOf } from "@/lib/services/authz/role-rules";
import { groupIdsOf, memberFilter } from "@/lib/services/identity/groups";
import { ROLE_PERMISSIONS } from "@/lib/services/authz/project-roles";
import { visibleProjectsWhere } from "@/lib/services/projects/list-projects";
import { assertNotProxyCache } from "@/lib/services/proxy-cache/guard";
import { projectNameOf } from "@/lib/services/registry-auth/grant";
import { prepareManifest, writeArtifact } from "@/lib/services/repositories/index-manifest";
import { artifactName } from "@/lib/services/repositories/record-registry-traffic";
import { resolveRepository } from "@/lib/services/repositories/repository-access";
import { assertTagChangeAllowed, tagChangeDecision } from "@/lib/services/tag-policy/decision";

export type CopiedArtifact = {
  projectId: number;
  repository: string;
  digest: string;
  tag: string | null;
  /** Accessories (signatures, SBOMs, ...) copied along with it, by digest and tag (null: by digest only). */
  accessories: { digest: string; tag: string | null }[];
};

/**
 * Harbor's "copy artifact": `from` (a tag or digest in a repository) into `to` (a repository,
 * new or existing), under `tag` or untagged. Needs pull on the source and artifact:create in
 * the destination project (checked destination first, as Harbor; both refusals audited, a
 * private source stays "not found" to outsiders).
 *
 * The registry work (blob mounts, child manifests, the manifest PUT) happens with no transaction
 * open; the destination is then indexed exactly as a push through the gateway would be
 * (writeArtifact, with its `artifact_pushed` event), with one `artifact.copy` audit row in the
 * same transaction. A tag that already exists in the
 * destination moves to the copy (a copy is a push). If the registry fails part way, Postgres is
 * untouched (blobs already linked stay linked, as after an interrupted push).
 *
 * Accessories come along, as in Harbor 2.8+: the copy engine's `withAccessories` brings those
 * under the referrers tag schema and cosign's tags (`sha256-<hex>.sig`, ...), under the same
 * tags; OCI referrers the index links to the source by their `subject` field but that no such tag
 * names are copied by digest. The audit row lists them all. They are indexed in the destination
 * after the subject (each write linking it to its subject); one that cannot be indexed is logged
 * and left to the reconcile job (the registry holds it already), as the index does for a push.
 */
export async function copyArtifact({
  actor,
  from,
  to,
  tag,
}: {
  actor: Actor;
  from: { repository: string; reference: string };
  to: string;
  tag: string | null;
}): Promise<CopiedArtifact> {
  if (!isValidRepositoryName(to) || !to.includes("/")) throw new ValidationError(`${JSON.stringify(to)} is not a repository name.`, { repository: ["Not a repository name."] });
  const target = artifactName(to, tag ?? from.reference);
  const dstProject = await findProjectRef(projectNameOf(to), { byName: true });
  await assertProjectPermission(actor, dstProject, "artifact:create", { type: "artifact", name: target }, "artifact.copy");
  await assertNotProxyCache(actor, dstProject, "artifact.copy", { type: "artifact", name: target });
  const { repo: srcRepo } = await resolveRepository(actor, from.repository, "repository:pull", {
    resource: { type: "artifact", name: artifactName(from.repository, from.reference) },
    operation: "artifact.copy",
  });

  const source = isDigest(from.reference)
    ? await db.artifact.findUnique({ where: { repositoryId_digest: { repositoryId: srcRepo.id, digest: from.reference } }, select: { id: true, digest: true } })
    : (await db.tag.findUnique({ where: { repositoryId_name: { repositoryId: srcRepo.id, name: from.reference } }, select: { artifact: { select: { id: true, digest: true } } } }))
        ?.artifact;
  if (!source) throw new NotFoundError(`Artifact ${artifactName(from.repository, from.reference)} not found.`);
  // A copy under a tag is a push there: an immutable tag is not overwritten, a new tag must match the naming policy.
  if (tag !== null) {
    const decision = await tagChangeDecision({ projectId: dstProject.id, repository: to, tag, newDigest: source.digest, kind: "push" });
    await assertTagChangeAllowed(decision, { actor, operation: "artifact.copy", resource: { type: "artifact", name: target }, projectId: dstProject.id });
  }

  const registry = getBackingRegistry();
  const copied = await copy(registry, registry, { srcRepository: from.repository, dstRepository: to, reference: source.digest, tag }, { withAccessories: true }).catch(
    (error: unknown) => {
      throw asAppError(error, artifactName(from.repository, from.reference));
    },
  );
  const accessories: { digest: string; tag: string | null }[] = (copied.accessories ?? []).map(({ digest, tag }) => ({ digest, tag }));
  if (from.repository !== to) {
    // Referrers with no tag of the tag schema (pushed by digest or under a tag of their own).
    const indexed = await db.artifact.findMany({ where: { subjectArtifactId: source.id }, select: { digest: true }, orderBy: { id: "asc" } });
    for (const { digest } of indexed) {
      if (accessories.some((x) => x.digest === digest)) continue;
      const more = await copy(registry, registry, { srcRepository: from.repository, dstRepository: to, reference: digest, tag: null }, { withAccessories: true }).catch(
        (error: unknown) => {
          throw asAppError(error, artifactName(from.repository, digest));
        },
      );
      accessories.push({ digest, tag: null }, ...(more.accessories ?? []).filter((x) => !accessories.some((y) => y.digest === x.digest && y.tag === x.tag)).map(({ digest, tag }) => ({ digest, tag })));
    }
  }
  const prepared = await prepareManifest({ registry, repository: to, manifest: { digest: copied.digest, mediaType: copied.mediaType, bytes: copied.bytes }, tag });

  await writeArtifact({
    actor,
    projectId: dstProject.id,
    repository: to,
    prepared,
    tag,
    audit: {
      actor,
      action: "artifact.copy",
      resource: { type: "artifact", name: target },
      projectId: dstProject.id,
      detail: {
        from: artifactName(from.repository, from.reference),
        to: target,
        digest: copied.digest,
        mediaType: copied.mediaType,
        manifests: copied.manifests,
        blobsMounted: copied.blobsMounted,
        blobsStreamed: copied.blobsStreamed,
        accessories,
      },
    },
  });
  for (const accessory of accessories) await indexCopiedAccessory(actor, dstProject.id, to, accessory);
  return { projectId: dstProject.id, repository: to, digest: copied.digest, tag, accessories };
}

/** Indexes one accessory the copy put into the destination (see copyArtifact). */
async function indexCopiedAccessory(actor: Actor, projectId: number, repository: string, { digest, tag }: { digest: string; tag: string | null }): Promise<void> {
  const registry = getBackingRegistry();
  try {
    const manifest = await registry.getManifest(repository, digest);
    const prepared = await prepareManifest({ registry, repository, manifest: { digest, mediaType: manifest.mediaType, bytes: manifest.bytes }, tag });
    await writeArtifact({ actor, projectId, repository, prepared, tag });
  } catch (error) {
    console.warn(`wharf: copy: cannot index accessory ${artifactName(repository, tag ?? digest)}: ${String(error)}`);
  }
}

/** Registry answers as the caller's errors: what is missing is a 404, what cannot be done a 400. */
function asAppError(error: unknown, source: string): unknown {
  if (error instanceof CopyRefusedError) return new ValidationError(`Cannot copy ${source}: ${error.message}`);
  if (error instanceof RegistryError && error.status === 404) {
    // The index knows it, the registry does not (deleted behind Wharf's back; reconcile will catch up).
    return new NotFoundError(`Artifact ${source} is not in the registry (${error.code}).`);
  }
  if (error instanceof RegistryError) return new AppError(`The registry refused the copy of ${source}: ${error.message}`, 502, "BAD_GATEWAY");
  if (error instanceof RegistryUnavailableError) return new AppError("The registry is unavailable; nothing was copied.", 503, "SERVICE_UNAVAILABLE");
  return error;
}

/** At most this many projects are offered as copy targets (a select, not a list page). */
export const COPY_TARGETS_MAX = 200;

/** Member roles that may create artifacts (Harbor: Project Admin, Maintainer, Developer). */
const CREATOR_ROLE_IDS = [...ROLE_PERMISSIONS].filter(([, granted]) => granted.has("artifact:create")).map(([id]) => id);

/**
 * Projects the actor may copy into (artifact:create), by name, for the console's Copy form. The
 * service decides again on submit; this only saves offering targets that would be refused.
 */
export async function listCopyTargetProjects({ actor }: { actor: Actor }): Promise<{ id: number; name: string }[]> {
  // A user's candidates: memberships with a creating role, and whatever their roles across projects
  // reach (projectPermissionsFor below keeps only those where the role may create).
  const groupIds = actor.kind === "user" && !actor.isAdmin ? await groupIdsOf(actor.id) : [];
  const where: Prisma.ProjectWhereInput =
    actor.kind === "user" && !actor.isAdmin
      ? {
          OR: [
            { members: { some: { ...memberFilter(actor.id, groupIds), roleId: { in: CREATOR_ROLE_IDS } } } },
            { id: { in: await projectIdsReachedByRules(await roleRulesOf(actor.id, groupIds)) } },
          ],
        }
      : await visibleProjectsWhere(actor);
  const candidates = await db.project.findMany({ where, select: { id: true, name: true, isPublic: true }, orderBy: { name: "asc" }, take: COPY_TARGETS_MAX });
  const permissions = await projectPermissionsFor(actor, candidates);
  return candidates.filter((p) => permissions.get(p.id)?.has("artifact:create")).map(({ id, name }) => ({ id, name }));
}
