import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RegistryClient } from "@/lib/registry/client";
import { copy } from "@/lib/registry/copy";
import { endpointClient } from "@/lib/registry/endpoint";
import type { LocalRegistry } from "@/lib/registry/local-registry";
import { planReplication, remoteSourceArtifacts, type PlanPolicy } from "@/lib/services/replication/plan";
import { pushGeneratedImage, pushGeneratedIndex, startBasicRegistry, startOpenRegistry } from "@/lib/testing/remote-registries";

// Two real Distribution registries: the source with htpasswd auth, the destination open. The plan
// is checked against what is really there, then carried out with the copy engine and planned
// again: everything it said to copy is now skipped as already there, with the same digests.

const CREDENTIALS = { username: "plan-user", password: "plan-Passw0rd-7c2d" };
let tmp: string;
let sourceRegistry: LocalRegistry;
let destinationRegistry: LocalRegistry;
let source: RegistryClient;
let destination: RegistryClient;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-replication-plan-"));
  [sourceRegistry, destinationRegistry] = await Promise.all([startBasicRegistry(tmp, CREDENTIALS), startOpenRegistry(tmp)]);
  source = endpointClient({ name: "source", url: sourceRegistry.url, auth: { kind: "basic", credentials: CREDENTIALS } });
  destination = endpointClient({ name: "destination", url: destinationRegistry.url, auth: { kind: "none" } });
}, 90_000);

afterAll(async () => {
  await Promise.all([sourceRegistry?.stop(), destinationRegistry?.stop()]);
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("planReplication against real registries", () => {
  it("lists exactly what a run copies and skips, and why; after copying, the same plan skips it all", async () => {
    const app = await pushGeneratedImage(source, "lib/a/app", { tag: "1.0" });
    await copy(source, source, { srcRepository: "lib/a/app", dstRepository: "lib/a/app", reference: app.digest, tag: "latest" });
    const dev = await pushGeneratedImage(source, "lib/a/app", { tag: "dev" });
    const multi = await pushGeneratedIndex(source, "lib/b", { tag: "2.0" });
    await pushGeneratedImage(source, "other/x", { tag: "1.0" });
    // The destination already has app:1.0 (same digest) and a different app:dev.
    await copy(source, destination, { srcRepository: "lib/a/app", dstRepository: "mirror/app", reference: "1.0" });
    await copy(source, destination, { srcRepository: "lib/b", dstRepository: "mirror/app", reference: "2.0", tag: "dev" });

    const policy: PlanPolicy = {
      filters: { name: { decoration: "matches", kind: "doublestar", pattern: "lib/**" }, tag: null, resource: "image" },
      destNamespace: "mirror",
      flattening: -1,
      override: false,
    };
    const plan = await planReplication({ policy, sources: remoteSourceArtifacts(source, policy.filters), destination });
    const byDigest = new Map(plan.map((p) => [p.digest, p]));
    expect(plan).toHaveLength(3);
    expect(byDigest.get(app.digest)).toMatchObject({ operation: "copy", srcRepository: "lib/a/app", dstRepository: "mirror/app", tags: ["latest"], resourceType: "image" });
    expect(byDigest.get(app.digest)?.reason).toContain("already there: 1.0");
    expect(byDigest.get(dev.digest)).toMatchObject({ operation: "skip", tags: ["dev"] });
    expect(byDigest.get(dev.digest)?.reason).toContain("override off");
    expect(byDigest.get(multi.digest)).toMatchObject({ operation: "copy", dstRepository: "mirror/b", tags: ["2.0"] });

    // Override on: the different dev at the destination is replaced.
    const overriding = await planReplication({ policy: { ...policy, override: true }, sources: remoteSourceArtifacts(source, policy.filters), destination });
    expect(overriding.find((p) => p.digest === dev.digest)).toMatchObject({ operation: "copy", tags: ["dev"] });

    // Carry out the first plan with the copy engine, tag by tag, as the run's tasks do.
    for (const item of plan.filter((p) => p.operation === "copy")) {
      for (const tag of item.tags) await copy(source, destination, { srcRepository: item.srcRepository, dstRepository: item.dstRepository, reference: item.digest, tag });
    }
    for (const item of plan.filter((p) => p.operation === "copy")) {
      for (const tag of item.tags) expect((await destination.headManifest(item.dstRepository, tag))?.digest).toBe(item.digest);
    }
    const again = await planReplication({ policy, sources: remoteSourceArtifacts(source, policy.filters), destination });
    expect(again.filter((p) => p.operation === "copy")).toEqual([]);
    expect(again).toHaveLength(3);
  });

  it("leaves out what the filters do not select, and skips a name the flattening cannot make", async () => {
    await pushGeneratedImage(source, "flat", { tag: "v1" });
    await pushGeneratedImage(source, "flat", { tag: "v2-rc" });
    const policy: PlanPolicy = {
      filters: { name: { decoration: "matches", kind: "doublestar", pattern: "flat" }, tag: { decoration: "excludes", kind: "doublestar", pattern: "*-rc", untagged: false }, resource: "image" },
      destNamespace: "dst",
      flattening: 2,
      override: true,
    };
    const plan = await planReplication({ policy, sources: remoteSourceArtifacts(source, policy.filters), destination });
    expect(plan.map((p) => [p.operation, p.tags])).toEqual([["skip", ["v1"]]]);
    expect(plan[0]?.reason).toContain("fewer than the 2 to flatten");
  });
});
