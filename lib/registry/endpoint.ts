import { RegistryClient } from "./client";
import type { RegistryCredentials } from "./credentials";
import type { RegistryTls } from "./tls-fetch";

/**
 * A registry Wharf talks to over the Distribution API: the backing registry (getBackingRegistry),
 * or a remote one that replication and the proxy cache will read from and write to. One client
 * serves them all; only how it authenticates differs:
 *
 * - `basic`: HTTP Basic with every request (the backing registry with Wharf's own credentials; a
 *   registry with htpasswd auth);
 * - `token`: the Docker token flow. The registry answers 401 with a Bearer challenge naming a
 *   realm, the realm is asked for a token with these credentials (or anonymously without), and
 *   the token is kept per scope until shortly before it expires;
 * - `none`: no credentials (an anonymous token is still fetched if the registry asks for one).
 *
 * A refusal of the credentials is a RegistryCredentialsError, every other failure to talk to it a
 * RegistryUnavailableError (of which the former is a kind), a refusal of the request itself a
 * RegistryError, as for the backing registry.
 */
export type RegistryAuth =
  | { kind: "none" }
  | { kind: "basic"; credentials: RegistryCredentials }
  | { kind: "token"; credentials?: RegistryCredentials }
  /** An Authorization header handed to Wharf as is (a scanner's pull token), sent with every request. */
  | { kind: "authorization"; header: string };

export type RegistryEndpoint = {
  /** How errors and logs name it, e.g. "docker-hub"; unset for the backing registry. */
  name?: string;
  url: string;
  auth: RegistryAuth;
  timeoutMs?: number;
  /**
   * TLS verification for this registry (skip it, or trust a custom CA), applied to every request
   * the client makes, the token realm's included; unset for the backing registry.
   */
  tls?: RegistryTls;
};

/** How errors name a remote endpoint; the backing registry keeps the client's own wording. */
function endpointLabel(endpoint: RegistryEndpoint): string | undefined {
  return endpoint.name === undefined ? undefined : `The registry ${JSON.stringify(endpoint.name)}`;
}

/** A client for the endpoint (each call a new one, with its own token cache). */
export function endpointClient(endpoint: RegistryEndpoint, options: { now?: () => number; beforeWrite?: (what: string) => Promise<void> } = {}): RegistryClient {
  return new RegistryClient({ baseUrl: endpoint.url, auth: endpoint.auth, label: endpointLabel(endpoint), timeoutMs: endpoint.timeoutMs, tls: endpoint.tls, now: options.now, beforeWrite: options.beforeWrite });
}

/** Whether two endpoints are the same registry (a copy between them can mount instead of moving bytes). */
export function sameRegistry(a: RegistryClient, b: RegistryClient): boolean {
  return a === b || (a.baseUrl === b.baseUrl && a.authorization === b.authorization && a.auth.kind === b.auth.kind && a.tlsKey === b.tlsKey);
}
