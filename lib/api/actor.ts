import { getToken } from "next-auth/jwt";
import { sentAuthorization } from "@/lib/api/csrf";
import type { NextRequest } from "next/server";
import { type Actor, anonymousActor } from "@/lib/auth/actor";
import { clientInfoFromHeaders } from "@/lib/auth/client-info";
import { UnauthenticatedError } from "@/lib/errors";
import { resolveSessionActor } from "@/lib/services/auth/resolve-session-actor";
import { verifyRegistryCredentials } from "@/lib/services/auth/verify-registry-credentials";
import { parseBasicCredentials } from "@/lib/validation/basic-credentials";

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
  if (token && typeof token.uid === "number" && typeof token.sv === "number" && typeof token.sid === "string") {
    return (await resolveSessionActor({ userId: token.uid, sessionVersion: token.sv, sessionId: token.sid, client })) ?? anonymousActor(client);
  }
  return anonymousActor(client);
}
