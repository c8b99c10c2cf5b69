import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("ip-allowlist-front-tests-secret-key-0123")));

import { parseTrustedProxies } from "@/lib/auth/client-address";
import { startFront, type WharfServer } from "@/lib/runtime/server";
import { updateIpAllowlist } from "@/lib/services/ip-allowlist/ip-allowlist";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";

/*
 * Wharf's real HTTP front with the system IP allowlist set: the test connects from loopback,
 * which it declares a trusted proxy, and presents the client address in X-Forwarded-For, as a
 * load balancer would. The list admits everything but 240.0.0.0/4 (see ip-allowlist.test.ts: other
 * test files share the database and start fronts too), so 240.0.0.x is the refused client.
 */
gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "ip-allowlist-front" });

const WIDE = ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "::/0"];
let front: WharfServer;
let port: number;
const reachedNext: string[] = [];

beforeAll(async () => {
  front = await startFront({
    hostname: "127.0.0.1",
    port: 0,
    trustedProxies: parseTrustedProxies("127.0.0.1"),
    handleNext: async (req, res) => {
      reachedNext.push(req.url ?? "");
      res.writeHead(200, { "content-type": "text/plain" }).end("next");
    },
  });
  port = (front.server.address() as AddressInfo).port;
  const admin = await createTestUser({ isAdmin: true });
  await updateIpAllowlist({ actor: actorFor(admin), input: WIDE });
});

afterAll(async () => {
  const admin = await createTestUser({ isAdmin: true });
  await updateIpAllowlist({ actor: actorFor(admin), input: [] });
  await front?.close();
});

function send(path: string, from: string, { method = "GET", body }: { method?: string; body?: string } = {}) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method, headers: { "x-forwarded-for": from, "user-agent": "ip-allowlist-test" }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("the front and the system IP allowlist", () => {
  it("refuses a client outside the list on the registry, the REST API and the console, each in its own shape", async () => {
    const seenBefore = reachedNext.length;
    const registry = await send("/v2/", "240.0.0.7");
    expect(registry.status).toBe(403);
    expect(JSON.parse(registry.body)).toEqual({
      errors: [{ code: "DENIED", message: "Access from 240.0.0.7 is not allowed by this Wharf's IP allowlist. Ask an administrator to add your address.", detail: null }],
    });
    const token = await send("/service/token?service=wharf&scope=repository:p/a:pull", "240.0.0.7");
    expect(token.status).toBe(403);
    expect(JSON.parse(token.body).errors[0].code).toBe("DENIED");

    const api = await send("/api/v2.0/projects", "240.0.0.7", { method: "POST", body: JSON.stringify({ project_name: "never" }) });
    expect(api.status).toBe(403);
    expect(JSON.parse(api.body)).toEqual({ errors: [{ code: "FORBIDDEN", message: expect.stringContaining("240.0.0.7 is not allowed") }] });

    const page = await send("/projects", "240.0.0.7");
    expect(page.status).toBe(403);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.body).toContain("<h1>Access not allowed</h1>");
    expect(reachedNext).toHaveLength(seenBefore);
    expect(await db.project.findFirst({ where: { name: "never" } })).toBeNull();
  });

  it("admits a client inside the list, and always answers the ping and the health probes", async () => {
    const inside = await send("/projects", "203.0.113.40");
    expect(inside).toMatchObject({ status: 200, body: "next" });
    expect((await send("/v2/", "203.0.113.40")).status).toBe(401); // the registry's challenge: reached the gateway
    for (const path of ["/api/v2.0/ping", "/api/v2.0/health", "/api/v2.0/health/ready"]) {
      expect(await send(path, "240.0.0.8")).toMatchObject({ status: 200, body: "next" });
    }
    expect(reachedNext.slice(-3)).toEqual(["/api/v2.0/ping", "/api/v2.0/health", "/api/v2.0/health/ready"]);
  });

  it("writes one audit row per refused client, area and minute, with the count of repeats", async () => {
    for (let i = 0; i < 3; i += 1) expect((await send("/api/v2.0/users", "240.0.0.33")).status).toBe(403);
    await vi.waitFor(async () => {
      const rows = await db.auditEvent.findMany({ where: { action: "ip_allowlist.deny", clientIp: "240.0.0.33" } });
      expect(rows.map((r) => ({ result: r.result, repeatCount: r.repeatCount, userAgent: r.userAgent, detail: r.detail }))).toEqual([
        { result: "failure", repeatCount: 3, userAgent: "ip-allowlist-test", detail: { area: "api" } },
      ]);
    });
  });
});
