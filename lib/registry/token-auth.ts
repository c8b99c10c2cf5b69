import { basicAuthorization, type RegistryCredentials } from "./credentials";

/**
 * The Docker registry token flow, client side. A registry with token auth answers 401 with
 * `WWW-Authenticate: Bearer realm="<url>",service="<name>",scope="<type>:<name>:<actions> ..."`;
 * the client asks the realm for a token for that service and those scopes (GET, with HTTP Basic
 * when it has credentials, anonymously otherwise), and repeats the request with
 * `Authorization: Bearer <token>`. Tokens are kept per scope until shortly before they expire, so
 * a copy of many blobs into one repository asks the realm once, not once per request.
 */

export type BearerChallenge = { realm: string; service: string | null; scopes: string[] };

/** `Bearer realm="…",service="…",scope="…"` (other schemes, and a challenge without a realm: null). */
export function parseBearerChallenge(header: string | null): BearerChallenge | null {
  if (!header) return null;
  const match = /^\s*bearer\s+(.*)$/i.exec(header);
  if (!match) return null;
  const params = new Map<string, string>();
  for (const p of (match[1] ?? "").matchAll(/([a-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/gi)) {
    params.set(p[1]!.toLowerCase(), (p[2] ?? p[3] ?? "").replace(/\\(.)/g, "$1"));
  }
  const realm = params.get("realm");
  if (!realm) return null;
  const scope = params.get("scope");
  return { realm, service: params.get("service") ?? null, scopes: scope ? scope.split(" ").filter(Boolean) : [] };
}

/**
 * The scopes a registry will ask for on a request, as Distribution forms its challenge: pull for
 * reads, pull and push for writes, delete for a DELETE, the source's pull as well for a
 * cross-repository mount, `registry:catalog:*` for the catalog. Used to send a token we already
 * hold without a 401 round trip first; when the guess is wrong the registry's challenge is followed.
 */
export function expectedScopes(method: string, path: string): string[] {
  const url = new URL(path, "http://registry.invalid");
  if (url.pathname === "/v2/_catalog") return ["registry:catalog:*"];
  const match = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(url.pathname);
  if (!match) return [];
  const repository = match[1]!;
  if (method === "GET" || method === "HEAD") return [`repository:${repository}:pull`];
  if (method === "DELETE") return [`repository:${repository}:delete`];
  const from = url.searchParams.get("from");
  const scopes = [`repository:${repository}:pull,push`];
  if (url.searchParams.get("mount") && from) scopes.push(`repository:${from}:pull`);
  return scopes;
}

export function scopeKey(scopes: string[]): string {
  return [...scopes].sort().join(" ");
}

/** The realm refused the credentials (401/403): the caller turns it into its typed error. */
export class TokenRefusedError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "TokenRefusedError";
  }
}

/** The realm could not be used (unreachable, 5xx, no token in the answer). */
export class TokenUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TokenUnavailableError";
  }
}

/** What the spec allows a realm to leave out: a token without `expires_in` lives 60 seconds. */
const DEFAULT_TOKEN_SECONDS = 60;
/** A token is used until this long before it expires (a quarter of a short token's life). */
const EXPIRY_MARGIN_SECONDS = 30;
/** Scopes remembered per endpoint; a copy touches two or three, a replication run a few hundred. */
const MAX_CACHED = 1_000;

type CachedToken = { token: string; usableUntil: number };

export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  constructor(private readonly now: () => number) {}

  get(scopes: string[]): string | null {
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (!cached) return null;
    if (cached.usableUntil <= this.now()) {
      this.tokens.delete(key);
      return null;
    }
    return cached.token;
  }

  set(scopes: string[], token: string, expiresInSeconds: number): void {
    const margin = Math.min(EXPIRY_MARGIN_SECONDS, expiresInSeconds / 4);
    if (this.tokens.size >= MAX_CACHED) this.tokens.delete(this.tokens.keys().next().value!);
    this.tokens.set(scopeKey(scopes), { token, usableUntil: this.now() + (expiresInSeconds - margin) * 1000 });
  }
}

/**
 * Asks the realm for a token for the challenge's service and scopes. The realm may be another
 * host (it usually is), but credentials of a registry reached over https are never sent to a
 * plain-http realm: a challenge is the registry's word, and it must not downgrade them.
 */
export async function fetchToken(
  challenge: BearerChallenge,
  credentials: RegistryCredentials | undefined,
  {
    timeoutMs,
    registryUrl,
    fetch: fetchImpl = fetch,
  }: {
    timeoutMs: number;
    registryUrl: string;
    /** The registry's fetch (its TLS settings, tls-fetch.ts): the realm is usually the same host or CA. */
    fetch?: typeof fetch;
  },
): Promise<{ token: string; expiresIn: number }> {
  let url: URL;
  try {
    url = new URL(challenge.realm);
  } catch {
    throw new TokenUnavailableError(`its token realm ${JSON.stringify(challenge.realm)} is not a URL.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new TokenUnavailableError(`its token realm ${url.origin} is not http(s).`);
  }
  if (credentials && url.protocol === "http:" && new URL(registryUrl).protocol === "https:") {
    throw new TokenUnavailableError(`its token realm ${url.origin} is plain http while the registry is https: the credentials are not sent there.`);
  }
  if (challenge.service) url.searchParams.set("service", challenge.service);
  for (const scope of challenge.scopes) url.searchParams.append("scope", scope);
  if (credentials) url.searchParams.set("account", credentials.username);
  let res: Response;
  try {
    res = await fetchImpl(url, {
      headers: credentials ? { Authorization: basicAuthorization(credentials) } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new TokenUnavailableError(`its token realm ${url.origin}${url.pathname} did not answer.`, { cause: error });
  }
  const text = await res.text().catch(() => "");
  if (res.status === 401 || res.status === 403) {
    throw new TokenRefusedError(res.status, `its token realm ${url.origin}${url.pathname} answered HTTP ${res.status}`);
  }
  if (!res.ok) throw new TokenUnavailableError(`its token realm ${url.origin}${url.pathname} answered HTTP ${res.status}.`);
  let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new TokenUnavailableError(`its token realm ${url.origin}${url.pathname} answered with a body that is not JSON.`);
  }
  const token = typeof body.token === "string" && body.token ? body.token : typeof body.access_token === "string" ? body.access_token : "";
  if (!token) throw new TokenUnavailableError(`its token realm ${url.origin}${url.pathname} answered without a token.`);
  const expiresIn = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
  return { token, expiresIn };
}
