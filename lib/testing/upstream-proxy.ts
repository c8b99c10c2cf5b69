import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { findFreePort } from "@/lib/registry/local-registry";

/**
 * An HTTP reverse proxy in front of a test registry that plays a proxy cache's upstream: it counts
 * every request it passes (so a test can say "this blob was fetched from the upstream exactly
 * once"), and can misbehave on purpose — cut a blob's body after some bytes (an upstream that dies
 * mid-blob), trickle it (a slow upstream, so a client can leave mid-blob), or stop answering.
 */
export type UpstreamProxy = {
  url: string;
  port: number;
  /** Requests passed, as `METHOD /path` (query dropped), in order. */
  requests: string[];
  /** GETs of this blob digest passed to the registry. */
  blobGets(digest: string): number;
  /** The next GET of `digest`'s body is cut after `bytes` (the connection is destroyed). */
  cutBlob(digest: string, bytes: number): void;
  /** GETs of `digest` send its body in `chunk`-byte pieces `delayMs` apart. */
  trickleBlob(digest: string, chunk: number, delayMs: number): void;
  /** Stops listening and drops open connections (the upstream is gone); `start()` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
};

export async function startUpstreamProxy(target: string): Promise<UpstreamProxy> {
  const { hostname, port: targetPort } = new URL(target);
  const port = await findFreePort();
  const requests: string[] = [];
  const cuts = new Map<string, number>();
  const trickles = new Map<string, { chunk: number; delayMs: number }>();
  const sockets = new Set<Socket>();
  let server: Server | null = null;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    requests.push(`${req.method ?? "GET"} ${path}`);
    const digest = req.method === "GET" ? /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(path)?.[1] : undefined;
    const upstream = httpRequest({ hostname, port: targetPort, path: req.url, method: req.method, headers: { ...req.headers, host: `${hostname}:${targetPort}` } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      const cut = digest ? cuts.get(digest) : undefined;
      const trickle = digest ? trickles.get(digest) : undefined;
      if (cut !== undefined && digest) {
        cuts.delete(digest);
        let sent = 0;
        answer.on("data", (chunk: Buffer) => {
          if (sent >= cut) return;
          const part = chunk.subarray(0, cut - sent);
          sent += part.byteLength;
          res.write(part);
          if (sent >= cut) {
            answer.destroy();
            res.socket?.destroy();
          }
        });
        return;
      }
      if (trickle) {
        void (async () => {
          for await (const data of answer) {
            const buffer = data as Buffer;
            for (let at = 0; at < buffer.byteLength; at += trickle.chunk) {
              if (res.destroyed) return;
              res.write(buffer.subarray(at, at + trickle.chunk));
              await new Promise((resolve) => setTimeout(resolve, trickle.delayMs));
            }
          }
          res.end();
        })();
        return;
      }
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  };

  const proxy: UpstreamProxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    blobGets: (digest) => requests.filter((line) => line.startsWith("GET ") && line.endsWith(`/blobs/${digest}`)).length,
    cutBlob: (digest, bytes) => void cuts.set(digest, bytes),
    trickleBlob: (digest, chunk, delayMs) => void trickles.set(digest, { chunk, delayMs }),
    async stop() {
      if (!server) return;
      const closing = server;
      server = null;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
    async start() {
      if (server) return;
      const started = createServer(handle);
      started.on("connection", (socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => started.listen(port, "127.0.0.1", resolve));
      server = started;
    },
  };
  await proxy.start();
  return proxy;
}
