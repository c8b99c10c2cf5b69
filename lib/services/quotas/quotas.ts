import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import { NotFoundError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";

/**
 * Project quotas (Harbor's /quotas): one quota per project, its id the project's id; `hard` is
 * the storage limit in bytes (-1 unlimited) and `used` the bytes of the distinct blobs the
 * project's artifacts reference (kept exact by the artifact_blobs triggers). Administrators set
 * limits (one `quota.update` row per change); administrators and auditors list every quota;
 * anyone who may read a project reads its own quota (project summary).
 */
export type ProjectQuota = {
  id: number;
  projectId: number;
  projectName: string;
  ownerName: string | null;
  hard: bigint;
  used: bigint;
  createdAt: Date;
  updatedAt: Date;
};

type QuotaRow = {
  id: number;
  name: string;
  owner_name: string | null;
  storage_limit: bigint;
  storage_used: bigint;
  created_at: Date;
  updated_at: Date;
};

function toQuota(r: QuotaRow): ProjectQuota {
  return {
    id: r.id,
    projectId: r.id,
    projectName: r.name,
    ownerName: r.owner_name,
    hard: r.storage_limit,
    used: r.storage_used,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export type QuotaSort = "hard.storage" | "-hard.storage" | "used.storage" | "-used.storage" | "creation_time" | "-creation_time" | "update_time" | "-update_time";

const ORDER: Record<QuotaSort, string> = {
  "hard.storage": "p.storage_limit ASC, p.id ASC",
  "-hard.storage": "p.storage_limit DESC, p.id DESC",
  "used.storage": "p.storage_used ASC, p.id ASC",
  "-used.storage": "p.storage_used DESC, p.id DESC",
  creation_time: "p.created_at ASC, p.id ASC",
  "-creation_time": "p.created_at DESC, p.id DESC",
  update_time: "p.updated_at ASC, p.id ASC",
  "-update_time": "p.updated_at DESC, p.id DESC",
};

/** Every project's quota, a page at a time (administrators and auditors). */
export async function listQuotas({
  actor,
  query,
}: {
  actor: Actor;
  query: { referenceId?: number; sort?: QuotaSort; page: number; pageSize: number };
}): Promise<{ rows: ProjectQuota[]; total: number }> {
  await assertSystemPermission(actor, "quota.list", { type: "quota" });
  const where = query.referenceId === undefined ? "" : `WHERE p.id = ${Number(query.referenceId)}`;
  const order = ORDER[query.sort ?? "creation_time"];
  const offset = (query.page - 1) * query.pageSize;
  const [rows, count] = await Promise.all([
    db.$queryRawUnsafe<QuotaRow[]>(
      `SELECT p.id, p.name, u.username AS owner_name, p.storage_limit, p.storage_used, p.created_at, p.updated_at
       FROM projects p LEFT JOIN users u ON u.id = p.owner_id ${where} ORDER BY ${order} LIMIT $1 OFFSET $2`,
      query.pageSize,
      offset,
    ),
    db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM projects p ${where}`),
  ]);
  return { rows: rows.map(toQuota), total: count[0]?.n ?? 0 };
}

async function quotaRow(projectId: number): Promise<QuotaRow | null> {
  const rows = await db.$queryRaw<QuotaRow[]>`
    SELECT p.id, p.name, u.username AS owner_name, p.storage_limit, p.storage_used, p.created_at, p.updated_at
    FROM projects p LEFT JOIN users u ON u.id = p.owner_id WHERE p.id = ${projectId}`;
  return rows[0] ?? null;
}

/** One quota by id (= project id): administrators and auditors. */
export async function getQuota({ actor, id }: { actor: Actor; id: number }): Promise<ProjectQuota> {
  await assertSystemPermission(actor, "quota.read", { type: "quota", id });
  const row = await quotaRow(id);
  if (!row) throw new NotFoundError(`Quota ${id} not found.`);
  return toQuota(row);
}

/** A project's own quota, for its Summary (anyone who may read the project: Harbor's quota:read). */
export async function getProjectQuota({ actor, projectId }: { actor: Actor; projectId: number }): Promise<ProjectQuota> {
  const ref = await findProjectRef(projectId);
  await assertProjectPermission(actor, ref, "quota:read");
  const row = await quotaRow(ref.id);
  if (!row) throw new NotFoundError(`Project ${projectId} not found.`);
  return toQuota(row);
}

/**
 * Sets a project's storage limit (administrators). Lowering it under the usage is allowed (as in
 * Harbor): pushes that add bytes are refused until the project is under it again. One
 * `quota.update` row with before and after; an unchanged limit writes nothing.
 */
export async function updateQuota({ actor, id, storageLimit }: { actor: Actor; id: number; storageLimit: bigint }): Promise<void> {
  await assertSystemPermission(actor, "quota.update", { type: "quota", id });
  await db.$transaction(async (tx) => {
    const current = await tx.project.findUnique({ where: { id }, select: { name: true, storageLimit: true } });
    if (!current) throw new NotFoundError(`Quota ${id} not found.`);
    await writeStorageLimit(tx, { actor, projectId: id, projectName: current.name, before: current.storageLimit, after: storageLimit });
  });
}

/** The limit written, with its audit row, in the caller's transaction (nothing when unchanged). */
export async function writeStorageLimit(
  tx: DbTransaction,
  { actor, projectId, projectName, before, after }: { actor: Actor; projectId: number; projectName: string; before: bigint; after: bigint },
): Promise<void> {
  if (before === after) return;
  await tx.project.update({ where: { id: projectId }, data: { storageLimit: after }, select: { id: true } });
  await recordAuditEvent(tx, {
    actor,
    action: "quota.update",
    resource: { type: "quota", id: projectId, name: projectName },
    projectId,
    detail: { hard: { before: { storage: Number(before) }, after: { storage: Number(after) } } },
  });
}

/** Harbor's project summary: repositories, members by role id, and the quota (project readers). */
export async function getProjectSummaryCounts({
  actor,
  projectId,
}: {
  actor: Actor;
  projectId: number;
}): Promise<{ repositoryCount: number; roleCounts: Record<number, number>; quota: ProjectQuota }> {
  const ref = await findProjectRef(projectId);
  await assertProjectPermission(actor, ref, "quota:read");
  const [row, repositoryCount, roles] = await Promise.all([
    quotaRow(ref.id),
    db.repository.count({ where: { projectId: ref.id, deletingAt: null } }),
    db.projectMember.groupBy({ by: ["roleId"], where: { projectId: ref.id }, _count: { _all: true } }),
  ]);
  if (!row) throw new NotFoundError(`Project ${projectId} not found.`);
  return { repositoryCount, roleCounts: Object.fromEntries(roles.map((r) => [r.roleId, r._count._all])), quota: toQuota(row) };
}
