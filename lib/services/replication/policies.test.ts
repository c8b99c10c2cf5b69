import { beforeAll, describe, expect, it } from "vitest";
import type { UserActor } from "@/lib/auth/actor";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "@/lib/errors";
import {
  createReplicationPolicy,
  deleteReplicationPolicy,
  destinationRepository,
  getReplicationPolicy,
  listReplicationPolicies,
  updateReplicationPolicy,
} from "@/lib/services/replication/policies";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";

// Real Postgres; the endpoint row stands for a remote registry (no connection is made here).

let admin: UserActor;
let auditor: UserActor;
let plainUser: UserActor;
let endpointId: number;

beforeAll(async () => {
  admin = actorFor(await createTestUser({ isAdmin: true }));
  auditor = actorFor(await createTestUser({ isAuditor: true }));
  plainUser = actorFor(await createTestUser());
  endpointId = (await db.registryEndpoint.create({ data: { name: uniqueName("remote"), type: "docker-registry", url: "http://127.0.0.1:9", credentialType: "none" }, select: { id: true } })).id;
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

const rowsFor = (id: number) => db.auditEvent.findMany({ where: { resourceType: "replication_policy", resourceId: String(id) }, orderBy: { id: "asc" } });

function input(overrides: Record<string, unknown> = {}) {
  return {
    name: uniqueName("policy"),
    direction: "push",
    endpointId,
    filters: { name: { decoration: "matches", kind: "doublestar", pattern: "library/**" }, tag: null, resource: "image" },
    destNamespace: "mirror",
    flattening: 1,
    ...overrides,
  };
}

describe("replication policies", () => {
  it("creates, reads, replaces and deletes a policy with one audit row per change", async () => {
    const created = await createReplicationPolicy({ actor: admin, input: input({ trigger: "scheduled", cron: "0 3 * * *", bandwidthLimit: 1_000_000, copyParallelism: 8 }) });
    expect(created).toMatchObject({ direction: "push", destNamespace: "mirror", flattening: 1, override: true, trigger: "scheduled", cron: "0 3 * * *", bandwidthLimit: 1_000_000, copyParallelism: 8 });
    expect(created.endpoint.id).toBe(endpointId);
    expect(created.filters.name?.pattern).toBe("library/**");

    const read = await getReplicationPolicy({ actor: auditor, policyId: created.id });
    expect(read).toEqual(created);

    const replaced = await updateReplicationPolicy({ actor: admin, policyId: created.id, input: input({ name: created.name, direction: "pull", destNamespace: null, override: false }) });
    expect(replaced).toMatchObject({ direction: "pull", destNamespace: null, override: false, trigger: "manual", cron: null });

    await deleteReplicationPolicy({ actor: admin, policyId: created.id });
    expect(await db.replicationPolicy.findUnique({ where: { id: created.id } })).toBeNull();
    const rows = await rowsFor(created.id);
    expect(rows.map((r) => [r.action, r.result])).toEqual([
      ["replication_policy.create", "success"],
      ["replication_policy.update", "success"],
      ["replication_policy.delete", "success"],
    ]);
  });

  it("refuses bad input with a message per field and writes nothing", async () => {
    const before = [await db.replicationPolicy.count(), await db.auditEvent.count()];
    const error = await rejection(
      createReplicationPolicy({ actor: admin, input: input({ name: "", direction: "sideways", flattening: 7, destNamespace: "Bad Name", trigger: "scheduled", copyParallelism: 0 }) }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(Object.keys((error as ValidationError).fieldErrors).sort()).toEqual(["copyParallelism", "destNamespace", "direction", "flattening", "name"].sort());
    const noCron = await rejection(createReplicationPolicy({ actor: admin, input: input({ trigger: "scheduled" }) }));
    expect((noCron as ValidationError).fieldErrors.cron).toEqual(["A scheduled policy needs a cron expression"]);
    const noEndpoint = await rejection(createReplicationPolicy({ actor: admin, input: input({ endpointId: 999_999 }) }));
    expect((noEndpoint as ValidationError).fieldErrors.endpointId).toEqual(["Registry endpoint 999999 does not exist"]);
    expect([await db.replicationPolicy.count(), await db.auditEvent.count()]).toEqual(before);
  });

  it("refuses a second policy of the same name (409) and an unknown id (404)", async () => {
    const first = await createReplicationPolicy({ actor: admin, input: input() });
    expect(await rejection(createReplicationPolicy({ actor: admin, input: input({ name: first.name }) }))).toBeInstanceOf(ConflictError);
    expect(await rejection(getReplicationPolicy({ actor: admin, policyId: 999_999 }))).toBeInstanceOf(NotFoundError);
    expect(await rejection(deleteReplicationPolicy({ actor: admin, policyId: 999_999 }))).toBeInstanceOf(NotFoundError);
  });

  it("lets auditors read and refuses their changes and everyone else's, one failure row per refused change", async () => {
    const policy = await createReplicationPolicy({ actor: admin, input: input() });
    const page = await listReplicationPolicies({ actor: auditor, query: { name: { op: "exact", value: policy.name }, page: 1, pageSize: 10 } });
    expect(page.rows.map((p) => p.id)).toEqual([policy.id]);
    expect(page.total).toBe(1);

    expect(await rejection(updateReplicationPolicy({ actor: auditor, policyId: policy.id, input: input({ name: policy.name }) }))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(deleteReplicationPolicy({ actor: plainUser, policyId: policy.id }))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(listReplicationPolicies({ actor: plainUser, query: { page: 1, pageSize: 10 } }))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(getReplicationPolicy({ actor: plainUser, policyId: policy.id }))).toBeInstanceOf(ForbiddenError);
    const refused = (await rowsFor(policy.id)).filter((r) => r.result !== "success");
    // A refused read is recorded too (under the permission's name), as every refusal is.
    expect(refused.map((r) => r.action)).toEqual(["replication_policy.update", "replication_policy.delete", "replication_policy.read"]);
    expect((await getReplicationPolicy({ actor: admin, policyId: policy.id })).updatedAt).toEqual(policy.updatedAt);
  });

  it("lists by name substring, paged on the server", async () => {
    const tag = uniqueName("page").replace(/[^a-z0-9]/g, "");
    for (const n of [1, 2, 3]) await createReplicationPolicy({ actor: admin, input: input({ name: `${tag}-${n}` }) });
    const first = await listReplicationPolicies({ actor: admin, query: { name: { op: "fuzzy", value: tag.toUpperCase() }, page: 1, pageSize: 2 } });
    const second = await listReplicationPolicies({ actor: admin, query: { name: { op: "fuzzy", value: tag }, page: 2, pageSize: 2 } });
    expect(first.total).toBe(3);
    expect([...first.rows, ...second.rows].map((p) => p.name)).toEqual([`${tag}-1`, `${tag}-2`, `${tag}-3`]);
  });
});

describe("a pull into a proxy-cache project", () => {
  it("is refused when the policy names one as its destination, naming the field, nothing saved", async () => {
    const proxy = await db.project.create({ data: { name: uniqueName("hub"), proxyRegistryId: endpointId }, select: { name: true } });
    const before = await db.replicationPolicy.count();
    const error = await rejection(createReplicationPolicy({ actor: admin, input: input({ name: uniqueName("into-proxy"), direction: "pull", destNamespace: proxy.name }) }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors.destNamespace?.[0]).toContain("is a proxy-cache project");
    expect(await db.replicationPolicy.count()).toBe(before);
    // A push policy names a namespace at the remote registry, not a Wharf project: allowed.
    await expect(createReplicationPolicy({ actor: admin, input: input({ name: uniqueName("push-ok"), direction: "push", destNamespace: proxy.name }) })).resolves.toMatchObject({ destNamespace: proxy.name });
  });
});

describe("destination repository (Harbor's namespace flattening)", () => {
  it.each([
    ["a/b/c/img", null, 1, "a/b/c/img"],
    ["a/b/c/img", "dst", -1, "dst/img"],
    ["a/b/c/img", "dst", 0, "dst/a/b/c/img"],
    ["a/b/c/img", "dst", 1, "dst/b/c/img"],
    ["a/b/c/img", "dst", 2, "dst/c/img"],
    ["a/b/c/img", "dst", 3, "dst/img"],
    ["library/img", "dst", 1, "dst/img"],
  ] as const)("%s to %s flattening %i is %s", (source, namespace, flattening, expected) => {
    expect(destinationRepository(source, namespace, flattening)).toEqual({ ok: true, repository: expected });
  });

  it("refuses to flatten more levels than the source has", () => {
    const outcome = destinationRepository("library/img", "dst", 2);
    expect(outcome.ok).toBe(false);
  });
});
