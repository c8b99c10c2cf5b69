import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import type { RegistryClient } from "@/lib/registry/client";
import { RegistryError } from "@/lib/registry/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { recordPendingBlobs } from "@/lib/services/quotas/pending-blobs";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { recordArtifactEvents } from "@/lib/services/events/artifact-events";
import { moveTag, type PreparedManifest, prepareManifest, refreshArtifactCount, writeArtifact } from "@/lib/services/repositories/index-manifest";

/**
 * Brings the artifact index exactly in line with the backing registry, for content written
 * behind Wharf's back (skopeo straight at Distribution, a restored backup, a crashed gateway
 * between the registry's answer and the index write).
 *
 * Walk: the catalog page by page (never the whole list in memory); per repository the tag list,
 * a HEAD per tag (an unchanged tag costs no GET), a GET + prepareManifest/indexManifest only for
 * digests the index does not have; then a HEAD by digest for every indexed artifact no tag
 * reached (untagged manifests, index children, accessories), and those the registry no longer
 * has are removed. Distribution cannot list untagged manifests, so untagged content the index
 * never saw stays unknown (the gateway records it when it is pushed through Wharf).
 *
 * Every repository is written in its own short transactions, so a long run never holds locks
 * across registry calls; a few repositories are walked at once (CONCURRENCY), and reads and
 * deletes in a repository go BATCH rows at a time, so a 30,000-tag repository makes no giant
 * statement; `onRepositoryDone` lets the job record a checkpoint after each one, and
 * `resumeAfter` continues the catalog from there (the catalog is sorted, so `last` is exact).
 * Idempotent: a second run over an unchanged registry writes nothing but its audit row.
 */

export type ReconcileCounts = {
  repositoriesSeen: number;
  repositoriesSkipped: number;
  repositoriesAdded: number;
  repositoriesRemoved: number;
  artifactsAdded: number;
  artifactsRemoved: number;
  tagsAdded: number;
  tagsMoved: number;
  tagsRemoved: number;
  /** Artifacts indexed before quotas whose config and layers were recorded (absent when none). */
  blobsRecorded?: number;
};

export type ReconcileProgress = { done: number; total: number; lastRepository: string; counts: ReconcileCounts };

export function emptyCounts(): ReconcileCounts {
  return {
    repositoriesSeen: 0,
    repositoriesSkipped: 0,
    repositoriesAdded: 0,
    repositoriesRemoved: 0,
    artifactsAdded: 0,
    artifactsRemoved: 0,
    tagsAdded: 0,
    tagsMoved: 0,
    tagsRemoved: 0,
  };
}

/** A full catalog page is 1,000 names of at most 255 bytes: a bounded amount in memory. */
const CATALOG_PAGE = 1000;
/**
 * Rows read or deleted per statement in a repository's cleanup. A repository with 30,000 tags
 * would otherwise make statements with 30,000 bind parameters (Postgres stops at 65,535) and
 * result sets of the whole repository at once.
 */
const BATCH = 5000;
/**
 * Repositories of a catalog page reconciled at once. Each one waits mostly on round trips (the
 * registry, Postgres); different repositories touch different index rows, so they do not contend.
 */
const CONCURRENCY = 4;
/** Tags of one repository whose registry reads go ahead of their index writes. */
const READ_AHEAD = 16;
const READ_CONCURRENCY = 4;

export async function reconcileIndex({
  actor,
  registry,
  resumeAfter = null,
  initialCounts,
  initialDone = 0,
  onRepositoryDone,
  onTotal,
  log = () => undefined,
  catalogPageSize = CATALOG_PAGE,
  batchSize = BATCH,
  concurrency = CONCURRENCY,
}: {
  actor: Actor;
  registry: RegistryClient;
  /** The last repository name a previous attempt finished (the checkpoint). */
  resumeAfter?: string | null;
  /** Counts of the previous attempt, so a resumed run reports the whole run. */
  initialCounts?: ReconcileCounts;
  initialDone?: number;
  onRepositoryDone?: (progress: ReconcileProgress) => Promise<void>;
  /** Called once the catalog is counted, before the walk: the run shows "0 / N" at once. */
  onTotal?: (total: number) => Promise<void>;
  log?: (line: string) => void;
  /** Tests use a small page to cross page boundaries with a handful of repositories. */
  catalogPageSize?: number;
  /** Tests use a small batch to cross batch boundaries with a handful of tags. */
  batchSize?: number;
  concurrency?: number;
}): Promise<ReconcileCounts> {
  await assertSystemPermission(actor, "index.reconcile", { type: "index" });
  const counts = initialCounts ? { ...initialCounts } : emptyCounts();

  // Counting first costs one catalog request per 1,000 repositories and gives a real total.
  const total = await countCatalog(registry, catalogPageSize);
  await onTotal?.(total);
  let done = initialDone;
  let last = resumeAfter;
  if (last) log(`resuming after ${last}`);

  for (;;) {
    const page = await registry.listCatalogPage({ n: catalogPageSize, last });
    const names = page.repositories;
    if (names.length > 0) {
      const pageLast = names[names.length - 1]!;
      // Indexed repositories the catalog skipped over in this page's range are gone from it.
      counts.repositoriesRemoved += await removeIndexedBetween(last, pageLast, new Set(names), log);
      // Workers take the page's names in catalog order. Progress, and with it the checkpoint, only
      // advances over the part of the page that is entirely done, in order: a resumed run never
      // skips a repository that an interrupted worker had not finished.
      const finished = names.map(() => false);
      let next = 0;
      let reported = 0;
      let failed = false;
      let reporting: Promise<void> = Promise.resolve();
      const worker = async () => {
        try {
          while (next < names.length && !failed) {
            const i = next++;
            await reconcileRepository(actor, registry, names[i]!, counts, log, batchSize);
            finished[i] = true;
            while (reported < names.length && finished[reported]) {
              const lastRepository = names[reported]!;
              reported += 1;
              counts.repositoriesSeen += 1;
              done += 1;
              const progress = { done, total: Math.max(total, done), lastRepository, counts: { ...counts } };
              reporting = reporting.then(() => onRepositoryDone?.(progress));
            }
            // Awaited by the worker that added to it, so a failing report stops the run here.
            await reporting;
          }
        } catch (error) {
          failed = true; // the other workers finish the repository they are on, and take no more
          throw error;
        }
      };
      // Settled, not Promise.all: the run ends (and may be retried) only once no worker still writes.
      const outcomes = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(concurrency, names.length)) }, worker));
      const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
      if (failure) throw failure.reason;
      last = pageLast;
    }
    // Stop on a Link that does not advance, so a misbehaving upstream cannot loop us forever.
    if (!page.nextLast || names.length === 0) break;
  }
  // Everything after the catalog's last name is gone from the registry.
  counts.repositoriesRemoved += await removeIndexedBetween(last, null, new Set(), log);
  // Quotas count blobs: artifacts indexed before their references were recorded get them now.
  const blobsRecorded = await recordPendingBlobs(registry, log);
  if (blobsRecorded > 0) counts.blobsRecorded = (counts.blobsRecorded ?? 0) + blobsRecorded;

  await db.$transaction((tx) =>
    recordAuditEvent(tx, { actor, action: "index.reconcile", resource: { type: "index", name: "registry" }, detail: { ...counts } }),
  );
  return counts;
}

async function countCatalog(registry: RegistryClient, pageSize: number): Promise<number> {
  let count = 0;
  let last: string | null = null;
  for (;;) {
    const page = await registry.listCatalogPage({ n: pageSize, last });
    count += page.repositories.length;
    const pageLast = page.repositories[page.repositories.length - 1];
    if (!page.nextLast || pageLast === undefined || pageLast === last) return count;
    last = pageLast;
  }
}

/**
 * Removes indexed repositories with after < name <= upTo (byte order, as the catalog sorts:
 * COLLATE "C") that are not in `keep`. Cascades to their artifacts and tags.
 */
async function removeIndexedBetween(after: string | null, upTo: string | null, keep: Set<string>, log: (line: string) => void): Promise<number> {
  const rows = await db.$queryRaw<{ id: number; name: string }[]>`
    SELECT id, name FROM repositories
    WHERE (${after}::text IS NULL OR name COLLATE "C" > ${after}::text COLLATE "C")
      AND (${upTo}::text IS NULL OR name COLLATE "C" <= ${upTo}::text COLLATE "C")`;
  const gone = rows.filter((r) => !keep.has(r.name));
  if (gone.length === 0) return 0;
  await db.repository.deleteMany({ where: { id: { in: gone.map((r) => r.id) } } });
  for (const r of gone) log(`removed repository ${r.name} (not in the registry's catalog)`);
  return gone.length;
}

async function listTagsOrEmpty(registry: RegistryClient, name: string): Promise<string[]> {
  try {
    return await registry.listTags(name);
  } catch (error) {
    // A catalog entry whose repository directory went away between the two requests.
    if (error instanceof RegistryError && error.status === 404) return [];
    throw error;
  }
}

/** Reads a manifest and what prepareManifest needs (configs, children), with no transaction open. */
async function prepareFromRegistry(registry: RegistryClient, name: string, digest: string, tag: string): Promise<PreparedManifest> {
  const fetched = await registry.getManifest(name, digest);
  return prepareManifest({ registry, repository: name, manifest: fetched, tag });
}

/** fn over items, at most `limit` at once; results in the items' order. */
async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** A prepared manifest's digest and those of the children it brought along (an index's images). */
function digestsOf(prepared: PreparedManifest, into = new Set<string>()): Set<string> {
  into.add(prepared.digest);
  for (const child of prepared.children) if (child.prepared) digestsOf(child.prepared, into);
  return into;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** tag name -> digest for a repository's indexed tags, read in id order `batchSize` rows at a time. */
async function loadIndexedTags(repositoryId: number, batchSize: number): Promise<Map<string, string>> {
  const tags = new Map<string, string>();
  for (let after = 0; ; ) {
    const rows = await db.tag.findMany({
      where: { repositoryId, id: { gt: after } },
      select: { id: true, name: true, artifact: { select: { digest: true } } },
      orderBy: { id: "asc" },
      take: batchSize,
    });
    for (const t of rows) tags.set(t.name, t.artifact.digest);
    if (rows.length < batchSize) return tags;
    after = rows[rows.length - 1]!.id;
  }
}

async function reconcileRepository(
  actor: Actor,
  registry: RegistryClient,
  name: string,
  counts: ReconcileCounts,
  log: (line: string) => void,
  batchSize: number,
): Promise<void> {
  const slash = name.indexOf("/");
  const project = slash > 0 ? await db.project.findUnique({ where: { name: name.slice(0, slash) }, select: { id: true } }) : null;
  if (!project) {
    counts.repositoriesSkipped += 1;
    log(`skipped ${name}: no project ${JSON.stringify(slash > 0 ? name.slice(0, slash) : name)}`);
    return;
  }

  const tags = await listTagsOrEmpty(registry, name);
  if (tags.length === 0) {
    // Distribution keeps a repository whose manifests were all deleted (`"tags": null`); Wharf
    // does not show one, as Harbor does not.
    const { count } = await db.repository.deleteMany({ where: { name } });
    if (count > 0) {
      counts.repositoriesRemoved += count;
      log(`removed repository ${name} (no tags left)`);
    }
    return;
  }

  let repository = await db.repository.findUnique({ where: { name }, select: { id: true, deletingAt: true } });
  if (repository?.deletingAt) {
    // Its repository.delete job is removing it; indexing what is left would only bring it back.
    counts.repositoriesSkipped += 1;
    log(`skipped ${name}: being deleted`);
    return;
  }
  // A repository this walk creates has nothing indexed to compare or clean up: everything in it
  // below is indexed from manifests just read from the registry. Most of a first run's
  // repositories are new, and this saves them two queries of three that read the index.
  const isNew = !repository;
  if (!repository) {
    repository = await db.repository.create({ data: { projectId: project.id, name }, select: { id: true, deletingAt: true } });
    counts.repositoriesAdded += 1;
    log(`added repository ${name}`);
  }
  const repositoryId = repository.id;

  // Bounded by the repository's tag count (2.8 has no tag paging; the tag list itself is as big).
  const indexedTags = isNew ? new Map<string, string>() : await loadIndexedTags(repositoryId, batchSize);
  const reached = new Set<string>();
  let removed = false;

  // Reads go ahead of the writes, a window of tags at a time: HEADs, and the manifest and config
  // of digests the index lacks, READ_CONCURRENCY at once (a large repository's walk is bound by
  // the registry's latency); the writes stay one tag at a time, in tag-list order.
  for (const window of chunks(tags, READ_AHEAD)) {
    const heads = await mapConcurrent(window, READ_CONCURRENCY, (tag) => registry.headManifest(name, tag));
    const work: { tag: string; digest: string; indexed: string | undefined }[] = [];
    window.forEach((tag, i) => {
      const head = heads[i];
      if (!head) return; // deleted between the tag list and now: treated as absent below
      reached.add(head.digest);
      const indexed = indexedTags.get(tag);
      indexedTags.delete(tag);
      if (indexed !== head.digest) work.push({ tag, digest: head.digest, indexed });
    });
    if (work.length === 0) continue;

    const wanted = [...new Set(work.map((w) => w.digest))];
    const ids = new Map(
      (await db.artifact.findMany({ where: { repositoryId, digest: { in: wanted } }, select: { id: true, digest: true } })).map((a) => [a.digest, a.id]),
    );
    // Each missing manifest is prepared once, with its first tag, as a walk one tag at a time would.
    const firstTag = new Map<string, string>();
    for (const w of work) if (!ids.has(w.digest) && !firstTag.has(w.digest)) firstTag.set(w.digest, w.tag);
    const readAhead = await mapConcurrent([...firstTag], READ_CONCURRENCY, ([digest, tag]) => prepareFromRegistry(registry, name, digest, tag));
    const prepared = new Map([...firstTag.keys()].map((digest, i) => [digest, readAhead[i]!]));
    /** Digests this window indexed (manifests and the children they brought along). */
    const indexedNow = new Set<string>();

    for (const { tag, digest, indexed } of work) {
      const now = new Date();
      let artifactId = ids.get(digest);
      if (artifactId === undefined && indexedNow.has(digest)) {
        // Indexed earlier in this window as another manifest's child.
        artifactId = (await db.artifact.findUnique({ where: { repositoryId_digest: { repositoryId, digest } }, select: { id: true } }))?.id;
      }
      if (artifactId !== undefined) {
        const id = artifactId;
        await db.$transaction((tx) => moveTag(tx, { actor, repositoryId, artifactId: id, tag, now }));
      } else {
        let manifest = prepared.get(digest)!;
        // Read before an earlier write of this window indexed some of its children: read again,
        // so those children are taken as indexed, exactly as a walk one tag at a time takes them.
        if ([...digestsOf(manifest)].some((d) => indexedNow.has(d))) manifest = await prepareFromRegistry(registry, name, digest, tag);
        const written = await writeArtifact({ actor, projectId: project.id, repository: name, prepared: manifest, tag, now });
        ids.set(digest, written.artifactId);
        // What was just indexed: the manifest (not in the index above) and the children
        // prepareManifest did not find indexed. Taken from the prepared tree rather than counting
        // the repository's artifacts before and after, which made a 10,000-artifact repository quadratic.
        const added = digestsOf(manifest);
        for (const d of added) indexedNow.add(d);
        counts.artifactsAdded += added.size;
      }
      if (indexed === undefined) counts.tagsAdded += 1;
      else {
        counts.tagsMoved += 1;
        log(`moved ${name}:${tag} to ${digest}`);
      }
      // Not `removed`: both writes above refresh the artifact count in their own transaction.
    }
  }

  // Tags the registry no longer lists, `batchSize` names per statement.
  // Each batch is deleted with its `tag_deleted` events in one transaction.
  for (const names of chunks([...indexedTags.keys()], batchSize)) {
    const count = await db.$transaction(async (tx) => {
      const { count } = await tx.tag.deleteMany({ where: { repositoryId, name: { in: names } } });
      await recordArtifactEvents(
        tx,
        names.map((tag) => ({ kind: "tag_deleted" as const, projectId: project.id, repository: name, digest: indexedTags.get(tag)!, tag, actor })),
      );
      return count;
    });
    counts.tagsRemoved += count;
    removed = true;
  }

  // Artifacts no tag reached: still in the registry (untagged, a child, an accessory) or gone.
  // Read in id order a batch at a time and compared here, rather than a NOT IN of every reached
  // digest (one bind parameter per tag).
  const gone: { id: number; digest: string }[] = [];
  for (let after = 0; !isNew; ) {
    const rows = await db.artifact.findMany({
      where: { repositoryId, id: { gt: after } },
      select: { id: true, digest: true },
      orderBy: { id: "asc" },
      take: batchSize,
    });
    for (const artifact of rows) {
      if (reached.has(artifact.digest)) continue;
      if (!(await registry.headManifest(name, artifact.digest))) gone.push(artifact);
    }
    if (rows.length < batchSize) break;
    after = rows[rows.length - 1]!.id;
  }
  for (const batch of chunks(gone, batchSize)) {
    // Cascades to their tags and child references; accessories and parents keep the digest (SET NULL).
    const count = await db.$transaction(async (tx) => {
      // The repository's row first, as every index write takes it (then the blob triggers take the project's).
      await tx.$executeRaw`SELECT 1 FROM repositories WHERE id = ${repositoryId} FOR NO KEY UPDATE`;
      const { count } = await tx.artifact.deleteMany({ where: { id: { in: batch.map((a) => a.id) } } });
      await recordArtifactEvents(
        tx,
        batch.map((a) => ({ kind: "artifact_deleted" as const, projectId: project.id, repository: name, digest: a.digest, actor })),
      );
      return count;
    });
    counts.artifactsRemoved += count;
    removed = true;
  }
  if (gone.length > 0) log(`removed ${gone.length} artifact(s) of ${name} gone from the registry`);
  if (removed) await db.$transaction((tx) => refreshArtifactCount(tx, repositoryId));
}
