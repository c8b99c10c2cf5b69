import { execFile } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Ports picked before anything reads the environment: the registry's, and Wharf's front, whose
// address is Wharf's external URL (skopeo follows the token realm and upload Locations to it).
const { REGISTRY_PORT, FRONT_PORT } = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryAndFrontPorts("registry-auth-tests-secret-key-0123456789")));

import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { startFront, type WharfServer } from "@/lib/runtime/server";
import { db, TEST_PASSWORD } from "@/lib/services/registry-auth/test-fixtures";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { skopeoCopy, writeOciImageLayout } from "@/lib/testing/oci-layout";

/** The distribution-spec behaviours of distribution-spec.test.ts, as skopeo (a real client) meets them through Wharf's front. */
const EXTERNAL = `http://127.0.0.1:${FRONT_PORT}`;
const HOST = `127.0.0.1:${FRONT_PORT}`;
const harness = gatewayHarness({ registryPort: REGISTRY_PORT, external: EXTERNAL, name: "skopeo-distribution" });

let front: WharfServer;
beforeAll(async () => {
  front = await startFront({ hostname: "127.0.0.1", port: FRONT_PORT, handleNext: async (_req, res) => void res.end() });
});
afterAll(async () => {
  await front?.close();
});

function skopeo(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("skopeo", args, { timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(String(stderr).trim() || "skopeo failed")) : resolve(String(stdout))));
  });
}

describe("skopeo through Wharf", () => {
  it("pushes, copies between repositories, lists tags in order and sees a single tag deleted", async () => {
    const { project, maintainer, repository, token } = await harness.setup();
    const creds = `${maintainer.username}:${TEST_PASSWORD}`;
    const image = await writeOciImageLayout(path.join(harness.tmp, "skopeo-image"), { tag: "1.0", extraBytes: 200_000 });
    await skopeoCopy(image.ref, `docker://${HOST}/${repository}:1.0`, { destCreds: creds });

    // Within one registry skopeo asks to mount the layers from the source repository (its token
    // request names pull on the source too).
    const copy = `${project.name}/copy`;
    await skopeoCopy(`docker://${HOST}/${repository}:1.0`, `docker://${HOST}/${copy}:1.0`, { srcCreds: creds, destCreds: creds });
    expect((await harness.backing.headManifest(copy, image.manifestDigest))?.digest).toBe(image.manifestDigest);

    const bytes = await harness.blobBytes(path.join(harness.tmp, "skopeo-image"), image.manifestDigest);
    const tags = ["1.0", "1.1", "2.0", "latest"];
    for (const tag of tags.slice(1)) await harness.putManifest(token, repository, tag, bytes, OCI_IMAGE_MANIFEST);
    const listed = JSON.parse(await skopeo(["list-tags", "--tls-verify=false", "--creds", creds, `docker://${HOST}/${repository}`])) as { Tags: string[] };
    expect(listed.Tags).toEqual(tags);

    // Wharf answers a tag DELETE itself: the other tags on the manifest stay.
    const del = await fetch(`${EXTERNAL}/v2/${repository}/manifests/1.1`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
    expect(del.status).toBe(202);
    const after = JSON.parse(await skopeo(["list-tags", "--tls-verify=false", "--creds", creds, `docker://${HOST}/${repository}`])) as { Tags: string[] };
    expect(after.Tags).toEqual(["1.0", "2.0", "latest"]);
    const inspected = JSON.parse(await skopeo(["inspect", "--raw", "--tls-verify=false", "--creds", creds, `docker://${HOST}/${repository}:latest`])) as { mediaType: string };
    expect(inspected.mediaType).toBe(OCI_IMAGE_MANIFEST);
    expect(await db.tag.count({ where: { repository: { name: repository } } })).toBe(3);
  });
});
