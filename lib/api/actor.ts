import { getToken } from "next-auth/jwt";
import type { NextRequest } from "next/server";
import { type Actor, anonymousActor } from "@/lib/auth/actor";
import { clientInfoFromHeaders } from "@/lib/auth/client-info";
import { UnauthenticatedError } from "@/lib/errors";
import { resolveSessionActor } from "@/lib/services/auth/resolve-session-actor";
import { verifyRegistryCredentials } from "@/lib/services/auth/verify-registry-credentials";

/** `Basic base64(username:password)`; only the first ':' splits (passwords may contain more). */
export function parseBasicCredentials(header: string): { username: string; password: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header.trim());
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Whether the caller chose header authentication (Basic, or an unsupported scheme we refuse). */
export function sentAuthorization(req: Request): boolean {
  return (req.headers.get("authorization") ?? "").trim() !== "";
}

/**
 * Who is calling the REST API. Works on the request alone (no Next request scope), so route
 * handlers can be called directly in tests:
 * - `Authorization: Basic` -> a user's password or a robot's secret (wrong -> 401, locked -> 429);
 *   any other scheme -> 401 (Wharf issues no API bearer tokens);
 * - else the next-auth session cookie, re-checked in Postgres (stale or disabled -> anonymous);
 * - else anonymous.
 */
export async function resolveApiActor(req: NextRequest): Promise<Actor> {
  const client = clientInfoFromHeaders(req.headers);
  if (sentAuthorization(req)) {
    const credentials = parseBasicCredentials(req.headers.get("authorization") ?? "");
    if (!credentials) throw new UnauthenticatedError("Unsupported Authorization header: send Basic credentials.");
    return verifyRegistryCredentials({ ...credentials, client });
  }
  // Without an Authorization header getToken reads only the session cookie (it would otherwise
  // also accept the session JWT as a Bearer token, which the branch above refuses).
  const token = await getToken({ req, secret: process.env.NEXTAUTH_SECRET });
  if (token && typeof token.uid === "number" && typeof token.sv === "number") {
    return (await resolveSessionActor({ userId: token.uid, sessionVersion: token.sv, client })) ?? anonymousActor(client);
  }
  return anonymousActor(client);
}
