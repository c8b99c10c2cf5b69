import { z } from "zod";
import {
  compileLabelSelector,
  compileRepositorySelector,
  compileTagSelector,
  labelSelectorSchema,
  repositoryPathInProject,
  repositorySelectorSchema,
  tagSelectorSchema,
  type LabelSelector,
  type RepositorySelector,
  type TagSelector,
} from "./selectors";
import { RETENTION_COUNT_MAX, RETENTION_DAYS_MAX, RETENTION_RULES_MAX } from "@/lib/policy/retention-templates";

/**
 * Retention rule evaluation, pure and deterministic: the same rules, candidates and `now` give the
 * same decisions whatever the order of the candidates, so a dry run and the real run call
 * {@link evaluateRetention} on the same state and get the same list.
 *
 * Semantics (Harbor's "or" algorithm):
 * - A rule applies to a repository when its repository selector selects the repository path without
 *   the project. A repository no enabled rule applies to is out of scope: nothing in it is removed.
 * - In a repository in scope, a rule first narrows the candidates with its tag selector and, when it
 *   has one, its label selector (Harbor's `withLabels`: every named label; `withoutLabels`: none of
 *   them), then its template picks the ones it retains from those. Counts (latest K) are per
 *   repository.
 * - An artifact is retained when ANY applicable rule retains it; every other artifact of a repository
 *   in scope is removed.
 */

export { RETENTION_COUNT_MAX, RETENTION_DAYS_MAX, RETENTION_RULES_MAX, RETENTION_TEMPLATES, type RetentionTemplate } from "@/lib/policy/retention-templates";

const DAY_MS = 86_400_000;

/** `labels`: absent or null when the rule selects by tags alone. */
type RuleSelectors = { repositories: RepositorySelector; tags: TagSelector; labels?: LabelSelector | null; disabled: boolean };
export type RetentionRule =
  | (RuleSelectors & { template: "latestPushedK" | "latestPulledN"; count: number })
  | (RuleSelectors & { template: "nDaysSinceLastPush" | "nDaysSinceLastPull"; days: number })
  | (RuleSelectors & { template: "always" });

const selectorsShape = {
  repositories: repositorySelectorSchema,
  tags: tagSelectorSchema,
  // Absent in rules stored before labels existed: no label selector.
  labels: labelSelectorSchema.nullable().default(null),
  disabled: z.boolean().default(false),
};
const countField = z
  .number({ error: "Enter a whole number." })
  .int({ error: "Enter a whole number." })
  .min(0, { error: "At least 0." })
  .max(RETENTION_COUNT_MAX, { error: `At most ${RETENTION_COUNT_MAX}.` });
const daysField = z
  .number({ error: "Enter a whole number of days." })
  .int({ error: "Enter a whole number of days." })
  .min(0, { error: "At least 0." })
  .max(RETENTION_DAYS_MAX, { error: `At most ${RETENTION_DAYS_MAX}.` });

export const retentionRuleSchema = z.discriminatedUnion(
  "template",
  [
    z.object({ template: z.enum(["latestPushedK", "latestPulledN"]), count: countField, ...selectorsShape }),
    z.object({ template: z.enum(["nDaysSinceLastPush", "nDaysSinceLastPull"]), days: daysField, ...selectorsShape }),
    z.object({ template: z.literal("always"), ...selectorsShape }),
  ],
  { error: "Choose a rule template." },
);

/** A policy's rules: at most 15, no two the same (Harbor refuses a duplicate rule). */
export const retentionRulesSchema = z
  .array(retentionRuleSchema)
  .max(RETENTION_RULES_MAX, { error: `At most ${RETENTION_RULES_MAX} rules.` })
  .superRefine((rules, ctx) => {
    const seen = new Map<string, number>();
    rules.forEach((rule, index) => {
      const key = ruleKey(rule);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, index);
      else ctx.addIssue({ code: "custom", path: [index], message: `Same rule as rule ${first + 1}.` });
    });
  });

function ruleKey(rule: RetentionRule): string {
  const r = rule.repositories;
  const t = rule.tags;
  const param = "count" in rule ? rule.count : "days" in rule ? rule.days : null;
  const l = rule.labels ? [rule.labels.decoration, [...rule.labels.labels].sort()] : null;
  return JSON.stringify([rule.template, param, r.decoration, r.kind, r.pattern, t.decoration, t.kind, t.pattern, t.untagged, l]);
}

export type RetentionCandidate = {
  /** Full name with the project (`library/team/app`); selectors see it without the project. */
  repository: string;
  digest: string;
  tags: readonly string[];
  pushedAt: Date;
  /** Null: never pulled. */
  pulledAt: Date | null;
  /** The names of its labels (global and its project's), for label selectors. */
  labels: readonly string[];
};

export type RetentionReason =
  /** `rules`: indexes (0-based, ascending) of every rule that retains it. */
  | { kind: "retained"; rules: number[] }
  | { kind: "out-of-scope" }
  | { kind: "not-retained" };

export type RetentionDecision = {
  repository: string;
  digest: string;
  action: "retain" | "remove";
  reason: RetentionReason;
};

/**
 * The decision for every candidate, in the order given. `now` is explicit so a run is reproducible:
 * "within N days" means at or after `now` minus N×24 h.
 *
 * Ties are broken without looking at the input order. latestPushedK: pushed later first, then the
 * smaller digest (plain string order). latestPulledN: pulled later first, never-pulled after every
 * pulled one (as Harbor, where they fill the remaining places rather than being dropped), then
 * pushed later first, then the smaller digest. nDaysSinceLastPull never retains a never-pulled
 * artifact.
 *
 * Candidates are unique by (repository, digest); a repeated one is a caller bug and throws.
 */
export function evaluateRetention(input: { rules: readonly RetentionRule[]; candidates: readonly RetentionCandidate[]; now: Date }): RetentionDecision[] {
  const nowMs = input.now.getTime();
  if (!Number.isFinite(nowMs)) throw new Error("evaluateRetention: `now` is not a valid date.");
  const rules = input.rules
    .map((rule, index) => ({
      rule,
      index,
      repositories: compileRepositorySelector(rule.repositories),
      tags: compileTagSelector(rule.tags),
      labels: rule.labels ? compileLabelSelector(rule.labels) : null,
    }))
    .filter((r) => !r.rule.disabled);

  const byRepository = new Map<string, RetentionCandidate[]>();
  const seen = new Set<string>();
  for (const candidate of input.candidates) {
    const key = `${candidate.repository}@${candidate.digest}`;
    if (seen.has(key)) throw new Error(`evaluateRetention: candidate ${key} given twice.`);
    seen.add(key);
    const list = byRepository.get(candidate.repository);
    if (list) list.push(candidate);
    else byRepository.set(candidate.repository, [candidate]);
  }

  // digest → indexes of the rules retaining it, per repository; absent repository → out of scope.
  const retainedBy = new Map<string, Map<string, number[]>>();
  for (const [repository, candidates] of byRepository) {
    const path = repositoryPathInProject(repository);
    const applicable = rules.filter((r) => r.repositories.selects(path));
    if (applicable.length === 0) continue;
    const retained = new Map<string, number[]>();
    retainedBy.set(repository, retained);
    for (const r of applicable) {
      const selected = candidates.filter((c) => r.tags.selectsArtifact(c.tags) && (r.labels === null || r.labels.selects(c.labels)));
      for (const c of retainedByTemplate(r.rule, selected, nowMs)) {
        const list = retained.get(c.digest);
        if (list) list.push(r.index);
        else retained.set(c.digest, [r.index]);
      }
    }
  }

  return input.candidates.map((c) => {
    const retained = retainedBy.get(c.repository);
    if (!retained) return { repository: c.repository, digest: c.digest, action: "retain", reason: { kind: "out-of-scope" } };
    const by = retained.get(c.digest);
    if (by) return { repository: c.repository, digest: c.digest, action: "retain", reason: { kind: "retained", rules: by } };
    return { repository: c.repository, digest: c.digest, action: "remove", reason: { kind: "not-retained" } };
  });
}

function retainedByTemplate(rule: RetentionRule, selected: RetentionCandidate[], nowMs: number): RetentionCandidate[] {
  switch (rule.template) {
    case "always":
      return selected;
    case "latestPushedK":
      return [...selected].sort(byPushedDesc).slice(0, rule.count);
    case "latestPulledN":
      return [...selected].sort(byPulledDesc).slice(0, rule.count);
    case "nDaysSinceLastPush": {
      const since = nowMs - rule.days * DAY_MS;
      return selected.filter((c) => c.pushedAt.getTime() >= since);
    }
    case "nDaysSinceLastPull": {
      const since = nowMs - rule.days * DAY_MS;
      return selected.filter((c) => c.pulledAt !== null && c.pulledAt.getTime() >= since);
    }
  }
}

function byDigest(a: RetentionCandidate, b: RetentionCandidate): number {
  return a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0;
}

function byPushedDesc(a: RetentionCandidate, b: RetentionCandidate): number {
  return b.pushedAt.getTime() - a.pushedAt.getTime() || byDigest(a, b);
}

function byPulledDesc(a: RetentionCandidate, b: RetentionCandidate): number {
  const pa = a.pulledAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  const pb = b.pulledAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  if (pa !== pb) return pb > pa ? 1 : -1;
  return byPushedDesc(a, b);
}

/** Harbor's display text for a rule's template ("the most recently pushed 10 artifacts"). */
export function describeRetentionRule(rule: RetentionRule): string {
  switch (rule.template) {
    case "latestPushedK":
      return `the most recently pushed ${rule.count} artifacts`;
    case "latestPulledN":
      return `the most recently pulled ${rule.count} artifacts`;
    case "nDaysSinceLastPush":
      return `pushed within the last ${rule.days} days`;
    case "nDaysSinceLastPull":
      return `pulled within the last ${rule.days} days`;
    case "always":
      return "always";
  }
}

/** One line for a decision, numbering rules from 1 as a policy page shows them. */
export function describeRetentionReason(reason: RetentionReason, rules: readonly RetentionRule[]): string {
  switch (reason.kind) {
    case "retained":
      return reason.rules
        .map((i) => {
          const rule = rules[i];
          return rule ? `kept by rule ${i + 1} (${describeRetentionRule(rule)})` : `kept by rule ${i + 1}`;
        })
        .join("; ");
    case "out-of-scope":
      return "no rule applies to this repository";
    case "not-retained":
      return "no rule retained it";
  }
}

/** What a form or a REST body sends (`disabled` may be left out). */
export type RetentionRuleInput = z.input<typeof retentionRuleSchema>;
// The schema's output must stay assignable to the evaluator's rule type.
const _schemaOutputIsARule = (rule: z.output<typeof retentionRuleSchema>): RetentionRule => rule;
void _schemaOutputIsARule;
