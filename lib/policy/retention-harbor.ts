import type { RetentionRule } from "./retention";
import { tagSelectorToHarbor } from "./selectors";

/**
 * A retention rule in Harbor's shape (its REST API's `rules[]` and the TAG_RETENTION webhook's
 * `retention_rule[]`): the template's parameter under the template's name, the tag selector with
 * `untagged` in `extras` (and the label selector after it), the repository selector as
 * `repoMatches`/`repoExcludes`. Pure, as the rest of lib/policy.
 */

/** Which field of a rule is its template's parameter. */
export const RETENTION_PARAM_OF: Record<string, "count" | "days" | undefined> = {
  latestPushedK: "count",
  latestPulledN: "count",
  nDaysSinceLastPush: "days",
  nDaysSinceLastPull: "days",
};

export function retentionRuleToHarbor(rule: RetentionRule, index: number) {
  const tag = tagSelectorToHarbor(rule.tags);
  const param = RETENTION_PARAM_OF[rule.template];
  return {
    id: index + 1,
    priority: index + 1,
    disabled: rule.disabled,
    action: "retain",
    template: rule.template,
    params: param ? { [rule.template]: "count" in rule ? rule.count : "days" in rule ? rule.days : 0 } : {},
    tag_selectors: [
      { kind: rule.tags.kind as string, decoration: tag.decoration as string, pattern: tag.pattern, extras: JSON.stringify({ untagged: tag.untagged }) as string | undefined },
      ...(rule.labels ? [{ kind: "label", decoration: rule.labels.decoration as string, pattern: rule.labels.labels.join(","), extras: undefined }] : []),
    ],
    scope_selectors: { repository: [{ kind: rule.repositories.kind as string, decoration: rule.repositories.decoration === "matches" ? "repoMatches" : "repoExcludes", pattern: rule.repositories.pattern }] },
  };
}
