/**
 * Wharf's HTTP front: one node:http server on one port. The registry protocol (`/v2`, `/v2/...`)
 * and the token service (`/service/token`) are answered here directly; everything else (the
 * console, the REST API, next-auth) goes to Next.js's request handler.
 *
 * Why not Next route handlers for the registry: Next's router costs more per request than the
 * whole token check (a trivial route tops out near 1,150 req/s on two cores), its web-stream
 * response writer pays per chunk on blob pulls, it strips Content-Length (which `HEAD` on a blob
 * must carry) and it normalizes `..`, `%2e` and `//` before a handler could refuse them. Here the
 * raw request target reaches the gateway's path parser, Content-Length is ours, and a blob goes
 * from the registry's socket to the client's as node streams (lib/registry/forward.ts).
 *
 * `npm start` runs this through lib/runtime/wharf.ts; `npm run dev` runs it directly with
 * `--dev` (Next in development mode behind the same front).
 */
import type { Readable } from "node:stream";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { register } from "node:module";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import next from "next";

export interface WharfServer {
  server: Server;
  /** Stops accepting, closes idle and open connections, then shuts Next down. */
  close(): Promise<void>;
}

type RegistryHandlers = {
  handleRegistryRequest: (req: Request, rawTarget?: string) => Promise<Response>;
  handleTokenRequest: (req: Request) => Promise<Response>;
  nodeBodyOf: (response: Response) => Readable | null;
  registerNodeBody: (incoming: IncomingMessage) => ReadableStream<Uint8Array>;
};

export async function startServer({ hostname, port, dev = false }: { hostname: string; port: number; dev?: boolean }): Promise<WharfServer> {
  const registry = await loadRegistryHandlers();
  const app = next({ dev, dir: process.cwd(), hostname, port });
  const handleNext = app.getRequestHandler();
  // Runs Next's instrumentation hook (instrumentation.ts: the initial admin) before any request.
  await app.prepare();

  const server = createServer((req, res) => {
    const target = req.url ?? "/";
    if (isRegistryTarget(target)) void serveRegistry(registry, req, res, target);
    else
      handleNext(req, res).catch((error: unknown) => {
        console.error("wharf: request failed", error);
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
  });
  // Slow clients of big blobs are not cut off by Node's default request timeout (5 min).
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });

  return {
    server,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Open downloads are cut: a client resumes with Range, or retries.
      setTimeout(() => server.closeAllConnections(), 2_000).unref();
      await closed;
      await app.close();
    },
  };
}

/** `/v2`, `/v2/...` and `/service/token`, with or without a query; nothing else. */
export function isRegistryTarget(target: string): boolean {
  const question = target.indexOf("?");
  const pathname = question < 0 ? target : target.slice(0, question);
  return pathname === "/v2" || pathname.startsWith("/v2/") || pathname === "/service/token";
}

async function serveRegistry(handlers: RegistryHandlers, req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
  const method = req.method ?? "GET";
  try {
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    // As Next does, the first hop's address is the client (lib/auth/client-info.ts).
    if (!headers.has("x-forwarded-for") && req.socket.remoteAddress) headers.set("x-forwarded-for", req.socket.remoteAddress);

    const isToken = !target.startsWith("/v2");
    const hasBody = method !== "GET" && method !== "HEAD";
    // The URL only has to be valid; the gateway reads the raw target, the token service its query.
    const url = `http://${hostOf(req)}${isToken ? target : "/v2/"}`;
    let aborter: AbortController | undefined;
    let signal: AbortSignal | undefined;
    if (!isToken) {
      aborter = new AbortController();
      signal = aborter.signal;
      res.once("close", () => {
        if (!res.writableFinished) aborter?.abort();
      });
    }
    const request = new Request(url, {
      method,
      headers,
      body: hasBody && !isToken ? handlers.registerNodeBody(req) : null,
      signal,
      ...(hasBody && !isToken ? { duplex: "half" } : {}),
    } as RequestInit);

    const response = isToken ? await handlers.handleTokenRequest(request) : await handlers.handleRegistryRequest(request, target);
    await writeResponse(handlers, response, method, res);
  } catch (error) {
    console.error("wharf: registry front: unexpected failure", error);
    if (!res.headersSent) {
      res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ errors: [{ code: "UNKNOWN", message: "Internal error; see the server log." }] }));
    } else res.destroy();
  }
}

function hostOf(req: IncomingMessage): string {
  const host = req.headers.host;
  return host && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? host : "localhost";
}

/**
 * Status and headers as the handler set them (Content-Length included), then the body: a
 * registry stream piped as is, or a generated one (JSON, at most a catalog page) sent whole.
 */
async function writeResponse(handlers: RegistryHandlers, response: Response, method: string, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const upstream = response.body ? handlers.nodeBodyOf(response) : null;
  if (method === "HEAD" || !response.body) {
    upstream?.resume();
    await response.body?.cancel().catch(() => undefined);
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  if (upstream) {
    res.writeHead(response.status, headers);
    // Backpressure both ways; a client that goes away closes the registry connection.
    await pipeline(upstream, res).catch(() => undefined);
    return;
  }
  const body = Buffer.from(await response.arrayBuffer());
  headers["content-length"] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(body);
}

/**
 * The registry modules are loaded here, outside Next's bundler. They import "server-only", whose
 * default export throws: it only resolves to an empty module under React Server Components'
 * "react-server" condition (Next's bundler, vitest's alias do the equivalent). A module resolve
 * hook maps it to an empty module, and only for imports made from this project's own source
 * files: Next's bundle resolves its modules itself (webpack's runtime, `require`), so it is not
 * affected, and neither is anything under node_modules. Dynamic imports, so that the hook is in
 * place before these modules are resolved.
 */
async function loadRegistryHandlers(): Promise<RegistryHandlers> {
  installServerOnlyShim();
  const [{ handleRegistryRequest }, { handleTokenRequest }, { nodeBodyOf, registerNodeBody }] = await Promise.all([
    import("../services/registry-auth/gateway"),
    import("../services/registry-auth/token-endpoint"),
    import("../registry/forward"),
  ]);
  return { handleRegistryRequest, handleTokenRequest, nodeBodyOf, registerNodeBody };
}

const shimState = globalThis as unknown as { wharfServerOnlyShim?: boolean };

function installServerOnlyShim(): void {
  if (shimState.wharfServerOnlyShim) return;
  shimState.wharfServerOnlyShim = true;
  const root = pathToFileURL(process.cwd() + path.sep).href;
  const hook = `
    const root = ${JSON.stringify(root)};
    export async function resolve(specifier, context, nextResolve) {
      const parent = context.parentURL ?? "";
      if (specifier === "server-only" && parent.startsWith(root) && !parent.includes("/node_modules/") && !parent.includes("/.next/")) {
        return { url: "data:text/javascript,", shortCircuit: true };
      }
      return nextResolve(specifier, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  // `npm run dev`: the front with Next in development mode (no migrations, no registry start).
  try {
    process.loadEnvFile(".env");
  } catch {
    // no .env
  }
  const dev = process.argv.includes("--dev");
  const hostname = process.env.WHARF_LISTEN_HOST ?? "127.0.0.1";
  const port = Number(process.env.PORT ?? 3000);
  startServer({ hostname, port, dev })
    .then(() => console.log(`wharf: listening on http://${hostname}:${port}${dev ? " (development)" : ""}`))
    .catch((error: unknown) => {
      console.error(`wharf: could not start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
}
