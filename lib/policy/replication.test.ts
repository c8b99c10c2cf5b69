import { describe, expect, it } from "vitest";
import { compileReplicationFilter, replicationFilterSchema } from "@/lib/policy/replication";

describe("replication filters", () => {
  it("match the name with the project, and keep only the selected tags", () => {
    const filter = compileReplicationFilter({
      name: { decoration: "matches", kind: "doublestar", pattern: "library/**" },
      tag: { decoration: "matches", kind: "doublestar", pattern: "v*", untagged: false },
      resource: "image",
    });
    expect(filter.select({ repository: "library/team/app", tags: ["v1", "latest", "v2"], image: true })).toEqual({ selected: true, tags: ["v1", "v2"] });
    expect(filter.select({ repository: "library/app", tags: ["latest"], image: true })).toEqual({ selected: false });
    expect(filter.select({ repository: "other/app", tags: ["v1"], image: true })).toEqual({ selected: false });
    expect(filter.select({ repository: "library/app", tags: [], image: true })).toEqual({ selected: false });
  });

  it("excluding tags, untagged artifacts and resource kinds", () => {
    const filter = compileReplicationFilter({
      name: { decoration: "excludes", kind: "regex", pattern: "scratch/.*" },
      tag: { decoration: "excludes", kind: "regex", pattern: "dev-.*", untagged: true },
      resource: "artifact",
    });
    expect(filter.select({ repository: "library/app", tags: ["dev-1", "v1"], image: true })).toEqual({ selected: true, tags: ["v1"] });
    expect(filter.select({ repository: "library/app", tags: ["dev-1"], image: true })).toEqual({ selected: false });
    expect(filter.select({ repository: "library/app", tags: [], image: false })).toEqual({ selected: true, tags: [] });
    expect(filter.select({ repository: "scratch/app", tags: ["v1"], image: true })).toEqual({ selected: false });
    const imagesOnly = compileReplicationFilter({ name: null, tag: null, resource: "image" });
    expect(imagesOnly.select({ repository: "library/app", tags: ["v1"], image: false })).toEqual({ selected: false });
    expect(imagesOnly.select({ repository: "library/app", tags: [], image: true })).toEqual({ selected: true, tags: [] });
  });

  it("the schema defaults to every image and reports a bad pattern at its field", () => {
    expect(replicationFilterSchema.parse({})).toEqual({ name: null, tag: null, label: null, resource: "image" });
    const result = replicationFilterSchema.safeParse({ name: { decoration: "matches", kind: "regex", pattern: "(" }, resource: "chart" });
    expect(result.error?.issues.map((i) => i.path.join(".")).sort()).toEqual(["name.pattern", "resource"]);
  });

  it("a label filter as Harbor's: matches wants every named label, excludes any artifact lacking one of them", () => {
    const matches = compileReplicationFilter({ name: null, tag: null, label: { decoration: "matches", labels: ["prod", "approved"] }, resource: "artifact" });
    expect(matches.select({ repository: "library/app", tags: ["v1"], image: true, labels: ["approved", "prod", "x"] })).toEqual({ selected: true, tags: ["v1"] });
    expect(matches.select({ repository: "library/app", tags: ["v1"], image: true, labels: ["prod"] })).toEqual({ selected: false });
    // A remote artifact (no labels known) is never selected by a matches filter.
    expect(matches.select({ repository: "library/app", tags: ["v1"], image: true })).toEqual({ selected: false });
    const excludes = compileReplicationFilter({ name: null, tag: null, label: { decoration: "excludes", labels: ["prod", "approved"] }, resource: "artifact" });
    expect(excludes.select({ repository: "library/app", tags: [], image: true, labels: ["prod"] })).toEqual({ selected: true, tags: [] });
    expect(excludes.select({ repository: "library/app", tags: [], image: true, labels: ["approved", "prod"] })).toEqual({ selected: false });
    expect(excludes.select({ repository: "library/app", tags: [], image: true })).toEqual({ selected: true, tags: [] });
  });

  it("the label filter's schema trims and de-duplicates names, and refuses an empty list or a comma", () => {
    expect(replicationFilterSchema.parse({ label: { decoration: "matches", labels: [" prod ", "prod", "qa"] } }).label).toEqual({ decoration: "matches", labels: ["prod", "qa"] });
    expect(replicationFilterSchema.safeParse({ label: { decoration: "matches", labels: [] } }).error?.issues.map((i) => i.path.join("."))).toEqual(["label.labels"]);
    expect(replicationFilterSchema.safeParse({ label: { decoration: "matches", labels: ["a,b"] } }).error?.issues.map((i) => i.path.join("."))).toEqual(["label.labels.0"]);
    expect(replicationFilterSchema.safeParse({ label: { decoration: "withLabels", labels: ["a"] } }).success).toBe(false);
  });
});
