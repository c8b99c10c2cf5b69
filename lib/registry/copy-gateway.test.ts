import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Ports picked before anything reads the environment: the backing registry's, and Wharf's front,
// whose address is Wharf's external URL (the token realm and upload Locations point at it).
const { REGISTRY_PORT, FRONT_PORT } = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryAndFrontPorts("copy-gateway-tests-secret-key-0123456789")));

import { copy } from "@/lib/registry/copy";
import { digestOf } from "@/lib/registry/client";
import { endpointClient, type RegistryEndpoint } from "@/lib/registry/endpoint";
import { startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { startFront, type WharfServer } from "@/lib/runtime/server";
import { db, TEST_PASSWORD } from "@/lib/services/registry-auth/test-fixtures";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { pushGeneratedImage } from "@/lib/testing/remote-registries";

// Wharf's own gateway as the copy engine's destination (a Wharf endpoint, or replication into a
// second Wharf): a real Distribution source, Wharf's front over HTTP with the Docker token flow,
// the backing registry behind it. Blob uploads are streamed PUTs, with Content-Length (what the
// engine sends) and chunked (without a known size); both must arrive whole, digests unchanged.

const EXTERNAL = `http://127.0.0.1:${FRONT_PORT}`;
const harness = gatewayHarness({ registryPort: REGISTRY_PORT, external: EXTERNAL, name: "copy-gateway" });

let front: WharfServer;
let source: LocalRegistry;
beforeAll(async () => {
  front = await startFront({ hostname: "127.0.0.1", port: FRONT_PORT, handleNext: async (_req, res) => void res.end() });
  source = await startLocalRegistry({ dataDir: path.join(harness.tmp, "source"), auth: { kind: "none" } });
}, 60_000);
afterAll(async () => {
  await Promise.all([front?.close(), source?.stop()]);
});

describe("copy into Wharf's gateway", () => {
  it("streams an image's blobs through the front into the backing registry, and the manifest PUT indexes it", async () => {
    const { maintainer, repository } = await harness.setup();
    const sourceEndpoint: RegistryEndpoint = { name: "source", url: source.url, auth: { kind: "none" } };
    const image = await pushGeneratedImage(endpointClient(sourceEndpoint), "upstream/app", { tag: "1.0", layers: 2, layerBytes: 16 * 1024 * 1024 });
    const wharf: RegistryEndpoint = { name: "wharf", url: EXTERNAL, auth: { kind: "token", credentials: { username: maintainer.username, password: TEST_PASSWORD } } };

    const copied = await copy(sourceEndpoint, wharf, { srcRepository: "upstream/app", dstRepository: repository, reference: "1.0" });
    expect(copied).toMatchObject({ digest: image.digest, blobsStreamed: image.blobs.length, bytesStreamed: image.blobs.reduce((n, b) => n + b.size, 0) });
    expect((await harness.backing.headManifest(repository, "1.0"))?.digest).toBe(image.digest);
    for (const blob of image.blobs) expect(await harness.backing.headBlob(repository, blob.digest)).toEqual({ size: blob.size });
    const tag = await db.tag.findFirst({ where: { name: "1.0", repository: { name: repository } }, select: { artifact: { select: { digest: true } } } });
    expect(tag?.artifact.digest).toBe(image.digest);
  });

  it("takes a chunked upload (no Content-Length) as well as a sized one", async () => {
    const { maintainer, repository } = await harness.setup();
    const client = endpointClient({ name: "wharf", url: EXTERNAL, auth: { kind: "token", credentials: { username: maintainer.username, password: TEST_PASSWORD } } });
    for (const size of [undefined, 3 * 1024 * 1024]) {
      const bytes = randomBytes(3 * 1024 * 1024);
      const digest = digestOf(bytes);
      const { uploadUrl } = await client.startBlobUpload(repository);
      let offset = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= bytes.byteLength) return controller.close();
          controller.enqueue(bytes.subarray(offset, offset + 256 * 1024));
          offset += 256 * 1024;
        },
      });
      await client.uploadBlob(uploadUrl, digest, body, size === undefined ? {} : { size });
      expect(await harness.backing.headBlob(repository, digest)).toEqual({ size: bytes.byteLength });
    }
  });
});
