import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { create as createTar } from "tar";
import {
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_LAYER_GZIP,
  OCI_IMAGE_MANIFEST,
} from "@/lib/oci/media-types";

/**
 * Test helper: builds real container images as OCI image layouts in code (there is no Docker
 * daemon), and pushes them with the real skopeo. Everything except `extraBytes` is
 * deterministic, so the same options give the same digests.
 */

const REF_NAME = "org.opencontainers.image.ref.name";
/** Fixed timestamps keep layer and config digests stable between runs. */
const FIXED_MTIME = new Date("2024-01-01T00:00:00Z");
const FIXED_CREATED = "2024-01-01T00:00:00Z";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface OciImageOptions {
  tag: string;
  architecture?: string;
  os?: string;
  variant?: string;
  /** Path inside the layer → content. Defaults to one small file naming the tag and platform. */
  files?: Record<string, string>;
  /** Adds a file of this many random (incompressible) bytes, for big images. */
  extraBytes?: number;
  history?: { created_by: string }[];
  /** Annotations on the image manifest. */
  annotations?: Record<string, string>;
  created?: string;
  /** The config's `author`. */
  author?: string;
}

export interface OciImageResult {
  manifestDigest: string;
  manifestSize: number;
  configDigest: string;
  layerDigests: string[];
  /** sha256 of each uncompressed layer tar (the config's rootfs.diff_ids). */
  diffIds: string[];
  dir: string;
  ref: string;
}

export interface OciIndexOptions {
  tag: string;
  platforms: Platform[];
  annotations?: Record<string, string>;
}

export interface OciIndexResult {
  indexDigest: string;
  indexSize: number;
  /** Child manifest digests in platform order. */
  childDigests: string[];
  children: (OciImageResult & { platform: Platform })[];
  dir: string;
  ref: string;
}

/** Writes (or adds to) an OCI layout at `dir` holding one image, tagged `tag` in index.json. */
export async function writeOciImageLayout(dir: string, options: OciImageOptions): Promise<OciImageResult> {
  await initLayout(dir);
  const image = await writeImageBlobs(dir, options);
  await tagInIndexJson(dir, options.tag, image.manifest);
  return resultFor(dir, options.tag, image);
}

/** Writes one image per platform and an OCI image index over them, tagged `tag`. */
export async function writeOciIndexLayout(dir: string, options: OciIndexOptions): Promise<OciIndexResult> {
  await initLayout(dir);
  const children: (OciImageResult & { platform: Platform })[] = [];
  const entries: (Descriptor & { platform: Platform })[] = [];
  for (const platform of options.platforms) {
    const image = await writeImageBlobs(dir, { tag: options.tag, ...platform });
    const cleanPlatform = withoutUndefined(platform);
    children.push({ ...resultFor(dir, options.tag, image), platform: cleanPlatform });
    entries.push({ ...image.manifest, platform: cleanPlatform });
  }
  const index = withoutUndefined({
    schemaVersion: 2,
    mediaType: OCI_IMAGE_INDEX,
    manifests: entries,
    annotations: options.annotations,
  });
  const descriptor = await writeJsonBlob(dir, OCI_IMAGE_INDEX, index);
  await tagInIndexJson(dir, options.tag, descriptor);
  return {
    indexDigest: descriptor.digest,
    indexSize: descriptor.size,
    childDigests: children.map((c) => c.manifestDigest),
    children,
    dir,
    ref: `oci:${dir}:${options.tag}`,
  };
}

export interface OciAccessoryOptions {
  tag: string;
  /**
   * What the accessory is about, as the manifest's `subject` (an OCI 1.1 referrer). Unset for a
   * cosign-style accessory, which names its subject only by its tag (`sha256-<hex>.sig`).
   */
  subject?: Descriptor;
  /** The manifest's OCI `artifactType` (referrers); unset for none. */
  artifactType?: string;
  /**
   * "cosign": an image config as cosign writes it (empty platform, Go's zero time 0001-01-01 as
   * `created`); "empty": the OCI 1.1 empty config (`{}`, application/vnd.oci.empty.v1+json).
   */
  config: "cosign" | "empty";
  /** The one layer (not a tar): its media type, content and annotations. */
  layer: { mediaType: string; content: string; annotations?: Record<string, string> };
}

export interface OciAccessoryResult {
  manifestDigest: string;
  manifestSize: number;
  dir: string;
  ref: string;
}

/**
 * Writes (or adds to) an OCI layout at `dir` holding one accessory manifest (a signature, an SBOM,
 * ...) shaped as cosign or an OCI 1.1 referrer writes it, tagged `tag` in index.json.
 */
export async function writeOciAccessoryLayout(dir: string, options: OciAccessoryOptions): Promise<OciAccessoryResult> {
  await initLayout(dir);
  const config =
    options.config === "empty"
      ? await writeJsonBlob(dir, "application/vnd.oci.empty.v1+json", {})
      : await writeJsonBlob(dir, OCI_IMAGE_CONFIG, {
          architecture: "",
          created: "0001-01-01T00:00:00Z",
          history: [{ created: "0001-01-01T00:00:00Z" }],
          os: "",
          rootfs: { type: "layers", diff_ids: [`sha256:${createHash("sha256").update(options.layer.content).digest("hex")}`] },
          config: {},
        });
  const bytes = Buffer.from(options.layer.content);
  const layerDigest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  await writeFile(blobPath(dir, layerDigest), bytes);
  const layer = withoutUndefined({ mediaType: options.layer.mediaType, digest: layerDigest, size: bytes.byteLength, annotations: options.layer.annotations });
  const manifest = await writeJsonBlob(
    dir,
    OCI_IMAGE_MANIFEST,
    withoutUndefined({
      schemaVersion: 2,
      mediaType: OCI_IMAGE_MANIFEST,
      artifactType: options.artifactType,
      config,
      layers: [layer],
      subject: options.subject,
    }),
  );
  await tagInIndexJson(dir, options.tag, manifest);
  return { manifestDigest: manifest.digest, manifestSize: manifest.size, dir, ref: `oci:${dir}:${options.tag}` };
}

// ---- layout pieces ----

interface WrittenImage {
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
  diffIds: string[];
}

function resultFor(dir: string, tag: string, image: WrittenImage): OciImageResult {
  return {
    manifestDigest: image.manifest.digest,
    manifestSize: image.manifest.size,
    configDigest: image.config.digest,
    layerDigests: image.layers.map((l) => l.digest),
    diffIds: image.diffIds,
    dir,
    ref: `oci:${dir}:${tag}`,
  };
}

async function initLayout(dir: string): Promise<void> {
  await mkdir(path.join(dir, "blobs", "sha256"), { recursive: true });
  await writeFile(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
}

async function writeImageBlobs(dir: string, options: OciImageOptions): Promise<WrittenImage> {
  const architecture = options.architecture ?? "amd64";
  const os = options.os ?? "linux";
  const created = options.created ?? FIXED_CREATED;
  const files = options.files ?? {
    "hello.txt": `hello from ${options.tag} on ${os}/${architecture}${options.variant ? `/${options.variant}` : ""}\n`,
  };
  const layer = await writeLayer(dir, files, options.extraBytes ?? 0);
  const config = await writeJsonBlob(
    dir,
    OCI_IMAGE_CONFIG,
    withoutUndefined({
      created,
      author: options.author,
      architecture,
      os,
      variant: options.variant,
      config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["/bin/sh"] },
      rootfs: { type: "layers", diff_ids: [layer.diffId] },
      history: (options.history ?? [{ created_by: "wharf test fixture: COPY files /" }]).map((h) => ({ created, ...h })),
    }),
  );
  const manifest = await writeJsonBlob(
    dir,
    OCI_IMAGE_MANIFEST,
    withoutUndefined({
      schemaVersion: 2,
      mediaType: OCI_IMAGE_MANIFEST,
      config,
      layers: [layer.descriptor],
      annotations: options.annotations,
    }),
  );
  return { manifest, config, layers: [layer.descriptor], diffIds: [layer.diffId] };
}

async function writeJsonBlob(dir: string, mediaType: string, value: unknown): Promise<Descriptor> {
  const bytes = Buffer.from(JSON.stringify(value));
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  await writeFile(blobPath(dir, digest), bytes);
  return { mediaType, digest, size: bytes.byteLength };
}

function blobPath(dir: string, digest: string): string {
  return path.join(dir, "blobs", "sha256", digest.slice("sha256:".length));
}

/** index.json maps tags to manifests; an existing entry for the same tag is replaced. */
async function tagInIndexJson(dir: string, tag: string, descriptor: Descriptor): Promise<void> {
  const file = path.join(dir, "index.json");
  let manifests: (Descriptor & { annotations?: Record<string, string> })[] = [];
  try {
    const existing = JSON.parse(await readFile(file, "utf8")) as { manifests?: typeof manifests };
    manifests = (existing.manifests ?? []).filter((m) => m.annotations?.[REF_NAME] !== tag);
  } catch {
    // No index.json yet.
  }
  manifests.push({ ...descriptor, annotations: { [REF_NAME]: tag } });
  await writeFile(file, JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests }));
}

// ---- the layer ----

/**
 * A gzip'd tar of `files` (plus a random file when extraBytes > 0), streamed to disk so big
 * layers never sit in memory. Deterministic: sorted entries, fixed mtime, fixed modes, and
 * node-tar's `portable` mode writes uid/gid 0 and no user names; Node's gzip writes mtime 0.
 */
async function writeLayer(
  dir: string,
  files: Record<string, string>,
  extraBytes: number,
): Promise<{ descriptor: Descriptor; diffId: string }> {
  const staging = await mkdtemp(path.join(tmpdir(), "wharf-layer-"));
  try {
    const entries = await stageFiles(staging, files, extraBytes);
    const tarHash = new HashingPassThrough();
    const gzHash = new HashingPassThrough();
    const partial = path.join(dir, "blobs", "sha256", `.partial-${randomBytes(6).toString("hex")}`);
    const tarStream = createTar({ cwd: staging, portable: true, mtime: FIXED_MTIME, noDirRecurse: true }, entries);
    await pipeline(tarStream, tarHash, createGzip(), gzHash, createWriteStream(partial));
    const digest = `sha256:${gzHash.hex()}`;
    await rename(partial, blobPath(dir, digest));
    return { descriptor: { mediaType: OCI_IMAGE_LAYER_GZIP, digest, size: gzHash.bytes }, diffId: `sha256:${tarHash.hex()}` };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Writes the files with fixed modes (not the umask's) and returns every entry, parents first. */
async function stageFiles(staging: string, files: Record<string, string>, extraBytes: number): Promise<string[]> {
  const entries = new Set<string>();
  const all: [string, string | Buffer][] = Object.entries(files);
  if (extraBytes > 0) all.push(["random.bin", randomBytes(extraBytes)]);
  for (const [name, content] of all) {
    const rel = path.posix.normalize(name.replace(/^\/+/, ""));
    if (!rel || rel === "." || rel.startsWith("..")) throw new Error(`Layer file path ${JSON.stringify(name)} leaves the layer.`);
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      await mkdir(path.join(staging, parent), { recursive: true });
      await chmod(path.join(staging, parent), 0o755);
      entries.add(parent);
    }
    await writeFile(path.join(staging, rel), content);
    await chmod(path.join(staging, rel), 0o644);
    entries.add(rel);
  }
  return [...entries].sort();
}

class HashingPassThrough extends Transform {
  private readonly hash = createHash("sha256");
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  hex(): string {
    return this.hash.digest("hex");
  }
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// ---- skopeo ----

export interface SkopeoCopyOptions {
  /** "user:password" */
  destCreds?: string;
  srcCreds?: string;
  /** Copy every image of an index (multi-arch), not just the host's platform. */
  all?: boolean;
  format?: "oci" | "v2s2";
  timeoutMs?: number;
}

/**
 * `skopeo copy` with TLS verification off (the test registry is plain HTTP on loopback; per
 * the reference, no registries.conf is needed for that), no retries (a failure should show at
 * once), and no signature policy (test images are unsigned; `--insecure-policy` avoids
 * depending on the host's /etc/containers/policy.json). Throws with skopeo's stderr.
 */
export async function skopeoCopy(src: string, dest: string, options: SkopeoCopyOptions = {}): Promise<void> {
  // An empty auth file of our own, so the host's credentials never leak into (or spoil) a test.
  const authDir = await mkdtemp(path.join(tmpdir(), "wharf-skopeo-"));
  try {
    const authFile = path.join(authDir, "auth.json");
    await writeFile(authFile, JSON.stringify({ auths: {} }), { mode: 0o600 });
    await runSkopeo(src, dest, skopeoArgs(src, dest, authFile, options), options.timeoutMs ?? 120_000);
  } finally {
    await rm(authDir, { recursive: true, force: true });
  }
}

function skopeoArgs(src: string, dest: string, authFile: string, options: SkopeoCopyOptions): string[] {
  const args = [
    "--insecure-policy",
    "copy",
    "--quiet",
    "--retry-times",
    "0",
    "--src-tls-verify=false",
    "--dest-tls-verify=false",
    "--authfile",
    authFile,
  ];
  if (options.all) args.push("--all");
  if (options.format) args.push("--format", options.format);
  if (options.srcCreds) args.push("--src-creds", options.srcCreds);
  if (options.destCreds) args.push("--dest-creds", options.destCreds);
  args.push(src, dest);
  return args;
}

async function runSkopeo(src: string, dest: string, args: string[], timeoutMs: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    execFile(
      "skopeo",
      args,
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (!error) return resolve();
        // Neither the message nor a cause may carry the arguments: they hold credentials.
        const exit = error.killed ? `killed (${error.signal ?? "timeout"})` : `exit code ${String(error.code)}`;
        const detail = String(stderr).trim() || exit;
        reject(new Error(`skopeo copy ${src} -> ${dest} failed: ${detail}`));
      },
    );
  });
}
