import { describe, expect, it } from "vitest";
import { MAX_SCOPES, parseScope, parseScopes, ScopeError } from "@/lib/services/registry-auth/scope";

function refusal(fn: () => unknown): ScopeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScopeError) return error;
    throw error;
  }
  throw new Error("expected a ScopeError");
}

describe("parseScopes", () => {
  it("reads repeated scope parameters (skopeo) and space-separated ones (the spec)", () => {
    expect(parseScopes(["repository:demo/app:pull,push", "repository:demo/other:pull registry:catalog:*"])).toEqual([
      { type: "repository", resourceClass: null, name: "demo/app", actions: ["pull", "push"] },
      { type: "repository", resourceClass: null, name: "demo/other", actions: ["pull"] },
      { type: "registry", resourceClass: null, name: "catalog", actions: ["*"] },
    ]);
  });

  it("keeps the resource class of repository(plugin) and merges duplicates of one resource", () => {
    expect(parseScopes(["repository(plugin):a/b:pull", "repository:a/b:push,pull", "  "])).toEqual([
      { type: "repository", resourceClass: "plugin", name: "a/b", actions: ["pull", "push"] },
    ]);
  });

  it("takes the type up to the first ':' and the actions after the last one", () => {
    expect(parseScope("repository:a/b:*")).toMatchObject({ name: "a/b", actions: ["*"] });
    // A ':' inside the name cannot be a repository name: refused, not misread as actions.
    expect(refusal(() => parseScope("repository:127.0.0.1:3000/a/b:pull")).message).toMatch(/not a valid repository name/);
  });

  it("keeps unknown types and actions (they are granted nothing later)", () => {
    expect(parseScope("blob:x:frobnicate")).toEqual({ type: "blob", resourceClass: null, name: "x", actions: ["frobnicate"] });
  });

  it.each([
    ["", /expected type:name:actions/],
    ["repository", /expected type:name:actions/],
    ["repository:a/b", /expected type:name:actions/],
    [":a/b:pull", /expected type:name:actions/],
    ["repository::pull", /name is empty/],
    ["repository:a/b:", /no actions/],
    ["repository:a/b:,", /no actions/],
    ["Repository:a/b:pull", /resource type/],
    ["repository(Bad):a/b:pull", /resource type/],
    ["repository:a/b:PULL", /is not an action/],
    ["repository:a/b:pull;rm", /is not an action/],
    ["repository:A/B:pull", /not a valid repository name/],
    ["repository:a//b:pull", /not a valid repository name/],
    ["repository:../etc:pull", /not a valid repository name/],
    ["registry:cat/alog:*", /registry resources/],
  ])("refuses %j with a clear message", (raw, message) => {
    const error = refusal(() => parseScopes([raw.length === 0 ? ":" : raw]));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
  });

  it("refuses over-long scopes and too many scopes", () => {
    expect(refusal(() => parseScope(`repository:a/${"b".repeat(600)}:pull`)).message).toMatch(/longer than/);
    const many = Array.from({ length: MAX_SCOPES + 1 }, (_, i) => `repository:p/r${i}:pull`);
    expect(refusal(() => parseScopes(many)).message).toMatch(/Too many scopes/);
    expect(parseScopes(many.slice(0, MAX_SCOPES))).toHaveLength(MAX_SCOPES);
  });
});
