import { randomUUID } from "node:crypto";
import type { NextRequest } from "next/server";
import { resolveApiActor } from "@/lib/api/actor";
import { assertSameOrigin, sentAuthorization } from "@/lib/api/csrf";
import { errorResponse } from "@/lib/api/errors";
import type { Actor } from "@/lib/auth/actor";
import { ValidationError } from "@/lib/errors";
import { CONTROL_CHARACTERS, CONTROL_CHARACTERS_MESSAGE } from "@/lib/validation/common";

export type ApiContext<P> = {
  req: NextRequest;
  /** The request URL (query parameters, path for Location and Link headers). */
  url: URL;
  actor: Actor;
  /** The route's dynamic segments, still URL-decoded by Next. */
  params: P;
  requestId: string;
};

export type ApiHandler<P> = (ctx: ApiContext<P>) => Promise<Response>;

/** The signature Next.js expects of an App Router route handler export. */
export type RouteHandler<P> = (req: NextRequest, context: { params: Promise<P> }) => Promise<Response>;

/** Harbor echoes X-Request-Id; we accept a caller's id only if it is short and plain (it is logged). */
function requestIdOf(req: Request): string {
  const given = req.headers.get("x-request-id");
  return given && /^[\w.:-]{1,64}$/.test(given) ? given : randomUUID();
}

/**
 * Refuses control characters in the path's segments and in query parameters (names and values)
 * before any handler or service sees them: none is legitimate in a name, reference, filter or page
 * number, and a NUL would otherwise reach Postgres, which refuses it with an error (a 500).
 */
function assertNoControlCharacters(url: URL, params: Record<string, string | string[]> | undefined): void {
  // Next's production server resolves `params` to undefined for a route without dynamic segments.
  for (const [name, value] of Object.entries(params ?? {})) {
    if ((Array.isArray(value) ? value : [value]).some((v) => CONTROL_CHARACTERS.test(v))) {
      throw new ValidationError(`${name}: ${CONTROL_CHARACTERS_MESSAGE}`);
    }
  }
  for (const [name, value] of url.searchParams) {
    if (CONTROL_CHARACTERS.test(name) || CONTROL_CHARACTERS.test(value)) {
      throw new ValidationError(`${CONTROL_CHARACTERS.test(name) ? "query parameter name" : name}: ${CONTROL_CHARACTERS_MESSAGE}`);
    }
  }
}

/**
 * Wraps a REST handler: CSRF check for cookie mutations, no control characters in the path or
 * query, the caller's actor, Harbor's error
 * envelope for anything thrown, `X-Request-Id` and `Cache-Control: no-store` on every answer (API
 * responses are per-caller and must not be cached by proxies). Permission decisions stay in the
 * services the handler calls.
 */
export function withApi<P extends Record<string, string> = Record<string, string>>(handler: ApiHandler<P>): RouteHandler<P> {
  return async (req, context) => {
    const requestId = requestIdOf(req);
    let response: Response;
    try {
      assertSameOrigin(req);
      const url = new URL(req.url);
      const params = await context.params;
      assertNoControlCharacters(url, params);
      const actor = await resolveApiActor(req);
      response = await handler({ req, url, actor, params, requestId });
    } catch (err) {
      response = errorResponse(err, { requestId, challenge: sentAuthorization(req) });
    }
    const headers = new Headers(response.headers);
    headers.set("X-Request-Id", requestId);
    headers.set("Cache-Control", "no-store");
    // HEAD answers carry the status and headers only.
    const body = req.method.toUpperCase() === "HEAD" ? null : response.body;
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  };
}

/** `201 Created` with a Location and no body (Harbor's create answer). */
export function created(location: string): Response {
  return new Response(null, { status: 201, headers: { Location: location } });
}

/** `200 OK` with no body (Harbor's answer to PUT and DELETE). */
export function ok(): Response {
  return new Response(null, { status: 200 });
}
