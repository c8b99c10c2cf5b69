import { RE2JS } from "re2js";
import { z } from "zod";

/**
 * Repository and tag selectors shared by retention, immutability, replication filters and
 * scan-on-push. Pure: no database, no server-only code, so client forms can validate with the same
 * schemas the services use.
 *
 * Matching is always against the WHOLE string, for both kinds: a doublestar pattern `v1` does not
 * match `v10`, and neither does the regular expression `v1` (write `v1.*` for a prefix). Harbor's
 * doublestar matching works this way, and a regex that silently matched substrings would select far
 * more than its author meant, which for retention means deletions.
 *
 * Retention and immutability match repository selectors against the repository path WITHOUT the
 * project (`library/team/app` is matched as `team/app`), as Harbor does; replication name filters
 * match the full name. {@link repositoryPathInProject} does the split.
 */

export const SELECTOR_KINDS = ["doublestar", "regex"] as const;
export const SELECTOR_DECORATIONS = ["matches", "excludes"] as const;
export type SelectorKind = (typeof SELECTOR_KINDS)[number];
export type SelectorDecoration = (typeof SELECTOR_DECORATIONS)[number];

/** Longer than any repository name (255) a pattern has no use for; the bound keeps compile cost small. */
export const PATTERN_MAX_LENGTH = 256;

export type RepositorySelector = { decoration: SelectorDecoration; kind: SelectorKind; pattern: string };
/** `untagged`: whether an artifact without tags is selected (for both decorations; see {@link selectsArtifactTags}). */
export type TagSelector = RepositorySelector & { untagged: boolean };

/**
 * Translates a doublestar pattern into an RE2 expression, so a glob runs in linear time like a
 * regex selector. (A glob compiled to a JavaScript RegExp backtracks: `*a*a*a*a*a*b`, a legal
 * pattern, takes tens of seconds on one 128-character tag.) The syntax is that of Harbor's Go
 * matcher:
 * - `*` any run of characters but `/`; `?` one character but `/`;
 * - `**` as a whole path segment any number of segments, zero included (`a/**` + `/b` matches
 *   `a/b` and `a/x/y/b`, a leading `**` + `/c` matches `c`); elsewhere, and `***`, it is `*`;
 * - `{a,b}` alternatives (nestable, may hold `/`; `{redis}` is one alternative, not literal braces);
 * - `[abc]`, `[a-z]`, `[^abc]` classes (a negated class never matches `/`; `!` is no negation);
 * - `\` escapes the next character; everything else is literal (no leading-`!` negation, no
 *   extglobs, no dot-file rule, no numeric ranges).
 * Throws on an unclosed `{` or `[`, an empty `[]` or a trailing `\`, which that matcher refuses too.
 */
export function doublestarToRegex(pattern: string): string {
  let i = 0;
  const sequence = (inBraces: boolean, segmentStart: boolean): string => {
    let out = "";
    let atSegmentStart = segmentStart;
    while (i < pattern.length) {
      const c = pattern.charAt(i);
      if (inBraces && (c === "," || c === "}")) return out;
      if (c === "\\") {
        if (i + 1 >= pattern.length) throw new Error("a trailing \\ escapes nothing");
        out += quoteChar(pattern.charAt(i + 1));
        i += 2;
        atSegmentStart = false;
      } else if (c === "*") {
        let stars = 0;
        while (pattern.charAt(i) === "*") {
          stars += 1;
          i += 1;
        }
        const next = pattern.charAt(i);
        const endsSegment = i >= pattern.length || next === "/" || (inBraces && (next === "," || next === "}"));
        if (stars === 2 && atSegmentStart && endsSegment) {
          if (next === "/") {
            out += "(?:.*/)?";
            i += 1;
            continue; // still at the start of a segment
          }
          out += ".*";
        } else {
          out += "[^/]*";
        }
        atSegmentStart = false;
      } else if (c === "?") {
        out += "[^/]";
        i += 1;
        atSegmentStart = false;
      } else if (c === "[") {
        out += characterClass();
        atSegmentStart = false;
      } else if (c === "{") {
        i += 1;
        const alternatives = [sequence(true, atSegmentStart)];
        while (pattern.charAt(i) === ",") {
          i += 1;
          alternatives.push(sequence(true, atSegmentStart));
        }
        if (pattern.charAt(i) !== "}") throw new Error("unclosed {");
        i += 1;
        out += `(?:${alternatives.join("|")})`;
        atSegmentStart = false;
      } else {
        out += c === "/" ? "/" : quoteChar(c);
        i += 1;
        atSegmentStart = c === "/";
      }
    }
    if (inBraces) throw new Error("unclosed {");
    return out;
  };
  // Harbor's matcher: the class ends at the first unescaped `]`, only `^` negates (`!` is a member),
  // and an empty class is a bad pattern.
  const characterClass = (): string => {
    i += 1;
    const negated = pattern.charAt(i) === "^";
    if (negated) i += 1;
    let body = "";
    for (;;) {
      if (i >= pattern.length) throw new Error("unclosed [");
      const c = pattern.charAt(i);
      if (c === "]") break;
      if (c === "\\") {
        if (i + 1 >= pattern.length) throw new Error("unclosed [");
        body += quoteClassChar(pattern.charAt(i + 1));
        i += 2;
      } else {
        // `-` stays a range operator; every other class metacharacter is taken literally.
        body += c === "-" ? "-" : quoteClassChar(c);
        i += 1;
      }
    }
    if (body === "") throw new Error("empty []");
    i += 1;
    return negated ? `[^/${body}]` : `[${body}]`;
  };
  return sequence(false, true);
}

/** A character taken literally inside an RE2 class (ASCII punctuation escaped, the rest as is). */
function quoteClassChar(c: string): string {
  return /[!-/:-@[-`{-~]/.test(c) ? `\\${c}` : c;
}

function quoteChar(c: string): string {
  return /[\\^$.|?*+()[\]{}]/.test(c) ? `\\${c}` : c;
}

/** The compile error of a pattern, in the words a form shows under the field; null when it compiles. */
export function patternError(kind: SelectorKind, pattern: string): string | null {
  if (kind === "regex") {
    try {
      RE2JS.compile(pattern);
      return null;
    } catch (error) {
      // re2js words it as "error parsing regexp: missing closing ): `(a`"; keep the part after the prefix.
      const detail = error instanceof Error ? error.message.replace(/^error parsing regexp:\s*/, "") : String(error);
      return `Invalid regular expression: ${detail}`;
    }
  }
  try {
    RE2JS.compile(doublestarToRegex(pattern));
    return null;
  } catch (error) {
    return `Invalid pattern: ${error instanceof Error ? error.message : String(error)}`;
  }
}

const patternField = z
  .string({ error: "Enter a pattern." })
  .min(1, { error: "Enter a pattern (** selects everything)." })
  .max(PATTERN_MAX_LENGTH, { error: `At most ${PATTERN_MAX_LENGTH} characters.` });

const selectorShape = {
  decoration: z.enum(SELECTOR_DECORATIONS, { error: "Choose matching or excluding." }),
  kind: z.enum(SELECTOR_KINDS, { error: "Choose a doublestar pattern or a regular expression." }),
  pattern: patternField,
};

function checkPattern(selector: { kind: SelectorKind; pattern: string }, ctx: z.RefinementCtx): void {
  const message = patternError(selector.kind, selector.pattern);
  if (message) ctx.addIssue({ code: "custom", path: ["pattern"], message });
}

export const repositorySelectorSchema = z.object(selectorShape).superRefine(checkPattern);
export const tagSelectorSchema = z
  .object({ ...selectorShape, untagged: z.boolean({ error: "Say whether untagged artifacts are selected." }) })
  .superRefine(checkPattern);

/** Selects everything (the default a new rule starts from). */
export const ALL_REPOSITORIES: RepositorySelector = { decoration: "matches", kind: "doublestar", pattern: "**" };
export const ALL_TAGS: TagSelector = { decoration: "matches", kind: "doublestar", pattern: "**", untagged: true };

/** A selector compiled once; `test` says whether the pattern matches the whole value. */
export type CompiledPattern = { readonly test: (value: string) => boolean };

/**
 * Compiles a pattern. Both kinds run on RE2 (re2js; a doublestar pattern through
 * {@link doublestarToRegex}): linear in the input whatever the pattern, so a user's `(a+)+$` cannot
 * stall a retention run or the gateway. Throws on a pattern the schemas would refuse; callers compile
 * stored, already validated selectors.
 */
export function compilePattern(kind: SelectorKind, pattern: string): CompiledPattern {
  if (pattern.length > PATTERN_MAX_LENGTH) throw new Error(`Pattern longer than ${PATTERN_MAX_LENGTH} characters.`);
  if (kind === "regex") {
    const re = RE2JS.compile(pattern);
    return { test: (value) => re.matches(value) };
  }
  const re = RE2JS.compile(doublestarToRegex(pattern));
  return { test: (value) => re.matches(value) };
}

export type CompiledRepositorySelector = { readonly selects: (repositoryPath: string) => boolean };
export type CompiledTagSelector = {
  /** Whether an artifact carrying these tags is selected (Harbor's artifact-level tag selection). */
  readonly selectsArtifact: (tags: readonly string[]) => boolean;
  /** Whether one tag is selected (immutability and replication look at tags one by one). */
  readonly selectsTag: (tag: string) => boolean;
};

export function compileRepositorySelector(selector: RepositorySelector): CompiledRepositorySelector {
  const pattern = compilePattern(selector.kind, selector.pattern);
  const excludes = selector.decoration === "excludes";
  return { selects: (repositoryPath) => pattern.test(repositoryPath) !== excludes };
}

export function compileTagSelector(selector: TagSelector): CompiledTagSelector {
  const pattern = compilePattern(selector.kind, selector.pattern);
  const excludes = selector.decoration === "excludes";
  const selectsTag = (tag: string) => pattern.test(tag) !== excludes;
  return {
    selectsTag,
    selectsArtifact: (tags) => selectsArtifactTags(tags, selectsTag, selector.untagged),
  };
}

/**
 * Harbor's artifact-level rule: an untagged artifact is selected when `untagged` is on; a tagged one
 * when ANY of its tags is selected. For `excludes` that means an artifact is selected as soon as one
 * of its tags is not excluded (`excludes latest` still selects an artifact tagged `latest` and `v1`).
 *
 * Harbor stores the untagged flag inverted for `excludes` (its `{"untagged": true}` there means
 * "exclude untagged ones too"); here it always means "untagged artifacts are selected", and
 * {@link tagSelectorFromHarbor} / {@link tagSelectorToHarbor} translate.
 */
function selectsArtifactTags(tags: readonly string[], selectsTag: (tag: string) => boolean, untagged: boolean): boolean {
  if (tags.length === 0) return untagged;
  return tags.some(selectsTag);
}

/** Harbor's `{decoration, pattern, extras: '{"untagged": bool}'}` (extras absent → Harbor's default: untagged selected). */
export function tagSelectorFromHarbor(decoration: SelectorDecoration, pattern: string, harborUntagged: boolean | undefined): TagSelector {
  const untagged = harborUntagged === undefined ? true : decoration === "excludes" ? !harborUntagged : harborUntagged;
  return { decoration, kind: "doublestar", pattern, untagged };
}

export function tagSelectorToHarbor(selector: TagSelector): { decoration: SelectorDecoration; pattern: string; untagged: boolean } {
  return {
    decoration: selector.decoration,
    pattern: selector.pattern,
    untagged: selector.decoration === "excludes" ? !selector.untagged : selector.untagged,
  };
}

/** `library/team/app` → `team/app`: what retention and immutability repository selectors see. */
export function repositoryPathInProject(repository: string): string {
  const slash = repository.indexOf("/");
  return slash < 0 ? repository : repository.slice(slash + 1);
}

/**
 * Label selectors (Harbor's kind `label`): a list of label names. Retention decorates them
 * `withLabels` (the artifact carries every one) or `withoutLabels` (it carries none of them), as
 * Harbor's retention label selector does; replication's label filter has its own decorations
 * (lib/policy/replication.ts). Names are compared exactly, as Harbor does.
 */
export const LABEL_SELECTOR_DECORATIONS = ["withLabels", "withoutLabels"] as const;
export type LabelSelectorDecoration = (typeof LABEL_SELECTOR_DECORATIONS)[number];
export type LabelSelector = { decoration: LabelSelectorDecoration; labels: string[] };

/** Enough for any rule a person writes; keeps a stored rule small. */
export const LABEL_SELECTOR_MAX = 20;

/** A list of label names: trimmed, no empty ones, no commas (Harbor keeps the list comma-separated), each at most 128 characters; duplicates dropped. */
export const labelNamesSchema = z
  .array(
    z
      .string({ error: "Enter label names." })
      .trim()
      .min(1, { error: "Enter a label name." })
      .max(128, { error: "At most 128 characters per label name." })
      .refine((v) => !v.includes(",") && !/[\u0000-\u001f\u007f]/.test(v), { error: "A label name has no commas or control characters." }),
    { error: "Enter label names." },
  )
  .min(1, { error: "Enter at least one label name." })
  .max(LABEL_SELECTOR_MAX, { error: `At most ${LABEL_SELECTOR_MAX} labels.` })
  .transform((names) => [...new Set(names)]);

export const labelSelectorSchema = z.object({
  decoration: z.enum(LABEL_SELECTOR_DECORATIONS, { error: "Choose with or without the labels." }),
  labels: labelNamesSchema,
});

/** Whether an artifact carrying `labels` is selected. */
export function compileLabelSelector(selector: LabelSelector): { readonly selects: (labels: readonly string[]) => boolean } {
  const wanted = selector.labels;
  return {
    selects(labels) {
      const has = new Set(labels);
      return selector.decoration === "withLabels" ? wanted.every((l) => has.has(l)) : !wanted.some((l) => has.has(l));
    },
  };
}

/** Harbor's pattern for a label selector: the names joined by commas. */
export function labelNamesFromHarbor(pattern: string): string[] {
  return pattern
    .split(",")
    .map((l) => l.trim())
    .filter((l) => l !== "");
}
