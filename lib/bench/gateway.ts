/**
 * Gateway overhead, in one run against one registry:
 *  - pull throughput of a 200 MB blob through Wharf divided by the same pull straight from the
 *    backing registry (goal >= 0.9);
 *  - added latency of a manifest GET through Wharf (token check, project lookup, audit row)
 *    over the same GET direct, at p50 and p99 (goal < 10 ms at p99), and the ratio of the two
 *    p99s (issue 14's goal: <= 1.5);
 *  - a manifest PUT of a new one-manifest tag through Wharf (index and audit row written in the
 *    push's transaction) over the same PUT direct, at p50 (goal <= 2).
 * The blob and the read manifest are written straight to the registry.
 */
import { createHash, randomBytes } from "node:crypto";
import { Agent, request as httpRequest } from "node:http";
import { basicAuth, BENCH_ADMIN_PASSWORD, type BenchContext, fmt, percentile, send, type HttpTarget } from "./run";

const BLOB_BYTES = 200 * 1024 * 1024;
const BLOB_ROUNDS = 5;
const MANIFEST_GETS = 2_000;
const MANIFEST_WARMUP = 200;
const MANIFEST_PUTS = 500;
const MANIFEST_PUT_WARMUP = 50;
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";

export async function run({ wharfUrl, registryUrl, registryAuthorization, db }: BenchContext): Promise<void> {
  const registryAuth = { authorization: registryAuthorization };
  await db.query(`INSERT INTO projects (name, is_public, updated_at) VALUES ('bench', false, now())`);

  console.log(`\nGateway: seeding a ${BLOB_BYTES / 1024 / 1024} MB blob and a manifest straight into the registry…`);
  const blob = randomBytes(BLOB_BYTES);
  const blobDigest = sha256(blob);
  await uploadBlob(registryUrl, registryAuth, "bench/big", blob, blobDigest);
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }));
  await uploadBlob(registryUrl, registryAuth, "bench/app", config, sha256(config));
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length }, layers: [] }),
  );
  const put = await fetch(`${registryUrl}/v2/bench/app/manifests/1.0`, { method: "PUT", headers: { ...registryAuth, "content-type": OCI_MANIFEST }, body: manifest });
  if (put.status !== 201) throw new Error(`seeding the manifest failed: HTTP ${put.status}`);

  const tokenRes = await fetch(
    `${wharfUrl}/service/token?service=wharf-registry&scope=repository:bench/big:pull&scope=repository:bench/app:pull&scope=repository:bench/put:push,pull`,
    { headers: { authorization: basicAuth("admin", BENCH_ADMIN_PASSWORD) } },
  );
  const { token } = (await tokenRes.json()) as { token: string };
  const bearer = { authorization: `Bearer ${token}` };

  // ---- blob throughput ----
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const direct: HttpTarget = { url: `${registryUrl}/v2/bench/big/blobs/${blobDigest}`, headers: registryAuth };
  const through: HttpTarget = { url: `${wharfUrl}/v2/bench/big/blobs/${blobDigest}`, headers: bearer };
  // Integrity first (not timed): the bytes through Wharf hash to the digest.
  const hash = createHash("sha256");
  const check = await send(agent, through, (chunk) => hash.update(chunk));
  if (check.status !== 200 || `sha256:${hash.digest("hex")}` !== blobDigest) throw new Error("the blob through Wharf did not match its digest");
  await send(agent, direct);

  const directRates: number[] = [];
  const wharfRates: number[] = [];
  for (let round = 0; round < BLOB_ROUNDS; round++) {
    // Alternated, so drift (page cache, CPU frequency) hits both sides alike.
    directRates.push(await throughput(agent, direct));
    wharfRates.push(await throughput(agent, through));
  }
  const directMedian = median(directRates);
  const wharfMedian = median(wharfRates);
  console.log(`\nBlob pull, ${BLOB_BYTES / 1024 / 1024} MB, ${BLOB_ROUNDS} rounds each (MB/s):`);
  console.log(`  direct from the registry: ${directRates.map((r) => fmt(r, 0)).join(", ")}   median ${fmt(directMedian, 0)}`);
  console.log(`  through Wharf:            ${wharfRates.map((r) => fmt(r, 0)).join(", ")}   median ${fmt(wharfMedian, 0)}`);
  console.log(`  ratio Wharf / direct (medians): ${fmt(wharfMedian / directMedian, 3)}   (goal >= 0.9)`);

  // ---- manifest latency ----
  const accept = { accept: OCI_MANIFEST };
  const manifestDirect: HttpTarget = { url: `${registryUrl}/v2/bench/app/manifests/1.0`, headers: { ...accept, ...registryAuth } };
  const manifestThrough: HttpTarget = { url: `${wharfUrl}/v2/bench/app/manifests/1.0`, headers: { ...accept, ...bearer } };
  for (let i = 0; i < MANIFEST_WARMUP; i++) {
    await send(agent, manifestDirect);
    await send(agent, manifestThrough);
  }
  const directMs: number[] = [];
  const wharfMs: number[] = [];
  for (let i = 0; i < MANIFEST_GETS; i++) {
    directMs.push(await timed(agent, manifestDirect));
    wharfMs.push(await timed(agent, manifestThrough));
  }
  directMs.sort((a, b) => a - b);
  wharfMs.sort((a, b) => a - b);
  const row = (label: string, ms: number[]) =>
    console.log(`  ${label.padEnd(26)}p50 ${fmt(percentile(ms, 0.5), 2).padStart(6)} ms   p99 ${fmt(percentile(ms, 0.99), 2).padStart(6)} ms   max ${fmt(ms.at(-1) ?? NaN, 1)} ms`);
  console.log(`\nManifest GET, ${MANIFEST_GETS} sequential requests each (every one through Wharf queues an artifact.pull audit row, written in batches after the answer):`);
  row("direct from the registry:", directMs);
  row("through Wharf:", wharfMs);
  console.log(
    `  added by Wharf: p50 ${fmt(percentile(wharfMs, 0.5) - percentile(directMs, 0.5), 2)} ms, p99 ${fmt(percentile(wharfMs, 0.99) - percentile(directMs, 0.99), 2)} ms   (goal < 10 ms at p99)`,
  );
  console.log(`  ratio Wharf / direct: p50 ${fmt(percentile(wharfMs, 0.5) / percentile(directMs, 0.5), 2)}, p99 ${fmt(percentile(wharfMs, 0.99) / percentile(directMs, 0.99), 2)}   (goal <= 1.5 at p99)`);

  // None of the queued rows is lost (the batch is written within a second).
  const expectedPulls = MANIFEST_WARMUP + MANIFEST_GETS;
  for (let waited = 0; ; waited += 250) {
    const pulled = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_events WHERE action = 'artifact.pull' AND resource_name = 'bench/app:1.0'`);
    if (Number(pulled.rows[0]?.n) === expectedPulls) break;
    if (waited > 10_000) throw new Error(`${pulled.rows[0]?.n} artifact.pull rows of bench/app:1.0, not ${expectedPulls}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  console.log(`  audit: all ${expectedPulls} artifact.pull rows written`);

  // ---- manifest PUT latency: a new tag on a new one-manifest image each time ----
  // The config blob is in both repositories first; each PUT is a manifest no registry has seen.
  await uploadBlob(registryUrl, registryAuth, "bench/direct-put", config, sha256(config));
  await uploadBlob(registryUrl, registryAuth, "bench/put", config, sha256(config));
  const manifestFor = (n: number) =>
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
        layers: [],
        annotations: { "org.example.bench": String(n) },
      }),
    );
  const putDirect = (n: number) => timedPut(agent, `${registryUrl}/v2/bench/direct-put/manifests/t${n}`, registryAuth, manifestFor(n));
  const putThrough = (n: number) => timedPut(agent, `${wharfUrl}/v2/bench/put/manifests/t${n}`, bearer, manifestFor(n));
  for (let n = 0; n < MANIFEST_PUT_WARMUP; n++) {
    await putDirect(n);
    await putThrough(n);
  }
  const putDirectMs: number[] = [];
  const putWharfMs: number[] = [];
  for (let n = MANIFEST_PUT_WARMUP; n < MANIFEST_PUT_WARMUP + MANIFEST_PUTS; n++) {
    putDirectMs.push(await putDirect(n));
    putWharfMs.push(await putThrough(n));
  }
  putDirectMs.sort((a, b) => a - b);
  putWharfMs.sort((a, b) => a - b);
  console.log(`\nManifest PUT of a new tag, ${MANIFEST_PUTS} sequential requests each (through Wharf: index, event and artifact.push row in one transaction):`);
  row("direct to the registry:", putDirectMs);
  row("through Wharf:", putWharfMs);
  console.log(`  ratio Wharf / direct: p50 ${fmt(percentile(putWharfMs, 0.5) / percentile(putDirectMs, 0.5), 2)}   (goal <= 2 at p50), p99 ${fmt(percentile(putWharfMs, 0.99) / percentile(putDirectMs, 0.99), 2)}`);
  const indexed = await db.query<{ tags: string }>(`SELECT count(*)::text AS tags FROM tags t JOIN repositories r ON r.id = t.repository_id WHERE r.name = 'bench/put'`);
  if (Number(indexed.rows[0]?.tags) !== MANIFEST_PUT_WARMUP + MANIFEST_PUTS) throw new Error(`the index holds ${indexed.rows[0]?.tags} tags of bench/put, not ${MANIFEST_PUT_WARMUP + MANIFEST_PUTS}`);
  agent.destroy();
}

/** One manifest PUT on the keep-alive agent; answers its time in ms (201 required). */
function timedPut(agent: Agent, target: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  const url = new URL(target);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "PUT",
        headers: { ...headers, "content-type": OCI_MANIFEST, "content-length": String(body.length) },
      },
      (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 201 ? resolve(performance.now() - t0) : reject(new Error(`PUT ${target}: HTTP ${res.statusCode}`))));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function throughput(agent: Agent, target: HttpTarget): Promise<number> {
  const t0 = performance.now();
  const reply = await send(agent, target);
  const seconds = (performance.now() - t0) / 1000;
  if (reply.status !== 200 || reply.bytes !== BLOB_BYTES) throw new Error(`blob GET ${target.url}: HTTP ${reply.status}, ${reply.bytes} bytes`);
  return reply.bytes / 1024 / 1024 / seconds;
}

async function timed(agent: Agent, target: HttpTarget): Promise<number> {
  const t0 = performance.now();
  const reply = await send(agent, target);
  if (reply.status !== 200) throw new Error(`GET ${target.url}: HTTP ${reply.status}`);
  return performance.now() - t0;
}

/** A monolithic upload (POST, then PUT with the bytes) straight to the registry. */
async function uploadBlob(registryUrl: string, auth: { authorization: string }, repository: string, bytes: Buffer, digest: string): Promise<void> {
  const start = await fetch(`${registryUrl}/v2/${repository}/blobs/uploads/`, { method: "POST", headers: auth });
  const location = start.headers.get("location");
  if (start.status !== 202 || !location) throw new Error(`starting an upload to ${repository} failed: HTTP ${start.status}`);
  const url = new URL(location, registryUrl);
  url.searchParams.set("digest", digest);
  const done = await fetch(url, {
    method: "PUT",
    headers: { ...auth, "content-type": "application/octet-stream" },
    body: new Uint8Array(bytes),
  });
  if (done.status !== 201) throw new Error(`uploading to ${repository} failed: HTTP ${done.status}`);
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return percentile(sorted, 0.5);
}
