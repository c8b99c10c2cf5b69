import { z } from "zod";
import {
  compileRepositorySelector,
  compilePattern,
  repositoryPathInProject,
  repositorySelectorSchema,
  type RepositorySelector,
} from "./selectors";

/**
 * Tag immutability rules: a tag is immutable when any enabled rule selects both its repository (the
 * path without the project, as for retention) and the tag. Only tags are ever matched (an untagged
 * artifact has nothing to protect), so the tag selector has no `untagged` flag: `matches` selects
 * the tags the pattern matches, `excludes` every other tag.
 */

export type ImmutableRule = { repositories: RepositorySelector; tags: RepositorySelector; disabled: boolean };

export const immutableRuleSchema = z.object({
  repositories: repositorySelectorSchema,
  tags: repositorySelectorSchema,
  disabled: z.boolean().default(false),
});
export type ImmutableRuleInput = z.input<typeof immutableRuleSchema>;

export type CompiledImmutableRules = {
  /** The index (0-based) of the first enabled rule that makes `repository:tag` immutable, or null. */
  readonly ruleFor: (repository: string, tag: string) => number | null;
};

/**
 * Compiles the enabled rules once, for a caller that asks about many tags (a repository delete, a
 * retention run). `repository` is always the full name with the project.
 */
export function compileImmutableRules(rules: readonly ImmutableRule[]): CompiledImmutableRules {
  const compiled = rules.flatMap((rule, index) => {
    if (rule.disabled) return [];
    const pattern = compilePattern(rule.tags.kind, rule.tags.pattern);
    const excludes = rule.tags.decoration === "excludes";
    return [{ index, repositories: compileRepositorySelector(rule.repositories), selectsTag: (tag: string) => pattern.test(tag) !== excludes }];
  });
  return {
    ruleFor(repository, tag) {
      const path = repositoryPathInProject(repository);
      for (const rule of compiled) {
        if (rule.repositories.selects(path) && rule.selectsTag(tag)) return rule.index;
      }
      return null;
    },
  };
}

/** The index of the first enabled rule that makes `repository:tag` immutable, or null. */
export function immutableRuleFor(rules: readonly ImmutableRule[], repository: string, tag: string): number | null {
  return compileImmutableRules(rules).ruleFor(repository, tag);
}

export function isImmutable(rules: readonly ImmutableRule[], repository: string, tag: string): boolean {
  return immutableRuleFor(rules, repository, tag) !== null;
}
