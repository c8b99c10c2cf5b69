/**
 * Proxy-cache pulls (issue 13), side by side in one run, with `skopeo copy` (Debian's) as the client
 * writing to a `dir:` destination each time:
 *  - cold: a pull through a fresh proxy-cache project of Wharf (everything fetched from the
 *    upstream while it is cached) / the same pull straight from the upstream (goal <= 1.2);
 *  - warm: a pull of the cached image through Wharf / the same pull straight from the backing
 *    registry Wharf caches into, as throughput (goal >= 0.9), with the time ratio beside it;
 *  - the load average, since the machine is shared.
 * The upstream is another Distribution on loopback holding one ~200 MB image (four layers of
 * random bytes, made in code as they are uploaded). Each figure is the median of three rounds,
 * the two sides alternating within a round; each cold round uses a project of its own.
 * WHARF_BENCH_PROXY_MB sets a smaller image for a quick run.
 */
import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import { loadavg } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { endpointClient } from "../registry/endpoint";
import { startLocalRegistry } from "../registry/local-registry";
import { layerDigest, layerStream, runCommand } from "./replication";
import { BENCH_ADMIN_PASSWORD, type BenchContext, cpuSeconds, fmt } from "./run";

const TOTAL_MB = Number(process.env.WHARF_BENCH_PROXY_MB ?? 200);
const ROUNDS = 3;
const LAYERS = 4;
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

const mb = (bytes: number) => bytes / 1024 / 1024;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function run(ctx: BenchContext): Promise<void> {
  const upstream = await startLocalRegistry({ dataDir: path.join(ctx.tmp, "proxy-upstream"), auth: { kind: "none" } });
  try {
    const client = endpointClient({ name: "upstream", url: upstream.url, auth: { kind: "none" } });
    const layerBytes = Math.floor((TOTAL_MB * 1024 * 1024) / LAYERS);
    console.log(`\nProxy cache: pushing a ${fmt(TOTAL_MB, 0)} MB image (${LAYERS} layers) to the upstream…`);
    const layers = [];
    for (let seed = 0; seed < LAYERS; seed++) {
      const digest = await layerDigest(100 + seed, layerBytes);
      const { uploadUrl } = await client.startBlobUpload("bench/big");
      await client.uploadBlob(uploadUrl, digest, layerStream(100 + seed, layerBytes), { size: layerBytes });
      layers.push({ mediaType: "application/vnd.oci.image.layer.v1.tar", digest, size: layerBytes });
    }
    const configBytes = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) }, config: {} }));
    const configDigest = `sha256:${createHash("sha256").update(configBytes).digest("hex")}`;
    const { uploadUrl } = await client.startBlobUpload("bench/big");
    await client.uploadBlob(uploadUrl, configDigest, new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array(configBytes)), c.close()) }), { size: configBytes.byteLength });
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: configBytes.byteLength }, layers }));
    await client.putManifest("bench/big", "1", OCI_MANIFEST, manifest);

    const admin = `Basic ${Buffer.from(`admin:${BENCH_ADMIN_PASSWORD}`).toString("base64")}`;
    const api = async (method: string, apiPath: string, body?: unknown) => {
      const res = await fetch(`${ctx.wharfUrl}/api/v2.0${apiPath}`, { method, headers: { Authorization: admin, "Content-Type": "application/json", "X-Resource-Name-In-Location": "true" }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!res.ok) throw new Error(`${method} ${apiPath}: ${res.status} ${await res.text()}`);
      return res;
    };
    await api("POST", "/registries", { name: "bench-upstream", type: "docker-registry", url: upstream.url });
    const registries = (await (await api("GET", "/registries?q=name%3Dbench-upstream")).json()) as { id: number }[];
    const registryId = registries[0]!.id;

    const wharfHost = new URL(ctx.wharfUrl).host;
    const upstreamHost = new URL(upstream.url).host;
    const registryHost = new URL(ctx.registryUrl).host;
    const backingCreds = Buffer.from(ctx.registryAuthorization.slice("Basic ".length), "base64").toString();
    const pull = async (ref: string, creds?: string): Promise<number> => {
      const dir = path.join(ctx.tmp, `pulled-${Math.random().toString(36).slice(2)}`);
      const started = performance.now();
      await runCommand("skopeo", ["--insecure-policy", "copy", "--quiet", "--src-tls-verify=false", ...(creds ? ["--src-creds", creds] : ["--src-no-creds"]), `docker://${ref}`, `dir:${dir}`]);
      const ms = performance.now() - started;
      await rm(dir, { recursive: true, force: true });
      return ms;
    };

    // CPU seconds the servers spent (Wharf, the backing registry, the upstream), per side: on a
    // machine with few cores a cold pull through Wharf is bound by the work it adds (the bytes
    // through Wharf twice, the backing registry hashing and writing them), not by waiting.
    const servers = [ctx.wharfPid, ctx.registryPid, upstream.pid];
    const cpu = () => servers.map(cpuSeconds);
    const spent = (before: number[]) => cpu().map((now, i) => now - before[i]!);
    const cold: { wharf: number; direct: number; cpuWharfSide: number[]; cpuDirectSide: number[] }[] = [];
    let project = "";
    for (let round = 0; round < ROUNDS; round++) {
      project = `bench-proxy-${round}`;
      await api("POST", "/projects", { project_name: project, registry_id: registryId, metadata: { public: "true" } });
      let mark = cpu();
      const direct = await pull(`${upstreamHost}/bench/big:1`);
      const cpuDirectSide = spent(mark);
      mark = cpu();
      const wharf = await pull(`${wharfHost}/${project}/bench/big:1`);
      const cpuWharfSide = spent(mark);
      cold.push({ wharf, direct, cpuWharfSide, cpuDirectSide });
      console.log(`  cold round ${round + 1}: Wharf ${fmt(wharf / 1000, 2)} s, upstream ${fmt(direct / 1000, 2)} s`);
    }
    // The last cold pull's caching (manifest into the registry and the index) ends a moment after.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const res = await fetch(`${ctx.registryUrl}/v2/${project}/bench/big/manifests/1`, { method: "HEAD", headers: { Authorization: ctx.registryAuthorization, Accept: OCI_MANIFEST } });
      if (res.ok) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const warm: { wharf: number; direct: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const direct = await pull(`${registryHost}/${project}/bench/big:1`, backingCreds);
      const wharf = await pull(`${wharfHost}/${project}/bench/big:1`);
      warm.push({ wharf, direct });
    }

    const [load1 = 0, load5 = 0] = loadavg();
    const bytes = TOTAL_MB * 1024 * 1024;
    const show = (label: string, ms: number) => `${label} ${fmt(ms / 1000, 2)} s (${fmt(mb(bytes) / (ms / 1000))} MB/s)`;
    const coldWharf = median(cold.map((c) => c.wharf));
    const coldDirect = median(cold.map((c) => c.direct));
    const warmWharf = median(warm.map((w) => w.wharf));
    const warmDirect = median(warm.map((w) => w.direct));
    console.log(`  cold: ${show("through Wharf", coldWharf)}, ${show("straight from the upstream", coldDirect)}`);
    console.log(`        time ratio Wharf / upstream: ${fmt(coldWharf / coldDirect, 2)} (goal <= 1.2); rounds: ${cold.map((c) => fmt(c.wharf / c.direct, 2)).join(", ")}`);
    const cpuLine = (side: number[]) => `Wharf ${fmt(side[0]!, 2)} s, backing registry ${fmt(side[1]!, 2)} s, upstream ${fmt(side[2]!, 2)} s`;
    const middle = cold.slice().sort((a, b) => a.wharf / a.direct - b.wharf / b.direct)[Math.floor(cold.length / 2)]!;
    console.log(`        server CPU (median round), through Wharf: ${cpuLine(middle.cpuWharfSide)}; straight: ${cpuLine(middle.cpuDirectSide)}`);
    console.log(`  warm: ${show("through Wharf", warmWharf)}, ${show("straight from the backing registry", warmDirect)}`);
    console.log(`        throughput ratio Wharf / backing registry: ${fmt(warmDirect / warmWharf, 2)} (goal >= 0.9); rounds: ${warm.map((w) => fmt(w.direct / w.wharf, 2)).join(", ")}`);
    console.log(`  load average: ${fmt(load1, 2)} (1 min), ${fmt(load5, 2)} (5 min)`);
  } finally {
    await upstream.stop();
  }
}
