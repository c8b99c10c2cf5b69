/**
 * Wharf's REST route handlers behind a real HTTP server on a loopback port, for tests that drive
 * them with a third-party client (which speaks HTTP, not NextRequest). Each request is routed as
 * Next's app router would: the path under /api/v2.0 matched against the given templates (static
 * before templated), each dynamic segment decoded once. The answer passes through test-kit's
 * call(), so it is also checked against Wharf's OpenAPI document; a handler that throws, or an
 * answer the document does not allow, comes back as a 500 whose body says why. Test-only.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { NextRequest } from "next/server";
import { call } from "@/lib/api/test-kit";

type Handler = (req: NextRequest, context: { params: Promise<Record<string, string>> }) => Promise<Response>;
/** A route module as imported: its exported method handlers. */
export type RouteModule = Partial<Record<"GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE", unknown>>;

const PREFIX = "/api/v2.0";

export type ApiHttpServer = { url: string; requests: { method: string; path: string; status: number }[]; stop(): Promise<void> };

async function bodyOf(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? Buffer.concat(chunks) : undefined;
}

/** Serves `routes` (OpenAPI-style templates under /api/v2.0, e.g. "/projects/{project_name_or_id}"). */
export async function serveApiRoutes(routes: Record<string, RouteModule>): Promise<ApiHttpServer> {
  const table = Object.entries(routes)
    .map(([template, module]) => ({
      module,
      names: [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "([^/]+)")}/?$`),
      dynamic: (template.match(/\{/g) ?? []).length,
    }))
    .sort((a, b) => a.dynamic - b.dynamic);
  const requests: ApiHttpServer["requests"] = [];

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const path = url.pathname.startsWith(PREFIX) ? url.pathname.slice(PREFIX.length) : null;
      const route = path === null ? undefined : table.find((r) => r.pattern.test(path));
      const handler = route?.module[(req.method ?? "GET") as keyof RouteModule] as Handler | undefined;
      let response: Response;
      if (!route || !handler || path === null) {
        response = Response.json({ errors: [{ code: "NOT_FOUND", message: `no route for ${req.method} ${url.pathname} in this test server` }] }, { status: 404 });
      } else {
        const values = route.pattern.exec(path)!.slice(1);
        const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(values[i]!)]));
        const headers = new Headers();
        for (const [key, value] of Object.entries(req.headers)) {
          if (value !== undefined && key !== "x-wharf-client-ip") headers.set(key, Array.isArray(value) ? value.join(", ") : value);
        }
        // The client address as Wharf's HTTP front passes it on (lib/auth/client-address.ts).
        headers.set("x-wharf-client-ip", req.socket.remoteAddress ?? "127.0.0.1");
        const raw = req.method === "GET" || req.method === "HEAD" ? undefined : await bodyOf(req);
        // Copied: BodyInit does not accept a view that may sit on a SharedArrayBuffer.
        const body = raw ? new Uint8Array(raw) : undefined;
        const nextReq = new NextRequest(new URL(`${url.pathname}${url.search}`, `http://${req.headers.host ?? "127.0.0.1"}`), { method: req.method, headers, body });
        response = await call(handler, nextReq, params);
      }
      requests.push({ method: req.method ?? "GET", path: `${url.pathname}${url.search}`, status: response.status });
      const out = Buffer.from(await response.arrayBuffer());
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(out);
    })().catch((error: unknown) => {
      requests.push({ method: req.method ?? "GET", path: req.url ?? "", status: 500 });
      res.writeHead(500, { "content-type": "text/plain" }).end(error instanceof Error ? (error.stack ?? error.message) : String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${PREFIX}/`,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
