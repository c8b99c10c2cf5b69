import "server-only";
import { processCache } from "@/lib/cache/process-cache";
import { db } from "@/lib/db/client";
import { compilePattern } from "@/lib/policy/selectors";

/**
 * Roles across projects (issue 18 item 3): a rule gives a user a project role in every project
 * whose name matches a doublestar pattern (`team-*`, `{web,api}-prod`), present and future. It is
 * resolved with the user's memberships as one more source of roles — the union — by
 * projectPermissionsFor, so the console, REST, the token service and the gateway all see it.
 *
 * Read on every permission check of a user, so held per process and user. A change bumps the
 * registry grant version in its transaction, whose NOTIFY empties this cache on every instance
 * (and the changing process empties it after the commit); the time to live bounds a write made
 * behind the services.
 */
export type CompiledRoleRule = { id: number; pattern: string; roleId: number; matches: (projectName: string) => boolean };

const cache = processCache<CompiledRoleRule[]>({ name: "project-role-rules", max: 10_000, ttlMs: 60_000, invalidatedBy: "registry-grants" });
let generation = 0;

export function compileRoleRule(rule: { id: number; pattern: string; roleId: number }): CompiledRoleRule {
  const compiled = compilePattern("doublestar", rule.pattern);
  return { id: rule.id, pattern: rule.pattern, roleId: rule.roleId, matches: (name) => compiled.test(name) };
}

/**
 * A user's rules and their groups' (identity/groups.ts: pass groupIdsOf(userId)), compiled (most
 * users have none: an empty list, cached like the rest).
 */
export async function roleRulesOf(userId: number, groupIds: readonly number[]): Promise<CompiledRoleRule[]> {
  const key = `${userId}:${groupIds.join(",")}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const started = generation;
  const rows = await db.projectRoleRule.findMany({
    where: groupIds.length > 0 ? { OR: [{ userId }, { groupId: { in: [...groupIds] } }] } : { userId },
    select: { id: true, pattern: true, roleId: true },
    orderBy: { id: "asc" },
  });
  const rules = rows.map(compileRoleRule);
  if (generation === started) cache.set(key, rules);
  return rules;
}

/** The roles a user's rules give in a project of that name. */
export function rolesFromRules(rules: readonly CompiledRoleRule[], projectName: string): number[] {
  return rules.filter((rule) => rule.matches(projectName)).map((rule) => rule.roleId);
}

/** The ids of the projects a user's rules reach (for lists: which projects to show). */
export async function projectIdsReachedByRules(rules: readonly CompiledRoleRule[]): Promise<number[]> {
  if (rules.length === 0) return [];
  const projects = await db.project.findMany({ select: { id: true, name: true } });
  return projects.filter((project) => rules.some((rule) => rule.matches(project.name))).map((project) => project.id);
}

/** After a change committed in this process. */
export function forgetRoleRules(): void {
  generation += 1;
  cache.clear();
}
