import { describe, expect, it } from "vitest";
import { compileImmutableRules, immutableRuleFor, immutableRuleSchema, isImmutable, type ImmutableRule } from "@/lib/policy/immutability";

const everyRepository = { decoration: "matches", kind: "doublestar", pattern: "**" } as const;

describe("isImmutable", () => {
  const rules: ImmutableRule[] = [
    { repositories: everyRepository, tags: { decoration: "matches", kind: "regex", pattern: "v[0-9]+\\.[0-9]+\\.[0-9]+" }, disabled: false },
    { repositories: { decoration: "matches", kind: "doublestar", pattern: "prod/*" }, tags: { decoration: "excludes", kind: "doublestar", pattern: "{latest,dev-*}" }, disabled: false },
    { repositories: everyRepository, tags: { decoration: "matches", kind: "doublestar", pattern: "**" }, disabled: true },
  ];

  it("matches the repository without the project and the whole tag", () => {
    expect(isImmutable(rules, "library/app", "v1.2.3")).toBe(true);
    expect(isImmutable(rules, "library/app", "v1.2.3-rc1")).toBe(false);
    expect(isImmutable(rules, "library/app", "xv1.2.3")).toBe(false);
    expect(isImmutable(rules, "library/app", "latest")).toBe(false);
  });

  it("an excluding tag selector protects every other tag, in the repositories it names", () => {
    expect(immutableRuleFor(rules, "team/prod/api", "2026-12-04")).toBe(1);
    expect(isImmutable(rules, "team/prod/api", "latest")).toBe(false);
    expect(isImmutable(rules, "team/prod/api", "dev-7")).toBe(false);
    // `prod/*` is matched against `prod/api/x`, not the project-qualified name, and `*` stops at `/`.
    expect(isImmutable(rules, "team/prod/api/x", "2026-12-04")).toBe(false);
    expect(isImmutable(rules, "prod/api", "2026-12-04")).toBe(false);
  });

  it("names the first rule that applies and skips disabled ones", () => {
    expect(immutableRuleFor(rules, "team/prod/api", "v1.0.0")).toBe(0);
    expect(immutableRuleFor(rules, "library/app", "anything")).toBeNull();
    const enabled = rules.map((r) => ({ ...r, disabled: false }));
    expect(compileImmutableRules(enabled).ruleFor("library/app", "anything")).toBe(2);
    expect(isImmutable([], "library/app", "v1.0.0")).toBe(false);
  });

  it("refuses a bad rule at its field", () => {
    const result = immutableRuleSchema.safeParse({ repositories: everyRepository, tags: { decoration: "matches", kind: "regex", pattern: "[a-" } });
    expect(result.error?.issues.map((i) => [i.path.join("."), i.message.split(":")[0]])).toEqual([["tags.pattern", "Invalid regular expression"]]);
    expect(immutableRuleSchema.parse({ repositories: everyRepository, tags: everyRepository })).toEqual({ repositories: everyRepository, tags: everyRepository, disabled: false });
  });
});
