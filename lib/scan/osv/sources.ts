/**
 * Where OSV records come from: a folder of OSV JSON files (searched recursively) or an osv.dev
 * `all.zip`. Both yield one record's text at a time; the zip is read through its central
 * directory with yauzl, each entry inflated as a stream, so the archive is never held in memory.
 */
import { createReadStream } from "node:fs";
import { opendir } from "node:fs/promises";
import path from "node:path";

import yauzl from "yauzl";

export interface OsvSourceEntry {
  /** The file's name inside the folder or zip, for malformed-record reports. */
  name: string;
  /** The file's text, or why it could not be read (counted as malformed). */
  text: string | null;
  error?: string;
}

/** One OSV record file larger than this is refused as malformed (real records are < 1 MB). */
export const MAX_RECORD_BYTES = 8 * 1024 * 1024;

async function* walk(dir: string, prefix = ""): AsyncGenerator<string> {
  const entries = [];
  for await (const entry of await opendir(dir)) entries.push(entry);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* walk(path.join(dir, entry.name), relative);
    else if (entry.isFile() && entry.name.endsWith(".json")) yield relative;
  }
}

async function readBounded(stream: NodeJS.ReadableStream): Promise<{ text: string | null; error?: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_RECORD_BYTES) {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      return { text: null, error: `larger than ${MAX_RECORD_BYTES} bytes` };
    }
    chunks.push(buffer);
  }
  return { text: Buffer.concat(chunks).toString("utf8") };
}

export async function* osvFolderEntries(dir: string): AsyncGenerator<OsvSourceEntry> {
  for await (const relative of walk(dir)) {
    try {
      yield { name: relative, ...(await readBounded(createReadStream(path.join(dir, relative)))) };
    } catch (error) {
      yield { name: relative, text: null, error: error instanceof Error ? error.message : String(error) };
    }
  }
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: true, strictFileNames: false, validateEntrySizes: true }, (error, zip) =>
      error || !zip ? reject(error ?? new Error("no zip")) : resolve(zip),
    ),
  );
}

export class OsvArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OsvArchiveError";
  }
}

/** The .json entries of an OSV zip, one at a time (an unreadable archive is one clear error). */
export async function* osvZipEntries(file: string): AsyncGenerator<OsvSourceEntry> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(file);
  } catch (error) {
    throw new OsvArchiveError(`${path.basename(file)} is not a readable zip archive (${error instanceof Error ? error.message : String(error)}).`);
  }
  try {
    for (;;) {
      const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
        const onEntry = (e: yauzl.Entry) => {
          zip.off("end", onEnd);
          zip.off("error", onError);
          resolve(e);
        };
        const onEnd = () => {
          zip.off("entry", onEntry);
          zip.off("error", onError);
          resolve(null);
        };
        const onError = (error: Error) => {
          zip.off("entry", onEntry);
          zip.off("end", onEnd);
          reject(new OsvArchiveError(`${path.basename(file)}: ${error.message}`));
        };
        zip.once("entry", onEntry);
        zip.once("end", onEnd);
        zip.once("error", onError);
        zip.readEntry();
      });
      if (!entry) return;
      if (entry.fileName.endsWith("/") || !entry.fileName.endsWith(".json")) continue;
      if (entry.uncompressedSize > MAX_RECORD_BYTES) {
        yield { name: entry.fileName, text: null, error: `larger than ${MAX_RECORD_BYTES} bytes` };
        continue;
      }
      try {
        const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
          zip.openReadStream(entry, (error, s) => (error || !s ? reject(error ?? new Error("no stream")) : resolve(s))),
        );
        yield { name: entry.fileName, ...(await readBounded(stream)) };
      } catch (error) {
        yield { name: entry.fileName, text: null, error: error instanceof Error ? error.message : String(error) };
      }
    }
  } finally {
    zip.close();
  }
}
