import type { ServerResponse } from "node:http";

/**
 * The paths the IP allowlist never refuses: the liveness and readiness probes and the ping (a
 * load balancer or orchestrator must see Wharf alive from wherever it probes), /metrics (a
 * scraper, with its own token), and the static assets a refusal page itself needs.
 */
export function isExemptFromIpAllowlist(target: string): boolean {
  const question = target.indexOf("?");
  const pathname = question < 0 ? target : target.slice(0, question);
  return (
    pathname === "/api/v2.0/ping" ||
    pathname === "/api/v2.0/health" ||
    pathname === "/api/v2.0/health/ready" ||
    pathname === "/metrics" ||
    pathname.startsWith("/_next/static/") ||
    pathname === "/favicon.svg" ||
    pathname === "/logo.svg"
  );
}

/** Which part of Wharf a refused request was for: its audit row says so, and its answer's shape follows. */
export function ipAllowlistArea(target: string): "registry" | "api" | "console" {
  if (target === "/v2" || target.startsWith("/v2/") || target.startsWith("/v2?") || target.startsWith("/service/token")) return "registry";
  return target.startsWith("/api/") ? "api" : "console";
}

/**
 * The refusal, in the shape the client reads: the registry's error JSON (docker, skopeo and
 * podman print its message), the REST API's Harbor error JSON, or a short page for a browser.
 * 403 everywhere: the client is known to be refused, and no credential changes that.
 */
export function writeIpAllowlistRefusal(res: ServerResponse, area: "registry" | "api" | "console", address: string | null): void {
  const message = `Access from ${address ?? "an unknown address"} is not allowed by this Wharf's IP allowlist. Ask an administrator to add your address.`;
  const headers = { "x-content-type-options": "nosniff", "cache-control": "no-store" };
  if (area === "registry") {
    res.writeHead(403, { ...headers, "content-type": "application/json; charset=utf-8", "docker-distribution-api-version": "registry/2.0" });
    res.end(JSON.stringify({ errors: [{ code: "DENIED", message, detail: null }] }));
  } else if (area === "api") {
    res.writeHead(403, { ...headers, "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify({ errors: [{ code: "FORBIDDEN", message }] }));
  } else {
    res.writeHead(403, { ...headers, "content-type": "text/html; charset=utf-8" });
    const escaped = message.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Access not allowed · Wharf</title></head><body style="font-family:sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem"><h1>Access not allowed</h1><p>${escaped}</p></body></html>`);
  }
}
