import "server-only";
import { z } from "zod";
import type { Actor } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import { ConflictError, NotFoundError, ValidationError, type FieldErrors } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { type ReplicationFilter, replicationFilterSchema } from "@/lib/policy/replication";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { type Page, skipTake } from "@/lib/services/pagination";
import { syncReplicationScheduleAfterSave } from "@/lib/services/replication/schedule";
import { isUniqueViolation } from "@/lib/services/users/unique-violation";
import { ZCronExpression } from "@/lib/validation/audit-retention";

/**
 * Replication policies (Harbor's /replication/policies): administrators manage them, auditors read
 * them. Every change writes exactly one audit row in the same transaction; bad input is refused
 * with a message per field before anything is written.
 */

export const REPLICATION_DIRECTIONS = ["push", "pull"] as const;
export type ReplicationDirection = (typeof REPLICATION_DIRECTIONS)[number];
export const REPLICATION_TRIGGERS = ["manual", "scheduled", "event_based"] as const;
export type ReplicationTrigger = (typeof REPLICATION_TRIGGERS)[number];

/** The most artifacts one execution copies at once: the machine and the remote share the rest. */
export const MAX_COPY_PARALLELISM = 16;

// A destination namespace is a project name at the destination (Harbor's project name rule).
const NAMESPACE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export const replicationPolicyInput = z
  .object({
    name: z.string({ error: "Enter a name" }).trim().min(1, "Enter a name").max(255, "At most 255 characters"),
    description: z.string({ error: "Must be text" }).max(1024, "At most 1024 characters").default(""),
    direction: z.enum(REPLICATION_DIRECTIONS, { error: "Choose push or pull" }),
    endpointId: z.int({ error: "Choose a registry endpoint" }).positive("Choose a registry endpoint"),
    filters: replicationFilterSchema.default({ name: null, tag: null, label: null, resource: "image" }),
    destNamespace: z
      .string({ error: "Must be text" })
      .trim()
      .max(255, "At most 255 characters")
      .regex(NAMESPACE, "Lowercase letters, digits and . _ - between them")
      .nullable()
      .default(null)
      .or(z.literal("").transform(() => null)),
    flattening: z.int({ error: "Choose -1 (all levels) or 0 to 3" }).min(-1, "Choose -1 (all levels) or 0 to 3").max(3, "Choose -1 (all levels) or 0 to 3").default(1),
    override: z.boolean({ error: "Choose on or off" }).default(true),
    replicateDeletion: z.boolean({ error: "Choose on or off" }).default(false),
    trigger: z.enum(REPLICATION_TRIGGERS, { error: "Choose manual, scheduled or event_based" }).default("manual"),
    cron: ZCronExpression.nullable().default(null),
    enabled: z.boolean({ error: "Choose on or off" }).default(true),
    /** Bytes per second; null is unlimited. */
    bandwidthLimit: z.int({ error: "Bytes per second, or empty for unlimited" }).positive("Bytes per second, or empty for unlimited").nullable().default(null),
    copyParallelism: z
      .int({ error: `From 1 to ${MAX_COPY_PARALLELISM}` })
      .min(1, `From 1 to ${MAX_COPY_PARALLELISM}`)
      .max(MAX_COPY_PARALLELISM, `From 1 to ${MAX_COPY_PARALLELISM}`)
      .default(4),
  })
  .superRefine((p, ctx) => {
    if (p.trigger === "scheduled" && !p.cron) ctx.addIssue({ code: "custom", path: ["cron"], message: "A scheduled policy needs a cron expression" });
    if (p.trigger === "event_based" && p.direction === "pull")
      ctx.addIssue({ code: "custom", path: ["trigger"], message: "Pull policies cannot be event based: Wharf hears only its own pushes" });
  });
export type ReplicationPolicyInput = z.input<typeof replicationPolicyInput>;

export type ReplicationPolicyView = {
  id: number;
  name: string;
  description: string;
  direction: ReplicationDirection;
  endpoint: { id: number; name: string; url: string };
  filters: ReplicationFilter;
  destNamespace: string | null;
  flattening: number;
  override: boolean;
  replicateDeletion: boolean;
  trigger: ReplicationTrigger;
  cron: string | null;
  enabled: boolean;
  bandwidthLimit: number | null;
  copyParallelism: number;
  createdAt: Date;
  updatedAt: Date;
};

const SELECT = {
  id: true,
  name: true,
  description: true,
  direction: true,
  endpoint: { select: { id: true, name: true, url: true } },
  filters: true,
  destNamespace: true,
  flattening: true,
  override: true,
  replicateDeletion: true,
  triggerType: true,
  cron: true,
  enabled: true,
  bandwidthLimit: true,
  copyParallelism: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.ReplicationPolicySelect;

type Row = Prisma.ReplicationPolicyGetPayload<{ select: typeof SELECT }>;

function view({ triggerType, filters, ...row }: Row): ReplicationPolicyView {
  // Rows are written only through replicationPolicyInput; reading back through the schema keeps the type honest.
  return {
    ...row,
    direction: row.direction as ReplicationDirection,
    trigger: triggerType as ReplicationTrigger,
    filters: replicationFilterSchema.parse(filters),
  };
}

function parsePolicy(input: unknown): z.output<typeof replicationPolicyInput> {
  const parsed = replicationPolicyInput.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const key = issue.path.length ? issue.path.map(String).join(".") : "policy";
    (fields[key] ??= []).push(issue.message);
  }
  throw new ValidationError("The replication policy has errors; nothing was saved.", fields);
}

function nameOf(input: unknown): string | null {
  return typeof input === "object" && input !== null && typeof (input as { name?: unknown }).name === "string" ? (input as { name: string }).name : null;
}

const resource = (r: { id?: number; name?: string | null }) => ({ type: "replication_policy", id: r.id ?? null, name: r.name ?? null });

function nameTaken(): ConflictError {
  return new ConflictError("A replication policy with that name already exists.", { name: ["This name is already used by another replication policy"] });
}

/** A pull policy may not name a proxy-cache project as its destination: only its upstream fills it (issue 13). */
async function assertPullDestination(tx: DbTransaction, policy: { direction: string; destNamespace: string | null }): Promise<void> {
  if (policy.direction !== "pull" || !policy.destNamespace) return;
  const project = await tx.project.findUnique({ where: { name: policy.destNamespace }, select: { proxyRegistryId: true } });
  if (project?.proxyRegistryId != null) {
    throw new ValidationError("The replication policy has errors; nothing was saved.", {
      destNamespace: [`${policy.destNamespace} is a proxy-cache project: it is filled from its upstream registry only. Choose an ordinary project`],
    });
  }
}

async function assertEndpoint(tx: DbTransaction, endpointId: number): Promise<void> {
  const endpoint = await tx.registryEndpoint.findUnique({ where: { id: endpointId }, select: { id: true } });
  if (!endpoint) throw new ValidationError("The replication policy has errors; nothing was saved.", { endpointId: [`Registry endpoint ${endpointId} does not exist`] });
}

function dataOf(p: z.output<typeof replicationPolicyInput>) {
  return {
    name: p.name,
    description: p.description,
    direction: p.direction,
    endpointId: p.endpointId,
    filters: p.filters as Prisma.InputJsonValue,
    destNamespace: p.destNamespace,
    flattening: p.flattening,
    override: p.override,
    replicateDeletion: p.replicateDeletion,
    triggerType: p.trigger,
    cron: p.trigger === "scheduled" ? p.cron : null,
    enabled: p.enabled,
    bandwidthLimit: p.bandwidthLimit,
    copyParallelism: p.copyParallelism,
  };
}

/** What an audit row says of a policy: enough to see what changed, without the filters' internals. */
function auditDetail(p: z.output<typeof replicationPolicyInput>) {
  return { direction: p.direction, endpointId: p.endpointId, trigger: p.trigger, cron: p.cron, enabled: p.enabled, destNamespace: p.destNamespace, flattening: p.flattening, filters: p.filters };
}

export async function createReplicationPolicy({ actor, input }: { actor: Actor; input: unknown }): Promise<ReplicationPolicyView> {
  await assertSystemPermission(actor, "replication_policy.create", resource({ name: nameOf(input) }), "replication_policy.create");
  const policy = parsePolicy(input);
  try {
    const created = await db.$transaction(async (tx) => {
      if (await tx.replicationPolicy.findUnique({ where: { name: policy.name }, select: { id: true } })) throw nameTaken();
      await assertEndpoint(tx, policy.endpointId);
      await assertPullDestination(tx, policy);
      const row = await tx.replicationPolicy.create({ data: dataOf(policy), select: SELECT });
      await recordAuditEvent(tx, { actor, action: "replication_policy.create", resource: resource(row), detail: auditDetail(policy) });
      return view(row);
    });
    await syncReplicationScheduleAfterSave();
    return created;
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken();
    throw err;
  }
}

/**
 * Replaces a policy's settings (Harbor's PUT takes the whole policy). An input without
 * `copyParallelism` (a Harbor client, which does not know Wharf's field) keeps the stored one.
 */
export async function updateReplicationPolicy({ actor, policyId, input }: { actor: Actor; policyId: number; input: unknown }): Promise<ReplicationPolicyView> {
  await assertSystemPermission(actor, "replication_policy.update", resource({ id: policyId, name: nameOf(input) }), "replication_policy.update");
  const keepParallelism = typeof input === "object" && input !== null && (input as { copyParallelism?: unknown }).copyParallelism === undefined;
  const policy = parsePolicy(input);
  try {
    const updated = await db.$transaction(async (tx) => {
      const stored = await tx.replicationPolicy.findUnique({ where: { id: policyId }, select: { copyParallelism: true } });
      if (!stored) throw new NotFoundError(`Replication policy ${policyId} does not exist.`);
      if (keepParallelism) policy.copyParallelism = stored.copyParallelism;
      const clash = await tx.replicationPolicy.findFirst({ where: { name: policy.name, id: { not: policyId } }, select: { id: true } });
      if (clash) throw nameTaken();
      await assertEndpoint(tx, policy.endpointId);
      await assertPullDestination(tx, policy);
      const row = await tx.replicationPolicy.update({ where: { id: policyId }, data: dataOf(policy), select: SELECT });
      await recordAuditEvent(tx, { actor, action: "replication_policy.update", resource: resource(row), detail: auditDetail(policy) });
      return view(row);
    });
    await syncReplicationScheduleAfterSave();
    return updated;
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken();
    throw err;
  }
}

/** Deletes a policy with its executions and tasks; refused while one of its executions runs. */
export async function deleteReplicationPolicy({ actor, policyId }: { actor: Actor; policyId: number }): Promise<void> {
  await assertSystemPermission(actor, "replication_policy.delete", resource({ id: policyId }), "replication_policy.delete");
  await db.$transaction(async (tx) => {
    const row = await tx.replicationPolicy.findUnique({ where: { id: policyId }, select: { id: true, name: true } });
    if (!row) throw new NotFoundError(`Replication policy ${policyId} does not exist.`);
    const running = await tx.replicationExecution.count({ where: { policyId, status: "InProgress" } });
    if (running > 0) throw new ConflictError("The policy has an execution in progress; stop it first.");
    await tx.replicationPolicy.delete({ where: { id: policyId }, select: { id: true } });
    await recordAuditEvent(tx, { actor, action: "replication_policy.delete", resource: resource(row) });
  });
  await syncReplicationScheduleAfterSave();
}

export async function getReplicationPolicy({ actor, policyId }: { actor: Actor; policyId: number }): Promise<ReplicationPolicyView> {
  await assertSystemPermission(actor, "replication_policy.read", resource({ id: policyId }));
  const row = await db.replicationPolicy.findUnique({ where: { id: policyId }, select: SELECT });
  if (!row) throw new NotFoundError(`Replication policy ${policyId} does not exist.`);
  return view(row);
}

export type ListReplicationPoliciesQuery = { name?: { op: "exact" | "fuzzy"; value: string }; page: number; pageSize: number };

/** By name; `name` filters exactly or by substring (case-insensitive). */
export async function listReplicationPolicies({ actor, query }: { actor: Actor; query: ListReplicationPoliciesQuery }): Promise<Page<ReplicationPolicyView>> {
  await assertSystemPermission(actor, "replication_policy.list", resource({}));
  const where: Prisma.ReplicationPolicyWhereInput = query.name
    ? query.name.op === "exact"
      ? { name: query.name.value }
      : { name: { contains: query.name.value, mode: "insensitive" } }
    : {};
  const [rows, total] = await Promise.all([
    db.replicationPolicy.findMany({ where, select: SELECT, orderBy: [{ name: "asc" }, { id: "asc" }], ...skipTake(query.page, query.pageSize) }),
    db.replicationPolicy.count({ where }),
  ]);
  return { rows: rows.map(view), total, page: query.page, pageSize: query.pageSize };
}

/**
 * The destination repository for a source repository (Harbor's namespace replacement): without a
 * destination namespace the name is kept; with one, `flattening` levels of the source path are
 * dropped (-1: all but the last) and the namespace put in front. A source with fewer levels than
 * asked is refused with Harbor's reason, so the plan can show it.
 */
export function destinationRepository(source: string, destNamespace: string | null, flattening: number): { ok: true; repository: string } | { ok: false; reason: string } {
  if (!destNamespace) return { ok: true, repository: source };
  const parts = source.split("/");
  if (flattening === -1) return { ok: true, repository: `${destNamespace}/${parts[parts.length - 1]}` };
  if (flattening === 0) return { ok: true, repository: `${destNamespace}/${source}` };
  if (flattening > parts.length - 1)
    return { ok: false, reason: `the source repository ${source} has only ${parts.length - 1} path levels before its last, fewer than the ${flattening} to flatten` };
  return { ok: true, repository: `${destNamespace}/${parts.slice(flattening).join("/")}` };
}
