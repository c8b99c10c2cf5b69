/**
 * Test-only: a zip of files built in memory (deflated entries, CRC-32 from zlib), so the tests
 * import the fixture OSV records as an upload exactly as osv.dev's all.zip arrives, without a zip
 * dependency. Imported by *.test.ts and the e2e spec only.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { crc32, deflateRawSync } from "node:zlib";

export function buildZip(files: { name: string; data: Buffer | string }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const data = typeof file.data === "string" ? Buffer.from(file.data, "utf8") : file.data;
    const name = Buffer.from(file.name, "utf8");
    const compressed = deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, compressed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The fixture OSV records of one ecosystem folder (lib/scan/fixtures/osv/<ecosystem>) as an all.zip: `<ID>.json` entries. */
export function fixtureOsvZip(ecosystem: string, root = path.join(process.cwd(), "lib/scan/fixtures/osv")): { zip: Buffer; count: number } {
  const dir = path.join(root, ecosystem);
  const names = readdirSync(dir).filter((n) => n.endsWith(".json")).sort();
  return { zip: buildZip(names.map((name) => ({ name, data: readFileSync(path.join(dir, name)) }))), count: names.length };
}

/** A local HTTP server answering every GET with `body` as a zip, for URL imports in tests. */
export async function serveZip(body: Buffer, file = "/all.zip"): Promise<{ url: string; close: () => Promise<void> }> {
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => {
    if (req.url !== file) return res.writeHead(404).end("no such file");
    res.writeHead(200, { "content-type": "application/zip", "content-length": String(body.length) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}${file}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
