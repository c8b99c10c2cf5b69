import { beforeAll, describe, expect, it } from "vitest";
import type { UserActor } from "@/lib/auth/actor";
import { ForbiddenError, ValidationError } from "@/lib/errors";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { tagChangeDecision } from "@/lib/services/tag-policy/decision";
import {
  createImmutableRule,
  deleteImmutableRule,
  getNamingPolicy,
  listImmutableRules,
  MAX_IMMUTABLE_RULES,
  setImmutableRuleDisabled,
  setNamingPolicy,
  updateImmutableRule,
} from "@/lib/services/tag-policy/rules";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";

let admin: UserActor;
beforeAll(async () => {
  admin = actorFor(await createTestUser({ isAdmin: true }));
});

const sel = (pattern: string, kind = "doublestar", decoration = "matches") => ({ decoration, kind, pattern });

async function rowsOf(projectId: number) {
  return (await db.auditEvent.findMany({ where: { projectId }, orderBy: { id: "asc" } })).map((r) => `${r.result} ${r.action}`);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: unknown) => error,
  );
}

describe("immutability rules", () => {
  it("create, list in position order, update, disable, delete: one audit row each", async () => {
    const project = await createProject();
    const a = await createImmutableRule({ actor: admin, projectId: project.id, rule: { repositories: sel("**"), tags: sel("v*") } });
    const b = await createImmutableRule({ actor: admin, projectId: project.name, rule: { repositories: sel("team/.*", "regex"), tags: sel("latest", "doublestar", "excludes") } });
    expect((await listImmutableRules({ actor: admin, projectId: project.id })).map((r) => [r.id, r.position, r.disabled])).toEqual([
      [a.id, 0, false],
      [b.id, 1, false],
    ]);
    const updated = await updateImmutableRule({ actor: admin, projectId: project.id, ruleId: a.id, rule: { repositories: sel("app"), tags: sel("1.*") } });
    expect(updated).toMatchObject({ id: a.id, position: 0, repositories: sel("app"), tags: sel("1.*"), disabled: false });
    expect((await setImmutableRuleDisabled({ actor: admin, projectId: project.id, ruleId: b.id, disabled: true })).disabled).toBe(true);
    await deleteImmutableRule({ actor: admin, projectId: project.id, ruleId: a.id });
    expect((await listImmutableRules({ actor: admin, projectId: project.id })).map((r) => r.id)).toEqual([b.id]);
    expect(await rowsOf(project.id)).toEqual([
      "success immutable_rule.create",
      "success immutable_rule.create",
      "success immutable_rule.update",
      "success immutable_rule.update",
      "success immutable_rule.delete",
    ]);
  });

  it("bad input: field messages, nothing saved; a 16th rule is refused; another project's rule is not found", async () => {
    const project = await createProject();
    const bad = await caught(createImmutableRule({ actor: admin, projectId: project.id, rule: { repositories: sel("(a", "regex"), tags: sel("") } }));
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as ValidationError).fieldErrors).toEqual({
      "repositories.pattern": ["Invalid regular expression: missing closing ): `(a`"],
      "tags.pattern": ["Enter a pattern (** selects everything)."],
    });
    for (let i = 0; i < MAX_IMMUTABLE_RULES; i += 1) await createImmutableRule({ actor: admin, projectId: project.id, rule: { repositories: sel("**"), tags: sel(`t${i}`) } });
    const sixteenth = await caught(createImmutableRule({ actor: admin, projectId: project.id, rule: { repositories: sel("**"), tags: sel("x") } }));
    expect(sixteenth).toBeInstanceOf(ValidationError);
    expect(await db.immutableTagRule.count({ where: { projectId: project.id } })).toBe(MAX_IMMUTABLE_RULES);

    const other = await createProject();
    const foreign = (await listImmutableRules({ actor: admin, projectId: project.id }))[0]!;
    await expect(deleteImmutableRule({ actor: admin, projectId: other.id, ruleId: foreign.id })).rejects.toThrow("Immutability rule not found.");
    expect(await db.immutableTagRule.count({ where: { id: foreign.id } })).toBe(1);
  });

  it("a developer may not change rules (immutable-tag is for maintainers): one failure row, nothing saved; a maintainer may", async () => {
    const project = await createProject();
    const developer = actorFor(await createMember(project.id, 2));
    const maintainer = actorFor(await createMember(project.id, 4));
    await expect(createImmutableRule({ actor: developer, projectId: project.id, rule: { repositories: sel("**"), tags: sel("**") } })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(setNamingPolicy({ actor: developer, projectId: project.id, policy: { pattern: "v.*" } })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await db.immutableTagRule.count({ where: { projectId: project.id } })).toBe(0);
    await createImmutableRule({ actor: maintainer, projectId: project.id, rule: { repositories: sel("**"), tags: sel("**") } });
    expect(await rowsOf(project.id)).toEqual(["failure immutable_rule.create", "failure tag_naming_policy.update", "success immutable_rule.create"]);
  });

  it("decisions follow changes at once (the per-project cache is dropped on change), and name the first enabled rule that applies", async () => {
    const project = await createProject();
    const repository = `${project.name}/team/app`;
    const ask = (tag: string) => tagChangeDecision({ projectId: project.id, repository, tag, kind: "delete" });
    expect(await ask("v1")).toEqual({ allowed: true });
    const first = await createImmutableRule({ actor: admin, projectId: project.id, rule: { repositories: sel("other/**"), tags: sel("**") } });
    const second = await createImmutableRule({ actor: admin, projectId: project.id, rule: { repositories: sel("team/*"), tags: sel("v[0-9]+", "regex") } });
    const third = await createImmutableRule({ actor: admin, projectId: project.id, rule: { repositories: sel("**"), tags: sel("v*") } });
    expect(await ask("v1")).toMatchObject({ allowed: false, policy: "immutable", ruleId: second.id });
    expect(await ask("dev")).toEqual({ allowed: true });
    await setImmutableRuleDisabled({ actor: admin, projectId: project.id, ruleId: second.id, disabled: true });
    expect(await ask("v1")).toMatchObject({ allowed: false, ruleId: third.id });
    await deleteImmutableRule({ actor: admin, projectId: project.id, ruleId: third.id });
    expect(await ask("v1")).toEqual({ allowed: true });
    await updateImmutableRule({ actor: admin, projectId: project.id, ruleId: first.id, rule: { repositories: sel("**"), tags: sel("v1") } });
    expect(await ask("v1")).toMatchObject({ allowed: false, ruleId: first.id });
  });
});

describe("naming policy", () => {
  it("set, read, disable, remove; an invalid regex is a field message; a new tag must match, an existing one need not", async () => {
    const project = await createProject();
    const repository = `${project.name}/app`;
    expect(await getNamingPolicy({ actor: admin, projectId: project.id })).toBeNull();
    const bad = await caught(setNamingPolicy({ actor: admin, projectId: project.id, policy: { pattern: "[a-" } }));
    expect((bad as ValidationError).fieldErrors.pattern?.[0]).toMatch(/^Invalid regular expression: /);
    expect(await db.tagNamingPolicy.count({ where: { projectId: project.id } })).toBe(0);

    await setNamingPolicy({ actor: admin, projectId: project.id, policy: { pattern: "(dev|prod)-[0-9]+" } });
    expect(await getNamingPolicy({ actor: admin, projectId: project.id })).toEqual({ pattern: "(dev|prod)-[0-9]+", enabled: true });
    const push = (tag: string) => tagChangeDecision({ projectId: project.id, repository, tag, newDigest: `sha256:${"a".repeat(64)}`, kind: "push" });
    expect(await push("prod-7")).toEqual({ allowed: true });
    // Whole-string matching: a prefix that matches is not enough.
    expect(await push("prod-7-hotfix")).toMatchObject({ allowed: false, policy: "naming", message: expect.stringContaining("(dev|prod)-[0-9]+") });
    // A delete is never refused by the naming policy.
    expect(await tagChangeDecision({ projectId: project.id, repository, tag: "old", kind: "delete" })).toEqual({ allowed: true });

    await setNamingPolicy({ actor: admin, projectId: project.id, policy: { pattern: "(dev|prod)-[0-9]+", enabled: false } });
    expect(await push("anything")).toEqual({ allowed: true });
    await setNamingPolicy({ actor: admin, projectId: project.id, policy: null });
    expect(await getNamingPolicy({ actor: admin, projectId: project.id })).toBeNull();
    expect(await rowsOf(project.id)).toEqual(["success tag_naming_policy.update", "success tag_naming_policy.update", "success tag_naming_policy.update"]);
  });
});
