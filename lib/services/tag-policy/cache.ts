import "server-only";
import { processCache } from "@/lib/cache/process-cache";
import { compileImmutableRules, type CompiledImmutableRules, type ImmutableRule } from "@/lib/policy/immutability";
import { compilePattern, type CompiledPattern } from "@/lib/policy/selectors";
import type { DbTransaction } from "@/lib/db/client";
import { db } from "@/lib/db/client";
import { CACHE_CHANNEL } from "@/lib/cache/process-cache";
import { parseStoredRule, type StoredRule } from "@/lib/services/tag-policy/stored-rule";

/** A project's tag policies, compiled once: what every manifest PUT and tag delete asks. */
export type CompiledTagPolicy = {
  /** Enabled and disabled rules in position order (a refusal names `rules[index]`). */
  rules: StoredRule[];
  immutable: CompiledImmutableRules;
  naming: { pattern: string; compiled: CompiledPattern } | null;
};

export const TAG_POLICY_TOPIC = "tag-policy" as const;

/**
 * Per project, per process. The multi-instance story: every change to a project's rules or naming
 * policy sends a NOTIFY on the cache channel with the "tag-policy" topic in its own transaction
 * (delivered on commit), and every instance's invalidation listener empties this cache; the
 * instance that made the change also drops the entry itself after the commit, so its next request
 * sees the change at once. An instance that missed a notification (its listener was reconnecting)
 * empties the cache when it reconnects, and the time to live bounds what a process without a
 * listener (a script, a test) can see stale.
 */
const cache = processCache<CompiledTagPolicy>({ name: "tag-policies", max: 10_000, ttlMs: 30_000, invalidatedBy: TAG_POLICY_TOPIC });

/**
 * Bumped on every local invalidation: a load that started before a change must not put the rules
 * it read (possibly the old ones) into the cache after the change dropped the entry.
 */
let generation = 0;

export async function tagPolicyFor(projectId: number): Promise<CompiledTagPolicy> {
  const key = String(projectId);
  const hit = cache.get(key);
  if (hit) return hit;
  const started = generation;
  const policy = await loadTagPolicy(projectId);
  if (generation === started) cache.set(key, policy);
  return policy;
}

/**
 * A project's tag policies read now, past the cache: for a decision that must not act on rules up
 * to a time-to-live old (retention's check just before each deletion).
 */
export async function loadTagPolicy(projectId: number): Promise<CompiledTagPolicy> {
  const [rows, naming] = await Promise.all([
    db.immutableTagRule.findMany({ where: { projectId }, orderBy: [{ position: "asc" }, { id: "asc" }] }),
    db.tagNamingPolicy.findUnique({ where: { projectId } }),
  ]);
  const rules = rows.map(parseStoredRule);
  const policy: CompiledTagPolicy = {
    rules,
    immutable: compileImmutableRules(rules.map((r): ImmutableRule => ({ repositories: r.repositories, tags: r.tags, disabled: r.disabled }))),
    naming: naming && naming.enabled ? { pattern: naming.pattern, compiled: compilePattern("regex", naming.pattern) } : null,
  };
  return policy;
}

/** Inside the change's transaction: tells every other instance, on commit, to forget its copy. */
export async function notifyTagPolicyChange(tx: DbTransaction): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${CACHE_CHANNEL}, ${TAG_POLICY_TOPIC})`;
}

/** After the commit: this process forgets its copy at once. */
export function forgetTagPolicy(projectId: number): void {
  generation += 1;
  cache.delete(String(projectId));
}
