import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import type { AuditOperation } from "@/lib/services/audit/audit-actions";
import { recordRefusal } from "@/lib/services/audit/record-audit-event";
import { type CompiledTagPolicy, loadTagPolicy, tagPolicyFor } from "@/lib/services/tag-policy/cache";
import { TagPolicyError } from "@/lib/services/tag-policy/errors";
import { describeRule } from "@/lib/services/tag-policy/stored-rule";

export type TagChangeRefusal = {
  allowed: false;
  /** "immutable": an immutability rule protects the tag; "naming": the new tag breaks the naming policy. */
  policy: "immutable" | "naming";
  /** For the caller (registry error, 412 body, form message). */
  message: string;
  /** For the audit row. */
  reason: string;
  ruleId: number | null;
};
export type TagChangeDecision = { allowed: true } | TagChangeRefusal;

const ALLOWED: TagChangeDecision = { allowed: true };

/**
 * Whether `repository:tag` may change, by the project's tag policies (cached per project, see
 * cache.ts). The current digest of the tag is read from the index.
 * - push (the tag is to point at `newDigest`): refused when an immutability rule covers the tag,
 *   the tag exists and points elsewhere (pushing the same digest again changes nothing and is
 *   allowed); and when the tag does not exist yet and does not match the naming policy (tags that
 *   exist predate the policy or matched it, and stay pushable).
 * - delete: refused when an immutability rule covers the tag.
 * Pure decision: nothing is written; the caller records its refusal under its own operation.
 */
export async function tagChangeDecision({
  projectId,
  repository,
  tag,
  newDigest,
  kind,
}: {
  projectId: number;
  repository: string;
  tag: string;
  newDigest?: string;
  kind: "push" | "delete";
}): Promise<TagChangeDecision> {
  const policy = await tagPolicyFor(projectId);
  const ruleIndex = policy.immutable.ruleFor(repository, tag);
  if (ruleIndex === null && (kind === "delete" || !policy.naming)) return ALLOWED;
  const current = kind === "push" ? await currentDigest(repository, tag) : null;
  if (ruleIndex !== null) {
    const rule = policy.rules[ruleIndex]!;
    if (kind === "delete") return immutableRefusal(`${repository}:${tag}`, describeRule(rule), rule.id, "deleted");
    if (current !== null && current !== newDigest) return immutableRefusal(`${repository}:${tag}`, describeRule(rule), rule.id, "moved to another digest");
  }
  if (kind === "push" && policy.naming && current === null && !policy.naming.compiled.test(tag)) {
    return {
      allowed: false,
      policy: "naming",
      message: `Tag ${JSON.stringify(tag)} does not match the project's tag naming policy: tags must match the regular expression ${policy.naming.pattern}.`,
      reason: `tag ${tag} does not match the naming policy ${policy.naming.pattern}`,
      ruleId: null,
    };
  }
  return ALLOWED;
}

function immutableRefusal(name: string, rule: string, ruleId: number, verb: string): TagChangeRefusal {
  return {
    allowed: false,
    policy: "immutable",
    message: `Tag ${name} is immutable (${rule}) and cannot be ${verb}.`,
    reason: `${name} is protected by ${rule}`,
    ruleId,
  };
}

async function currentDigest(repository: string, tag: string): Promise<string | null> {
  const row = await db.tag.findFirst({ where: { name: tag, repository: { name: repository } }, select: { artifact: { select: { digest: true } } } });
  return row?.artifact.digest ?? null;
}

/**
 * Whether the artifact `repository@digest` may be deleted: not while any of its tags is immutable
 * (its tags go with it). The first immutable tag found is the one named.
 */
export async function artifactDeleteDecision({ projectId, repository, digest }: { projectId: number; repository: string; digest: string }): Promise<TagChangeDecision> {
  const policy = await tagPolicyFor(projectId);
  if (!policy.rules.some((r) => !r.disabled)) return ALLOWED;
  const tags = await db.tag.findMany({
    where: { artifact: { digest, repository: { name: repository } } },
    select: { name: true },
    orderBy: { name: "asc" },
  });
  for (const { name } of tags) {
    const decision = await tagChangeDecision({ projectId, repository, tag: name, kind: "delete" });
    if (!decision.allowed) {
      return { ...decision, message: `Artifact ${repository}@${digest} carries an immutable tag: ${decision.message}` };
    }
  }
  return ALLOWED;
}

/**
 * Whether a repository may be deleted: not while any of its tags is immutable (all its tags go
 * with it). Names the first protected tag, in name order.
 */
export async function repositoryDeleteDecision({ projectId, repositoryId, repository }: { projectId: number; repositoryId: number; repository: string }): Promise<TagChangeDecision> {
  const policy = await tagPolicyFor(projectId);
  if (!policy.rules.some((r) => !r.disabled)) return ALLOWED;
  const tags = await db.tag.findMany({ where: { repositoryId }, select: { name: true }, orderBy: { name: "asc" } });
  const guard = immutableTagGuard(policy, repository);
  for (const { name } of tags) {
    const rule = guard(name);
    if (rule !== null) {
      const refusal = immutableRefusal(`${repository}:${name}`, rule.description, rule.ruleId, "deleted");
      return { ...refusal, message: `Repository ${repository} holds an immutable tag: ${refusal.message}` };
    }
  }
  return ALLOWED;
}

/** The immutability rule protecting a tag of one repository, or null. */
export type ImmutableTagGuard = (tag: string) => { ruleId: number; description: string } | null;

function immutableTagGuard(policy: CompiledTagPolicy, repository: string): ImmutableTagGuard {
  return (tag) => {
    const index = policy.immutable.ruleFor(repository, tag);
    if (index === null) return null;
    const rule = policy.rules[index]!;
    return { ruleId: rule.id, description: describeRule(rule) };
  };
}

/**
 * For retention: which tags of `repository` the project's immutability rules protect. `fresh`
 * reads the rules past the per-process cache (the check just before a deletion must not act on
 * rules up to the cache's time to live old).
 */
export async function immutableTagGuardFor({ projectId, repository, fresh = false }: { projectId: number; repository: string; fresh?: boolean }): Promise<ImmutableTagGuard> {
  return immutableTagGuard(fresh ? await loadTagPolicy(projectId) : await tagPolicyFor(projectId), repository);
}

/**
 * For the services that change tags (console and REST): a refusal writes one failure row under
 * the operation the success would have recorded, then throws TagPolicyError (412).
 */
export async function assertTagChangeAllowed(
  decision: TagChangeDecision,
  { actor, operation, resource, projectId }: { actor: Actor; operation: AuditOperation; resource: { type: string; name: string }; projectId: number },
): Promise<void> {
  if (decision.allowed) return;
  await recordRefusal({ actor, action: operation, resource, projectId, reason: decision.reason, detail: { policy: decision.policy, ruleId: decision.ruleId } });
  throw new TagPolicyError(decision.message);
}
