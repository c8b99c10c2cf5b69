import type { ClientInfo } from "@/lib/auth/actor";
import { clientInfoFromHeaders } from "@/lib/auth/client-info";
import { parseGatewayRequest, type GatewayRoute, type MountFrom } from "@/lib/gateway/gateway-path";
import { registryErrorResponse } from "@/lib/gateway/registry-response";
import { actionsFor } from "@/lib/services/registry-auth/registry-target";
import type { RegistryScope } from "@/lib/services/registry-auth/scope";

/** A /v2 request the parse stage accepted: everything later stages read from the HTTP request. */
export type GatewayRequest = {
  method: string;
  route: GatewayRoute;
  /** The path sent upstream, rebuilt from the parsed parts. */
  upstreamPath: string;
  /** The query parameters the route passes on (the mount stage may drop `mount` and `from`). */
  query: URLSearchParams;
  mountFrom: MountFrom | null;
  /** A manifest reference that is neither a tag nor a digest (answered 404 after authorization). */
  unknownReference: boolean;
  /** The scope the request needs, as named in challenges (null for the ping). */
  scope: RegistryScope | null;
  /**
   * Every scope a challenge names and a Basic login is granted: `scope`, and for a blob mount
   * pull on the source repository too, so that a client asks its token for both and the mount can
   * happen.
   */
  scopes: RegistryScope[];
  authorization: string | null;
  client: ClientInfo;
};

/**
 * Stage 1: the request target parsed strictly (gateway-path.ts), or the registry error to answer.
 * `rawTarget` is the target exactly as received (Wharf's front passes it); without it the path is
 * taken from `req.url`, which `new URL` has already normalized.
 */
export function parseRequest(req: Request, method: string, rawTarget: string | undefined): GatewayRequest | { response: Response } {
  const { pathname, searchParams } = rawTarget === undefined ? new URL(req.url) : splitTarget(rawTarget);
  const parsed = parseGatewayRequest(method, pathname, searchParams);
  if (!parsed.ok) return { response: registryErrorResponse(parsed.status, parsed.code, parsed.message, { method }) };
  const scope = scopeFor(parsed.route, method);
  const scopes = scope ? [scope] : [];
  if (parsed.mountFrom && parsed.mountFrom.from !== scope?.name) {
    scopes.push({ type: "repository", resourceClass: null, name: parsed.mountFrom.from, actions: ["pull"] });
  }
  return {
    method,
    route: parsed.route,
    upstreamPath: parsed.upstreamPath,
    query: parsed.query,
    mountFrom: parsed.mountFrom,
    unknownReference: parsed.unknownReference,
    scope,
    scopes,
    authorization: req.headers.get("authorization"),
    client: clientInfoFromHeaders(req.headers),
  };
}

/**
 * The request target as the client sent it ("/v2/a/../b?n=1"), without the dot-segment and
 * slash normalization that `new URL` applies: the path parser refuses those forms itself.
 */
function splitTarget(target: string): { pathname: string; searchParams: URLSearchParams } {
  const question = target.indexOf("?");
  if (question < 0) return { pathname: target, searchParams: new URLSearchParams() };
  return { pathname: target.slice(0, question), searchParams: new URLSearchParams(target.slice(question + 1)) };
}

/** The scope a request needs, as named in challenges. */
function scopeFor(route: GatewayRoute, method: string): RegistryScope | null {
  if (route.kind === "ping") return null;
  if (route.kind === "catalog") return { type: "registry", resourceClass: null, name: "catalog", actions: ["*"] };
  return { type: "repository", resourceClass: null, name: route.name, actions: actionsFor(method, route.kind) };
}
