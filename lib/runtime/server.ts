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
import type { Socket } from "node:net";
import type { Readable } from "node:stream";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { register } from "node:module";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import next from "next";
import { CLIENT_IP_HEADER, clientAddress, normalizeAddress, parseTrustedProxies, type TrustedProxies } from "../auth/client-address";
import { ipAllowlistArea, isExemptFromIpAllowlist, writeIpAllowlistRefusal } from "./ip-allowlist-refusal";

export interface WharfServer {
  server: Server;
  /**
   * Stops accepting, closes idle and open connections, writes the pull counts still batched in
   * memory (every write-behind batch, lib/cache/write-behind.ts), then (for startServer) stops the
   * cache invalidation listener and shuts Next down.
   */
  close(): Promise<void>;
}

type RegistryHandlers = {
  handleRegistryRequest: (req: Request, rawTarget?: string) => Promise<Response>;
  handleTokenRequest: (req: Request) => Promise<Response>;
  nodeBodyOf: (response: Response) => Readable | null;
  registerNodeBody: (incoming: IncomingMessage) => ReadableStream<Uint8Array>;
  /** Writes every write-behind batch (the gateway's pull counts among them; see close()). */
  flushWriteBehind: () => Promise<void>;
  /** GET /metrics (Prometheus), and the count and latency of each registry request. */
  handleMetricsRequest: (req: Request) => Promise<Response>;
  recordRegistryRequest: (target: string, method: string, status: number, seconds: number) => void;
  /** The system IP allowlist (lib/services/ip-allowlist): asked for every request but the exempt paths. */
  ipAllowlistDecision: (address: string | null) => Promise<{ allowed: true } | { allowed: false; reason: string }>;
  recordIpAllowlistDenial: (denial: { address: string | null; userAgent: string | null; area: "registry" | "api" | "console" }) => Promise<void>;
};

/** What Next.js's request handler looks like to the front. */
export type NextRequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * Limits on what a connection may hold on to. Node's own request timeout cannot tell routes
 * apart, so it is off and the front times request bodies itself, except blob uploads.
 */
export type FrontLimits = {
  /**
   * Until the request line and headers have arrived. A real client sends them in one go; 30 s
   * still allows a very slow link and frees a slot held by a slow-loris client twice as fast as
   * Node's default (60 s).
   */
  headersTimeoutMs: number;
  /**
   * Until the whole request body has arrived, for every request but a /v2 blob upload. Outside
   * uploads the largest bodies are a manifest or a REST document of at most a few MiB; 60 s is
   * ~17 KiB/s for 1 MiB, and a client trickling bytes to hold connections open is cut.
   */
  bodyTimeoutMs: number;
  /**
   * A connection with no traffic either way for this long is closed, whatever it was doing.
   * Blob uploads and downloads keep flowing while alive; 10 minutes of silence means the other
   * end is gone or stalling on purpose.
   */
  idleTimeoutMs: number;
  /**
   * Open connections in all, so a flood cannot exhaust memory and file descriptors; well above
   * what a busy instance holds (browsers open ~6 each, docker ~3-5 per push or pull).
   */
  maxConnections: number;
  /**
   * Open connections from one peer address that is not a trusted proxy (a proxy carries many
   * clients). 256 leaves room for a CI host running dozens of parallel pulls, and keeps one
   * client from taking the whole of maxConnections.
   */
  maxConnectionsPerPeer: number;
  /** How often Node checks the headers timeout (it is only enforced at these checks). */
  timeoutCheckIntervalMs: number;
};

export const DEFAULT_FRONT_LIMITS: FrontLimits = {
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 60_000,
  idleTimeoutMs: 10 * 60_000,
  maxConnections: 4_096,
  maxConnectionsPerPeer: 256,
  timeoutCheckIntervalMs: 5_000,
};

export async function startServer({
  hostname,
  port,
  dev = false,
  trustedProxies = process.env.WHARF_TRUSTED_PROXIES,
}: {
  hostname: string;
  port: number;
  dev?: boolean;
  /** WHARF_TRUSTED_PROXIES (comma-separated IPs and CIDR ranges). */
  trustedProxies?: string;
}): Promise<WharfServer> {
  const trusted = parseTrustedProxies(trustedProxies);
  const registry = await loadRegistryHandlers();
  // Empties the caches a change committed by any Wharf instance makes wrong (lib/cache/process-cache.ts).
  const { startCacheInvalidationListener } = await import("../cache/invalidation-listener");
  const databaseUrl = process.env.DATABASE_URL;
  const invalidation = databaseUrl ? startCacheInvalidationListener({ databaseUrl }) : null;
  const app = next({ dev, dir: process.cwd(), hostname, port });
  // Runs Next's instrumentation hook (instrumentation.ts: the initial admin) before any request.
  await app.prepare();
  const front = await startFront({ hostname, port, handleNext: app.getRequestHandler(), trustedProxies: trusted, registry });
  return {
    server: front.server,
    async close() {
      await front.close();
      await invalidation?.stop();
      await app.close();
    },
  };
}

/**
 * The front without Next.js's preparation: the registry routes, and every other request handed
 * to `handleNext`. startServer runs it with Next's handler; tests with their own.
 */
export async function startFront({
  hostname,
  port,
  handleNext,
  trustedProxies = parseTrustedProxies(undefined),
  limits: given = {},
  registry: loaded,
}: {
  hostname: string;
  port: number;
  handleNext: NextRequestHandler;
  trustedProxies?: TrustedProxies;
  limits?: Partial<FrontLimits>;
  registry?: RegistryHandlers;
}): Promise<WharfServer> {
  const registry = loaded ?? (await loadRegistryHandlers());
  const limits = { ...DEFAULT_FRONT_LIMITS, ...given };
  /** Registry requests still being handled (serveRegistry never rejects). */
  const inFlight = new Set<Promise<void>>();
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      // Off for all: slow clients of big blobs must not be cut; bodies are timed per request below.
      requestTimeout: 0,
      connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
    },
    (req, res) => {
      const target = req.url ?? "/";
      const address = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], trustedProxies);
      setClientAddress(req, address);
      if (!isLongUpload(req.method, target)) limitBodyTime(req, res, limits.bodyTimeoutMs);
      if (isExemptFromIpAllowlist(target)) {
        dispatch(req, res, target);
        return;
      }
      registry.ipAllowlistDecision(address).then(
        async (decision) => {
          if (decision.allowed) return dispatch(req, res, target);
          const area = ipAllowlistArea(target);
          // Refused before anything reads the body: let it drain so the client sees the answer.
          req.resume();
          writeIpAllowlistRefusal(res, area, address);
          const userAgent = typeof req.headers["user-agent"] === "string" ? req.headers["user-agent"].slice(0, 512) : null;
          await registry
            .recordIpAllowlistDenial({ address, userAgent, area })
            .catch((error: unknown) => console.error("wharf: recording an IP allowlist refusal failed", error));
        },
        (error: unknown) => {
          // The list could not be read (the database is down and it was not cached): a security
          // control does not fail open. The health paths above stay answered.
          console.error("wharf: the IP allowlist could not be read", error);
          if (clientIsGone(req, res) || res.headersSent) return;
          req.resume();
          res.writeHead(503, { "content-type": "text/plain; charset=utf-8", "retry-after": "5" }).end("The IP allowlist cannot be checked right now; try again shortly.");
        },
      );
    },
  );

  /** Hands an admitted request to the registry front or to Next. */
  function dispatch(req: IncomingMessage, res: ServerResponse, target: string): void {
    if (isRegistryTarget(target) || isMetricsTarget(target)) {
      const served = serveRegistry(registry, req, res, target);
      inFlight.add(served);
      void served.finally(() => inFlight.delete(served));
    } else
      handleNext(req, res).catch((error: unknown) => {
        if (clientIsGone(req, res)) return;
        console.error("wharf: request failed", error);
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
  }

  server.timeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections;
  limitConnectionsPerPeer(server, limits.maxConnectionsPerPeer, trustedProxies);
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
      const cut = setTimeout(() => server.closeAllConnections(), 2_000);
      cut.unref();
      await closed;
      clearTimeout(cut);
      // A pull is counted after its manifest was read from the registry: the handlers of cut
      // connections finish (their registry requests are aborted with them) before the flush.
      await Promise.all(inFlight);
      // The batches live on globalThis, so this reaches the pulls noted by any copy of the
      // modules in this process (the front's, which serves /v2, and Next's bundle's). Written
      // now, or lost with the process.
      await registry.flushWriteBehind();
    },
  };
}

/**
 * Puts the client's address (lib/auth/client-address.ts) in the one header everything behind
 * the front reads it from, after removing any copy the client sent. Both views of the headers
 * are rewritten: the registry handlers are built from rawHeaders, Next reads `headers`.
 */
function setClientAddress(req: IncomingMessage, address: string | null): void {
  const raw: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() !== CLIENT_IP_HEADER) raw.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  }
  if (address) raw.push(CLIENT_IP_HEADER, address);
  req.rawHeaders = raw;
  delete req.headers[CLIENT_IP_HEADER];
  if (address) req.headers[CLIENT_IP_HEADER] = address;
}

/**
 * Uploads whose bodies take as long as they take: blob uploads (POST, PATCH, PUT under
 * `/v2/<name>/blobs/uploads/`) and the vulnerability DB's zip upload (POST
 * `/api/v2.0/vulnerability-db/imports`, an osv.dev all.zip of hundreds of MB that an air-gapped
 * site may send over a slow link). Both stream to disk; the idle timeout still cuts a silent client.
 */
export function isLongUpload(method: string | undefined, target: string): boolean {
  if (method !== "POST" && method !== "PATCH" && method !== "PUT") return false;
  const question = target.indexOf("?");
  const pathname = question < 0 ? target : target.slice(0, question);
  if (method === "POST" && /^\/api\/v2\.0\/vulnerability-db\/imports\/?$/.test(pathname)) return true;
  return /^\/v2\/.+\/blobs\/uploads(\/|$)/.test(pathname);
}

/**
 * Closes the connection when the request body has not fully arrived within `ms`. A request
 * without a body is complete when its headers are, and costs no timer.
 */
function limitBodyTime(req: IncomingMessage, res: ServerResponse, ms: number): void {
  if (req.complete) return;
  const timer = setTimeout(() => {
    // The handler may already be answering; the connection is the only thing that can be cut
    // without racing it, and a client holding a request open this long is not reading anyway.
    if (!req.complete) req.socket.destroy();
  }, ms);
  timer.unref();
  res.once("close", () => clearTimeout(timer));
}

function limitConnectionsPerPeer(server: Server, max: number, trustedProxies: TrustedProxies): void {
  const open = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const peer = normalizeAddress(socket.remoteAddress ?? "");
    // No address: the socket is already closed.
    if (!peer || trustedProxies.has(peer)) return;
    const count = (open.get(peer) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(peer, count);
    socket.once("close", () => {
      const left = (open.get(peer) ?? 1) - 1;
      if (left > 0) open.set(peer, left);
      else open.delete(peer);
    });
  });
}

/**
 * The client went away (closed the connection, or was cut by a timeout) before the answer was
 * written: routine, not a server failure, so no 500 and no stack in the log.
 */
function clientIsGone(req: IncomingMessage, res: ServerResponse): boolean {
  return req.socket.destroyed || (res.destroyed && !res.writableFinished);
}

/** `/v2`, `/v2/...` and `/service/token`, with or without a query; nothing else. */
export function isRegistryTarget(target: string): boolean {
  const question = target.indexOf("?");
  const pathname = question < 0 ? target : target.slice(0, question);
  return pathname === "/v2" || pathname.startsWith("/v2/") || pathname === "/service/token";
}

/** Prometheus's scrape path, served here with the registry so it reads this process's counters. */
export function isMetricsTarget(target: string): boolean {
  const question = target.indexOf("?");
  return (question < 0 ? target : target.slice(0, question)) === "/metrics";
}

async function serveRegistry(handlers: RegistryHandlers, req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
  const method = req.method ?? "GET";
  const started = performance.now();
  try {
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);

    if (isMetricsTarget(target)) {
      const url = `http://${hostOf(req)}/metrics`;
      await writeResponse(handlers, await handlers.handleMetricsRequest(new Request(url, { method, headers })), method, res);
      return;
    }
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
    handlers.recordRegistryRequest(target, method, response.status, (performance.now() - started) / 1000);
    await writeResponse(handlers, response, method, res);
  } catch (error) {
    if (clientIsGone(req, res)) return;
    console.error("wharf: registry front: unexpected failure", error);
    if (!res.headersSent) {
      res.writeHead(500, { "content-type": "application/json; charset=utf-8", "x-content-type-options": "nosniff" });
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
  const [
    { handleRegistryRequest },
    { handleTokenRequest },
    { nodeBodyOf, registerNodeBody },
    { flushWriteBehind },
    { handleMetricsRequest },
    { recordRegistryRequest },
    { ipAllowlistDecision, recordIpAllowlistDenial },
  ] = await Promise.all([
    import("../gateway/gateway"),
    import("../gateway/token-endpoint"),
    import("../registry/forward"),
    import("../cache/write-behind"),
    import("../metrics/endpoint"),
    import("../metrics/metrics"),
    import("../services/ip-allowlist/ip-allowlist"),
  ]);
  return {
    handleRegistryRequest,
    handleTokenRequest,
    nodeBodyOf,
    registerNodeBody,
    flushWriteBehind,
    handleMetricsRequest,
    recordRegistryRequest,
    ipAllowlistDecision,
    recordIpAllowlistDenial,
  };
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
    .then((server) => {
      console.log(`wharf: listening on http://${hostname}:${port}${dev ? " (development)" : ""}`);
      // Closing (not just exiting) writes the batched pull counts.
      const stop = () => void server.close().finally(() => process.exit(0));
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    })
    .catch((error: unknown) => {
      console.error(`wharf: could not start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
}
