import { createHash } from "node:crypto";
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";

// As in gateway.test.ts: the registry port and external URL are read once by getServerEnv().
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("front-tests-secret-key-0123456789abcdef")));

import { CLIENT_IP_HEADER, parseTrustedProxies } from "@/lib/auth/client-address";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { startFront, type FrontLimits, type WharfServer } from "@/lib/runtime/server";
import { basic, db } from "@/lib/services/registry-auth/test-fixtures";
import { createTestUser } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";

const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "front" });

/**
 * Stands in for Next.js behind the front: reads the whole body as a route handler would, then
 * answers with the client-address headers it was given, so tests see exactly what Next would.
 */
type SeenByNext = { headers: IncomingHttpHeaders; rawHeaders: string[]; body: number };
function nextStandIn() {
  const seen: SeenByNext[] = [];
  const handleNext = async (req: IncomingMessage, res: ServerResponse) => {
    let body = 0;
    for await (const chunk of req) body += (chunk as Buffer).length;
    seen.push({ headers: req.headers, rawHeaders: req.rawHeaders, body });
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  };
  return { seen, handleNext };
}

const fronts: WharfServer[] = [];
afterEach(async () => {
  await Promise.all(fronts.splice(0).map((front) => front.close()));
});

async function front(options: { limits?: Partial<FrontLimits>; trustedProxies?: string } = {}) {
  const next = nextStandIn();
  const started = await startFront({
    hostname: "127.0.0.1",
    port: 0,
    handleNext: next.handleNext,
    limits: options.limits,
    trustedProxies: parseTrustedProxies(options.trustedProxies),
  });
  fronts.push(started);
  return { ...started, seen: next.seen, port: (started.server.address() as AddressInfo).port };
}

/** A raw connection: what it received, and a promise that settles when the server closes it. */
function rawConnection(port: number) {
  const socket: Socket = connect(port, "127.0.0.1");
  let received = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
  socket.on("error", () => undefined);
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const answered = new Promise<void>((resolve) => socket.once("data", () => resolve()));
  return { socket, closed, answered, received: () => received };
}

/** Writes `piece` every `everyMs` until the connection closes. */
function trickle(socket: Socket, piece: string, everyMs: number): () => void {
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(piece);
  }, everyMs);
  socket.once("close", () => clearInterval(timer));
  return () => clearInterval(timer);
}

function send(port: number, path: string, { method = "GET", headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: Buffer | Buffer[] } = {}) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (!Array.isArray(body)) {
      req.end(body);
      return;
    }
    // Chunked, one piece every 100 ms: a slow uploader.
    const pieces = [...body];
    const next = () => {
      const piece = pieces.shift();
      if (!piece) return void req.end();
      req.write(piece);
      setTimeout(next, 100);
    };
    next();
  });
}

describe("slow requests", () => {
  it("a client trickling a request body to the REST API is cut off", async () => {
    const { port, seen } = await front({ limits: { bodyTimeoutMs: 300 } });
    const conn = rawConnection(port);
    conn.socket.write("POST /api/v2.0/projects HTTP/1.1\r\nHost: wharf.test\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
    trickle(conn.socket, " ", 50);
    await conn.closed;
    expect(seen).toEqual([]);
  });

  it("a vulnerability DB zip trickled to its upload route is not cut by that timeout, and arrives whole", async () => {
    const { port, seen } = await front({ limits: { bodyTimeoutMs: 300 } });
    const pieces = Array.from({ length: 8 }, (_, i) => Buffer.from(`zip piece ${i};`));
    const answer = await send(port, "/api/v2.0/vulnerability-db/imports?file_name=all.zip", {
      method: "POST",
      headers: { "content-type": "application/zip" },
      body: pieces,
    });
    expect(answer.status).toBe(200);
    expect(seen.map((s) => s.body)).toEqual([Buffer.concat(pieces).length]);
  });

  it("a client trickling its headers gets a 408 and the connection closed", async () => {
    const { port, seen } = await front({ limits: { headersTimeoutMs: 300, timeoutCheckIntervalMs: 100 } });
    const conn = rawConnection(port);
    conn.socket.write("GET /api/v2.0/projects HTTP/1.1\r\nHost: wharf.test\r\n");
    trickle(conn.socket, "X-Slow: 1\r\n", 50);
    await conn.closed;
    expect(conn.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(seen).toEqual([]);
  });

  it("a slow /v2 blob upload is not cut by that timeout", async () => {
    const { port } = await front({ limits: { bodyTimeoutMs: 300 } });
    const { repository, token } = await h.setup();
    const auth = { authorization: `Bearer ${token}` };
    const started = await send(port, `/v2/${repository}/blobs/uploads/`, { method: "POST", headers: auth });
    expect(started.status).toBe(202);
    const location = new URL(String(started.headers.location));

    const pieces = Array.from({ length: 8 }, (_, i) => Buffer.from(`slow piece ${i};`));
    const blob = Buffer.concat(pieces);
    const patched = await send(port, location.pathname + location.search, {
      method: "PATCH",
      headers: { ...auth, "content-type": "application/octet-stream" },
      body: pieces,
    });
    expect(patched.status).toBe(202);

    const digest = `sha256:${createHash("sha256").update(blob).digest("hex")}`;
    const done = new URL(String(patched.headers.location));
    done.searchParams.set("digest", digest);
    const put = await send(port, done.pathname + done.search, { method: "PUT", headers: { ...auth, "content-length": "0" } });
    expect(put.status).toBe(201);
    expect((await send(port, `/v2/${repository}/blobs/${digest}`, { headers: auth })).body).toEqual(blob);
  });

  it("one peer cannot hold more than its share of connections", async () => {
    const { port } = await front({ limits: { maxConnectionsPerPeer: 2 } });
    const first = rawConnection(port);
    const second = rawConnection(port);
    // Both are counted once the server has accepted them; a request answered on each proves it.
    for (const c of [first, second]) c.socket.write("GET /ping HTTP/1.1\r\nHost: wharf.test\r\n\r\n");
    await Promise.all([first.answered, second.answered]);
    expect([first.received(), second.received()]).toEqual([expect.stringMatching(/^HTTP\/1\.1 200/), expect.stringMatching(/^HTTP\/1\.1 200/)]);
    const third = rawConnection(port);
    await third.closed;
    expect(third.received()).toBe("");
    for (const c of [first, second]) c.socket.destroy();
  });
});

describe("client address", () => {
  it("Next is given the socket's address in the front's header, whatever the client sent", async () => {
    const { port, seen } = await front();
    const res = await send(port, "/api/v2.0/projects", {
      headers: { "x-forwarded-for": "203.0.113.66", [CLIENT_IP_HEADER]: "203.0.113.67", "X-Wharf-Client-IP": "203.0.113.68" },
    });
    expect(res.status).toBe(200);
    expect(seen[0]!.headers[CLIENT_IP_HEADER]).toBe("127.0.0.1");
    // Exactly one copy, in both views of the headers.
    const raw = seen[0]!.rawHeaders.filter((_, i, all) => i % 2 === 1 && all[i - 1]!.toLowerCase() === CLIENT_IP_HEADER);
    expect(raw).toEqual(["127.0.0.1"]);
  });

  it("behind a trusted proxy, Next is given the right-most untrusted hop", async () => {
    const { port, seen } = await front({ trustedProxies: "127.0.0.1" });
    await send(port, "/", { headers: { "x-forwarded-for": "203.0.113.66, 198.51.100.1" } });
    expect(seen[0]!.headers[CLIENT_IP_HEADER]).toBe("198.51.100.1");
  });
});

describe("through the /v2 gateway", () => {
  it("a pull's audit row (with the socket's address) and its count are in Postgres once the front is closed", async () => {
    const { repository, token } = await h.setup();
    const { image } = await h.pushImage(token, repository, ["1.0"]);
    const started = await front();
    const pulled = await send(started.port, `/v2/${repository}/manifests/1.0`, {
      headers: { authorization: `Bearer ${token}`, accept: OCI_IMAGE_MANIFEST, "x-forwarded-for": "203.0.113.66", [CLIENT_IP_HEADER]: "203.0.113.67" },
    });
    expect(pulled.status).toBe(200);

    // The stop path: what the launcher's shutdown calls. The queued row is written by it.
    await fronts.splice(fronts.indexOf(started), 1)[0]!.close();
    const row = await db.auditEvent.findFirstOrThrow({ where: { action: "artifact.pull", resourceName: `${repository}:1.0` } });
    expect(row.clientIp).toBe("127.0.0.1");
    expect((await db.repository.findUniqueOrThrow({ where: { name: repository } })).pullCount).toBe(1n);
    const artifact = await db.artifact.findFirstOrThrow({ where: { repository: { name: repository }, digest: image.manifestDigest } });
    expect(artifact.pulledAt).toBeInstanceOf(Date);
  });
});

describe("client aborts", () => {
  it("a client that goes away mid-upload: no 500 and nothing in the error log", async () => {
    const errors = vi.spyOn(console, "error");
    try {
      const started = await front();
      const statuses: number[] = [];
      const requests: IncomingMessage[] = [];
      started.server.on("request", (req: IncomingMessage, res: ServerResponse) => {
        requests.push(req);
        res.once("close", () => statuses.push(res.statusCode));
      });
      const { repository, token } = await h.setup();
      const begun = await send(started.port, `/v2/${repository}/blobs/uploads/`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
      const location = new URL(String(begun.headers.location));
      const conn = rawConnection(started.port);
      conn.socket.write(
        `PATCH ${location.pathname}${location.search} HTTP/1.1\r\nHost: wharf.test\r\nAuthorization: Bearer ${token}\r\n` +
          "Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\nthe first bytes",
      );
      // Once the gateway has authorized the upload and streams it to the registry, the client goes.
      await vi.waitFor(() => expect(requests[1]?.readableFlowing).toBe(true), { timeout: 20_000 });
      conn.socket.destroy();
      // Closing waits for the registry handlers still running, so everything they log is in.
      await fronts.splice(fronts.indexOf(started), 1)[0]!.close();
      expect(errors).not.toHaveBeenCalled();
      expect(statuses).not.toContain(500);
    } finally {
      errors.mockRestore();
    }
  });

  it("a REST request body cut off mid-way is a 400 from the route, not a 500 with a stack in the log", async () => {
    const { POST } = await import("@/app/api/v2.0/projects/route");
    const { NextRequest } = await import("next/server");
    const user = await createTestUser();
    let answered: Promise<number> | undefined;
    // What Next's adapter does with a Node request (body: the IncomingMessage itself; signal:
    // aborted when the response closes), then the real route handler.
    const handleNext = async (req: IncomingMessage, res: ServerResponse) => {
      const aborter = new AbortController();
      res.once("close", () => aborter.abort());
      const headers = new Headers();
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
      const init = { method: req.method, headers, body: req as unknown as ReadableStream, duplex: "half", signal: aborter.signal };
      const request = new NextRequest(`http://wharf.test${req.url}`, init as ConstructorParameters<typeof NextRequest>[1]);
      answered = POST(request, { params: Promise.resolve({}) }).then((response) => response.status);
      await answered;
    };
    const errors = vi.spyOn(console, "error");
    try {
      const started = await startFront({ hostname: "127.0.0.1", port: 0, handleNext, limits: { bodyTimeoutMs: 300 } });
      fronts.push(started);
      const conn = rawConnection((started.server.address() as AddressInfo).port);
      conn.socket.write(
        `POST /api/v2.0/projects HTTP/1.1\r\nHost: wharf.test\r\nAuthorization: ${basic(user.username)}\r\n` +
          'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"project_name": "trickled',
      );
      trickle(conn.socket, "x", 50);
      await conn.closed;
      await vi.waitFor(() => expect(answered).toBeDefined(), { timeout: 20_000 });
      expect(await answered).toBe(400);
      expect(errors).not.toHaveBeenCalled();
      expect(await db.project.count({ where: { name: { startsWith: "trickled" } } })).toBe(0);
    } finally {
      errors.mockRestore();
    }
  });
});
