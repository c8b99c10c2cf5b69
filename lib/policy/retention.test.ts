import { describe, expect, it } from "vitest";
import {
  describeRetentionReason,
  evaluateRetention,
  retentionRuleSchema,
  retentionRulesSchema,
  type RetentionCandidate,
  type RetentionDecision,
  type RetentionRule,
} from "@/lib/policy/retention";
import { ALL_REPOSITORIES, ALL_TAGS, compileRepositorySelector, compileTagSelector, repositoryPathInProject, type TagSelector } from "@/lib/policy/selectors";

const NOW = new Date("2026-12-04T12:00:00.000Z");
const DAY = 86_400_000;

function digestOf(n: number): string {
  return `sha256:${n.toString(16).padStart(64, "0")}`;
}

function candidate(
  n: number,
  fields: { repository?: string; tags?: string[]; pushedDaysAgo?: number; pulledDaysAgo?: number | null; labels?: string[] } = {},
): RetentionCandidate {
  return {
    repository: fields.repository ?? "library/app",
    digest: digestOf(n),
    tags: fields.tags ?? [`t${n}`],
    pushedAt: new Date(NOW.getTime() - (fields.pushedDaysAgo ?? n) * DAY),
    pulledAt: fields.pulledDaysAgo == null ? null : new Date(NOW.getTime() - fields.pulledDaysAgo * DAY),
    labels: fields.labels ?? [],
  };
}

const base = { repositories: ALL_REPOSITORIES, tags: ALL_TAGS, disabled: false };

function decide(rules: RetentionRule[], candidates: RetentionCandidate[], now = NOW): Map<string, RetentionDecision> {
  return new Map(evaluateRetention({ rules, candidates, now }).map((d) => [`${d.repository}@${d.digest}`, d]));
}

function kept(rules: RetentionRule[], candidates: RetentionCandidate[], now = NOW): string[] {
  return evaluateRetention({ rules, candidates, now })
    .filter((d) => d.action === "retain")
    .map((d) => `${d.repository}@${parseInt(d.digest.slice(7), 16)}`)
    .sort();
}

describe("latestPushedK", () => {
  it("keeps the K most recently pushed per repository", () => {
    const candidates = [1, 2, 3, 4].flatMap((n) => [candidate(n), candidate(n + 10, { repository: "library/other", pushedDaysAgo: n })]);
    expect(kept([{ ...base, template: "latestPushedK", count: 2 }], candidates)).toEqual([
      "library/app@1",
      "library/app@2",
      "library/other@11",
      "library/other@12",
    ]);
  });

  it("breaks a tie on push time by the smaller digest, whatever the input order", () => {
    // 3 and 5 are pushed at the same instant and compete for the second place.
    const candidates = [candidate(1), candidate(5, { pushedDaysAgo: 3 }), candidate(3, { pushedDaysAgo: 3 }), candidate(7)];
    const rules: RetentionRule[] = [{ ...base, template: "latestPushedK", count: 2 }];
    expect(kept(rules, candidates)).toEqual(["library/app@1", "library/app@3"]);
    expect(kept(rules, [...candidates].reverse())).toEqual(["library/app@1", "library/app@3"]);
  });

  it("with K = 0 keeps nothing, and counts only the artifacts its tag selector selects", () => {
    const candidates = [candidate(1, { tags: ["dev-1"] }), candidate(2, { tags: ["v2"] }), candidate(3, { tags: ["v3"] })];
    expect(kept([{ ...base, template: "latestPushedK", count: 0 }], candidates)).toEqual([]);
    const releases: TagSelector = { decoration: "matches", kind: "regex", pattern: "v[0-9]+", untagged: false };
    expect(kept([{ ...base, tags: releases, template: "latestPushedK", count: 1 }], candidates)).toEqual(["library/app@2"]);
  });
});

describe("latestPulledN", () => {
  it("ranks never-pulled artifacts after every pulled one, then by push time", () => {
    const candidates = [
      candidate(1, { pulledDaysAgo: null }),
      candidate(2, { pulledDaysAgo: 30 }),
      candidate(3, { pulledDaysAgo: null }),
      candidate(4, { pulledDaysAgo: 1 }),
    ];
    const rule = (count: number): RetentionRule[] => [{ ...base, template: "latestPulledN", count }];
    expect(kept(rule(1), candidates)).toEqual(["library/app@4"]);
    expect(kept(rule(2), candidates)).toEqual(["library/app@2", "library/app@4"]);
    // The third place goes to the never-pulled artifact pushed most recently (1 day ago).
    expect(kept(rule(3), candidates)).toEqual(["library/app@1", "library/app@2", "library/app@4"]);
  });

  it("breaks a tie on pull time by push time, then digest", () => {
    const candidates = [candidate(9, { pushedDaysAgo: 5, pulledDaysAgo: 2 }), candidate(8, { pushedDaysAgo: 5, pulledDaysAgo: 2 }), candidate(7, { pushedDaysAgo: 6, pulledDaysAgo: 2 })];
    expect(kept([{ ...base, template: "latestPulledN", count: 1 }], candidates)).toEqual(["library/app@8"]);
    expect(kept([{ ...base, template: "latestPulledN", count: 2 }], candidates)).toEqual(["library/app@8", "library/app@9"]);
  });
});

describe("nDays templates", () => {
  it("nDaysSinceLastPush keeps what was pushed at or after now minus N days", () => {
    const atBoundary = { ...candidate(1), pushedAt: new Date(NOW.getTime() - 7 * DAY) };
    const justBefore = { ...candidate(2), pushedAt: new Date(NOW.getTime() - 7 * DAY - 1) };
    expect(kept([{ ...base, template: "nDaysSinceLastPush", days: 7 }], [atBoundary, justBefore])).toEqual(["library/app@1"]);
  });

  it("nDaysSinceLastPull never keeps a never-pulled artifact, however large N", () => {
    const candidates = [candidate(1, { pulledDaysAgo: null }), candidate(2, { pulledDaysAgo: 10 }), candidate(3, { pulledDaysAgo: 40 })];
    expect(kept([{ ...base, template: "nDaysSinceLastPull", days: 30 }], candidates)).toEqual(["library/app@2"]);
    expect(kept([{ ...base, template: "nDaysSinceLastPull", days: 20_190_904 }], candidates)).toEqual(["library/app@2", "library/app@3"]);
  });

  it("measure days from the `now` given, not the clock", () => {
    const candidates = [candidate(1, { pushedDaysAgo: 10 })];
    const rules: RetentionRule[] = [{ ...base, template: "nDaysSinceLastPush", days: 7 }];
    expect(kept(rules, candidates)).toEqual([]);
    expect(kept(rules, candidates, new Date(NOW.getTime() - 5 * DAY))).toEqual(["library/app@1"]);
  });
});

describe("selectors in rules", () => {
  it("untagged artifacts are kept by `always` only when the tag selector selects untagged ones", () => {
    const candidates = [candidate(1, { tags: [] }), candidate(2, { tags: ["v1"] })];
    const on: RetentionRule[] = [{ ...base, tags: { ...ALL_TAGS, untagged: true }, template: "always" }];
    const off: RetentionRule[] = [{ ...base, tags: { ...ALL_TAGS, untagged: false }, template: "always" }];
    expect(kept(on, candidates)).toEqual(["library/app@1", "library/app@2"]);
    expect(kept(off, candidates)).toEqual(["library/app@2"]);
  });

  it("excluding tags: keeps everything but dev builds", () => {
    const candidates = [candidate(1, { tags: ["dev-1"] }), candidate(2, { tags: ["v1", "dev-2"] }), candidate(3, { tags: ["v3"] })];
    const rules: RetentionRule[] = [{ ...base, tags: { decoration: "excludes", kind: "doublestar", pattern: "dev-*", untagged: false }, template: "always" }];
    expect(kept(rules, candidates)).toEqual(["library/app@2", "library/app@3"]);
  });

  it("repository selectors see the path without the project; a repository no rule applies to is untouched", () => {
    const candidates = [candidate(1, { repository: "library/app" }), candidate(2, { repository: "library/team/api" }), candidate(3, { repository: "library/team/api", pushedDaysAgo: 9 })];
    const rules: RetentionRule[] = [{ ...base, repositories: { decoration: "matches", kind: "doublestar", pattern: "team/*" }, template: "latestPushedK", count: 1 }];
    const decisions = decide(rules, candidates);
    expect(decisions.get(`library/app@${digestOf(1)}`)).toMatchObject({ action: "retain", reason: { kind: "out-of-scope" } });
    expect(decisions.get(`library/team/api@${digestOf(2)}`)).toMatchObject({ action: "retain", reason: { kind: "retained", rules: [0] } });
    expect(decisions.get(`library/team/api@${digestOf(3)}`)).toMatchObject({ action: "remove", reason: { kind: "not-retained" } });
    // The project name is not part of what the selector sees.
    const withProject: RetentionRule[] = [{ ...base, repositories: { decoration: "matches", kind: "doublestar", pattern: "library/**" }, template: "always" }];
    expect(evaluateRetention({ rules: withProject, candidates, now: NOW }).map((d) => d.reason.kind)).toEqual(["out-of-scope", "out-of-scope", "out-of-scope"]);
    const withoutProject: RetentionRule[] = [{ ...base, repositories: { decoration: "matches", kind: "doublestar", pattern: "team/**" }, template: "always" }];
    expect(evaluateRetention({ rules: withoutProject, candidates, now: NOW }).map((d) => d.reason.kind)).toEqual(["out-of-scope", "retained", "retained"]);
  });

  it("a disabled rule neither keeps nor brings a repository into scope", () => {
    const candidates = [candidate(1), candidate(2)];
    const rules: RetentionRule[] = [
      { ...base, template: "always", disabled: true },
      { ...base, repositories: { decoration: "matches", kind: "doublestar", pattern: "other" }, template: "always" },
    ];
    expect(evaluateRetention({ rules, candidates, now: NOW }).map((d) => d.reason.kind)).toEqual(["out-of-scope", "out-of-scope"]);
    expect(kept([{ ...rules[0]!, disabled: true }, { ...base, template: "latestPushedK", count: 1 }], candidates)).toEqual(["library/app@1"]);
  });
});

describe("several rules", () => {
  it("keep the union, and each kept artifact names every rule that kept it", () => {
    const candidates = [
      candidate(1, { tags: ["v1"], pulledDaysAgo: 40 }),
      candidate(2, { tags: ["latest"], pushedDaysAgo: 50, pulledDaysAgo: 1 }),
      candidate(3, { tags: ["v3"], pushedDaysAgo: 60 }),
      candidate(4, { tags: [], pushedDaysAgo: 70 }),
    ];
    const rules: RetentionRule[] = [
      { ...base, template: "latestPushedK", count: 1 },
      { ...base, template: "nDaysSinceLastPull", days: 7 },
      { ...base, tags: { decoration: "matches", kind: "doublestar", pattern: "{latest,v1}", untagged: false }, template: "always" },
    ];
    const decisions = evaluateRetention({ rules, candidates, now: NOW });
    expect(decisions.map((d) => [d.action, d.reason])).toEqual([
      ["retain", { kind: "retained", rules: [0, 2] }],
      ["retain", { kind: "retained", rules: [1, 2] }],
      ["remove", { kind: "not-retained" }],
      ["remove", { kind: "not-retained" }],
    ]);
    expect(describeRetentionReason(decisions[0]!.reason, rules)).toBe("kept by rule 1 (the most recently pushed 1 artifacts); kept by rule 3 (always)");
    expect(describeRetentionReason(decisions[2]!.reason, rules)).toBe("no rule retained it");
  });

  it("refuse a candidate given twice", () => {
    expect(() => evaluateRetention({ rules: [], candidates: [candidate(1), candidate(1)], now: NOW })).toThrow(/given twice/);
  });
});

describe("rule schemas", () => {
  const selectors = { repositories: { decoration: "matches", kind: "doublestar", pattern: "**" }, tags: { decoration: "matches", kind: "doublestar", pattern: "**", untagged: true } };

  it("accept each template with its parameter and default `disabled` to false", () => {
    expect(retentionRuleSchema.parse({ template: "latestPushedK", count: 10, ...selectors })).toMatchObject({ template: "latestPushedK", count: 10, disabled: false });
    expect(retentionRuleSchema.parse({ template: "nDaysSinceLastPull", days: 30, ...selectors })).toMatchObject({ days: 30 });
    expect(retentionRuleSchema.parse({ template: "always", ...selectors })).toMatchObject({ template: "always" });
  });

  it("refuse parameters out of Harbor's bounds at their field", () => {
    const issues = (value: unknown) => retentionRuleSchema.safeParse(value).error?.issues.map((i) => [i.path.join("."), i.message]);
    expect(issues({ template: "latestPushedK", count: 32_767, ...selectors })).toEqual([["count", "At most 32766."]]);
    expect(issues({ template: "latestPulledN", count: -1, ...selectors })).toEqual([["count", "At least 0."]]);
    expect(issues({ template: "nDaysSinceLastPush", days: 1.5, ...selectors })).toEqual([["days", "Enter a whole number of days."]]);
    expect(issues({ template: "nDaysSinceLastPush", days: 20_190_905, ...selectors })).toEqual([["days", "At most 20190904."]]);
    expect(issues({ template: "keepAll", ...selectors })?.[0]?.[0]).toBe("template");
    expect(issues({ template: "always", ...selectors, tags: { ...selectors.tags, kind: "regex", pattern: "(" } })).toEqual([
      ["tags.pattern", "Invalid regular expression: missing closing ): `(`"],
    ]);
  });

  it("refuse a 16th rule and a duplicate", () => {
    const rules = Array.from({ length: 16 }, (_, i) => ({ template: "latestPushedK", count: i, ...selectors }));
    expect(retentionRulesSchema.safeParse(rules.slice(0, 15)).success).toBe(true);
    expect(retentionRulesSchema.safeParse(rules).error?.issues.map((i) => i.message)).toEqual(["At most 15 rules."]);
    const duplicate = retentionRulesSchema.safeParse([rules[3], rules[4], { ...rules[3], disabled: true }]);
    expect(duplicate.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([["2", "Same rule as rule 1."]]);
  });
});

// A seeded generator, so a failure names a seed that reproduces it.
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomState(random: () => number): { rules: RetentionRule[]; candidates: RetentionCandidate[] } {
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const repositories = ["p/app", "p/team/api", "p/team/web", "q/tools"];
  const tagPool = ["latest", "stable", "v1", "v1.1", "v2", "dev-1", "dev-2", "rc"];
  const candidates: RetentionCandidate[] = [];
  const count = 1 + Math.floor(random() * 40);
  for (let n = 0; n < count; n += 1) {
    const tags = tagPool.filter(() => random() < 0.2);
    // Few distinct times, so ties are common.
    const pushedAt = new Date(NOW.getTime() - Math.floor(random() * 6) * DAY);
    const pulledAt = random() < 0.3 ? null : new Date(NOW.getTime() - Math.floor(random() * 6) * DAY);
    candidates.push({ repository: pick(repositories), digest: digestOf(n), tags, pushedAt, pulledAt, labels: [] });
  }
  const repositorySelectors = [ALL_REPOSITORIES, { decoration: "matches", kind: "doublestar", pattern: "team/*" }, { decoration: "excludes", kind: "regex", pattern: "app|tools" }] as const;
  const tagSelectors: TagSelector[] = [
    ALL_TAGS,
    { decoration: "matches", kind: "doublestar", pattern: "{latest,v*}", untagged: false },
    { decoration: "excludes", kind: "regex", pattern: "dev-[0-9]+", untagged: random() < 0.5 },
  ];
  const rules: RetentionRule[] = [];
  const ruleCount = Math.floor(random() * 4);
  for (let r = 0; r < ruleCount; r += 1) {
    const selectors = { repositories: pick(repositorySelectors), tags: pick(tagSelectors), disabled: random() < 0.1 };
    const template = pick(["latestPushedK", "latestPulledN", "nDaysSinceLastPush", "nDaysSinceLastPull", "always"] as const);
    const n = Math.floor(random() * 5);
    if (template === "latestPushedK" || template === "latestPulledN") rules.push({ ...selectors, template, count: n });
    else if (template === "always") rules.push({ ...selectors, template });
    else rules.push({ ...selectors, template, days: n });
  }
  return { rules, candidates };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** Harbor's rules restated one candidate at a time (rank by counting), to check the evaluator against. */
function oracleRetains(rule: RetentionRule, c: RetentionCandidate, all: readonly RetentionCandidate[]): boolean {
  if (rule.disabled) return false;
  const repositories = compileRepositorySelector(rule.repositories);
  const tags = compileTagSelector(rule.tags);
  if (!repositories.selects(repositoryPathInProject(c.repository)) || !tags.selectsArtifact(c.tags)) return false;
  const peers = all.filter((o) => o.repository === c.repository && tags.selectsArtifact(o.tags));
  const pushed = (o: RetentionCandidate) => o.pushedAt.getTime();
  const pulled = (o: RetentionCandidate) => o.pulledAt?.getTime() ?? -Infinity;
  const since = (days: number) => NOW.getTime() - days * DAY;
  switch (rule.template) {
    case "always":
      return true;
    case "nDaysSinceLastPush":
      return pushed(c) >= since(rule.days);
    case "nDaysSinceLastPull":
      return c.pulledAt !== null && pulled(c) >= since(rule.days);
    case "latestPushedK":
      return peers.filter((o) => pushed(o) > pushed(c) || (pushed(o) === pushed(c) && o.digest < c.digest)).length < rule.count;
    case "latestPulledN":
      return (
        peers.filter((o) => pulled(o) > pulled(c) || (pulled(o) === pulled(c) && (pushed(o) > pushed(c) || (pushed(o) === pushed(c) && o.digest < c.digest)))).length <
        rule.count
      );
  }
}

describe("property: dry run and real run agree", () => {
  it("on 500 random repositories: same decisions in any order, each one explained, and a second run removes nothing", () => {
    let removedSomewhere = 0;
    let keptByRule = 0;
    for (let seed = 1; seed <= 500; seed += 1) {
      const random = mulberry32(seed);
      const { rules, candidates } = randomState(random);
      // The dry run lists; the real run evaluates the same state again (in whatever order the index returns it).
      const dryRun = evaluateRetention({ rules, candidates, now: NOW });
      const realRun = new Map(evaluateRetention({ rules, candidates: shuffled(candidates, random), now: NOW }).map((d) => [d.digest, d]));
      expect(dryRun.map((d) => realRun.get(d.digest)), `seed ${seed}`).toEqual(dryRun);

      for (const [i, d] of dryRun.entries()) {
        const c = candidates[i]!;
        const inScope = rules.some((r) => !r.disabled && compileRepositorySelector(r.repositories).selects(repositoryPathInProject(c.repository)));
        const expectedRules = rules.flatMap((r, index) => (oracleRetains(r, c, candidates) ? [index] : []));
        const expected = !inScope ? { kind: "out-of-scope" } : expectedRules.length > 0 ? { kind: "retained", rules: expectedRules } : { kind: "not-retained" };
        expect(d.reason, `seed ${seed}, candidate ${i}`).toEqual(expected);
        expect(d.action).toBe(d.reason.kind === "not-retained" ? "remove" : "retain");
        if (d.action === "remove") removedSomewhere += 1;
        if (d.reason.kind === "retained") keptByRule += 1;
      }

      // After the real run deletes what was listed, running again deletes nothing more.
      const survivors = candidates.filter((_, i) => dryRun[i]!.action === "retain");
      expect(
        evaluateRetention({ rules, candidates: survivors, now: NOW }).filter((d) => d.action === "remove"),
        `seed ${seed}`,
      ).toEqual([]);
    }
    // The random states exercise both outcomes.
    expect(removedSomewhere).toBeGreaterThan(100);
    expect(keptByRule).toBeGreaterThan(100);
  });
});

describe("label selectors (Harbor's kind label)", () => {
  const labelled = [
    candidate(1, { labels: ["prod", "approved"] }),
    candidate(2, { labels: ["prod"] }),
    candidate(3, { labels: [] }),
    candidate(4, { labels: ["approved"] }),
  ];

  it("withLabels narrows a rule to artifacts carrying every named label; the rest of the repository goes", () => {
    expect(kept([{ ...base, template: "always", labels: { decoration: "withLabels", labels: ["prod", "approved"] } }], labelled)).toEqual(["library/app@1"]);
    expect(kept([{ ...base, template: "always", labels: { decoration: "withLabels", labels: ["prod"] } }], labelled)).toEqual(["library/app@1", "library/app@2"]);
  });

  it("withoutLabels narrows it to artifacts carrying none of them", () => {
    expect(kept([{ ...base, template: "always", labels: { decoration: "withoutLabels", labels: ["prod", "approved"] } }], labelled)).toEqual(["library/app@3"]);
  });

  it("counts (latest K) among the selected artifacts only, and combines with the tag selector", () => {
    // Of the prod artifacts (1, 2) the most recently pushed one is 1.
    expect(kept([{ ...base, template: "latestPushedK", count: 1, labels: { decoration: "withLabels", labels: ["prod"] } }], labelled)).toEqual(["library/app@1"]);
    const tags: TagSelector = { decoration: "matches", kind: "doublestar", pattern: "t2", untagged: false };
    expect(kept([{ ...base, tags, template: "always", labels: { decoration: "withLabels", labels: ["prod"] } }], labelled)).toEqual(["library/app@2"]);
  });

  it("the schema defaults to no label selector, and a rule differing only in its labels is not a duplicate", () => {
    const parsed = retentionRuleSchema.parse({ template: "always", repositories: ALL_REPOSITORIES, tags: ALL_TAGS });
    expect(parsed.labels).toBeNull();
    const rule = { template: "always", repositories: ALL_REPOSITORIES, tags: ALL_TAGS };
    expect(retentionRulesSchema.safeParse([rule, { ...rule, labels: { decoration: "withLabels", labels: ["prod"] } }]).success).toBe(true);
    expect(retentionRulesSchema.safeParse([{ ...rule, labels: { decoration: "withLabels", labels: ["a", "b"] } }, { ...rule, labels: { decoration: "withLabels", labels: ["b", "a"] } }]).success).toBe(false);
    expect(retentionRuleSchema.safeParse({ ...rule, labels: { decoration: "matches", labels: ["a"] } }).error?.issues.map((i) => i.path.join("."))).toEqual(["labels.decoration"]);
  });
});
