import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, constants as fsConstants } from "node:fs";
import { mkdir, readdir, rm, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { OCI_IMAGE_MANIFEST } from "../oci/media-types";

/**
 * The registry side of garbage collection: Distribution's own `garbage-collect` (the only thing
 * that deletes blobs), run as a child process against the registry's config, and what Wharf reads
 * and writes in the registry's filesystem storage around it (blob sizes, blob ages, the pin).
 *
 * Never with `--delete-untagged`: in Distribution 2.8 it also removes the children of a multi-arch
 * index and untagged accessories: its mark phase counts only tagged manifests as roots and does not
 * follow an index to its children. Without it, only blobs that no
 * manifest revision of any repository references are eligible.
 *
 * The pin: a blob uploaded shortly before a collection whose manifest is pushed after it is
 * unreferenced while the sweep runs. Before the sweep, every eligible blob younger than the
 * keep-recent window is referenced by one temporary OCI manifest written as a revision of a hidden
 * repository (PIN_REPOSITORY_PREFIX); the sweep's mark then keeps them; the pin is removed after.
 */

export const DEFAULT_GC_BINARY = "/usr/bin/docker-registry";
/**
 * Repositories of pins. They exist only while a sweep runs and hold no tag, so the reconciler
 * indexes nothing from them (a repository without tags is not shown).
 */
export const PIN_REPOSITORY_PREFIX = "wharf-gc-pin";

export type GcTarget = { binary: string; configPath: string; storageDir: string };

/** Where Wharf can collect: the config and storage of the registry, and the binary; else why not. */
export function gcTargetFrom(env: { WHARF_REGISTRY_CONFIG?: string; WHARF_REGISTRY_STORAGE_DIR?: string; WHARF_REGISTRY_GC_BINARY?: string }): GcTarget | { unavailable: string } {
  const binary = env.WHARF_REGISTRY_GC_BINARY ?? DEFAULT_GC_BINARY;
  if (!env.WHARF_REGISTRY_CONFIG || !env.WHARF_REGISTRY_STORAGE_DIR) {
    return {
      unavailable:
        "Garbage collection needs the backing registry's config file and filesystem storage: Wharf knows them for the registry it runs itself; for an external registry set WHARF_REGISTRY_CONFIG and WHARF_REGISTRY_STORAGE_DIR.",
    };
  }
  try {
    accessSync(binary, fsConstants.X_OK);
  } catch {
    return { unavailable: `Garbage collection runs Distribution's ${binary} garbage-collect, which is missing or not executable (WHARF_REGISTRY_GC_BINARY).` };
  }
  return { binary, configPath: env.WHARF_REGISTRY_CONFIG, storageDir: env.WHARF_REGISTRY_STORAGE_DIR };
}

export type GcOutput = {
  marked: number;
  /** Blobs the run found unreferenced (a dry run lists them; a real run deleted them). */
  eligible: string[];
  manifestsEligible: number;
};

const SUMMARY_RE = /^(\d+) blobs marked, (\d+) blobs and (\d+) manifests eligible for deletion$/;
const ELIGIBLE_RE = /^blob eligible for deletion: (sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** Parses garbage-collect's stdout (its summary line and one line per eligible blob). */
export function parseGcOutput(stdout: string): GcOutput {
  const out: GcOutput = { marked: 0, eligible: [], manifestsEligible: 0 };
  let summary = false;
  for (const raw of stdout.split("\n")) {
    const line = raw.trim();
    const s = SUMMARY_RE.exec(line);
    if (s) {
      summary = true;
      out.marked = Number(s[1]);
      out.manifestsEligible = Number(s[3]);
      continue;
    }
    const e = ELIGIBLE_RE.exec(line);
    if (e) out.eligible.push(e[1]!);
  }
  if (!summary) throw new Error("garbage-collect printed no summary line; is this Distribution 2.x?");
  return out;
}

/**
 * Runs `garbage-collect [--dry-run] <config>` (never --delete-untagged). `signal` stops it
 * (SIGTERM, then SIGKILL); its stderr lines (Distribution's log: "Deleting blob: …") go to `onLog`.
 */
export async function runGarbageCollect(
  target: GcTarget,
  { dryRun, signal, onLog }: { dryRun: boolean; signal?: AbortSignal; onLog?: (line: string) => void },
): Promise<GcOutput> {
  // A registry nothing was ever pushed to has no repositories directory, and garbage-collect fails
  // on it ("Path not found"): there is nothing to collect.
  if (!(await exists(path.join(v2(target.storageDir), "repositories")))) return { marked: 0, eligible: [], manifestsEligible: 0 };
  const args = ["garbage-collect", ...(dryRun ? ["--dry-run"] : []), target.configPath];
  const [command, argv] = withParentDeathSignal(target.binary, args);
  const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"], env: withoutRegistryOverrides(process.env) });
  const stdout: Buffer[] = [];
  let errTail = "";
  let pending = "";
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      errTail = `${errTail}${line}\n`.slice(-2000);
      const msg = /msg="([^"]*)"/.exec(line)?.[1] ?? line;
      if (msg.trim()) onLog?.(msg);
    }
  });
  const abort = () => {
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
  };
  signal?.addEventListener("abort", abort, { once: true });
  try {
    const code = await new Promise<number | string>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (c, s) => resolve(s ?? c ?? 0));
    });
    if (signal?.aborted) throw new GcStoppedError();
    if (code !== 0) throw new Error(`garbage-collect ended with ${code}: ${(errTail + pending).trim().split("\n").slice(-3).join(" | ")}`);
    return parseGcOutput(Buffer.concat(stdout).toString("utf8"));
  } finally {
    signal?.removeEventListener("abort", abort);
  }
}

export class GcStoppedError extends Error {
  constructor() {
    super("stopped");
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** `<storage>/docker/registry/v2`, Distribution's filesystem layout root. */
function v2(storageDir: string): string {
  return path.join(storageDir, "docker", "registry", "v2");
}

export function blobDataPath(storageDir: string, digest: string): string {
  const [algorithm, hex] = digest.split(":") as [string, string];
  return path.join(v2(storageDir), "blobs", algorithm, hex.slice(0, 2), hex, "data");
}

/** Size and modification time of each blob's data on disk; absent blobs are left out. */
export async function statBlobs(storageDir: string, digests: readonly string[]): Promise<Map<string, { size: number; mtimeMs: number }>> {
  const out = new Map<string, { size: number; mtimeMs: number }>();
  const queue = [...digests];
  const worker = async () => {
    for (let d = queue.pop(); d !== undefined; d = queue.pop()) {
      try {
        const s = await stat(blobDataPath(storageDir, d));
        out.set(d, { size: s.size, mtimeMs: s.mtimeMs });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return out;
}

/** Every blob in the storage (the benchmark and tests count with it). */
export async function listStoredBlobs(storageDir: string): Promise<string[]> {
  const root = path.join(v2(storageDir), "blobs", "sha256");
  const out: string[] = [];
  let prefixes: string[];
  try {
    prefixes = await readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return out;
    throw error;
  }
  for (const prefix of prefixes) for (const hex of await readdir(path.join(root, prefix))) out.push(`sha256:${hex}`);
  return out;
}

/**
 * Writes the pin: one OCI image manifest referencing `digests` (as layers; its config the first),
 * stored as a blob and linked as a manifest revision of `<PIN_REPOSITORY_PREFIX>/gc-<id>`, exactly
 * where Distribution keeps a pushed manifest, so garbage-collect's mark reads it as one. Returns
 * the repository and the manifest's digest (for removePin).
 */
export async function writePin(storageDir: string, id: number, digests: readonly string[]): Promise<{ repository: string; digest: string }> {
  const repository = `${PIN_REPOSITORY_PREFIX}/gc-${id}`;
  const sizes = await statBlobs(storageDir, digests);
  const descriptors = digests.map((digest) => ({ mediaType: "application/octet-stream", digest, size: sizes.get(digest)?.size ?? 0 }));
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_IMAGE_MANIFEST,
    config: descriptors[0],
    layers: descriptors.slice(1),
    annotations: { "io.wharf.gc.pin": `gc ${id} ${new Date().toISOString()}` },
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const data = blobDataPath(storageDir, digest);
  await mkdir(path.dirname(data), { recursive: true });
  await writeFile(data, bytes);
  const repoDir = path.join(v2(storageDir), "repositories", repository);
  // Distribution's catalog (which garbage-collect walks) knows a repository by its `_layers`
  // directory: the pinned blobs are linked there as a push would link them.
  for (const d of digests) {
    const layerLink = path.join(repoDir, "_layers", "sha256", d.slice(7), "link");
    await mkdir(path.dirname(layerLink), { recursive: true });
    await writeFile(layerLink, d);
  }
  const link = path.join(repoDir, "_manifests", "revisions", "sha256", digest.slice(7), "link");
  await mkdir(path.dirname(link), { recursive: true });
  await writeFile(link, digest);
  return { repository, digest };
}

/** Removes the pin's repository and its manifest blob (referenced by nothing else). */
export async function removePin(storageDir: string, pin: { repository: string; digest: string }): Promise<void> {
  await rm(path.join(v2(storageDir), "repositories", pin.repository), { recursive: true, force: true });
  await rm(path.dirname(blobDataPath(storageDir, pin.digest)), { recursive: true, force: true });
  // The parent `wharf-gc-pin` directory goes once empty, so the catalog does not list it.
  await rmdir(path.join(v2(storageDir), "repositories", PIN_REPOSITORY_PREFIX)).catch(() => undefined);
}

/** Removes pins a stopped or crashed run left behind (each run removes its own; this is the backstop). */
export async function removeStalePins(storageDir: string): Promise<number> {
  const dir = path.join(v2(storageDir), "repositories", PIN_REPOSITORY_PREFIX);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  await rm(dir, { recursive: true, force: true });
  return names.length;
}

const SETPRIV = "/usr/bin/setpriv";

/** garbage-collect dies with us (PR_SET_PDEATHSIG where util-linux's setpriv exists). */
function withParentDeathSignal(binary: string, args: string[]): [string, string[]] {
  try {
    if (process.platform === "linux") {
      accessSync(SETPRIV, fsConstants.X_OK);
      return [SETPRIV, ["--pdeathsig", "SIGKILL", "--", binary, ...args]];
    }
  } catch {
    // no setpriv
  }
  return [binary, args];
}

function withoutRegistryOverrides(source: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = { ...source };
  for (const key of Object.keys(env)) if (key.startsWith("REGISTRY_")) delete env[key];
  return env;
}
