import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OCI_IMAGE_INDEX } from "@/lib/oci/media-types";
import type { RegistryClient } from "@/lib/registry/client";
import { accessoryTagsOf, copy, type CopyCheckpoint, type CopyProgress } from "@/lib/registry/copy";
import { RegistryError, RegistryUnavailableError } from "@/lib/registry/errors";
import { startLocalRegistry } from "@/lib/registry/local-registry";
import { withRetry } from "@/lib/registry/retry";
import { endpointClient, type RegistryEndpoint } from "@/lib/registry/endpoint";
import type { LocalRegistry } from "@/lib/registry/local-registry";
import { pushGeneratedImage, pushGeneratedIndex, startBasicRegistry, startTokenRegistry, type TokenRegistry } from "@/lib/testing/remote-registries";

// Real Distribution 2.8 registries: a Basic one standing in for the backing registry, and a
// remote one with token auth; images are built in code and pushed with the client.

const CREDENTIALS = { username: "copy-user", password: "copy-password-1" };

let tmp: string;
let basicRegistry: LocalRegistry;
let token: TokenRegistry;
let local: RegistryClient;
let remoteEndpoint: RegistryEndpoint;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-copy-test-"));
  [basicRegistry, token] = await Promise.all([startBasicRegistry(tmp, CREDENTIALS), startTokenRegistry(tmp, CREDENTIALS)]);
  local = endpointClient({ url: basicRegistry.url, auth: { kind: "basic", credentials: CREDENTIALS } });
  remoteEndpoint = { name: "remote", url: token.registry.url, auth: { kind: "token", credentials: CREDENTIALS } };
}, 60_000);

afterAll(async () => {
  await Promise.all([basicRegistry?.stop(), token?.registry.stop(), token?.issuer.stop()]);
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function sum(blobs: { digest: string; size: number }[]): number {
  return [...new Map(blobs.map((b) => [b.digest, b.size])).values()].reduce((a, b) => a + b, 0);
}

/** Every report is a step forward, and none goes past its total. */
function expectSteadyProgress(reports: CopyProgress[]) {
  for (const [i, p] of reports.entries()) {
    expect(p.blobsDone).toBeLessThanOrEqual(p.blobsTotal);
    expect(p.bytesDone).toBeLessThanOrEqual(p.bytesTotal);
    expect(p.manifestsDone).toBeLessThanOrEqual(p.manifestsTotal);
    const before = reports[i - 1];
    if (before) expect(p.blobsDone + p.manifestsDone).toBe(before.blobsDone + before.manifestsDone + 1);
  }
}

describe("copy within one registry", () => {
  it("mounts every blob into the other repository (no byte moves), same digest, progress adding up", async () => {
    const image = await pushGeneratedImage(local, "proj/source", { tag: "1.0", layers: 3 });
    const reports: CopyProgress[] = [];
    const copied = await copy(local, local, { srcRepository: "proj/source", dstRepository: "proj/mounted", reference: "1.0" }, { progress: (p) => void reports.push(p) });

    expect(copied).toMatchObject({ digest: image.digest, tag: "1.0", manifests: 1, blobsMounted: 4, blobsStreamed: 0, bytesStreamed: 0, blobsSkipped: 0 });
    expect((await local.headManifest("proj/mounted", "1.0"))?.digest).toBe(image.digest);
    for (const blob of image.blobs) expect(await local.headBlob("proj/mounted", blob.digest)).toEqual({ size: blob.size });
    expect(copied.progress).toEqual({ blobsDone: 4, blobsTotal: 4, bytesDone: sum(image.blobs), bytesTotal: sum(image.blobs), manifestsDone: 1, manifestsTotal: 1 });
    expect(reports).toHaveLength(5);
    expectSteadyProgress(reports);
  });

  it("within one repository only writes the tag", async () => {
    const image = await pushGeneratedImage(local, "proj/retag", { tag: "1.0" });
    const copied = await copy(local, local, { srcRepository: "proj/retag", dstRepository: "proj/retag", reference: image.digest, tag: "stable" });
    expect(copied).toMatchObject({ manifests: 1, blobsMounted: 0, blobsStreamed: 0, progress: expect.objectContaining({ blobsTotal: 0 }) });
    expect(await local.listTags("proj/retag")).toEqual(["1.0", "stable"]);
  });
});

describe("copy between registries", () => {
  it("copies a multi-arch index with its children and blobs into a token-auth registry, the tag last", async () => {
    const index = await pushGeneratedIndex(local, "proj/multi", { tag: "2.0", architectures: ["amd64", "arm64", "s390x"] });
    const reports: CopyProgress[] = [];
    const copied = await copy(local, remoteEndpoint, { srcRepository: "proj/multi", dstRepository: "mirror/multi", reference: "2.0" }, { progress: (p) => void reports.push(p) });

    const remote = endpointClient(remoteEndpoint);
    const pulled = await remote.getManifest("mirror/multi", "2.0");
    expect(pulled).toMatchObject({ digest: index.digest, mediaType: OCI_IMAGE_INDEX });
    for (const child of index.children) expect((await remote.headManifest("mirror/multi", child.digest))?.digest).toBe(child.digest);
    for (const blob of index.blobs) expect(await remote.headBlob("mirror/multi", blob.digest)).toEqual({ size: blob.size });

    const blobs = new Set(index.blobs.map((b) => b.digest)).size;
    expect(copied).toMatchObject({ digest: index.digest, manifests: 4, blobsStreamed: blobs, blobsMounted: 0, blobsSkipped: 0, bytesStreamed: sum(index.blobs) });
    expect(copied.progress).toEqual({ blobsDone: blobs, blobsTotal: blobs, bytesDone: sum(index.blobs), bytesTotal: sum(index.blobs), manifestsDone: 4, manifestsTotal: 4 });
    expect(reports).toHaveLength(blobs + 4);
    expectSteadyProgress(reports);
    // The tag was written last: every earlier report had the children not yet all done.
    expect(reports.slice(0, -1).every((p) => p.manifestsDone < 4)).toBe(true);
  });

  it("skips blobs the destination has already (HEAD): copying again under another tag moves no bytes", async () => {
    const image = await pushGeneratedImage(local, "proj/again", { tag: "1.0" });
    const first = await copy(local, remoteEndpoint, { srcRepository: "proj/again", dstRepository: "mirror/again", reference: "1.0" });
    expect(first.blobsStreamed).toBe(image.blobs.length);
    const second = await copy(local, remoteEndpoint, { srcRepository: "proj/again", dstRepository: "mirror/again", reference: "1.0", tag: "copy" });
    expect(second).toMatchObject({ blobsStreamed: 0, bytesStreamed: 0, blobsSkipped: image.blobs.length });
    expect(second.progress.bytesDone).toBe(second.progress.bytesTotal);
    expect(await endpointClient(remoteEndpoint).listTags("mirror/again")).toEqual(["1.0", "copy"]);
  });

  it("with the root manifest in hand and a blob mover (a proxy cache): asks the source for nothing, moves only what the destination lacks", async () => {
    const image = await pushGeneratedImage(local, "proj/held", { tag: "1.0", layers: 3 });
    const root = await local.getManifest("proj/held", image.digest);
    // One blob is in the destination already: HEAD-skipped, never handed to the mover.
    const [present, ...missing] = image.blobs;
    const dst = endpointClient(remoteEndpoint);
    await copy(local, dst, { srcRepository: "proj/held", dstRepository: "mirror/held-seed", reference: "1.0" });
    await dst.mountBlob("mirror/held", present!.digest, "mirror/held-seed");
    // A source nobody answers on: the engine must not need it.
    const unreachable = endpointClient({ url: "http://127.0.0.1:9", auth: { kind: "none" } });
    const moved: string[] = [];
    const copied = await copy(
      unreachable,
      dst,
      { srcRepository: "proj/held", dstRepository: "mirror/held", reference: image.digest, tag: "1.0" },
      {
        root: { digest: root.digest, mediaType: root.mediaType, bytes: root.bytes },
        moveBlob: async (digest) => {
          moved.push(digest);
          // The mover does the work its own way (here: a mount from the seeded repository).
          await dst.mountBlob("mirror/held", digest, "mirror/held-seed");
        },
      },
    );
    expect(moved.sort()).toEqual(missing.map((b) => b.digest).sort());
    expect(copied).toMatchObject({ digest: image.digest, tag: "1.0", blobsSkipped: 1, blobsStreamed: missing.length });
    expect((await dst.headManifest("mirror/held", "1.0"))?.digest).toBe(image.digest);
    // A root that is not the reference is refused before anything moves.
    await expect(
      copy(unreachable, dst, { srcRepository: "proj/held", dstRepository: "mirror/held", reference: `sha256:${"0".repeat(64)}` }, { root: { digest: root.digest, mediaType: root.mediaType, bytes: root.bytes } }),
    ).rejects.toThrow(/not sha256:0000/);
  });

  it("resumes from its checkpoint after an abort mid-way: finished blobs are not copied again", async () => {
    const index = await pushGeneratedIndex(local, "proj/resume", { tag: "3.0", architectures: ["amd64", "arm64"], layerBytes: 256 * 1024 });
    const blobs = new Set(index.blobs.map((b) => b.digest)).size;
    const controller = new AbortController();
    let saved: CopyCheckpoint = { done: [] };
    let savedProgress: CopyProgress | null = null;
    const attempt = copy(
      local,
      remoteEndpoint,
      { srcRepository: "proj/resume", dstRepository: "mirror/resume", reference: "3.0" },
      {
        signal: controller.signal,
        // One blob at a time, so the abort lands exactly after the third.
        parallelism: 1,
        progress: (p, checkpoint) => {
          saved = checkpoint;
          savedProgress = p;
          // As a worker that is stopped after its third blob.
          if (p.blobsDone === 3) controller.abort(new Error("worker stopped"));
        },
      },
    );
    await expect(attempt).rejects.toThrow("worker stopped");
    expect(saved.done).toHaveLength(3);
    expect(savedProgress).toMatchObject({ blobsDone: 3, manifestsDone: 0 });
    // Nothing was tagged: the interrupted copy is not visible under its tag.
    expect(await endpointClient(remoteEndpoint).headManifest("mirror/resume", "3.0")).toBeNull();

    const reports: CopyProgress[] = [];
    const resumed = await copy(
      local,
      remoteEndpoint,
      { srcRepository: "proj/resume", dstRepository: "mirror/resume", reference: "3.0" },
      { resume: saved, progress: (p) => void reports.push(p) },
    );
    expect(resumed).toMatchObject({ digest: index.digest, blobsSkipped: 3, blobsStreamed: blobs - 3 });
    expect(resumed.progress).toEqual({ blobsDone: blobs, blobsTotal: blobs, bytesDone: sum(index.blobs), bytesTotal: sum(index.blobs), manifestsDone: 3, manifestsTotal: 3 });
    expectSteadyProgress(reports);
    expect(new Set(resumed.checkpoint.done)).toEqual(new Set([...index.blobs.map((b) => b.digest), ...index.children.map((c) => c.digest)]));
    expect((await endpointClient(remoteEndpoint).getManifest("mirror/resume", "3.0")).digest).toBe(index.digest);
  });
});

describe("copy engine: parallelism, restarts, accessories, bandwidth", () => {
  it("a destination killed mid-copy and restarted: the next copy HEAD-skips what had arrived and re-uploads nothing of it", async () => {
    const dataDir = path.join(tmp, "restarting-registry");
    let destination = await startLocalRegistry({ dataDir, auth: { kind: "none" }, port: "remembered" });
    const destinationEndpoint: RegistryEndpoint = { name: "restarting", url: destination.url, auth: { kind: "none" } };
    const image = await pushGeneratedImage(local, "proj/crash", { tag: "1.0", layers: 6, layerBytes: 512 * 1024 });
    const total = image.blobs.length;
    let arrived = 0;
    const first = copy(
      local,
      destinationEndpoint,
      { srcRepository: "proj/crash", dstRepository: "mirror/crash", reference: "1.0" },
      {
        parallelism: 1,
        retry: { attempts: 2, baseDelayMs: 20 },
        progress: (p) => {
          // The destination dies (SIGKILL: no clean shutdown) after the third blob arrived.
          if (p.blobsDone === 3 && arrived === 0) {
            arrived = p.blobsDone;
            process.kill(destination.pid, "SIGKILL");
          }
        },
      },
    );
    await expect(first).rejects.toThrow();
    await destination.exited;
    destination = await startLocalRegistry({ dataDir, auth: { kind: "none" }, port: "remembered" });
    try {
      expect(destination.url).toBe(destinationEndpoint.url);
      const again = await copy(local, destinationEndpoint, { srcRepository: "proj/crash", dstRepository: "mirror/crash", reference: "1.0" }, { parallelism: 3 });
      expect(again).toMatchObject({ digest: image.digest, blobsSkipped: arrived, blobsStreamed: total - arrived });
      expect((await endpointClient(destinationEndpoint).getManifest("mirror/crash", "1.0")).digest).toBe(image.digest);
    } finally {
      await destination.stop();
    }
  }, 60_000);

  it("mountFrom links blobs an earlier copy put into another repository of the destination: no byte moves", async () => {
    const image = await pushGeneratedImage(local, "proj/mountfrom", { tag: "1.0", layers: 3 });
    await copy(local, remoteEndpoint, { srcRepository: "proj/mountfrom", dstRepository: "mirror/first", reference: "1.0" });
    const again = await copy(local, remoteEndpoint, { srcRepository: "proj/mountfrom", dstRepository: "mirror/second", reference: "1.0" }, { mountFrom: "mirror/first" });
    expect(again).toMatchObject({ digest: image.digest, blobsStreamed: 0, bytesStreamed: 0, blobsMounted: image.blobs.length });
  });

  it("copies in parallel with a bandwidth limit, reporting streamed bytes as they go, digests unchanged", async () => {
    const image = await pushGeneratedImage(local, "proj/parallel", { tag: "1.0", layers: 5, layerBytes: 128 * 1024 });
    const seen: number[] = [];
    const copied = await copy(
      local,
      remoteEndpoint,
      { srcRepository: "proj/parallel", dstRepository: "mirror/parallel", reference: "1.0" },
      { parallelism: 3, bandwidthLimit: 4 * 1024 * 1024, onBytes: (n) => void seen.push(n) },
    );
    expect(copied).toMatchObject({ digest: image.digest, blobsStreamed: image.blobs.length, bytesStreamed: sum(image.blobs) });
    expect(seen.at(-1)).toBe(sum(image.blobs));
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    // Every streamed byte went through the one limiter, at the rate asked; three blobs at a time.
    expect(copied.throttle).toMatchObject({ bytesPerSecond: 4 * 1024 * 1024, bytes: sum(image.blobs) });
    expect(copied.maxBlobsInFlight).toBe(3);
    const remote = endpointClient(remoteEndpoint);
    for (const blob of image.blobs) expect(await remote.headBlob("mirror/parallel", blob.digest)).toEqual({ size: blob.size });
  });

  it("withAccessories carries the signature and SBOM tagged after the subject's digest, not other tags", async () => {
    const subject = await pushGeneratedImage(local, "proj/signed", { tag: "1.0" });
    const hex = subject.digest.replace("sha256:", "");
    const signature = await pushGeneratedImage(local, "proj/signed", { tag: `sha256-${hex}.sig`, layers: 1, layerBytes: 64 });
    const sbom = await pushGeneratedImage(local, "proj/signed", { tag: `sha256-${hex}.sbom`, layers: 1, layerBytes: 64 });
    await pushGeneratedImage(local, "proj/signed", { tag: "unrelated", layers: 1, layerBytes: 64 });

    const copied = await copy(local, remoteEndpoint, { srcRepository: "proj/signed", dstRepository: "mirror/signed", reference: "1.0" }, { withAccessories: true });
    expect(copied.digest).toBe(subject.digest);
    expect(new Set(copied.accessories?.map(({ digest, tag }) => ({ digest, tag })))).toEqual(
      new Set([
        { digest: signature.digest, tag: `sha256-${hex}.sig` },
        { digest: sbom.digest, tag: `sha256-${hex}.sbom` },
      ]),
    );
    const remote = endpointClient(remoteEndpoint);
    expect((await remote.listTags("mirror/signed")).sort()).toEqual(["1.0", `sha256-${hex}.sbom`, `sha256-${hex}.sig`]);
    expect((await remote.getManifest("mirror/signed", `sha256-${hex}.sig`)).digest).toBe(signature.digest);

    const plain = await copy(local, remoteEndpoint, { srcRepository: "proj/signed", dstRepository: "mirror/unsigned", reference: "1.0" });
    expect(plain.accessories).toBeUndefined();
    expect(await remote.listTags("mirror/unsigned")).toEqual(["1.0"]);
  });

  it("accessory tags: the referrers fallback tag and cosign suffixes of that digest only", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    const other = `sha256-${"b".repeat(64)}.sig`;
    expect(accessoryTagsOf(digest, ["1.0", `sha256-${"a".repeat(64)}`, `sha256-${"a".repeat(64)}.sig`, `sha256-${"a".repeat(64)}.att`, other, `sha256-${"a".repeat(64)}x`])).toEqual([
      `sha256-${"a".repeat(64)}`,
      `sha256-${"a".repeat(64)}.sig`,
      `sha256-${"a".repeat(64)}.att`,
    ]);
  });

  it("retries 5xx and no-answer failures with backoff, never a 4xx", async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls += 1;
        throw new RegistryError(404, "BLOB_UNKNOWN", "not there");
      }, { attempts: 4, baseDelayMs: 1 }),
    ).rejects.toThrow("not there");
    expect(calls).toBe(1);

    calls = 0;
    const answer = await withRetry(async () => {
      calls += 1;
      if (calls < 3) throw new RegistryUnavailableError("http://127.0.0.1:1", "it answered HTTP 503", 503);
      return "ok";
    }, { attempts: 4, baseDelayMs: 1 });
    expect({ answer, calls }).toEqual({ answer: "ok", calls: 3 });
  });
});
