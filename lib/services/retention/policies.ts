import "server-only";
import { z } from "zod";
import type { Actor } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import { NotFoundError, ValidationError, type FieldErrors } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { type RetentionRule, retentionRulesSchema } from "@/lib/policy/retention";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { assertProjectPermission, findProjectRef, type ProjectRef } from "@/lib/services/authz/project-access";
import { syncRetentionScheduleAfterSave } from "@/lib/services/retention/schedule";
import { ZCronExpression } from "@/lib/validation/audit-retention";

/**
 * Retention policies: one per project (tag-retention permissions of the project matrix), and one
 * system-wide default (administrators) that every project without its own follows, including
 * projects created later, since it is looked up when a run starts rather than copied.
 */

export type RetentionPolicyView = {
  id: number;
  projectId: number | null;
  rules: RetentionRule[];
  /** 5-field UTC cron, or null: runs only when started by hand. */
  schedule: string | null;
  enabled: boolean;
  updatedAt: Date;
};

/** Which policy a project's runs use: its own, else the system default, else none. */
export type RetentionInForce = { source: "project" | "system" | "none"; policy: RetentionPolicyView | null };

const policyInput = z.object({
  rules: retentionRulesSchema,
  schedule: ZCronExpression.nullable().default(null),
  enabled: z.boolean({ error: "Choose on or off." }).default(true),
});
export type RetentionPolicyInput = z.input<typeof policyInput>;

/** Field messages keyed by path (`rules.2.count`, `schedule`), so a form can show each at its field. */
function parsePolicy(input: unknown): z.output<typeof policyInput> {
  const parsed = policyInput.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const key = issue.path.length ? issue.path.map(String).join(".") : "policy";
    (fields[key] ??= []).push(issue.message);
  }
  throw new ValidationError("The retention policy has errors; nothing was saved.", fields);
}

const select = { id: true, projectId: true, rules: true, schedule: true, enabled: true, updatedAt: true } as const;

function view(row: { id: number; projectId: number | null; rules: unknown; schedule: string | null; enabled: boolean; updatedAt: Date }): RetentionPolicyView {
  // Rows are written only through parsePolicy; reading them back through the schema keeps the type honest.
  return { ...row, rules: retentionRulesSchema.parse(row.rules) };
}

/** The policy a project's runs use now (no permission check: callers have checked theirs). */
export async function retentionPolicyInForce(client: DbTransaction | typeof db, projectId: number): Promise<RetentionInForce> {
  const own = await client.retentionPolicy.findUnique({ where: { projectId }, select });
  if (own) return { source: "project", policy: view(own) };
  const fallback = await client.retentionPolicy.findUnique({ where: { systemDefault: true }, select });
  if (fallback) return { source: "system", policy: view(fallback) };
  return { source: "none", policy: null };
}

async function projectFor(actor: Actor, projectId: number, permission: "tag-retention:read" | "tag-retention:update" | "tag-retention:delete", operation?: "retention_policy.update" | "retention_policy.delete"): Promise<ProjectRef> {
  const project = await findProjectRef(projectId);
  await assertProjectPermission(actor, project, permission, { type: "retention_policy", name: project.name }, operation);
  return project;
}

/** A project's own policy (null: it has none) and the one in force (tag-retention:read). */
export async function getProjectRetention({ actor, projectId }: { actor: Actor; projectId: number }): Promise<{ own: RetentionPolicyView | null; inForce: RetentionInForce }> {
  await projectFor(actor, projectId, "tag-retention:read");
  const inForce = await retentionPolicyInForce(db, projectId);
  return { own: inForce.source === "project" ? inForce.policy : null, inForce };
}

/** Creates or replaces a project's policy (tag-retention:update); bad input saves nothing. */
export async function setProjectRetention({ actor, projectId, input }: { actor: Actor; projectId: number; input: unknown }): Promise<RetentionPolicyView> {
  const project = await projectFor(actor, projectId, "tag-retention:update", "retention_policy.update");
  const policy = parsePolicy(input);
  const saved = await db.$transaction(async (tx) => {
    const data = { rules: policy.rules as Prisma.InputJsonValue, schedule: policy.schedule, enabled: policy.enabled };
    const row = await tx.retentionPolicy.upsert({ where: { projectId: project.id }, create: { projectId: project.id, ...data }, update: data, select });
    await recordAuditEvent(tx, {
      actor,
      action: "retention_policy.update",
      resource: { type: "retention_policy", id: row.id, name: project.name },
      projectId: project.id,
      detail: { rules: policy.rules.length, schedule: policy.schedule, enabled: policy.enabled },
    });
    return view(row);
  });
  // The cron itself was saved with the policy; this only keeps pg-boss's tick present or absent.
  await syncRetentionScheduleAfterSave();
  return saved;
}

/** Removes a project's own policy, so the system default applies again (tag-retention:delete). */
export async function clearProjectRetention({ actor, projectId }: { actor: Actor; projectId: number }): Promise<void> {
  const project = await projectFor(actor, projectId, "tag-retention:delete", "retention_policy.delete");
  await db.$transaction(async (tx) => {
    const { count } = await tx.retentionPolicy.deleteMany({ where: { projectId: project.id } });
    if (count === 0) throw new ValidationError("This project has no policy of its own.");
    await recordAuditEvent(tx, { actor, action: "retention_policy.delete", resource: { type: "retention_policy", name: project.name }, projectId: project.id });
  });
  await syncRetentionScheduleAfterSave();
}

/** The system-wide default policy, null when none is set (setting.read). */
export async function getSystemRetentionDefault({ actor }: { actor: Actor }): Promise<RetentionPolicyView | null> {
  await assertSystemPermission(actor, "setting.read", { type: "retention_policy", name: "system default" });
  const row = await db.retentionPolicy.findUnique({ where: { systemDefault: true }, select });
  return row ? view(row) : null;
}

/** Creates or replaces the system-wide default (administrators: setting.update). */
export async function setSystemRetentionDefault({ actor, input }: { actor: Actor; input: unknown }): Promise<RetentionPolicyView> {
  await assertSystemPermission(actor, "setting.update", { type: "retention_policy", name: "system default" }, "retention_policy.default_update");
  const policy = parsePolicy(input);
  const saved = await db.$transaction(async (tx) => {
    const data = { rules: policy.rules as Prisma.InputJsonValue, schedule: policy.schedule, enabled: policy.enabled };
    const row = await tx.retentionPolicy.upsert({ where: { systemDefault: true }, create: { systemDefault: true, ...data }, update: data, select });
    await recordAuditEvent(tx, {
      actor,
      action: "retention_policy.default_update",
      resource: { type: "retention_policy", id: row.id, name: "system default" },
      detail: { rules: policy.rules.length, schedule: policy.schedule, enabled: policy.enabled },
    });
    return view(row);
  });
  await syncRetentionScheduleAfterSave();
  return saved;
}

/**
 * The project a project policy belongs to, for routes that name a policy by id (Harbor's
 * /retentions/{id}); the system default and unknown ids are not found. The caller's service call
 * then checks the caller's permission in that project.
 */
export async function projectOfRetentionPolicy(policyId: number): Promise<number> {
  const row = await db.retentionPolicy.findUnique({ where: { id: policyId }, select: { projectId: true } });
  if (row?.projectId == null) throw new NotFoundError("Retention policy not found.");
  return row.projectId;
}

/**
 * The ids of the projects' own policies (Harbor's project metadata `retention_id`), for answers
 * about projects the caller may already see; projects following the system default have none.
 */
export async function ownRetentionPolicyIds(projectIds: readonly number[]): Promise<Map<number, number>> {
  if (projectIds.length === 0) return new Map();
  const rows = await db.retentionPolicy.findMany({ where: { projectId: { in: [...projectIds] } }, select: { id: true, projectId: true } });
  return new Map(rows.map((r) => [r.projectId!, r.id]));
}
