import "server-only";
import { actorName, type Actor } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import { hotPathQuery } from "@/lib/db/hot-path";
import { ConflictError } from "@/lib/errors";
import { type AccessoryType, Prisma } from "@/lib/generated/prisma/client";
import { type Descriptor, type IndexChild, parseImageConfig, parseManifestBytes } from "@/lib/oci/manifest";
import { DOCKER_CONTAINER_CONFIG, OCI_IMAGE_CONFIG } from "@/lib/oci/media-types";
import type { RegistryClient } from "@/lib/registry/client";
import { readLocalBlob } from "@/lib/registry/local-blob-store";
import { auditRowOf, recordAuditEvent, type AuditEventInput } from "@/lib/services/audit/record-audit-event";
import { recordArtifactEvent } from "@/lib/services/events/artifact-events";
import { readBounded } from "@/lib/streams/read-bounded";

/**
 * Wharf's artifact index, written from manifests: what an image or index is (sizes, platform,
 * config attributes), which tags point at it, which children an index lists and which artifacts
 * are accessories (signatures, attestations, SBOMs) of another.
 *
 * Two phases, because a Postgres transaction must not wait on the registry: `prepareManifest`
 * reads everything it needs (config blob, child manifests) with no transaction open, and
 * `writeArtifact` writes it, with its artifact event and the caller's audit row, in one transaction.
 */

/** Config blobs are a few KiB; a bigger one is not an image config worth reading. */
export const CONFIG_MAX_BYTES = 1024 * 1024;
/** An index of indexes is allowed by the spec; deeper nesting is not followed (sizes count 0). */
const MAX_DEPTH = 2;

export type PushedManifest = { digest: string; mediaType: string; bytes: Uint8Array };

export type PreparedChild = {
  digest: string;
  position: number;
  platform: { os: string | null; architecture: string | null; variant: string | null; osVersion: string | null };
  /** null when the child is already indexed in this repository (or could not be read). */
  prepared: PreparedManifest | null;
  /** The child's total size as known (from the index or from its manifest). */
  totalSize: bigint;
};

export type PreparedManifest = {
  digest: string;
  mediaType: string;
  manifestSize: number;
  artifactType: string | null;
  totalSize: bigint;
  os: string | null;
  architecture: string | null;
  variant: string | null;
  created: Date | null;
  author: string | null;
  annotations: Record<string, string>;
  subjectDigest: string | null;
  accessoryType: AccessoryType | null;
  /**
   * The manifest's own `subject` names subjectDigest (an OCI referrer, whatever its artifact
   * type); absent or false for a cosign tag-convention accessory and for anything without a subject.
   */
  isReferrer?: boolean;
  children: PreparedChild[];
  /**
   * The blobs this manifest references, counted in its project's storage: the manifest's own
   * bytes (under its digest), and an image's config and layers (an index's children are
   * artifacts of their own). Distinct by digest. Left out (hand-made in tests): the manifest alone.
   */
  blobs?: BlobRef[];
};

export type BlobRef = { digest: string; size: bigint };

function blobsOf(prepared: PreparedManifest): BlobRef[] {
  return prepared.blobs ?? [{ digest: prepared.digest, size: BigInt(prepared.manifestSize) }];
}

/** The blobs a manifest references (see PreparedManifest.blobs), distinct by digest. */
export function manifestBlobs(digest: string, manifestSize: number, parsed: ReturnType<typeof parseManifestBytes>): BlobRef[] {
  const refs = new Map<string, bigint>([[digest, BigInt(manifestSize)]]);
  if (parsed.ok && parsed.manifest.kind !== "index") {
    for (const d of [parsed.manifest.config, ...parsed.manifest.layers]) if (!refs.has(d.digest)) refs.set(d.digest, BigInt(d.size));
  }
  return [...refs].map(([d, size]) => ({ digest: d, size }));
}

/** cosign's tag convention: `sha256-<hex>.sig|.att|.sbom` names the subject by digest. */
const COSIGN_TAG = /^(sha256)-([a-f0-9]{64})\.(sig|att|sbom)$/;

export function cosignSubjectOfTag(tag: string | null): { subjectDigest: string; accessoryType: AccessoryType } | null {
  const match = tag ? COSIGN_TAG.exec(tag) : null;
  if (!match) return null;
  const kind = match[3];
  return {
    subjectDigest: `${match[1]}:${match[2]}`,
    accessoryType: kind === "sig" ? "signature" : kind === "att" ? "attestation" : "sbom",
  };
}

/** An OCI referrer (a manifest with `subject`) classified by its artifact type. */
export function accessoryTypeOf(artifactType: string | null): AccessoryType {
  const t = (artifactType ?? "").toLowerCase();
  if (/signature|notary|cosign\.sig|\.sig$/.test(t)) return "signature";
  if (/in-toto|attestation|dsse/.test(t)) return "attestation";
  if (/spdx|cyclonedx|sbom|syft/.test(t)) return "sbom";
  return "other";
}

function cut(value: string | undefined, max: number): string | null {
  return value === undefined || value === "" ? null : value.slice(0, max);
}

function parseTime(value: string | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  // Postgres timestamptz covers years 4713 BC to 294276 AD; configs sometimes carry 0001-01-01.
  return Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1970 ? null : date;
}

async function readImageConfig(registry: RegistryClient, repository: string, config: Descriptor, localStorageDir: string | undefined) {
  // Only image configs carry os/architecture; other artifact configs (cosign, helm, ...) are skipped.
  if (config.mediaType !== OCI_IMAGE_CONFIG && config.mediaType !== DOCKER_CONTAINER_CONFIG) return null;
  if (config.size > CONFIG_MAX_BYTES) return null;
  if (localStorageDir) {
    const local = await readLocalBlob({ storageDir: localStorageDir, repository, digest: config.digest, maxBytes: CONFIG_MAX_BYTES });
    if (local) return parseImageConfig(local);
  }
  try {
    const blob = await registry.getBlob(repository, config.digest);
    const bytes = await readBounded(blob.stream, CONFIG_MAX_BYTES);
    if (!bytes) return null;
    return parseImageConfig(bytes);
  } catch (error) {
    // The manifest is in the registry already: index it without the config attributes rather
    // than fail the push (the reconcile job fills them in later).
    console.warn(`wharf: index: cannot read config ${repository}@${config.digest}: ${String(error)}`);
    return null;
  }
}

/**
 * Reads what the index needs about a pushed manifest: its config (image) or its children (index).
 * No transaction is open while the registry is asked. Never throws for a malformed manifest.
 */
export async function prepareManifest({
  registry,
  repository,
  manifest,
  tag,
  depth = 0,
  localStorageDir,
}: {
  registry: RegistryClient;
  repository: string;
  manifest: PushedManifest;
  tag: string | null;
  depth?: number;
  /**
   * The backing registry's filesystem storage, when `registry` is the backing registry and Wharf
   * shares its disk (WHARF_REGISTRY_STORAGE_DIR): the config is read from there first.
   */
  localStorageDir?: string | undefined;
}): Promise<PreparedManifest> {
  const base: PreparedManifest = {
    digest: manifest.digest,
    mediaType: manifest.mediaType,
    manifestSize: manifest.bytes.byteLength,
    artifactType: null,
    totalSize: 0n,
    os: null,
    architecture: null,
    variant: null,
    created: null,
    author: null,
    annotations: {},
    subjectDigest: null,
    accessoryType: null,
    isReferrer: false,
    children: [],
    blobs: [],
  };

  // A manifest that does not parse is indexed without sizes or attributes, never refused: it is
  // in the registry already.
  const parsed = parseManifestBytes(manifest.bytes, manifest.mediaType);
  base.blobs = manifestBlobs(manifest.digest, manifest.bytes.byteLength, parsed);
  if (!parsed.ok) return withAccessory(base, null, tag);
  if (parsed.manifest.kind === "index") {
    const index = parsed.manifest;
    base.artifactType = cut(index.artifactType, 255);
    base.annotations = index.annotations ?? {};
    base.children = await prepareChildren(registry, repository, index.manifests, depth);
    base.totalSize = base.children.reduce((sum, c) => sum + c.totalSize, 0n);
    return withAccessory(base, index.subject?.digest ?? null, tag);
  }

  const image = parsed.manifest;
  base.artifactType = cut(image.artifactType ?? image.config.mediaType, 255);
  base.annotations = image.annotations ?? {};
  base.totalSize = BigInt(image.config.size) + image.layers.reduce((sum, l) => sum + BigInt(l.size), 0n);
  const config = await readImageConfig(registry, repository, image.config, localStorageDir);
  if (config) {
    base.os = cut(config.os, 64);
    base.architecture = cut(config.architecture, 64);
    base.variant = cut(config.variant, 64);
    base.created = parseTime(config.created);
    base.author = cut(config.author, 255);
  }
  return withAccessory(base, image.subject?.digest ?? null, tag);
}

function withAccessory(prepared: PreparedManifest, subject: string | null, tag: string | null): PreparedManifest {
  if (subject) return { ...prepared, subjectDigest: subject, accessoryType: accessoryTypeOf(prepared.artifactType), isReferrer: true };
  const cosign = cosignSubjectOfTag(tag);
  if (cosign) return { ...prepared, ...cosign };
  return prepared;
}

async function prepareChildren(
  registry: RegistryClient,
  repository: string,
  descriptors: IndexChild[],
  depth: number,
): Promise<PreparedChild[]> {
  const digests = descriptors.map((d) => d.digest);
  // Children pushed before (skopeo pushes them first, through the gateway) are not fetched again.
  const known = await db.artifact.findMany({
    where: { repository: { name: repository }, digest: { in: digests } },
    select: { digest: true, totalSize: true },
  });
  const knownSize = new Map(known.map((k) => [k.digest, k.totalSize]));
  const children: PreparedChild[] = [];
  for (const [position, d] of descriptors.entries()) {
    const platform = {
      os: cut(d.platform?.os, 64),
      architecture: cut(d.platform?.architecture, 64),
      variant: cut(d.platform?.variant, 64),
      osVersion: cut(d.platform?.["os.version"], 255),
    };
    const size = knownSize.get(d.digest);
    if (size !== undefined) {
      children.push({ digest: d.digest, position, platform, prepared: null, totalSize: size });
      continue;
    }
    let prepared: PreparedManifest | null = null;
    if (depth + 1 < MAX_DEPTH) {
      try {
        const fetched = await registry.getManifest(repository, d.digest);
        prepared = await prepareManifest({
          registry,
          repository,
          manifest: { digest: fetched.digest, mediaType: fetched.mediaType, bytes: fetched.bytes },
          tag: null,
          depth: depth + 1,
        });
      } catch (error) {
        console.warn(`wharf: index: cannot read child ${repository}@${d.digest}: ${String(error)}`);
      }
    }
    children.push({ digest: d.digest, position, platform, prepared, totalSize: prepared?.totalSize ?? 0n });
  }
  return children;
}

// ---- writing ----

export type WrittenArtifact = { repositoryId: number; artifactId: number };

/**
 * The one write of an artifact into the index, for every way one arrives (a push through the
 * gateway, a copy, the reconcile job, replication; the proxy cache later): in one transaction
 * the repository (created on its first artifact), the artifact with its children and accessory
 * link, `tag` moved onto it, one `artifact_pushed` event (with the digest the tag left, if it
 * moved), the caller's `audit` row and whatever else the caller adds (`inTransaction`). Two first
 * writes into one repository (or of one digest) at once make the loser's insert hit a unique key;
 * the transaction is then run once more and finds the rows.
 *
 * The common case, a plain artifact (no children, no subject) that is not an index child, is
 * written by one call (writePlainArtifact) instead of a dozen statements: a push pays for its
 * index write in round trips to Postgres, and this is every `docker push` of a single-platform
 * image. Anything else, or a caller with its own `inTransaction` work, takes the general path;
 * plain-artifact.test.ts checks that both paths leave the same rows.
 */
export async function writeArtifact({
  actor,
  projectId,
  repository,
  prepared,
  tag,
  now = new Date(),
  audit,
  inTransaction,
}: {
  actor: Actor;
  projectId: number;
  /** Full repository name, e.g. library/nginx. */
  repository: string;
  prepared: PreparedManifest;
  tag: string | null;
  now?: Date;
  /** The caller's audit row, written in the transaction. */
  audit?: AuditEventInput;
  inTransaction?: (tx: DbTransaction, written: WrittenArtifact) => Promise<void>;
}): Promise<WrittenArtifact> {
  if (!inTransaction && prepared.children.length === 0 && prepared.subjectDigest === null) {
    const written = await writePlainArtifact({ actor, projectId, repository, prepared, tag, now, audit });
    if (written) return written;
  }
  const write = () =>
    db.$transaction(async (tx) => {
      const repo = await tx.repository.upsert({
        where: { name: repository },
        create: { projectId, name: repository },
        update: { updatedAt: now },
        select: { id: true, projectId: true, deletingAt: true },
      });
      // Its delete job is removing every manifest: indexing one now would be deleted under the pusher.
      if (repo.deletingAt) throw new ConflictError(`Repository ${repository} is being deleted; push again once it is gone.`);
      const { artifactId, previousDigest } = await indexManifest(tx, { repositoryId: repo.id, prepared, tag, now });
      await recordArtifactEvent(tx, {
        kind: "artifact_pushed",
        projectId: repo.projectId,
        repository,
        digest: prepared.digest,
        tag,
        previousDigest,
        actor,
      });
      const written = { repositoryId: repo.id, artifactId };
      if (audit) await recordAuditEvent(tx, audit);
      await inTransaction?.(tx, written);
      return written;
    });
  try {
    return await write();
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") return write();
    throw error;
  }
}

const WRITE_PLAIN_ARTIFACT = {
  name: "wharf_write_plain_artifact",
  text: `SELECT out_repository_id, out_artifact_id FROM wharf_write_plain_artifact(
    $1::int, $2::text, $3::text, $4::text, $5::text, $6::int, $7::bigint, $8::text, $9::text, $10::text,
    $11::timestamptz, $12::text, $13::jsonb, $14::text, $15::timestamptz, $16::text, $17::jsonb, $18::text[], $19::bigint[])`,
};

/**
 * writeArtifact's one-call path for a plain artifact (no children, no subject): the SQL function
 * wharf_write_plain_artifact (its migration, 20261206001000_write_plain_artifact) writes exactly
 * what the general path would: the repository (created, or its update time), the artifact
 * (created, or its push time), referrers pushed before it linked, the tag moved, the listed-artifact
 * count (+1 for a new artifact instead of a recount, which scans the repository's artifacts on
 * every push), the event and the audit row. One statement, so one implicit transaction and one
 * round trip, with its plans cached by the function per connection; it runs on every push, so
 * through the hot-path pool (lib/db/hot-path.ts says why).
 *
 * That increment is exact only when no index in the repository lists this digest as a child and
 * the tag does not leave an index child (either can change whether an artifact is listed): the
 * function checks both and otherwise writes nothing but the repository's update time and answers
 * null, as it does for a repository being deleted; the caller then takes the general path.
 * Exported for its test.
 */
export async function writePlainArtifact({
    actor,
    projectId,
    repository,
    prepared,
    tag,
    now,
    audit,
  }: { actor: Actor; projectId: number; repository: string; prepared: PreparedManifest; tag: string | null; now: Date; audit?: AuditEventInput },
): Promise<WrittenArtifact | null> {
  const auditRow = audit ? auditRowOf(audit) : null;
  // The audit_events columns by name, read by jsonb_populate_record.
  const auditJson = auditRow
    ? JSON.stringify({
        principal_kind: auditRow.principalKind,
        actor_id: auditRow.actorId ?? null,
        actor_name: auditRow.actorName,
        actor_verified: auditRow.actorVerified,
        action: auditRow.action,
        resource_type: auditRow.resourceType,
        resource_id: auditRow.resourceId ?? null,
        resource_name: auditRow.resourceName ?? null,
        project_id: auditRow.projectId ?? null,
        result: auditRow.result ?? "success",
        reason: auditRow.reason ?? null,
        client_ip: auditRow.clientIp ?? null,
        user_agent: auditRow.userAgent ?? null,
        detail: auditRow.detail ?? {},
      })
    : null;
  const blobs = blobsOf(prepared);
  const rows = await hotPathQuery<{ out_repository_id: number; out_artifact_id: number }>(WRITE_PLAIN_ARTIFACT, [
    projectId,
    repository,
    prepared.digest,
    prepared.mediaType.slice(0, 255),
    prepared.artifactType,
    prepared.manifestSize,
    prepared.totalSize.toString(),
    prepared.os,
    prepared.architecture,
    prepared.variant,
    prepared.created,
    prepared.author,
    JSON.stringify(prepared.annotations),
    tag,
    now,
    actorName(actor).slice(0, 255),
    auditJson,
    blobs.map((b) => b.digest),
    blobs.map((b) => b.size.toString()),
  ]);
  const first = rows[0];
  return first ? { repositoryId: first.out_repository_id, artifactId: first.out_artifact_id } : null;
}

/**
 * Records a prepared manifest in `repositoryId` inside the caller's transaction: the artifact (and
 * its children), its accessory link, and `tag` moved onto it. Pushing a digest again refreshes its
 * push time only (its content cannot change: the digest is the content). Writes no event: callers
 * go through writeArtifact, which does.
 */
async function indexManifest(
  tx: DbTransaction,
  { repositoryId, prepared, tag, now }: { repositoryId: number; prepared: PreparedManifest; tag: string | null; now: Date },
): Promise<{ artifactId: number; previousDigest: string | null }> {
  const artifactId = await upsertArtifact(tx, repositoryId, prepared, now);
  if (tag) {
    const { previousDigest } = await writeTag(tx, { repositoryId, artifactId, tag, now });
    return { artifactId, previousDigest: previousDigest === prepared.digest ? null : previousDigest };
  }
  await refreshArtifactCount(tx, repositoryId);
  return { artifactId, previousDigest: null };
}

/**
 * Points `tag` at an indexed artifact, inside the caller's transaction: the one tag write of the
 * index (pushes, copies and the reconcile job through writeArtifact, and moveTag). A tag points
 * at exactly one artifact, so the unique (repository, name) moves it; the artifact count is
 * refreshed because a tagged index child becomes a listed artifact of its own. Answers the digest
 * the tag pointed at before (null for a new tag).
 */
async function writeTag(
  tx: DbTransaction,
  { repositoryId, artifactId, tag, now }: { repositoryId: number; artifactId: number; tag: string; now: Date },
): Promise<{ previousDigest: string | null }> {
  const before = await tx.tag.findUnique({
    where: { repositoryId_name: { repositoryId, name: tag } },
    select: { artifact: { select: { digest: true } } },
  });
  await tx.tag.upsert({
    where: { repositoryId_name: { repositoryId, name: tag } },
    create: { repositoryId, artifactId, name: tag, pushedAt: now },
    update: { artifactId, pushedAt: now },
    select: { id: true },
  });
  await refreshArtifactCount(tx, repositoryId);
  return { previousDigest: before?.artifact.digest ?? null };
}

/**
 * Points `tag` at an artifact already indexed (adding a tag, the reconcile job finding a tag
 * that moved behind Wharf's back), with a `tag_created` or `tag_moved` event, inside the caller's
 * transaction. A tag already on that artifact changes nothing and writes no event.
 */
export async function moveTag(
  tx: DbTransaction,
  {
    actor,
    repositoryId,
    artifactId,
    tag,
    now,
  }: { actor: Actor; repositoryId: number; artifactId: number; tag: string; now: Date },
): Promise<{ changed: boolean }> {
  const artifact = await tx.artifact.findUniqueOrThrow({
    where: { id: artifactId },
    select: { digest: true, repository: { select: { name: true, projectId: true } } },
  });
  const { previousDigest } = await writeTag(tx, { repositoryId, artifactId, tag, now });
  if (previousDigest === artifact.digest) return { changed: false };
  await recordArtifactEvent(tx, {
    kind: previousDigest === null ? "tag_created" : "tag_moved",
    projectId: artifact.repository.projectId,
    repository: artifact.repository.name,
    digest: artifact.digest,
    tag,
    previousDigest,
    actor,
  });
  return { changed: true };
}

/**
 * Removes one tag from the index (its artifact stays) with a `tag_deleted` event, inside the
 * caller's transaction. Answers whether the tag was indexed.
 */
export async function removeTag(tx: DbTransaction, { actor, repository, tag }: { actor: Actor; repository: string; tag: string }): Promise<boolean> {
  const repo = await tx.repository.findUnique({ where: { name: repository }, select: { id: true, projectId: true } });
  if (!repo) return false;
  const row = await tx.tag.findUnique({
    where: { repositoryId_name: { repositoryId: repo.id, name: tag } },
    select: { id: true, artifact: { select: { digest: true } } },
  });
  if (!row) return false;
  await tx.tag.delete({ where: { id: row.id }, select: { id: true } });
  // The artifact stays; it may now count as a listed artifact or stop being one.
  await refreshArtifactCount(tx, repo.id);
  await recordArtifactEvent(tx, { kind: "tag_deleted", projectId: repo.projectId, repository, digest: row.artifact.digest, tag, actor });
  return true;
}

async function upsertArtifact(tx: DbTransaction, repositoryId: number, prepared: PreparedManifest, now: Date): Promise<number> {
  const existing = await tx.artifact.findUnique({
    where: { repositoryId_digest: { repositoryId, digest: prepared.digest } },
    select: { id: true, blobsRecorded: true },
  });
  if (existing) {
    await tx.artifact.update({ where: { id: existing.id }, data: { pushedAt: now, blobsRecorded: true }, select: { id: true } });
    // Indexed before blob references were recorded: they are known now.
    if (!existing.blobsRecorded) await recordArtifactBlobs(tx, { artifactId: existing.id, repositoryId, blobs: blobsOf(prepared) });
    return existing.id;
  }
  // Children first, so the references can point at them.
  const childIds = new Map<string, number>();
  for (const child of prepared.children) {
    if (child.prepared) childIds.set(child.digest, await upsertArtifact(tx, repositoryId, child.prepared, now));
  }
  const missing = prepared.children.filter((c) => !childIds.has(c.digest)).map((c) => c.digest);
  if (missing.length > 0) {
    const rows = await tx.artifact.findMany({ where: { repositoryId, digest: { in: missing } }, select: { id: true, digest: true } });
    for (const row of rows) childIds.set(row.digest, row.id);
  }
  const subject = prepared.subjectDigest
    ? await tx.artifact.findUnique({
        where: { repositoryId_digest: { repositoryId, digest: prepared.subjectDigest } },
        select: { id: true },
      })
    : null;
  const created = await tx.artifact.create({
    data: {
      repositoryId,
      digest: prepared.digest,
      mediaType: prepared.mediaType.slice(0, 255),
      artifactType: prepared.artifactType,
      manifestSize: prepared.manifestSize,
      totalSize: prepared.totalSize,
      pushedAt: now,
      os: prepared.os,
      architecture: prepared.architecture,
      variant: prepared.variant,
      created: prepared.created,
      author: prepared.author,
      annotations: prepared.annotations as Prisma.InputJsonValue,
      subjectDigest: prepared.subjectDigest,
      subjectArtifactId: subject?.id ?? null,
      accessoryType: prepared.accessoryType,
      isReferrer: prepared.isReferrer ?? false,
    },
    select: { id: true },
  });
  await recordArtifactBlobs(tx, { artifactId: created.id, repositoryId, blobs: blobsOf(prepared) });
  // Unique (parent, child digest): an index listing one digest twice (two platforms) keeps the first.
  const seen = new Set<string>();
  const references = prepared.children.filter((c) => !seen.has(c.digest) && seen.add(c.digest));
  if (references.length > 0) {
    await tx.artifactReference.createMany({
      data: references.map((c) => ({
        parentId: created.id,
        childId: childIds.get(c.digest) ?? null,
        childDigest: c.digest,
        position: c.position,
        ...c.platform,
      })),
    });
  }
  // Referrers pushed before their subject (allowed by OCI) and references to a child indexed
  // later are linked now.
  await tx.artifact.updateMany({
    where: { repositoryId, subjectDigest: prepared.digest, subjectArtifactId: null },
    data: { subjectArtifactId: created.id },
  });
  await tx.artifactReference.updateMany({
    where: { childDigest: prepared.digest, childId: null, parent: { repositoryId } },
    data: { childId: created.id },
  });
  return created.id;
}

/**
 * Records the blobs an artifact references (skipping ones recorded already), in the caller's
 * transaction; artifact_blobs' trigger adds the blobs new to the project to its usage. The
 * repository's row is locked by then (every index write upserts it first, every delete locks it
 * first), so locks are always taken repository, then project: never a deadlock between a push
 * and a delete.
 */
export async function recordArtifactBlobs(
  tx: DbTransaction,
  { artifactId, repositoryId, blobs }: { artifactId: number; repositoryId: number; blobs: BlobRef[] },
): Promise<void> {
  if (blobs.length === 0) return;
  const digests = blobs.map((b) => b.digest);
  const sizes = blobs.map((b) => b.size.toString());
  await tx.$executeRaw`
    INSERT INTO artifact_blobs (artifact_id, project_id, repository_id, digest, size)
    SELECT DISTINCT ON (b.digest) ${artifactId}::int, r.project_id, r.id, b.digest, b.size
    FROM repositories r, unnest(${digests}::text[], ${sizes}::bigint[]) AS b(digest, size)
    WHERE r.id = ${repositoryId}
    ORDER BY b.digest
    ON CONFLICT (artifact_id, digest) DO NOTHING`;
}

/** Locks a repository's row before an index delete, so deletes take locks in the order pushes do. */
async function lockRepository(tx: DbTransaction, repositoryId: number): Promise<void> {
  await tx.$executeRaw`SELECT 1 FROM repositories WHERE id = ${repositoryId} FOR NO KEY UPDATE`;
}

/**
 * A manifest DELETE (by digest) succeeded: Distribution removed the manifest and every tag on it.
 * The artifact row goes, its tags and child references with it (cascade); accessories and index
 * references to it keep the digest but lose the link (SET NULL), as their manifests still exist.
 * An `artifact_deleted` event is written with it, in the caller's transaction.
 */
export async function removeManifest(
  tx: DbTransaction,
  { repository, digest, actor }: { repository: string; digest: string; /** Named in the `artifact_deleted` event. */ actor: Actor },
): Promise<boolean> {
  const repo = await tx.repository.findUnique({ where: { name: repository }, select: { id: true, projectId: true } });
  if (!repo) return false;
  await lockRepository(tx, repo.id);
  const { count } = await tx.artifact.deleteMany({ where: { repositoryId: repo.id, digest } });
  // A proxy-cache project's copy of the manifest goes too: the next pull fetches (and caches) it afresh.
  await tx.proxyManifest.deleteMany({ where: { repository, digest } });
  await refreshArtifactCount(tx, repo.id);
  if (count > 0) await recordArtifactEvent(tx, { kind: "artifact_deleted", projectId: repo.projectId, repository, digest, actor });
  return count > 0;
}

/**
 * artifact_count = artifacts shown in the list: not accessories, and not index children that
 * carry no tag of their own (Harbor shows those under their index). One indexed query.
 */
export async function refreshArtifactCount(tx: DbTransaction, repositoryId: number): Promise<void> {
  await tx.$executeRaw`
    UPDATE repositories SET artifact_count = (
      SELECT count(*)::int FROM artifacts a
      WHERE a.repository_id = ${repositoryId}
        AND a.subject_digest IS NULL
        AND (NOT EXISTS (SELECT 1 FROM artifact_references r WHERE r.child_id = a.id)
             OR EXISTS (SELECT 1 FROM tags t WHERE t.artifact_id = a.id))
    ), updated_at = now()
    WHERE id = ${repositoryId}`;
}
