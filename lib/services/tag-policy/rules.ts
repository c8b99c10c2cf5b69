import "server-only";
import { z } from "zod";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { NotFoundError, ValidationError, type FieldErrors } from "@/lib/errors";
import { immutableRuleSchema } from "@/lib/policy/immutability";
import { PATTERN_MAX_LENGTH, patternError } from "@/lib/policy/selectors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertProjectPermission, findProjectRef, type ProjectRef } from "@/lib/services/authz/project-access";
import { forgetTagPolicy, notifyTagPolicyChange } from "@/lib/services/tag-policy/cache";
import { describeRule, parseStoredRule, type StoredRule } from "@/lib/services/tag-policy/stored-rule";

/** Harbor allows 15 immutability rules per project; so does Wharf. */
export const MAX_IMMUTABLE_RULES = 15;

export type { StoredRule };
export type NamingPolicy = { pattern: string; enabled: boolean } | null;

function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "_";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** "<field>: <message>; ...", as every 400 names its fields. */
function invalid(what: string, error: z.ZodError): ValidationError {
  const fields = fieldErrorsOf(error);
  return new ValidationError(`${what} is not valid: ${Object.entries(fields).map(([k, v]) => `${k}: ${v.join(" ")}`).join("; ")}`, fields);
}

function parseRule(input: unknown) {
  const parsed = immutableRuleSchema.safeParse(input);
  if (!parsed.success) throw invalid("The immutability rule", parsed.error);
  return parsed.data;
}

const RULE_OPERATIONS = {
  "immutable-tag:list": undefined,
  "immutable-tag:create": "immutable_rule.create",
  "immutable-tag:update": "immutable_rule.update",
  "immutable-tag:delete": "immutable_rule.delete",
} as const;

async function project(actor: Actor, projectId: number | string, permission: "immutable-tag:list" | "immutable-tag:create" | "immutable-tag:update" | "immutable-tag:delete", operation?: "tag_naming_policy.update"): Promise<ProjectRef> {
  const ref = await findProjectRef(projectId);
  // A refused change is filed under the operation its success writes (immutable_rule.*), not the
  // permission's resource name (immutable-tag), so one filter finds both.
  const refusedAs = operation ?? RULE_OPERATIONS[permission];
  await assertProjectPermission(actor, ref, permission, { type: operation ? "project" : "immutable_rule", id: ref.id, name: ref.name }, refusedAs);
  return ref;
}

async function afterCommit<T>(projectId: number, result: T): Promise<T> {
  forgetTagPolicy(projectId);
  return result;
}

export async function listImmutableRules({ actor, projectId }: { actor: Actor; projectId: number | string }): Promise<StoredRule[]> {
  const ref = await project(actor, projectId, "immutable-tag:list");
  const rows = await db.immutableTagRule.findMany({ where: { projectId: ref.id }, orderBy: [{ position: "asc" }, { id: "asc" }] });
  return rows.map(parseStoredRule);
}

/** Adds a rule at the end (or at `position`); at most {@link MAX_IMMUTABLE_RULES}. */
export async function createImmutableRule({ actor, projectId, rule, position }: { actor: Actor; projectId: number | string; rule: unknown; position?: number }): Promise<StoredRule> {
  const ref = await project(actor, projectId, "immutable-tag:create");
  const data = parseRule(rule);
  const created = await db.$transaction(async (tx) => {
    // One writer per project at a time: the count and the next position are read under the lock.
    await tx.$executeRaw`SELECT id FROM projects WHERE id = ${ref.id} FOR UPDATE`;
    const existing = await tx.immutableTagRule.findMany({ where: { projectId: ref.id }, select: { position: true } });
    if (existing.length >= MAX_IMMUTABLE_RULES) {
      throw new ValidationError(`A project has at most ${MAX_IMMUTABLE_RULES} immutability rules.`, { _: [`At most ${MAX_IMMUTABLE_RULES} rules.`] });
    }
    const next = position ?? existing.reduce((max, r) => Math.max(max, r.position + 1), 0);
    const row = await tx.immutableTagRule.create({
      data: { projectId: ref.id, position: next, repositories: data.repositories, tags: data.tags, disabled: data.disabled },
    });
    const stored = parseStoredRule(row);
    await notifyTagPolicyChange(tx);
    await recordAuditEvent(tx, {
      actor,
      action: "immutable_rule.create",
      resource: { type: "immutable_rule", id: row.id, name: describeRule(stored) },
      projectId: ref.id,
      detail: { repositories: data.repositories, tags: data.tags, disabled: data.disabled },
    });
    return stored;
  });
  return afterCommit(ref.id, created);
}

async function findRule(projectId: number, ruleId: number) {
  const row = Number.isSafeInteger(ruleId) ? await db.immutableTagRule.findUnique({ where: { id: ruleId } }) : null;
  if (!row || row.projectId !== projectId) throw new NotFoundError("Immutability rule not found.");
  return row;
}

/** Replaces a rule's selectors and enabled state (and its position, when given). */
export async function updateImmutableRule({ actor, projectId, ruleId, rule, position }: { actor: Actor; projectId: number | string; ruleId: number; rule: unknown; position?: number }): Promise<StoredRule> {
  const ref = await project(actor, projectId, "immutable-tag:update");
  const data = parseRule(rule);
  await findRule(ref.id, ruleId);
  const updated = await db.$transaction(async (tx) => {
    const row = await tx.immutableTagRule.update({
      where: { id: ruleId },
      data: { repositories: data.repositories, tags: data.tags, disabled: data.disabled, ...(position === undefined ? {} : { position }) },
    });
    const stored = parseStoredRule(row);
    await notifyTagPolicyChange(tx);
    await recordAuditEvent(tx, {
      actor,
      action: "immutable_rule.update",
      resource: { type: "immutable_rule", id: row.id, name: describeRule(stored) },
      projectId: ref.id,
      detail: { repositories: data.repositories, tags: data.tags, disabled: data.disabled },
    });
    return stored;
  });
  return afterCommit(ref.id, updated);
}

/** Enables or disables a rule (immutable-tag:update; recorded as an update with the new state). */
export async function setImmutableRuleDisabled({ actor, projectId, ruleId, disabled }: { actor: Actor; projectId: number | string; ruleId: number; disabled: boolean }): Promise<StoredRule> {
  const ref = await project(actor, projectId, "immutable-tag:update");
  await findRule(ref.id, ruleId);
  const updated = await db.$transaction(async (tx) => {
    const stored = parseStoredRule(await tx.immutableTagRule.update({ where: { id: ruleId }, data: { disabled } }));
    await notifyTagPolicyChange(tx);
    await recordAuditEvent(tx, {
      actor,
      action: "immutable_rule.update",
      resource: { type: "immutable_rule", id: ruleId, name: describeRule(stored) },
      projectId: ref.id,
      detail: { disabled },
    });
    return stored;
  });
  return afterCommit(ref.id, updated);
}

export async function deleteImmutableRule({ actor, projectId, ruleId }: { actor: Actor; projectId: number | string; ruleId: number }): Promise<void> {
  const ref = await project(actor, projectId, "immutable-tag:delete");
  const stored = parseStoredRule(await findRule(ref.id, ruleId));
  await db.$transaction(async (tx) => {
    // deleteMany: a concurrent delete of the same rule is not a 500; the second writes no row.
    const { count } = await tx.immutableTagRule.deleteMany({ where: { id: ruleId, projectId: ref.id } });
    if (count === 0) throw new NotFoundError("Immutability rule not found.");
    await notifyTagPolicyChange(tx);
    await recordAuditEvent(tx, {
      actor,
      action: "immutable_rule.delete",
      resource: { type: "immutable_rule", id: ruleId, name: describeRule(stored) },
      projectId: ref.id,
    });
  });
  forgetTagPolicy(ref.id);
}

// ---- naming policy ----------------------------------------------------------------------------

export const namingPolicySchema = z
  .object({
    pattern: z
      .string({ error: "Enter a regular expression." })
      .min(1, { error: "Enter a regular expression." })
      .max(PATTERN_MAX_LENGTH, { error: `At most ${PATTERN_MAX_LENGTH} characters.` }),
    enabled: z.boolean({ error: "Say whether the policy is enabled." }).default(true),
  })
  .superRefine((value, ctx) => {
    const message = patternError("regex", value.pattern);
    if (message) ctx.addIssue({ code: "custom", path: ["pattern"], message });
  });

export async function getNamingPolicy({ actor, projectId }: { actor: Actor; projectId: number | string }): Promise<NamingPolicy> {
  const ref = await project(actor, projectId, "immutable-tag:list");
  const row = await db.tagNamingPolicy.findUnique({ where: { projectId: ref.id } });
  return row ? { pattern: row.pattern, enabled: row.enabled } : null;
}

/**
 * Sets (or, with `policy` null, removes) the project's naming policy: the regular expression (RE2,
 * matched against the whole tag) every tag pushed from now on must match. Tags that exist are not
 * touched. Permission: immutable-tag:update (the same people who decide which tags are frozen).
 */
export async function setNamingPolicy({ actor, projectId, policy }: { actor: Actor; projectId: number | string; policy: unknown }): Promise<NamingPolicy> {
  const ref = await project(actor, projectId, "immutable-tag:update", "tag_naming_policy.update");
  let next: { pattern: string; enabled: boolean } | null = null;
  if (policy !== null) {
    const parsed = namingPolicySchema.safeParse(policy);
    if (!parsed.success) throw invalid("The naming policy", parsed.error);
    next = parsed.data;
  }
  await db.$transaction(async (tx) => {
    if (next) {
      await tx.tagNamingPolicy.upsert({ where: { projectId: ref.id }, create: { projectId: ref.id, ...next }, update: next });
    } else {
      await tx.tagNamingPolicy.deleteMany({ where: { projectId: ref.id } });
    }
    await notifyTagPolicyChange(tx);
    await recordAuditEvent(tx, {
      actor,
      action: "tag_naming_policy.update",
      resource: { type: "project", id: ref.id, name: ref.name },
      projectId: ref.id,
      detail: next ? { pattern: next.pattern, enabled: next.enabled } : { removed: true },
    });
  });
  return afterCommit(ref.id, next);
}
