import { createServer, request, type IncomingMessage, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyStream, rewriteLocation } from "@/lib/registry/forward";

const REGISTRY = "http://127.0.0.1:5001";
const EXTERNAL = "https://wharf.example.com";

describe("rewriteLocation", () => {
  it("points the registry's absolute and relative upload Locations at Wharf, keeping the query", () => {
    expect(rewriteLocation(`${REGISTRY}/v2/a/b/blobs/uploads/u1?_state=x%3D`, REGISTRY, EXTERNAL)).toBe(
      `${EXTERNAL}/v2/a/b/blobs/uploads/u1?_state=x%3D`,
    );
    expect(rewriteLocation("/v2/a/b/blobs/uploads/u1?_state=s", REGISTRY, `${EXTERNAL}/`)).toBe(`${EXTERNAL}/v2/a/b/blobs/uploads/u1?_state=s`);
  });

  it("leaves Locations elsewhere (object storage) alone", () => {
    const s3 = "https://bucket.s3.amazonaws.com/docker/registry/v2/blobs/sha256/ab/abc/data?X-Amz-Signature=1";
    expect(rewriteLocation(s3, REGISTRY, EXTERNAL)).toBe(s3);
    expect(rewriteLocation("http://127.0.0.1:5002/v2/x", REGISTRY, EXTERNAL)).toBe("http://127.0.0.1:5002/v2/x");
  });
});

describe("bodyStream", () => {
  let server: Server;
  let port = 0;
  let received: Record<string, number> = {};

  beforeAll(async () => {
    // /big: 8 MiB, /huge: 64 MiB, written in 64 KiB pieces; /broken: part of a body, then the
    // connection dies.
    server = createServer((req, res) => {
      if (req.url === "/big" || req.url === "/huge") {
        const total = (req.url === "/big" ? 8 : 64) * 1024 * 1024;
        res.setHeader("content-length", String(total));
        let sent = 0;
        const more = () => {
          while (sent < total) {
            sent += 64 * 1024;
            received.sent = sent;
            if (!res.write(Buffer.alloc(64 * 1024, sent % 251))) return res.once("drain", more);
          }
          res.end();
        };
        more();
      } else {
        res.setHeader("content-length", "1000000");
        res.write(Buffer.alloc(1000));
        setTimeout(() => res.destroy(), 20);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const address = server.address();
    port = typeof address === "object" && address ? address.port : 0;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function get(path: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => request({ host: "127.0.0.1", port, path }, resolve).on("error", reject).end());
  }

  it("passes every byte through in chunks of up to 1 MiB", async () => {
    received = {};
    const reader = bodyStream(await get("/big")).getReader();
    const sizes: number[] = [];
    for (let next = await reader.read(); !next.done; next = await reader.read()) sizes.push(next.value.byteLength);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(8 * 1024 * 1024);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4 * 1024 * 1024 + 64 * 1024);
    expect(sizes.length).toBeLessThan(64); // gathered, not 128 socket-sized pieces
  });

  it("applies backpressure: an unread stream stops the registry after a few MiB", async () => {
    received = {};
    const stream = bodyStream(await get("/huge"));
    await new Promise((r) => setTimeout(r, 300));
    // 4 MiB held by Wharf plus what the kernel's socket buffers absorb; far from all 64.
    expect(received.sent).toBeLessThan(24 * 1024 * 1024);
    await stream.cancel();
  });

  it("fails the stream when the registry dies mid-body", async () => {
    const reader = bodyStream(await get("/broken")).getReader();
    const outcome = await (async () => {
      for (;;) {
        const next = await reader.read();
        if (next.done) return "ended";
      }
    })().catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(Error);
  });
});
