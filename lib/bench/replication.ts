/**
 * Replication throughput, in one process: Wharf's copy engine (lib/registry/copy.ts) copying 20
 * images from a source Distribution into an empty Distribution, against `skopeo sync` (Debian's
 * skopeo) copying the same set into another empty Distribution of the same kind.
 *  - time ratio Wharf / skopeo (goal <= 0.8);
 *  - this process's peak RSS during Wharf's copy / its RSS idle just before (goal <= 1.5): the
 *    engine streams, so memory should not follow the bytes moved;
 *  - the load average, since the machine is shared.
 * The images (about 500 MB in all: three shared base layers and two own layers each, random
 * incompressible bytes) are built in code and pushed to the source first; only the copies are
 * timed. Each layer is generated as it is read (AES-CTR from a seed: once to hash, once to
 * upload), so this process never holds one and its idle RSS is the engine's baseline, not the
 * leftovers of building the images. WHARF_BENCH_REPLICATION_MB sets a smaller total for a quick run.
 */
import { spawn } from "node:child_process";
import { createCipheriv, createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { copy } from "../registry/copy";
import { endpointClient, type RegistryEndpoint } from "../registry/endpoint";
import { startLocalRegistry, type LocalRegistry } from "../registry/local-registry";
import { type BenchContext, fmt } from "./run";

const IMAGES = 20;
const TOTAL_MB = Number(process.env.WHARF_BENCH_REPLICATION_MB ?? 500);
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const mb = (bytes: number) => bytes / 1024 / 1024;

/** `size` pseudo-random bytes from `seed` (AES-128-CTR over zeros), made as they are read. */
export function layerStream(seed: number, size: number): ReadableStream<Uint8Array> {
  const key = Buffer.alloc(16);
  key.writeUInt32BE(seed + 1);
  const cipher = createCipheriv("aes-128-ctr", key, Buffer.alloc(16));
  const zeros = Buffer.alloc(256 * 1024);
  let made = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (made >= size) return controller.close();
        const n = Math.min(zeros.byteLength, size - made);
        made += n;
        controller.enqueue(new Uint8Array(cipher.update(zeros.subarray(0, n))));
      },
    },
    { highWaterMark: 0 },
  );
}

export async function layerDigest(seed: number, size: number): Promise<string> {
  const hash = createHash("sha256");
  const reader = layerStream(seed, size).getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) hash.update(read.value);
  return `sha256:${hash.digest("hex")}`;
}

/** Needs no Wharf, backing registry or database: it starts its own three registries. */
export const standalone = true;

export async function run({ tmp }: Pick<BenchContext, "tmp">): Promise<void> {
  const start = (name: string) => startLocalRegistry({ dataDir: path.join(tmp, `replication-${name}`), auth: { kind: "none" } });
  const registries: LocalRegistry[] = [];
  try {
    const [source, wharfDst, skopeoDst] = await Promise.all([start("source"), start("wharf-dst"), start("skopeo-dst")]);
    registries.push(source, wharfDst, skopeoDst);
    const endpoint = (r: LocalRegistry, name: string): RegistryEndpoint => ({ name, url: r.url, auth: { kind: "none" } });
    const src = endpointClient(endpoint(source, "source"));

    // A third of the bytes in three base layers every image shares, the rest in two own layers each.
    const total = TOTAL_MB * 1024 * 1024;
    const baseLayerBytes = Math.floor(total / 3 / 3);
    const ownLayerBytes = Math.floor((total - 3 * baseLayerBytes) / IMAGES / 2);
    console.log(`\nReplication: pushing ${IMAGES} images (~${fmt(TOTAL_MB, 0)} MB: 3 shared ${fmt(mb(baseLayerBytes))} MB base layers, 2 own ${fmt(mb(ownLayerBytes))} MB layers each)…`);
    const pushBlob = async (repository: string, digest: string, size: number, body: () => ReadableStream<Uint8Array>) => {
      if (!(await src.headBlob(repository, digest))) {
        const { uploadUrl } = await src.startBlobUpload(repository);
        await src.uploadBlob(uploadUrl, digest, body(), { size });
      }
      return { digest, size };
    };
    const pushLayer = async (repository: string, seed: number, size: number) => pushBlob(repository, await layerDigest(seed, size), size, () => layerStream(seed, size));
    const base = await Promise.all([0, 1, 2].map(async (seed) => ({ seed, digest: await layerDigest(seed, baseLayerBytes) })));
    const repositories: string[] = [];
    for (let i = 0; i < IMAGES; i++) {
      const repository = `bench/app-${i}`;
      repositories.push(repository);
      const layers = [];
      for (const b of base) layers.push(await pushBlob(repository, b.digest, baseLayerBytes, () => layerStream(b.seed, baseLayerBytes)));
      for (const seed of [3 + 2 * i, 4 + 2 * i]) layers.push(await pushLayer(repository, seed, ownLayerBytes));
      const configBytes = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) }, config: {} }));
      const config = await pushBlob(repository, sha256(configBytes), configBytes.byteLength, () => new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(configBytes), c.close()) }));
      const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, ...config }, layers: layers.map((l) => ({ mediaType: OCI_LAYER, ...l })) }));
      await src.putManifest(repository, "1.0", OCI_MANIFEST, manifest);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));

    const idleRss = process.memoryUsage.rss();
    let peakRss = idleRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);
    const wharfStart = performance.now();
    let wharfBytes = 0;
    for (const repository of repositories) {
      // As replication does within one run: blobs already pushed into the destination for an
      // earlier image are mounted from there (skopeo does the same from its blob-info cache).
      const result = await copy(
        endpoint(source, "source"),
        endpoint(wharfDst, "wharf-dst"),
        { srcRepository: repository, dstRepository: repository, reference: "1.0" },
        { mountFrom: repositories[0] },
      );
      wharfBytes += result.bytesStreamed;
    }
    const wharfMs = performance.now() - wharfStart;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());

    const host = (r: LocalRegistry) => new URL(r.url).host;
    const yaml = `${host(source)}:\n  tls-verify: false\n  images:\n${repositories.map((r) => `    ${r}: ["1.0"]\n`).join("")}`;
    const yamlPath = path.join(tmp, "replication-sync.yaml");
    await writeFile(yamlPath, yaml);
    const skopeoStart = performance.now();
    await runCommand("skopeo", ["sync", "--src", "yaml", "--dest", "docker", "--dest-tls-verify=false", yamlPath, `${host(skopeoDst)}/mirror`]);
    const skopeoMs = performance.now() - skopeoStart;

    const [load1 = 0, load5 = 0] = loadavg();
    console.log(`  Wharf copy engine: ${fmt(wharfMs / 1000, 2)} s (${fmt(mb(wharfBytes))} MB streamed, ${fmt(mb(wharfBytes) / (wharfMs / 1000))} MB/s)`);
    console.log(`  skopeo sync:       ${fmt(skopeoMs / 1000, 2)} s`);
    console.log(`  ratio Wharf / skopeo: ${fmt(wharfMs / skopeoMs, 2)} (goal <= 0.8)`);
    console.log(`  RSS: idle ${fmt(mb(idleRss))} MB, peak during copy ${fmt(mb(peakRss))} MB, ratio ${fmt(peakRss / idleRss, 2)} (goal <= 1.5)`);
    console.log(`  load average: ${fmt(load1, 2)} (1 min), ${fmt(load5, 2)} (5 min)`);
  } finally {
    await Promise.all(registries.map((r) => r.stop()));
  }
}

/** Runs a command to its end; rejects with the tail of its stderr on a non-zero exit. */
export function runCommand(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr}`))));
  });
}
