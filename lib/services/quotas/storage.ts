import "server-only";
import { statfs } from "node:fs/promises";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { getServerEnv } from "@/lib/env";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";

/**
 * Where the space goes, from the blob references the index records (artifact_blobs): per project
 * and per repository the bytes of its distinct blobs, the part also referenced by another
 * repository (or project), and the part only it references (what deleting it would free once the
 * registry's garbage collection runs); the largest repositories and artifacts; and the system
 * total against the registry's filesystem. Every figure is one SQL aggregate over indexes
 * (repository_blobs and project_blobs, kept by the artifact_blobs triggers, by repository and by
 * digest); repositories are read a page at a time, largest first from an index on their total.
 */
export type RepositoryStorage = { id: number; name: string; totalBytes: bigint; sharedBytes: bigint; uniqueBytes: bigint; artifacts: number };
export type LargestArtifact = { id: number; repository: string; digest: string; totalSize: bigint };
export type ProjectStorage = {
  projectId: number;
  projectName: string;
  limit: bigint;
  used: bigint;
  /** Of `used`, bytes another project also references. */
  sharedBytes: bigint;
  uniqueBytes: bigint;
  /** Artifacts indexed before blob references were recorded, not yet filled in by the reconcile job. */
  pendingArtifacts: number;
  repositories: { rows: RepositoryStorage[]; total: number };
  largestArtifacts: LargestArtifact[];
};

const LARGEST = 10;

/** A project's storage, its repositories a page at a time, largest first (anyone who may read the project). */
export async function projectStorage({
  actor,
  projectId,
  page,
  pageSize,
}: {
  actor: Actor;
  projectId: number;
  page: number;
  pageSize: number;
}): Promise<ProjectStorage> {
  const ref = await findProjectRef(projectId);
  await assertProjectPermission(actor, ref, "quota:read");
  const offset = (page - 1) * pageSize;
  const [project, shared, repoCount, pending, repositories, largest] = await Promise.all([
    db.project.findUniqueOrThrow({ where: { id: ref.id }, select: { name: true, storageLimit: true, storageUsed: true } }),
    db.$queryRaw<{ bytes: bigint | null }[]>`
      SELECT sum(pb.size)::bigint AS bytes FROM project_blobs pb
      WHERE pb.project_id = ${ref.id}
        AND EXISTS (SELECT 1 FROM project_blobs o WHERE o.digest = pb.digest AND o.project_id <> pb.project_id)`,
    db.repository.count({ where: { projectId: ref.id, deletingAt: null } }),
    db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM artifacts a JOIN repositories r ON r.id = a.repository_id
      WHERE r.project_id = ${ref.id} AND NOT a.blobs_recorded`,
    // Largest first from repositories_project_storage_idx: storage_bytes is kept by the triggers.
    db.$queryRaw<{ id: number; name: string; total: bigint; artifacts: number }[]>`
      SELECT r.id, r.name, r.storage_bytes AS total, r.artifact_count AS artifacts
      FROM repositories r
      WHERE r.project_id = ${ref.id} AND r.deleting_at IS NULL
      ORDER BY r.storage_bytes DESC, r.id DESC
      LIMIT ${pageSize} OFFSET ${offset}`,
    // Each repository's ten largest (an index range per repository), then the ten largest of those.
    db.$queryRaw<{ id: number; repository: string; digest: string; total_size: bigint }[]>`
      SELECT x.id, r.name AS repository, x.digest, x.total_size
      FROM repositories r
      CROSS JOIN LATERAL (
        SELECT a.id, a.digest, a.total_size FROM artifacts a
        WHERE a.repository_id = r.id AND NOT EXISTS (SELECT 1 FROM artifact_references ar WHERE ar.child_id = a.id)
        ORDER BY a.total_size DESC, a.id DESC LIMIT ${LARGEST}
      ) x
      WHERE r.project_id = ${ref.id} AND r.deleting_at IS NULL
      ORDER BY x.total_size DESC, x.id DESC LIMIT ${LARGEST}`,
  ]);
  const ids = repositories.map((r) => r.id);
  const sharedRows =
    ids.length === 0
      ? []
      : await db.$queryRaw<{ repository_id: number; bytes: bigint }[]>`
          SELECT rb.repository_id, sum(rb.size)::bigint AS bytes
          FROM repository_blobs rb
          WHERE rb.repository_id = ANY(${ids}::int[])
            AND EXISTS (SELECT 1 FROM repository_blobs o WHERE o.digest = rb.digest AND o.repository_id <> rb.repository_id)
          GROUP BY rb.repository_id`;
  const sharedOf = new Map(sharedRows.map((r) => [r.repository_id, r.bytes]));
  const sharedBytes = shared[0]?.bytes ?? 0n;
  return {
    projectId: ref.id,
    projectName: project.name,
    limit: project.storageLimit,
    used: project.storageUsed,
    sharedBytes,
    uniqueBytes: project.storageUsed - sharedBytes,
    pendingArtifacts: pending[0]?.n ?? 0,
    repositories: {
      total: repoCount,
      rows: repositories.map((r) => {
        const total = r.total;
        const sharedPart = sharedOf.get(r.id) ?? 0n;
        return { id: r.id, name: r.name, totalBytes: total, sharedBytes: sharedPart, uniqueBytes: total - sharedPart, artifacts: r.artifacts };
      }),
    },
    largestArtifacts: largest.map((a) => ({ id: a.id, repository: a.repository, digest: a.digest, totalSize: a.total_size })),
  };
}

/** The registry's filesystem (statfs of its storage directory), when Wharf shares its disk. */
export type FilesystemSize = { path: string; totalBytes: bigint; freeBytes: bigint; usedFraction: number };

/** Operators in this field alert at 85% full. */
export const STORAGE_WARNING_FRACTION = 0.85;

export async function registryFilesystem(): Promise<FilesystemSize | null> {
  const dir = getServerEnv().WHARF_REGISTRY_STORAGE_DIR;
  if (!dir) return null;
  try {
    const s = await statfs(dir, { bigint: true });
    const total = s.blocks * s.bsize;
    const free = s.bavail * s.bsize;
    return { path: dir, totalBytes: total, freeBytes: free, usedFraction: total > 0n ? Number(total - free) / Number(total) : 0 };
  } catch {
    return null;
  }
}

export type SystemStorage = {
  /** Bytes of the distinct blobs every project references (a blob in two projects once). */
  distinctBytes: bigint;
  /** The projects' usage summed (a blob in two projects twice, as quotas count it). */
  projectsBytes: bigint;
  filesystem: FilesystemSize | null;
  warning: boolean;
  largestProjects: { id: number; name: string; used: bigint; limit: bigint }[];
};

/** The whole registry's storage (administrators and auditors). */
export async function systemStorage({ actor }: { actor: Actor }): Promise<SystemStorage> {
  await assertSystemPermission(actor, "storage.read", { type: "storage" });
  const [distinct, sums, largest, filesystem] = await Promise.all([
    db.$queryRaw<{ bytes: bigint | null }[]>`SELECT sum(size)::bigint AS bytes FROM (SELECT DISTINCT ON (digest) digest, size FROM project_blobs ORDER BY digest) d`,
    db.$queryRaw<{ bytes: bigint | null }[]>`SELECT sum(storage_used)::bigint AS bytes FROM projects`,
    db.$queryRaw<{ id: number; name: string; storage_used: bigint; storage_limit: bigint }[]>`
      SELECT id, name, storage_used, storage_limit FROM projects ORDER BY storage_used DESC, id DESC LIMIT ${LARGEST}`,
    registryFilesystem(),
  ]);
  return {
    distinctBytes: distinct[0]?.bytes ?? 0n,
    projectsBytes: sums[0]?.bytes ?? 0n,
    filesystem,
    warning: filesystem !== null && filesystem.usedFraction >= STORAGE_WARNING_FRACTION,
    largestProjects: largest.map((p) => ({ id: p.id, name: p.name, used: p.storage_used, limit: p.storage_limit })),
  };
}

/** The 85% warning alone, for the dashboard and System health (no permission: it names no project). */
export async function storageWarning(): Promise<FilesystemSize | null> {
  const fs = await registryFilesystem();
  return fs && fs.usedFraction >= STORAGE_WARNING_FRACTION ? fs : null;
}
