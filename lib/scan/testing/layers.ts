/** Builds image layers (tar, optionally gzip'd) in memory for inventory tests. */
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { gzipSync } from "node:zlib";

import { pack } from "tar-stream";

export type LayerEntry =
  | { path: string; content: string | Buffer }
  | { path: string; type: "directory" | "symlink"; linkname?: string };

export async function tarLayer(entries: LayerEntry[]): Promise<Buffer> {
  const tar = pack();
  const done = buffer(tar);
  for (const entry of entries) {
    if ("content" in entry) {
      const data = typeof entry.content === "string" ? Buffer.from(entry.content) : entry.content;
      tar.entry({ name: entry.path, size: data.length, mode: 0o644, mtime: new Date(0) }, data);
    } else {
      tar.entry({ name: entry.path, type: entry.type, linkname: entry.linkname, mode: 0o755, mtime: new Date(0) });
    }
  }
  tar.finalize();
  return done;
}

export async function gzipLayer(entries: LayerEntry[]): Promise<Buffer> {
  return gzipSync(await tarLayer(entries));
}

/** A byte stream delivering `bytes` in small chunks, as a registry response would. */
export function chunked(bytes: Buffer, size = 16 * 1024): AsyncIterable<Uint8Array> {
  return Readable.from(
    (function* () {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    })(),
  );
}
