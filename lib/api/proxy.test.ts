import { unstable_doesMiddlewareMatch } from "next/experimental/testing/server";
import { NextRequest } from "next/server";
import { describe, expect, it, vi } from "vitest";

/*
 * Server actions are POSTs to page URLs; the root proxy (proxy.ts) refuses any that does not come
 * from Wharf's own pages (a same-host Origin, or Sec-Fetch-Site: same-origin without Origin).
 */

vi.hoisted(() => {
  process.env.WHARF_EXTERNAL_URL = "https://registry.example.com";
});

import { config, proxy } from "@/proxy";

const PAGE = "http://wharf.internal:3000/projects/7/members";

function post(headers: Record<string, string>, url = PAGE): NextRequest {
  return new NextRequest(url, {
    method: "POST",
    headers: { host: "wharf.internal:3000", cookie: "next-auth.session-token=abc", "next-action": "7f3a", "content-type": "text/plain;charset=UTF-8", ...headers },
    body: "[]",
  });
}

/** NextResponse.next() marks a request that continues to the page (and its action). */
const passes = (res: Response) => res.headers.get("x-middleware-next") === "1";

describe("the server action origin check", () => {
  it.each<[string, Record<string, string>]>([
    ["no Origin and Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
    ["no Origin and no Sec-Fetch-Site", {}],
    ["another site's Origin", { origin: "https://evil.example" }],
    ["another site's Origin even with Sec-Fetch-Site: same-origin", { origin: "https://evil.example", "sec-fetch-site": "same-origin" }],
    ["Origin: null", { origin: "null" }],
    ["no Origin and Sec-Fetch-Site: same-site (a sibling subdomain)", { "sec-fetch-site": "same-site" }],
  ])("refuses a POST with %s (403, the action never runs)", async (_what, headers) => {
    const res = proxy(post(headers));
    expect(res.status).toBe(403);
    expect(passes(res)).toBe(false);
    expect(await res.text()).toContain("Cross-site request refused");
  });

  it("refuses a form post without the Next-Action header too (a progressive-enhancement action)", () => {
    const req = post({ "sec-fetch-site": "cross-site" });
    req.headers.delete("next-action");
    expect(proxy(req).status).toBe(403);
  });

  it.each<[string, Record<string, string>]>([
    ["its own host as Origin", { origin: "http://wharf.internal:3000" }],
    ["WHARF_EXTERNAL_URL as Origin (behind a reverse proxy)", { origin: "https://registry.example.com" }],
    ["no Origin and Sec-Fetch-Site: same-origin", { "sec-fetch-site": "same-origin" }],
  ])("lets a POST with %s through", (_what, headers) => {
    expect(passes(proxy(post(headers)))).toBe(true);
  });

  it("lets cross-site GETs (links, navigation) through", () => {
    const req = new NextRequest(PAGE, { method: "GET", headers: { "sec-fetch-site": "cross-site" } });
    expect(passes(proxy(req))).toBe(true);
  });

  it("runs on every page path, not on the REST API, next-auth or static assets", () => {
    const matches = (url: string) => unstable_doesMiddlewareMatch({ config, url });
    expect(["/", "/projects", "/projects/7/members", "/admin/health", "/account"].filter((u) => !matches(u))).toEqual([]);
    expect(["/api/v2.0/projects", "/api/auth/callback/credentials", "/_next/static/chunks/app.js"].filter(matches)).toEqual([]);
  });
});
