import { z } from "zod";
import type { RepositorySelector } from "@/lib/policy/selectors";

/**
 * Harbor's ImmutableRule. Wharf's extension: a selector's `kind` may be `regex` (an RE2 regular
 * expression matched against the whole name) besides Harbor's `doublestar`. Only the first
 * selector of each kind is used, as in Harbor.
 */
const ZImmutableSelector = z.object({
  kind: z.string().optional(),
  decoration: z.string().optional(),
  pattern: z.string().optional(),
  extras: z.string().optional(),
});

export const ZImmutableRuleReq = z.object({
  id: z.int().optional(),
  priority: z.int().min(0).max(1000).optional(),
  disabled: z.boolean().optional(),
  action: z.string().optional(),
  template: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  tag_selectors: z.array(ZImmutableSelector).min(1, { error: "Give one tag selector." }),
  scope_selectors: z.object({ repository: z.array(ZImmutableSelector).min(1, { error: "Give one repository selector." }) }),
});

export const ZHarborImmutableRule = z.object({
  id: z.int(),
  priority: z.int(),
  disabled: z.boolean(),
  action: z.literal("immutable"),
  template: z.literal("immutable_template"),
  params: z.record(z.string(), z.unknown()),
  tag_selectors: z.array(z.object({ kind: z.string(), decoration: z.string(), pattern: z.string() })),
  scope_selectors: z.object({ repository: z.array(z.object({ kind: z.string(), decoration: z.string(), pattern: z.string() })) }),
});

/** Harbor's request as lib/policy's rule input (the service validates it and names the fields). */
export function ruleFromHarbor(body: z.output<typeof ZImmutableRuleReq>) {
  const tag = body.tag_selectors[0]!;
  const repo = body.scope_selectors.repository[0]!;
  return {
    rule: {
      repositories: { kind: repo.kind, pattern: repo.pattern, decoration: repo.decoration === "repoExcludes" ? "excludes" : repo.decoration === "repoMatches" ? "matches" : repo.decoration },
      tags: { kind: tag.kind, pattern: tag.pattern, decoration: tag.decoration },
      disabled: body.disabled ?? false,
    },
    position: body.priority,
  };
}

export function toHarborImmutableRule(rule: { id: number; position: number; disabled: boolean; repositories: RepositorySelector; tags: RepositorySelector }): z.output<typeof ZHarborImmutableRule> {
  return {
    id: rule.id,
    priority: rule.position,
    disabled: rule.disabled,
    action: "immutable",
    template: "immutable_template",
    params: {},
    tag_selectors: [{ kind: rule.tags.kind, decoration: rule.tags.decoration, pattern: rule.tags.pattern }],
    scope_selectors: { repository: [{ kind: rule.repositories.kind, decoration: rule.repositories.decoration === "excludes" ? "repoExcludes" : "repoMatches", pattern: rule.repositories.pattern }] },
  };
}
