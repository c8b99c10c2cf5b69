import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

import { db } from "@/lib/db/client";
import { getServerEnv } from "@/lib/env";
import { AppError, ValidationError } from "@/lib/errors";
import { vulnDbImportJob } from "@/lib/jobs/definitions";
import { osvZipEntries } from "@/lib/scan/osv/sources";

/**
 * Where an OSV zip waits for its import run: uploaded or downloaded bodies are streamed to a file
 * under `<WHARF_DATA_DIR>/vuln-db-imports/` (never held in memory), with a size cap enforced while
 * writing and a SHA-256 computed on the way, then checked to be a zip holding OSV records before
 * anything is queued. The run reads the file later (in the worker); `sweepImportFiles` removes
 * files no run needs any more.
 */

/** osv.dev's whole-database all.zip is ~1 GiB; one ecosystem's is far smaller. */
export const MAX_IMPORT_ZIP_BYTES = 4 * 1024 * 1024 * 1024;

export function importFilesDirectory(): string {
  return path.join(path.resolve(getServerEnv().WHARF_DATA_DIR), "vuln-db-imports");
}

export class ZipTooLargeError extends AppError {
  constructor(maxBytes: number) {
    super(`The zip is larger than the limit of ${formatBytes(maxBytes)}.`, 413, "PAYLOAD_TOO_LARGE");
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

export type ReceivedZip = { file: string; bytes: number; sha256: string };

/**
 * Streams `source` into a new file of the imports directory: at most `maxBytes` (more throws
 * ZipTooLargeError as soon as the limit is passed, and the partial file is removed), hashed on the
 * way. Any failure removes the file.
 */
export async function receiveZip(source: AsyncIterable<Uint8Array>, maxBytes: number, signal?: AbortSignal): Promise<ReceivedZip> {
  const dir = importFilesDirectory();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `import-${Date.now()}-${randomBytes(6).toString("hex")}.zip`);
  const hash = createHash("sha256");
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(new ZipTooLargeError(maxBytes));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, meter, createWriteStream(file, { mode: 0o600 }), ...(signal ? [{ signal }] : []));
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
  return { file, bytes, sha256: hash.digest("hex") };
}

/**
 * Refuses (400) what the import could not read: an empty body, something that is not a zip, a zip
 * without a single OSV record (`.json` entry). Reads the central directory and the first record
 * only, however large the zip.
 */
export async function assertOsvZip(received: ReceivedZip, what: string): Promise<void> {
  if (received.bytes === 0) throw new ValidationError(`${what} is empty: send an OSV zip (such as osv.dev's all.zip).`);
  let found = false;
  try {
    for await (const entry of osvZipEntries(received.file)) {
      void entry;
      found = true;
      break;
    }
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^[^ ]+ is not a readable zip archive \((.*)\)\.$/, "$1") : String(error);
    throw new ValidationError(`${what} is not a readable zip archive (${detail}).`);
  }
  if (!found) throw new ValidationError(`${what} holds no OSV records (no .json entry).`);
}

/** How long a file nobody queued (a request that died between writing and queueing) is kept. */
const ORPHAN_AGE_MS = 60 * 60 * 1000;
/** How long the file of a failed import is kept for a retry of its run. */
const FAILED_AGE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Removes import files no run will read again: those of succeeded imports, those of failed ones
 * after a week, and those no run names after an hour. Called before each new import is received,
 * so the directory holds little more than the imports waiting or running.
 */
export async function sweepImportFiles(): Promise<void> {
  const dir = importFilesDirectory();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  if (!names.length) return;
  const runs = await db.$queryRaw<{ path: string | null; status: string; import_status: string | null }[]>`
    SELECT r.payload->>'path' AS path, r.status::text AS status, i.status AS import_status
    FROM job_runs r LEFT JOIN vuln_db_imports i ON i.id = (r.payload->>'importId')::int
    WHERE r.job_name = ${vulnDbImportJob.id} AND r.payload->>'kind' = 'zip' AND starts_with(r.payload->>'path', ${dir + path.sep})`;
  const byPath = new Map<string, { active: boolean; succeeded: boolean }>();
  for (const run of runs) {
    if (!run.path) continue;
    const seen = byPath.get(run.path) ?? { active: false, succeeded: false };
    if (run.status === "queued" || run.status === "running") seen.active = true;
    if (run.import_status === "succeeded") seen.succeeded = true;
    byPath.set(run.path, seen);
  }
  const now = Date.now();
  for (const name of names) {
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) continue;
    const age = now - info.mtimeMs;
    const run = byPath.get(file);
    const done = run ? !run.active && (run.succeeded || age > FAILED_AGE_MS) : age > ORPHAN_AGE_MS;
    if (done) await rm(file, { force: true });
  }
}
