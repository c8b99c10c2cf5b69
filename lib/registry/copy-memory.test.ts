import { createCipheriv, createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OCI_IMAGE_CONFIG, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { copy } from "@/lib/registry/copy";
import { endpointClient, type RegistryEndpoint } from "@/lib/registry/endpoint";
import { startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { pushBlob } from "@/lib/testing/remote-registries";

// Memory, not time: a 256 MiB layer copied between two real Distribution processes must not pass
// through this process's memory whole. What is held is sampled (process.memoryUsage, after a
// forced collection, so garbage not yet collected does not count) while the copy runs; nothing is
// timed. Before the upload's PUT said `redirect: "error"`, fetch kept a tee of the request body
// for a redirect and the growth was the whole layer.

const LAYER_BYTES = 256 * 1024 * 1024;
const MiB = 1024 * 1024;

// A full collection on demand (vitest does not start workers with --expose-gc).
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Pseudo-random bytes generated as they are read (AES-CTR over zeros): the layer is never in memory. */
function generated(size: number): ReadableStream<Uint8Array> {
  const cipher = createCipheriv("aes-128-ctr", Buffer.alloc(16, 7), Buffer.alloc(16, 1));
  const zeros = Buffer.alloc(256 * 1024);
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent >= size) return controller.close();
        const n = Math.min(zeros.byteLength, size - sent);
        sent += n;
        controller.enqueue(new Uint8Array(cipher.update(zeros.subarray(0, n))));
      },
    },
    { highWaterMark: 0 },
  );
}

async function digestOfStream(stream: ReadableStream<Uint8Array>): Promise<string> {
  const hash = createHash("sha256");
  const reader = stream.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) hash.update(read.value);
  return `sha256:${hash.digest("hex")}`;
}

let tmp: string;
let source: LocalRegistry;
let destination: LocalRegistry;
const endpoint = (registry: LocalRegistry): RegistryEndpoint => ({ name: "memory", url: registry.url, auth: { kind: "none" } });

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-copy-memory-"));
  [source, destination] = await Promise.all([
    startLocalRegistry({ dataDir: path.join(tmp, "source"), auth: { kind: "none" } }),
    startLocalRegistry({ dataDir: path.join(tmp, "destination"), auth: { kind: "none" } }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([source?.stop(), destination?.stop()]);
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("copy engine memory", () => {
  it("streams a 256 MiB layer between registries holding a small fraction of it", { timeout: 180_000 }, async () => {
    const src = endpointClient(endpoint(source));
    const layer = { digest: await digestOfStream(generated(LAYER_BYTES)), size: LAYER_BYTES };
    const { uploadUrl } = await src.startBlobUpload("big/layer");
    await src.uploadBlob(uploadUrl, layer.digest, generated(LAYER_BYTES), { size: LAYER_BYTES });
    const config = await pushBlob(src, "big/layer", new TextEncoder().encode(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [layer.digest] } })));
    const manifest = new TextEncoder().encode(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: { mediaType: OCI_IMAGE_CONFIG, ...config }, layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layer }] }),
    );
    const { digest } = await src.putManifest("big/layer", "1.0", OCI_IMAGE_MANIFEST, manifest);

    gc();
    const before = process.memoryUsage();
    const peak = { arrayBuffers: 0, heapUsed: 0 };
    let samples = 0;
    let streamedAtLastSample = 0;
    let streamed = 0;
    // Sampled as the bytes go by (every 8 MiB streamed), not on a clock.
    const sample = () => {
      gc();
      const now = process.memoryUsage();
      peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers - before.arrayBuffers);
      peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed - before.heapUsed);
      samples += 1;
    };
    const copied = await copy(endpoint(source), endpoint(destination), { srcRepository: "big/layer", dstRepository: "big/layer", reference: "1.0" }, {
      onBytes: (bytes) => {
        streamed = bytes;
        if (bytes - streamedAtLastSample >= 8 * MiB) {
          streamedAtLastSample = bytes;
          sample();
        }
      },
    });
    sample();

    expect(copied).toMatchObject({ digest, blobsStreamed: 2, bytesStreamed: LAYER_BYTES + config.size });
    expect(streamed).toBe(LAYER_BYTES + config.size);
    expect(await endpointClient(endpoint(destination)).headBlob("big/layer", layer.digest)).toEqual({ size: LAYER_BYTES });
    // About 32 samples spread over the layer's bytes.
    expect(samples).toBeGreaterThanOrEqual(30);
    const held = `arrayBuffers +${(peak.arrayBuffers / MiB).toFixed(1)} MiB, heap +${(peak.heapUsed / MiB).toFixed(1)} MiB`;
    // Chunks in flight and socket buffers: a few MiB; the whole layer would be 256.
    expect(peak.arrayBuffers, held).toBeLessThan(32 * MiB);
    expect(peak.heapUsed, held).toBeLessThan(32 * MiB);
  });
});
