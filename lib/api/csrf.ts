import type { NextRequest } from "next/server";
import { getServerEnv } from "@/lib/env";
import { ForbiddenError } from "@/lib/errors";

// This module imports no service (no database): the root proxy (proxy.ts) uses it as well.

export const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

/** Whether the caller chose header authentication (Basic, or an unsupported scheme we refuse). */
export function sentAuthorization(req: Request): boolean {
  return (req.headers.get("authorization") ?? "").trim() !== "";
}

/** next-auth's session cookie, with the __Secure- prefix behind https and its chunk suffixes. */
const SESSION_COOKIE = /^(__Secure-)?next-auth\.session-token(\.\d+)?$/;

export function carriesSessionCookie(req: NextRequest): boolean {
  return req.cookies.getAll().some((c) => SESSION_COOKIE.test(c.name));
}

/** The host the browser addressed: a reverse proxy's X-Forwarded-Host, else Host, else the URL's. */
function requestHosts(req: NextRequest): Set<string> {
  const hosts = new Set<string>([new URL(req.url).host]);
  const forwarded = req.headers.get("x-forwarded-host")?.split(",")[0]?.trim();
  const host = req.headers.get("host")?.trim();
  if (forwarded) hosts.add(forwarded.toLowerCase());
  else if (host) hosts.add(host.toLowerCase());
  return hosts;
}

function isSameOrigin(origin: string, req: NextRequest): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.origin === new URL(getServerEnv().externalUrl).origin) return true;
  // Scheme is not compared: behind a TLS-terminating proxy the app sees http for an https page.
  return requestHosts(req).has(parsed.host.toLowerCase());
}

/**
 * Whether the browser says the request comes from one of Wharf's own pages: an `Origin` of this
 * host (or WHARF_EXTERNAL_URL), or, when a browser omits Origin, `Sec-Fetch-Site: same-origin`.
 * `Origin: null` (sandboxed frames, some redirects) never passes.
 */
export function isSameOriginRequest(req: NextRequest): boolean {
  const origin = req.headers.get("origin");
  if (origin !== null) return origin !== "null" && isSameOrigin(origin, req);
  return req.headers.get("sec-fetch-site") === "same-origin";
}

/**
 * Cross-site request protection for the REST API. The session cookie is sent by the browser on
 * its own, so a mutation that relies on it must prove it comes from Wharf's own pages: an
 * `Origin` of this host (or WHARF_EXTERNAL_URL), or, when a browser omits Origin,
 * `Sec-Fetch-Site: same-origin`. Basic-auth calls are exempt (scripts send the header on purpose),
 * and so are calls without a session cookie (they carry no ambient authority to abuse).
 */
export function assertSameOrigin(req: NextRequest): void {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return;
  if (sentAuthorization(req) || !carriesSessionCookie(req)) return;
  if (!isSameOriginRequest(req)) throw new ForbiddenError("cross-site request refused");
}
