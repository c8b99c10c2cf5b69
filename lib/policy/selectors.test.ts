import { describe, expect, it } from "vitest";
import {
  compilePattern,
  compileRepositorySelector,
  compileTagSelector,
  patternError,
  PATTERN_MAX_LENGTH,
  repositoryPathInProject,
  repositorySelectorSchema,
  tagSelectorFromHarbor,
  tagSelectorSchema,
  tagSelectorToHarbor,
  type SelectorDecoration,
  type TagSelector,
} from "@/lib/policy/selectors";

// Harbor's own selector fixture: three tagged artifacts in two repositories and one untagged one.
const HARBOR_FIXTURE = [
  { repository: "harbor", tags: ["latest"] },
  { repository: "redis", tags: ["4.0"] },
  { repository: "redis", tags: ["4.1"] },
  { repository: "special", tags: [] as string[] },
];

function tagSelected(selector: TagSelector): string[] {
  const compiled = compileTagSelector(selector);
  return HARBOR_FIXTURE.filter((a) => compiled.selectsArtifact(a.tags)).map((a) => `${a.repository}:${a.tags.join(",")}`);
}

function repositoriesSelected(decoration: SelectorDecoration, pattern: string): string[] {
  const compiled = compileRepositorySelector({ decoration, kind: "doublestar", pattern });
  return HARBOR_FIXTURE.filter((a) => compiled.selects(a.repository)).map((a) => `${a.repository}:${a.tags.join(",")}`);
}

describe("Harbor's doublestar selector examples", () => {
  it("tag matches, with and without untagged artifacts", () => {
    expect(tagSelected({ decoration: "matches", kind: "doublestar", pattern: "{latest,4.*}", untagged: false })).toEqual(["harbor:latest", "redis:4.0", "redis:4.1"]);
    expect(tagSelected({ decoration: "matches", kind: "doublestar", pattern: "4.*", untagged: false })).toEqual(["redis:4.0", "redis:4.1"]);
    // Harbor's default for a selector without extras keeps untagged artifacts in.
    expect(tagSelected(tagSelectorFromHarbor("matches", "4.*", undefined))).toEqual(["redis:4.0", "redis:4.1", "special:"]);
  });

  it("tag excludes, with and without untagged artifacts", () => {
    expect(tagSelected({ decoration: "excludes", kind: "doublestar", pattern: "{latest,4.*}", untagged: false })).toEqual([]);
    expect(tagSelected(tagSelectorFromHarbor("excludes", "{latest,4.*}", undefined))).toEqual(["special:"]);
    expect(tagSelected({ decoration: "excludes", kind: "doublestar", pattern: "4.*", untagged: false })).toEqual(["harbor:latest"]);
    expect(tagSelected({ decoration: "excludes", kind: "doublestar", pattern: "4.*", untagged: true })).toEqual(["harbor:latest", "special:"]);
  });

  it("repository matches and excludes", () => {
    expect(repositoriesSelected("matches", "{redis}")).toEqual(["redis:4.0", "redis:4.1"]);
    expect(repositoriesSelected("matches", "har*")).toEqual(["harbor:latest"]);
    expect(repositoriesSelected("excludes", "{redis}")).toEqual(["harbor:latest", "special:"]);
    expect(repositoriesSelected("excludes", "har*")).toEqual(["redis:4.0", "redis:4.1", "special:"]);
  });

  it("an excluding tag selector selects an artifact as soon as one of its tags is not excluded", () => {
    const excludesLatest = compileTagSelector({ decoration: "excludes", kind: "doublestar", pattern: "latest", untagged: false });
    expect(excludesLatest.selectsArtifact(["latest", "v1"])).toBe(true);
    expect(excludesLatest.selectsArtifact(["latest"])).toBe(false);
    expect(excludesLatest.selectsTag("latest")).toBe(false);
    expect(excludesLatest.selectsTag("v1")).toBe(true);
  });
});

describe("doublestar patterns", () => {
  const cases: [string, string, boolean][] = [
    ["**", "team/app", true],
    ["**", "app", true],
    ["*", "app", true],
    ["*", "team/app", false],
    ["team/*", "team/app", true],
    ["team/*", "team/sub/app", false],
    ["team/**", "team/sub/app", true],
    ["**/app", "app", true],
    ["**/app", "a/b/app", true],
    ["a/*/c", "a/b/c", true],
    ["?", "a", true],
    ["?", "ab", false],
    ["?", "/", false],
    ["v1.?", "v1.2", true],
    ["{a,b}/*", "b/x", true],
    ["{a,b}/*", "c/x", false],
    ["{latest,stable}", "stable", true],
    ["{latest,stable}", "latest-1", false],
    ["[abc]x", "bx", true],
    ["[^abc]x", "bx", false],
    ["[^abc]x", "dx", true],
    ["*", ".hidden", true],
    // Whole-string: no implicit prefix or substring match.
    ["v1", "v10", false],
    ["v1*", "v10", true],
    // `!` and `+(` are plain characters, as in Harbor's matcher.
    ["!x", "!x", true],
    ["!x", "y", false],
    ["+(a|b)", "a", false],
    ["a\\*", "a*", true],
    ["a\\*", "ab", false],
    // Where glob libraries differ, as Harbor's matcher reads them.
    ["{redis}", "redis", true],
    ["a{}", "a", true],
    ["{1..3,x}", "1..3", true],
    ["{1..3,x}", "2", false],
    // Only `^` negates a class; `!` is a member, as in Harbor's matcher.
    ["[!abc]x", "!x", true],
    ["[!abc]x", "dx", false],
    ["***", "a/b", false],
    ["{a,{b}}", "b", true],
    ["a/**/b", "a/b", true],
    ["a/**/b", "a/x/y/b", true],
    ["a/**/b", "a/x/y/c", false],
    ["a**", "ab/c", false],
    ["**a", "xa", true],
    ["**a", "x/a", false],
    ["{team/**,app}", "team/x/y", true],
    ["{team/**,app}", "app", true],
    ["[a-c]x", "bx", true],
    ["[a-c]x", "dx", false],
    ["[^a]", "/", false],
    ["[\\]]x", "]x", true],
    ["[a\\-]", "-", true],
    ["a.b", "axb", false],
    ["a+b(c)|$^", "a+b(c)|$^", true],
  ];
  it.each(cases)("%j on %j → %s", (pattern, value, expected) => {
    expect(compilePattern("doublestar", pattern).test(value)).toBe(expected);
  });
});

describe("regular expressions", () => {
  it("must match the whole value, like doublestar patterns", () => {
    const re = compilePattern("regex", "v[0-9]+");
    expect(re.test("v12")).toBe(true);
    expect(re.test("xv12")).toBe(false);
    expect(re.test("v12-rc")).toBe(false);
    expect(compilePattern("regex", "^v1$").test("v1")).toBe(true);
    expect(compilePattern("regex", "release-.*|stable").test("stable")).toBe(true);
    expect(compilePattern("regex", "release-.*|stable").test("release-1")).toBe(true);
  });

  it("run in linear time: a catastrophic pattern on a long input returns", () => {
    // A glob translated to a backtracking RegExp would take tens of seconds on this one.
    const glob = compilePattern("doublestar", `${"*a".repeat(40)}*b`);
    expect(glob.test("a".repeat(128))).toBe(false);
    expect(glob.test(`${"a".repeat(127)}b`)).toBe(true);
    const re = compilePattern("regex", "(a+)+$");
    expect(re.test(`${"a".repeat(100_000)}!`)).toBe(false);
    expect(re.test("a".repeat(100_000))).toBe(true);
  });

  it("refuses what RE2 cannot run, with the message at the pattern field", () => {
    for (const [pattern, detail] of [
      ["(a", "missing closing )"],
      ["(?=a)", "invalid or unsupported Perl syntax"],
      ["(a)\\1", "invalid escape sequence"],
    ] as const) {
      const result = tagSelectorSchema.safeParse({ decoration: "matches", kind: "regex", pattern, untagged: false });
      expect(result.success, pattern).toBe(false);
      const issue = result.error?.issues.find((i) => i.path.join(".") === "pattern");
      expect(issue?.message).toMatch(/^Invalid regular expression: /);
      expect(issue?.message).toContain(detail);
    }
    expect(patternError("regex", "a(b")).toMatch(/^Invalid regular expression: missing closing \)/);
    expect(patternError("doublestar", "(a")).toBeNull();
    expect(patternError("doublestar", "{a,b")).toBe("Invalid pattern: unclosed {");
    expect(patternError("doublestar", "[ab")).toBe("Invalid pattern: unclosed [");
    expect(patternError("doublestar", "[]a]")).toBe("Invalid pattern: empty []");
    expect(patternError("doublestar", "[z-a]")).toMatch(/^Invalid pattern: .*invalid character class range/);
    expect(repositorySelectorSchema.safeParse({ decoration: "matches", kind: "doublestar", pattern: "a\\" }).error?.issues[0]?.path).toEqual(["pattern"]);
  });
});

describe("selector schemas", () => {
  it("accept a valid selector and keep its fields", () => {
    const selector = { decoration: "excludes", kind: "regex", pattern: "dev-.*", untagged: true };
    expect(tagSelectorSchema.parse(selector)).toEqual(selector);
    expect(repositorySelectorSchema.parse({ decoration: "matches", kind: "doublestar", pattern: "team/**" })).toEqual({
      decoration: "matches",
      kind: "doublestar",
      pattern: "team/**",
    });
  });

  it("name the field at fault", () => {
    const result = tagSelectorSchema.safeParse({ decoration: "keeps", kind: "glob", pattern: "", untagged: "yes" });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => i.path.join(".")).sort();
    expect(paths).toEqual(["decoration", "kind", "pattern", "untagged"]);
  });

  it("bound the pattern length", () => {
    const long = "a".repeat(PATTERN_MAX_LENGTH + 1);
    const result = repositorySelectorSchema.safeParse({ decoration: "matches", kind: "doublestar", pattern: long });
    expect(result.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([["pattern", `At most ${PATTERN_MAX_LENGTH} characters.`]]);
    expect(() => compilePattern("regex", long)).toThrow(/longer than/);
    expect(repositorySelectorSchema.safeParse({ decoration: "matches", kind: "doublestar", pattern: "a".repeat(PATTERN_MAX_LENGTH) }).success).toBe(true);
  });
});

describe("Harbor's stored form", () => {
  it("inverts the untagged flag for excludes, both ways", () => {
    expect(tagSelectorFromHarbor("excludes", "dev-*", true).untagged).toBe(false);
    expect(tagSelectorFromHarbor("matches", "dev-*", true).untagged).toBe(true);
    for (const selector of [
      { decoration: "matches", kind: "doublestar", pattern: "x", untagged: false },
      { decoration: "excludes", kind: "doublestar", pattern: "x", untagged: true },
    ] as const) {
      const harbor = tagSelectorToHarbor(selector);
      expect(tagSelectorFromHarbor(harbor.decoration, harbor.pattern, harbor.untagged)).toEqual(selector);
    }
  });
});

describe("repositoryPathInProject", () => {
  it("drops the project, keeps the rest", () => {
    expect(repositoryPathInProject("library/app")).toBe("app");
    expect(repositoryPathInProject("library/team/app")).toBe("team/app");
    expect(repositoryPathInProject("app")).toBe("app");
  });
});
