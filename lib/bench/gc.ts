/**
 * `npm run bench gc`: garbage collection's dry run over a registry storage of 100,000 blobs, as
 * Wharf runs it (Distribution's `garbage-collect --dry-run`, then the size and age of each
 * eligible blob from disk). The storage is written straight to a throwaway directory in
 * Distribution's filesystem layout: 1,000 repositories of one OCI manifest each, every manifest
 * referencing 49 blobs (a config and 48 layers), and 50,000 blobs nothing references. Standalone:
 * no Wharf, database or registry server runs beside it. Prints the figures and the load average.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { DEFAULT_GC_BINARY, listStoredBlobs, runGarbageCollect, statBlobs } from "../registry/garbage-collect";

const REPOSITORIES = 1_000;
const REFERENCED_PER_MANIFEST = 49;
const UNREFERENCED = 50_000;

const log = (message: string) => console.log(`bench gc: ${message}`);

async function writeBlob(v2: string, bytes: Buffer): Promise<string> {
  const hex = createHash("sha256").update(bytes).digest("hex");
  const dir = path.join(v2, "blobs", "sha256", hex.slice(0, 2), hex);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "data"), bytes);
  return `sha256:${hex}`;
}

/** Runs `fn` over `items`, `width` at a time. */
async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export async function run({ tmp }: { tmp: string }): Promise<void> {
  const storage = path.join(tmp, "storage");
  const v2 = path.join(storage, "docker", "registry", "v2");
  const configPath = path.join(tmp, "config.yml");
  await mkdir(v2, { recursive: true });
  await writeFile(configPath, JSON.stringify({ version: "0.1", log: { level: "error" }, storage: { filesystem: { rootdirectory: storage }, delete: { enabled: true } }, http: { addr: "127.0.0.1:0" } }));

  const seedStart = performance.now();
  await pool(Array.from({ length: REPOSITORIES }, (_, i) => i), 16, async (i) => {
    const descriptors = [];
    for (let j = 0; j < REFERENCED_PER_MANIFEST; j++) {
      const bytes = randomBytes(256);
      descriptors.push({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: await writeBlob(v2, bytes), size: bytes.length });
    }
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { ...descriptors[0], mediaType: "application/vnd.oci.image.config.v1+json" }, layers: descriptors.slice(1) }));
    const digest = await writeBlob(v2, manifest);
    const repo = path.join(v2, "repositories", "bench", `repo-${i}`);
    const revision = path.join(repo, "_manifests", "revisions", "sha256", digest.slice(7));
    await mkdir(revision, { recursive: true });
    await writeFile(path.join(revision, "link"), digest);
    await mkdir(path.join(repo, "_layers"), { recursive: true });
  });
  await pool(Array.from({ length: UNREFERENCED }, (_, i) => i), 32, async () => void (await writeBlob(v2, randomBytes(256))));
  const total = (await listStoredBlobs(storage)).length;
  log(`seeded ${total} blobs (${REPOSITORIES} manifests referencing ${REPOSITORIES * REFERENCED_PER_MANIFEST}, ${UNREFERENCED} unreferenced) in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  const target = { binary: process.env.WHARF_REGISTRY_GC_BINARY ?? DEFAULT_GC_BINARY, configPath, storageDir: storage };
  const load0 = loadavg();
  const rounds = [];
  for (let round = 1; round <= 3; round++) {
    const t0 = performance.now();
    const dry = await runGarbageCollect(target, { dryRun: true });
    const t1 = performance.now();
    const stats = await statBlobs(storage, dry.eligible);
    const t2 = performance.now();
    const bytes = [...stats.values()].reduce((sum, s) => sum + s.size, 0);
    rounds.push({ mark: t1 - t0, stat: t2 - t1, total: t2 - t0 });
    log(`round ${round}: ${dry.marked} blobs marked, ${dry.eligible.length} eligible (${bytes} bytes); garbage-collect --dry-run ${((t1 - t0) / 1000).toFixed(2)} s, sizes and ages ${((t2 - t1) / 1000).toFixed(2)} s, total ${((t2 - t0) / 1000).toFixed(2)} s`);
    if (dry.eligible.length !== UNREFERENCED) throw new Error(`expected ${UNREFERENCED} eligible blobs, found ${dry.eligible.length}`);
  }
  const best = rounds.reduce((a, b) => (b.total < a.total ? b : a));
  const load1 = loadavg();
  log(`dry run over ${total} blobs: best of 3 ${(best.total / 1000).toFixed(2)} s (garbage-collect ${(best.mark / 1000).toFixed(2)} s + Wharf's sizes ${(best.stat / 1000).toFixed(2)} s)`);
  log(`load average (1/5/15 min) before: ${load0.map((n) => n.toFixed(2)).join(" ")}; after: ${load1.map((n) => n.toFixed(2)).join(" ")} on ${cpus().length} CPUs`);
}

export const standalone = true;
