import "server-only";
import { systemActor } from "@/lib/auth/actor";
import { processCache } from "@/lib/cache/process-cache";
import { db } from "@/lib/db/client";
import type { RegistryClient } from "@/lib/registry/client";
import { endpointClient } from "@/lib/registry/endpoint";
import { endpointConnection } from "@/lib/services/registries/registries";

/**
 * A proxy-cache project's upstream: the registry endpoint it was created with, connected as
 * replication connects (lib/services/registries: the stored credentials, Basic or the token flow
 * the registry asks for, its TLS settings), and how a repository of the project is named there.
 */
export type ProxyUpstream = {
  registryId: number;
  /** `<endpoint name> (<url>)`: how fetch records and messages name it. */
  source: string;
  /** The client, kept with its tokens between requests (a pull is dozens of requests). */
  client: RegistryClient;
  dockerHub: boolean;
};

/**
 * Upstream clients by endpoint id. Kept for a minute, so an endpoint whose credentials or URL an
 * administrator changes is used as changed within a minute on every instance (nothing else
 * invalidates it: a stale client fails with the old credentials, which is what an edit fixes).
 * A connection that fails is not kept: the next request tries again.
 */
const clients = processCache<ProxyUpstream>({ name: "proxy-upstreams", max: 1_000, ttlMs: 60_000, invalidatedBy: null });

/** How long Wharf waits on an upstream before it serves from the cache instead. */
export const UPSTREAM_TIMEOUT_MS = 10_000;

const PROXY_ACTOR = systemActor("proxy-cache");

/**
 * The connected upstream of endpoint `registryId`. Throws RegistryUnavailableError (or
 * RegistryCredentialsError) when the registry cannot be reached, NotFoundError when the endpoint is gone.
 */
export async function proxyUpstream(registryId: number): Promise<ProxyUpstream> {
  const key = String(registryId);
  const hit = clients.get(key);
  if (hit) return hit;
  const row = await db.registryEndpoint.findUniqueOrThrow({ where: { id: registryId }, select: { name: true, url: true, type: true } });
  const endpoint = await endpointConnection({ actor: PROXY_ACTOR, registryId });
  const upstream: ProxyUpstream = {
    registryId,
    source: `${row.name} (${row.url})`,
    client: endpointClient({ ...endpoint, timeoutMs: UPSTREAM_TIMEOUT_MS }),
    dockerHub: row.type === "docker-hub",
  };
  clients.set(key, upstream);
  return upstream;
}

/** Forgets the connected upstreams (tests that restart an upstream on another port). */
export function forgetProxyUpstreams(): void {
  clients.clear();
}

/**
 * The repository at the upstream for `repository` of the proxy project: the project's name comes
 * off (`hub/library/nginx` is `library/nginx` there), and on Docker Hub a one-part name is an
 * official image (`hub/nginx` is `library/nginx`), as `docker pull nginx` means.
 */
export function upstreamRepositoryOf(repository: string, dockerHub: boolean): string {
  const rest = repository.slice(repository.indexOf("/") + 1);
  return dockerHub && !rest.includes("/") ? `library/${rest}` : rest;
}
