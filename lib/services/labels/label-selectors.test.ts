import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  process.env.WHARF_EXTERNAL_URL = "http://wharf.test:3000";
});

import * as policyRoute from "@/app/api/v2.0/retentions/[id]/route";
import * as retentionsRoute from "@/app/api/v2.0/retentions/route";
import { policyInputFromHarbor, toHarborReplicationPolicy, ZReplicationPolicyReq } from "@/lib/api/replication-shapes";
import { apiRequest, basic, call } from "@/lib/api/test-kit";
import { compileReplicationFilter, type ReplicationFilter } from "@/lib/policy/replication";
import { retentionRulesSchema } from "@/lib/policy/retention";
import { ALL_REPOSITORIES, ALL_TAGS } from "@/lib/policy/selectors";
import { addArtifactLabel } from "@/lib/services/labels/artifact-labels";
import { createLabel } from "@/lib/services/labels/labels";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { indexSourceArtifacts } from "@/lib/services/replication/plan";
import type { ReplicationPolicyView } from "@/lib/services/replication/policies";
import { planRepository } from "@/lib/services/retention/plan-repository";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";

/*
 * Labels as filters where Wharf has rules: retention's label selector and replication's label
 * filter, read from the index by the planners (Postgres), and carried by the REST shapes as Harbor
 * writes them (a `label` tag selector; a `label` filter with a list of names).
 */

type User = Awaited<ReturnType<typeof createTestUser>>;
let admin: User;
let project: { id: number; name: string };
let repositoryId: number;
const digests: Record<"prod" | "prodApproved" | "plain", string> = { prod: "", prodApproved: "", plain: "" };

beforeAll(async () => {
  admin = await createTestUser({ isAdmin: true });
  project = await createProject();
  const name = `${project.name}/app`;
  repositoryId = (await db.repository.create({ data: { projectId: project.id, name }, select: { id: true } })).id;
  const prod = await createLabel({ actor: actorFor(admin), project: project.id, input: { name: "prod", color: "#2E7D32" } });
  const approved = await createLabel({ actor: actorFor(admin), project: project.id, input: { name: "approved", color: "#1565C0" } });
  let n = 0;
  for (const key of ["prod", "prodApproved", "plain"] as const) {
    const digest = `sha256:${randomBytes(32).toString("hex")}`;
    n += 1;
    const artifact = await db.artifact.create({
      data: { repositoryId, digest, mediaType: "application/vnd.oci.image.manifest.v1+json", manifestSize: 1, totalSize: 1n, pushedAt: new Date(Date.now() - n * 60_000) },
      select: { id: true },
    });
    await db.tag.create({ data: { repositoryId, artifactId: artifact.id, name: `t-${key}`, pushedAt: new Date(Date.now() - n * 60_000) } });
    digests[key] = digest;
  }
  await db.repository.update({ where: { id: repositoryId }, data: { artifactCount: 3 } });
  for (const key of ["prod", "prodApproved"] as const) await addArtifactLabel({ actor: actorFor(admin), repository: name, reference: digests[key], labelId: prod.id });
  await addArtifactLabel({ actor: actorFor(admin), repository: name, reference: digests.prodApproved, labelId: approved.id });
});

describe("retention's label selector, planned from the index", () => {
  it("withLabels keeps only what carries every named label; withoutLabels what carries none", async () => {
    const plan = async (labels: { decoration: "withLabels" | "withoutLabels"; labels: string[] }) => {
      const rules = retentionRulesSchema.parse([{ template: "always", repositories: ALL_REPOSITORIES, tags: ALL_TAGS, labels }]);
      const planned = await db.$transaction((tx) => planRepository(tx, { repositoryId, repository: `${project.name}/app`, rules, startedAt: new Date(Date.now() + 1000) }));
      return Object.fromEntries(Object.entries(digests).map(([key, digest]) => [key, planned.find((p) => p.digest === digest)?.decision]));
    };
    expect(await plan({ decoration: "withLabels", labels: ["prod"] })).toEqual({ prod: "retain", prodApproved: "retain", plain: "remove" });
    expect(await plan({ decoration: "withLabels", labels: ["prod", "approved"] })).toEqual({ prod: "remove", prodApproved: "retain", plain: "remove" });
    expect(await plan({ decoration: "withoutLabels", labels: ["approved"] })).toEqual({ prod: "retain", prodApproved: "remove", plain: "retain" });
  });

  it("REST: a `label` tag selector is saved and answered as Harbor writes it; a bad one is a 400 naming it", async () => {
    const maintainer = await createMember(project.id, 4);
    const auth = basic(maintainer.username);
    const rule = (label: Record<string, unknown>) => ({
      algorithm: "or",
      rules: [
        {
          template: "latestPushedK",
          params: { latestPushedK: 5 },
          tag_selectors: [{ kind: "doublestar", decoration: "matches", pattern: "**", extras: '{"untagged":true}' }, { kind: "label", ...label }],
          scope_selectors: { repository: [{ kind: "doublestar", decoration: "repoMatches", pattern: "**" }] },
        },
      ],
      trigger: { kind: "Schedule", settings: { cron: "" } },
      scope: { level: "project", ref: project.id },
    });
    const bad = await call(retentionsRoute.POST, apiRequest("/retentions", { method: "POST", auth, body: rule({ decoration: "hasLabels", pattern: "prod" }) }), {});
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("rules[0].tag_selectors[1].decoration");
    expect(await db.retentionPolicy.count({ where: { projectId: project.id } })).toBe(0);
    const created = await call(retentionsRoute.POST, apiRequest("/retentions", { method: "POST", auth, body: rule({ decoration: "withLabels", pattern: "prod,approved" }) }), {});
    expect(created.status).toBe(201);
    const id = created.headers.get("location")!.split("/").pop()!;
    const got = (await (await call(policyRoute.GET, apiRequest(`/retentions/${id}`, { auth }), { id })).json()) as { rules: { tag_selectors: unknown[] }[] };
    expect(got.rules[0]!.tag_selectors).toEqual([
      { kind: "doublestar", decoration: "matches", pattern: "**", extras: '{"untagged":true}' },
      { kind: "label", decoration: "withLabels", pattern: "prod,approved" },
    ]);
    const stored = await db.retentionPolicy.findUniqueOrThrow({ where: { id: Number(id) } });
    expect((stored.rules as { labels: unknown }[])[0]!.labels).toEqual({ decoration: "withLabels", labels: ["prod", "approved"] });
  });
});

describe("replication's label filter", () => {
  it("the index source carries each artifact's labels and the filter selects by them (matches: all, excludes: lacking one)", async () => {
    const select = async (label: ReplicationFilter["label"]) => {
      const filters: ReplicationFilter = { name: { decoration: "matches", kind: "doublestar", pattern: `${project.name}/**` }, tag: null, label, resource: "artifact" };
      const filter = compileReplicationFilter(filters);
      const chosen: string[] = [];
      for await (const source of indexSourceArtifacts(filters)) if (filter.select(source).selected) chosen.push(source.digest);
      return Object.entries(digests)
        .filter(([, d]) => chosen.includes(d))
        .map(([key]) => key)
        .sort();
    };
    expect(await select(null)).toEqual(["plain", "prod", "prodApproved"]);
    expect(await select({ decoration: "matches", labels: ["prod", "approved"] })).toEqual(["prodApproved"]);
    expect(await select({ decoration: "excludes", labels: ["prod", "approved"] })).toEqual(["plain", "prod"]);
  });

  it("REST: Harbor's `label` filter (a list of names) becomes the policy's and is answered back", () => {
    const body = ZReplicationPolicyReq.parse({
      name: "labelled",
      dest_registry: { id: 1 },
      filters: [
        { type: "name", value: "library/**" },
        { type: "label", value: ["prod", "approved"], decoration: "excludes" },
      ],
    });
    const { input } = policyInputFromHarbor(body, { creating: true });
    expect((input.filters as Record<string, unknown>).label).toEqual({ decoration: "excludes", labels: ["prod", "approved"] });
    expect(() => policyInputFromHarbor(ZReplicationPolicyReq.parse({ name: "x", dest_registry: { id: 1 }, filters: [{ type: "label", value: "prod" }] }), { creating: true })).toThrow(
      "filters[0].value: a list of label names",
    );
    const view = {
      id: 1,
      name: "labelled",
      description: "",
      direction: "push",
      endpoint: { id: 1 },
      filters: { name: null, tag: null, label: { decoration: "matches", labels: ["prod"] }, resource: "image" },
      destNamespace: null,
      flattening: 1,
      override: true,
      replicateDeletion: false,
      trigger: "manual",
      cron: null,
      enabled: true,
      bandwidthLimit: null,
      copyParallelism: 4,
      createdAt: new Date(),
      updatedAt: new Date(),
    } as unknown as ReplicationPolicyView;
    const endpoint = { id: 1, name: "remote", type: "docker-registry", url: "https://r.example", insecure: false, description: "", hasCredential: false, createdAt: new Date(), updatedAt: new Date(), status: "healthy" };
    const harbor = toHarborReplicationPolicy(view, endpoint as never, "http://wharf.test:3000");
    expect(harbor.filters).toContainEqual({ type: "label", value: ["prod"], decoration: "matches" });
  });
});
