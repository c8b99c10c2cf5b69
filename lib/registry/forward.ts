import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { describeFetchFailure } from "@/lib/registry/client";
import { RegistryUnavailableError } from "@/lib/registry/errors";

/**
 * The /v2 gateway's transport: sends one already-authorized request to the backing registry and
 * hands back its answer as a stream. Bodies are never buffered whole (a 1 GB layer goes through
 * in chunks both ways), only listed headers cross in either direction, and the client's
 * credentials never reach the registry: Wharf's own go instead (it trusts Wharf alone).
 *
 * node:http rather than fetch(): a blob through fetch's web streams paid per-64 KiB-chunk
 * overhead and ran at half the speed of a direct pull. Wharf's own front (lib/runtime/server.ts)
 * serves /v2 with node:http too, and bodies it hands over untouched go through as node streams
 * both ways (see nodeBodyOf and registerNodeBody): IncomingMessage piped to IncomingMessage, no
 * web stream in between. Callers that read the Response as a web stream (tests, manifest bodies)
 * get the registry's chunks gathered into larger ones (see bodyStream).
 */
export interface ForwardRequest {
  method: string;
  /** A path Wharf built from validated parts, starting with /v2/. */
  path: string;
  query: URLSearchParams;
  /** The client's request headers; only REQUEST_HEADERS are passed on. */
  headers: Headers;
  body: ReadableStream<Uint8Array> | Uint8Array | null;
  /** Aborts the upstream request when the client goes away. */
  signal?: AbortSignal;
}

export interface ForwardOptions {
  /** Wharf's external URL: upload Locations are rewritten to it. */
  externalUrl: string;
}

const REQUEST_HEADERS = [
  "accept",
  "content-type",
  "content-length",
  "content-range",
  "range",
  "if-none-match",
  "if-match",
  "user-agent",
] as const;

const RESPONSE_HEADERS = [
  "content-type",
  "content-range",
  "range",
  "accept-ranges",
  "docker-content-digest",
  "docker-upload-uuid",
  "docker-distribution-api-version",
  "etag",
  "last-modified",
  "cache-control",
  "link",
  "retry-after",
] as const;

/** Without a byte either way for this long, the registry is considered gone. */
const IDLE_TIMEOUT_MS = 60_000;
/** Uploads may pause longer (a client reading a big layer from a slow disk). */
const UPLOAD_IDLE_TIMEOUT_MS = 300_000;

// One keep-alive pool per process for all gateway traffic.
const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 256 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 256 }) };

export async function forwardToRegistry(request: ForwardRequest, options: ForwardOptions): Promise<Response> {
  const registry = getBackingRegistry();
  const search = request.query.toString();
  const url = new URL(`${registry.baseUrl}${request.path}${search ? `?${search}` : ""}`);

  const headers: OutgoingHttpHeaders = {};
  for (const name of REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  if (registry.authorization) headers.authorization = registry.authorization;
  const hasBody = request.body !== null && request.method !== "GET" && request.method !== "HEAD";
  if (!hasBody) delete headers["content-length"];
  else if (request.body instanceof Uint8Array) headers["content-length"] = String(request.body.byteLength);

  let upstream: IncomingMessage;
  try {
    upstream = await send(url, request.method, headers, hasBody ? request.body : null, request.signal);
  } catch (error) {
    const timeout = hasBody ? UPLOAD_IDLE_TIMEOUT_MS : IDLE_TIMEOUT_MS;
    throw new RegistryUnavailableError(registry.baseUrl, describeFetchFailure(error, timeout), undefined, { cause: error });
  }

  if (upstream.statusCode === 401) {
    // The registry refused Wharf itself (the client was authorized already): passed through, it
    // would tell the client its own credentials were wrong.
    upstream.resume();
    throw new RegistryUnavailableError(
      registry.baseUrl,
      `it refused Wharf's credentials for ${request.method} ${request.path} (check WHARF_REGISTRY_USERNAME and WHARF_REGISTRY_PASSWORD).`,
      401,
    );
  }

  const out = new Headers();
  for (const name of RESPONSE_HEADERS) {
    const value = upstream.headers[name];
    if (typeof value === "string") out.set(name, value);
  }
  const location = upstream.headers.location;
  // Redirects are passed on, as Harbor does: to object storage (pre-signed URLs) unchanged, to the
  // registry itself rewritten to Wharf.
  if (location) out.set("location", rewriteLocation(location, registry.baseUrl, options.externalUrl));
  // Only lengths of bodies passed through byte for byte (node:http never decodes).
  const length = upstream.headers["content-length"];
  if (length !== undefined && /^\d{1,15}$/.test(length) && !upstream.headers["content-encoding"]) out.set("content-length", length);

  const noBody = request.method === "HEAD" || upstream.statusCode === 204 || upstream.statusCode === 304;
  if (noBody) upstream.resume();
  const response = new Response(noBody ? null : bodyStream(upstream), {
    status: upstream.statusCode ?? 502,
    statusText: upstream.statusMessage ?? "",
    headers: out,
  });
  if (!noBody) nodeResponseBodies.set(response, upstream);
  return response;
}

// ---- node-native bodies (Wharf's front) ----

const nodeResponseBodies = new WeakMap<Response, Readable>();
const nodeRequestBodies = new WeakMap<ReadableStream<Uint8Array>, Readable>();

/**
 * The registry's answer behind a Response from forwardToRegistry, as the node stream it is, when
 * nobody has started reading the Response's web body: the front pipes it straight to the client.
 * Reading through the web body instead stays correct (bodyStream attaches to the registry's
 * stream only on its first read).
 */
export function nodeBodyOf(response: Response): Readable | null {
  const upstream = nodeResponseBodies.get(response);
  if (!upstream || !response.body || response.body.locked || response.bodyUsed) return null;
  nodeResponseBodies.delete(response);
  return upstream;
}

/** Lets the front pipe `body` (e.g. a blob file) to the client instead of reading the web body. */
export function attachNodeBody(response: Response, body: Readable): void {
  nodeResponseBodies.set(response, body);
}

/**
 * A web body for a client's upload that forwardToRegistry recognizes: when it reaches the
 * registry unread, the client's IncomingMessage is piped to the registry request directly. Read
 * as a web stream (a manifest checked before forwarding), it converts lazily, on the first read.
 */
export function registerNodeBody(incoming: Readable): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        reader ??= (Readable.toWeb(incoming) as ReadableStream<Uint8Array>).getReader();
        const next = await reader.read();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel(reason) {
        // Refused before reading: the rest of the upload is discarded, the connection stays usable.
        if (reader) await reader.cancel(reason);
        else incoming.resume();
      },
    },
    { highWaterMark: 0 },
  );
  nodeRequestBodies.set(stream, incoming);
  return stream;
}

/**
 * The client's own IncomingMessage behind a web body from registerNodeBody, taken (once) for a
 * reader that wants the node stream itself: a manifest PUT's few hundred bytes read through the
 * two web-stream layers cost several promise turns per chunk on every push. Null for any other
 * body, or one already being read.
 */
export function takeNodeBody(body: ReadableStream<Uint8Array> | null): Readable | null {
  if (!body || body.locked) return null;
  const incoming = nodeRequestBodies.get(body);
  if (!incoming) return null;
  nodeRequestBodies.delete(body);
  return incoming;
}

/** Sends the request; resolves with the response once its headers arrived. */
function send(
  url: URL,
  method: string,
  headers: OutgoingHttpHeaders,
  body: ReadableStream<Uint8Array> | Uint8Array | null,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === "https:";
    const req = (https ? httpsRequest : httpRequest)(url, { method, headers, agent: https ? agents.https : agents.http, signal });
    req.setTimeout(body ? UPLOAD_IDLE_TIMEOUT_MS : IDLE_TIMEOUT_MS, () =>
      req.destroy(Object.assign(new Error("idle timeout"), { name: "TimeoutError" })),
    );
    req.once("response", resolve);
    // `on`, not `once`: a second error (the upload pipe failing after a reset) must not go unheard.
    req.on("error", reject);
    if (body === null) req.end();
    else if (body instanceof Uint8Array) req.end(body);
    // The client's upload streams through as it arrives; an error on either side ends both.
    else if (nodeRequestBodies.has(body) && !body.locked) {
      const incoming = nodeRequestBodies.get(body)!;
      nodeRequestBodies.delete(body);
      pipeline(incoming, req).catch((error: unknown) => req.destroy(error as Error));
    } else pipeline(Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>), req).catch((error: unknown) => req.destroy(error as Error));
  });
}

// ---- response bodies ----

/** Chunks handed to Next are gathered up to this size... */
const CHUNK_BYTES = 1024 * 1024;
/** ...or for at most this long, so a slow registry still trickles through promptly. */
const CHUNK_WAIT_MS = 10;
/** The registry is paused while this much waits for the client (backpressure). */
const BUFFER_LIMIT = 4 * CHUNK_BYTES;

/**
 * The registry's answer as a web stream, in chunks of up to 1 MiB instead of the socket's
 * 64 KiB: web stream consumers pay several promises per chunk. Backpressure reaches the registry
 * (paused while 4 MiB wait), and a reader that goes away closes the registry connection. Nothing
 * is read from the registry before the first pull (see nodeBodyOf).
 */
export function bodyStream(upstream: Readable): ReadableStream<Uint8Array> {
  let parts: Buffer[] = [];
  let buffered = 0;
  let ended = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  let attached = false;
  // Errors before the first read (the registry dies while nobody reads) must not go unheard.
  upstream.on("error", () => undefined);
  const notify = () => {
    const resume = wake;
    wake = null;
    resume?.();
  };
  const attach = () => {
    attached = true;
    upstream.on("data", (chunk: Buffer) => {
      parts.push(chunk);
      buffered += chunk.length;
      if (buffered >= BUFFER_LIMIT) upstream.pause();
      if (buffered >= CHUNK_BYTES) notify();
    });
    upstream.once("end", () => {
      ended = true;
      notify();
    });
    upstream.on("error", (error) => {
      failure = error;
      notify();
    });
    upstream.once("aborted", () => {
      failure ??= new Error("the registry closed the connection mid-body");
      notify();
    });
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!attached) attach();
        const deadline = Date.now() + CHUNK_WAIT_MS;
        while (buffered < CHUNK_BYTES && !ended && !failure) {
          const remaining = deadline - Date.now();
          if (buffered > 0 && remaining <= 0) break;
          await new Promise<void>((resolve) => {
            const timer = buffered > 0 ? setTimeout(resolve, remaining) : undefined;
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
            upstream.resume();
          });
          wake = null;
        }
        if (failure) {
          controller.error(failure);
          return;
        }
        if (buffered > 0) {
          controller.enqueue(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, buffered));
          parts = [];
          buffered = 0;
          upstream.resume();
        }
        if (ended && buffered === 0) controller.close();
      },
      cancel() {
        upstream.destroy();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * The registry builds upload Locations from its own address (absolute, or relative on some
 * versions); clients must come back through Wharf. Locations elsewhere (object storage) are
 * passed through unchanged.
 */
export function rewriteLocation(location: string, registryBaseUrl: string, externalUrl: string): string {
  let target: URL;
  try {
    target = new URL(location, `${registryBaseUrl}/`);
  } catch {
    return location;
  }
  const registry = new URL(registryBaseUrl);
  if (target.origin !== registry.origin) return location;
  return `${externalUrl.replace(/\/+$/, "")}${target.pathname}${target.search}`;
}
